"""The community list: the communities an activity can record as reached, with Core20PLUS5 groups flagged and
their share of the population where it is known. Editors and administrators keep it."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, is_blank
from framework.engagement.sync import refresh_measures


def save_community_tags(con, user: User, rows: list[dict[str, Any]]) -> int:
    """Replace the community tag list: codes, labels, Core20PLUS5 flags and population shares (%). Tags in use by
    an activity cannot be removed, only made inactive. Return how many tags there are now."""
    require(user, "edit_framework")
    problems, clean_rows, seen = [], [], set()
    for n, row in enumerate(rows, start=1):
        code = clean_text(row.get("tag_code"))
        label = clean_text(row.get("label"))
        if not code and not label:
            continue
        if not code or not code.replace("_", "").replace("-", "").isalnum():
            problems.append(f"Tag {n}: code {code!r} must use only letters, digits, '-' and '_'.")
        elif code in seen:
            problems.append(f"Tag {n}: code {code!r} is used twice; each tag needs its own code.")
        seen.add(code)
        if not label:
            problems.append(f"Tag {n}: a label is required.")
        share = row.get("population_share")
        if is_blank(share):
            share = None
        else:
            try:
                share = float(share)
                if not 0 <= share <= 100:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(f"Tag {n}: population share {row.get('population_share')!r} must be a percentage "
                                "from 0 to 100, or blank when it is not known.")
                share = None
        clean_rows.append((code, label, bool(row.get("is_core20plus5") or False), share,
                           clean_text(row.get("description")), n, bool(row.get("active", True)
                                                                       if not is_blank(row.get("active")) else True)))
    in_use = {r["tag"] for r in read_rows(con, "SELECT DISTINCT unnest(communities) AS tag FROM engagement_activity")}
    missing = sorted(in_use - seen)
    if missing:
        problems.append(f"Tags {', '.join(missing)} are used by logged activities; make them inactive instead of "
                        "removing them.")
    if problems:
        raise ValidationError(problems)
    before = read_df(con, "SELECT * FROM community_tag ORDER BY sort_order").to_dict("records")

    def work(cur) -> int:
        cur.execute("DELETE FROM community_tag")
        cur.executemany("INSERT INTO community_tag VALUES (?, ?, ?, ?, ?, ?, ?)", clean_rows)
        audit.record(cur, user, "update", "community_tag", "all", before={"tags": before},
                     after={"tags": [dict(zip(("tag_code", "label", "is_core20plus5", "population_share",
                                               "description", "sort_order", "active"), r)) for r in clean_rows]})
        return len(clean_rows)

    count = transaction(con, work)
    for row in read_rows(con, "SELECT DISTINCT system_code FROM engagement_activity ORDER BY system_code"):
        refresh_measures(con, row["system_code"])  # the Core20PLUS5 flags feed the reach measure
    return count


def community_tags(con, *, active_only: bool = False) -> pd.DataFrame:
    """The editable list of communities an activity can reach, Core20PLUS5 groups flagged, population share in %."""
    where = " WHERE active" if active_only else ""
    return read_df(con, f"SELECT tag_code, label, is_core20plus5, population_share, description, active"
                        f" FROM community_tag{where} ORDER BY sort_order, tag_code")
