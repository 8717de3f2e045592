"""The engagement log: what engagement is happening, at what level, who it reaches, the volunteers involved, and
"you said, we did": what changed because people spoke up.

Activities are logged by partners and editors on a form or in bulk (framework.engagement_import). Both go through
`validate_activity` and `validate_you_said`, which name each field, the value found and what was expected. Every
write rewrites the activity's rows in the insight library's search index and the measures derived from the log in
the same transaction, so the search, the charts and the progress engine never lag behind the log.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.dates import parse_date
from framework.core.db import read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text

METHODS = ("survey", "workshop", "event", "co-design group", "citizens' panel", "outreach", "other")
LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
LEVEL_WORDS = {
    "inform": "Inform: we tell people what is happening",
    "consult": "Consult: we ask for views on our proposals",
    "involve": "Involve: people help shape the options",
    "collaborate": "Collaborate: we decide together",
    "empower": "Empower: people and communities decide",
}
STATUSES = ("planned", "done", "cannot be done")
STATUS_WORDS = {"planned": "Planned", "done": "Done", "cannot be done": "Cannot be done"}

LABELS = {
    "title": "Title", "start_date": "Start date", "end_date": "End date", "lead_partner": "Lead partner",
    "areas": "Areas", "method": "Method", "level": "Level", "communities": "Communities reached",
    "participants": "Participants", "volunteers": "Volunteers", "volunteer_hours": "Volunteer hours",
    "outcomes": "Outcomes", "indicators": "Indicators", "principles": "Principles", "summary": "Summary",
    "evidence_url": "Evidence link", "you_said": "You said", "we_did": "We did", "status": "Status",
    "reason": "Reason", "feedback_date": "Feedback date",
}
ACTIVITY_FIELDS = ("title", "start_date", "end_date", "lead_partner", "areas", "method", "level", "communities",
                   "participants", "volunteers", "volunteer_hours", "outcomes", "indicators", "principles", "summary",
                   "evidence_url")
ITEM_FIELDS = ("you_said", "we_did", "status", "reason", "feedback_date")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field: the value found and what was expected."""

    field: str
    found: Any
    expected: str

    def sentence(self) -> str:
        found = "nothing" if self.found is None or self.found == "" else repr(self.found)
        return f"{LABELS.get(self.field, self.field)}: found {found}; expected {self.expected}."


@dataclass
class Context:
    """What a system's activities may refer to: its areas, outcomes, indicators, the principles and community tags."""

    areas: dict[str, str] = field(default_factory=dict)  # code -> name
    outcomes: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)
    principles: set[int] = field(default_factory=set)
    tags: dict[str, str] = field(default_factory=dict)  # code -> label


def load_context(con, system_code: str) -> Context:
    """The codes an activity of this system may use."""
    areas = read_rows(con, "SELECT a.area_code, a.area_name FROM system_area sa JOIN area a USING (area_code)"
                           " WHERE sa.system_code = ? AND sa.role <> 'comparator'", [system_code])
    outcomes = read_rows(con, "SELECT outcome_code, title FROM outcome WHERE system_code = ?", [system_code])
    indicators = read_rows(con, "SELECT indicator_code, name FROM indicator WHERE system_code = ?", [system_code])
    principles = read_rows(con, "SELECT principle_no FROM principle")
    tags = read_rows(con, "SELECT tag_code, label FROM community_tag WHERE active")
    return Context(
        areas={r["area_code"]: r["area_name"] for r in areas},
        outcomes={r["outcome_code"]: r["title"] for r in outcomes},
        indicators={r["indicator_code"]: r["name"] for r in indicators},
        principles={int(r["principle_no"]) for r in principles},
        tags={r["tag_code"]: r["label"] for r in tags},
    )


# ---------------------------------------------------------------- validation

def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    try:
        if pd.isna(value) is True:
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and not value.strip()


def split_list(value: Any) -> list[str]:
    """A list from a list, or from text with items separated by semicolons or new lines."""
    if isinstance(value, (list, tuple, set)):
        items = [str(v) for v in value]
    elif _blank(value):
        return []
    else:
        items = str(value).replace("\n", ";").split(";")
    return [i.strip() for i in items if i and i.strip()]


def _whole(problems: list[Problem], name: str, value: Any) -> int | None:
    if _blank(value):
        return None
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        problems.append(Problem(name, value, "a whole number of 0 or more"))
        return None
    if number < 0 or number != int(number):
        problems.append(Problem(name, value, "a whole number of 0 or more"))
        return None
    return int(number)


def _codes(problems: list[Problem], name: str, value: Any, known: dict[str, str], what: str) -> list[str]:
    """Match each item by code or by name, ignoring case; report the ones that match nothing."""
    by_key = {k.lower(): k for k in known} | {v.lower(): k for k, v in known.items()}
    out, found = [], []
    for item in split_list(value):
        if item.lower() in by_key or "," not in item:
            found.append(item)
        else:  # "O1, O3": commas separate codes unless the whole text is a known name
            found += [part.strip() for part in item.split(",") if part.strip()]
    for item in found:
        code = by_key.get(item.lower())
        if code is None:
            sample = ", ".join(list(known)[:8]) + (", ..." if len(known) > 8 else "")
            problems.append(Problem(name, item, f"one of this system's {what} ({sample}), separated by semicolons"))
        elif code not in out:
            out.append(code)
    return out


def validate_activity(values: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], list[Problem]]:
    """Check one activity; return it cleaned and the problems found (an empty list when it is good)."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, max_len in (("title", 200), ("lead_partner", 200), ("summary", 20000), ("evidence_url", 1000)):
        text = clean_text(values.get(name)) if not _blank(values.get(name)) else None
        if text and len(text) > max_len:
            problems.append(Problem(name, text[:40] + "...", f"at most {max_len:,} characters"))
        clean[name] = text
    for name, what in (("title", "a short title"), ("lead_partner", "the lead partner organisation's name")):
        if not clean[name]:
            problems.append(Problem(name, values.get(name), what))
    if clean["evidence_url"] and not clean["evidence_url"].lower().startswith(("http://", "https://")):
        problems.append(Problem("evidence_url", clean["evidence_url"], "a web link starting with https://"))
    for name in ("start_date", "end_date"):
        try:
            clean[name] = parse_date(values.get(name), strict=True)
        except ValueError:
            problems.append(Problem(name, values.get(name), "a date as YYYY-MM-DD or DD/MM/YYYY"))
            clean[name] = None
    if clean["start_date"] is None and not any(p.field == "start_date" for p in problems):
        problems.append(Problem("start_date", values.get("start_date"), "the date the activity started"))
    if clean["end_date"] is None and clean["start_date"] and not any(p.field == "end_date" for p in problems):
        clean["end_date"] = clean["start_date"]
    if clean["start_date"] and clean["end_date"] and clean["end_date"] < clean["start_date"]:
        problems.append(Problem("end_date", clean["end_date"].isoformat(),
                                f"a date on or after the start date {clean['start_date'].isoformat()}"))
    for name, allowed in (("method", METHODS), ("level", LEVELS)):
        raw = values.get(name)
        text = (str(raw).strip().lower().replace("\u2019", "'") if not _blank(raw) else "")
        text = {"citizens panel": "citizens' panel", "co-design": "co-design group", "codesign group": "co-design group"
                }.get(text, text)
        if text not in allowed:
            problems.append(Problem(name, raw, "one of " + ", ".join(allowed)))
        clean[name] = text
    clean["areas"] = _codes(problems, "areas", values.get("areas"), ctx.areas, "areas")
    clean["communities"] = _codes(problems, "communities", values.get("communities"), ctx.tags, "community tags")
    clean["outcomes"] = _codes(problems, "outcomes", values.get("outcomes"), ctx.outcomes, "outcomes")
    clean["indicators"] = _codes(problems, "indicators", values.get("indicators"), ctx.indicators, "indicators")
    principles = []
    for item in [p.strip() for i in split_list(values.get("principles")) for p in i.split(",") if p.strip()]:
        try:
            number = int(float(item))
        except ValueError:
            number = -1
        if number not in ctx.principles:
            problems.append(Problem("principles", item, "a principle number from 1 to 10"))
        elif number not in principles:
            principles.append(number)
    clean["principles"] = sorted(principles)
    for name in ("participants", "volunteers"):
        clean[name] = _whole(problems, name, values.get(name))
    hours = values.get("volunteer_hours")
    clean["volunteer_hours"] = None
    if not _blank(hours):
        try:
            clean["volunteer_hours"] = float(hours)
            if clean["volunteer_hours"] < 0 or clean["volunteer_hours"] != clean["volunteer_hours"]:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(Problem("volunteer_hours", hours, "a number of hours, 0 or more"))
            clean["volunteer_hours"] = None
    if clean["volunteer_hours"] and not clean["volunteers"] and not any(p.field == "volunteers" for p in problems):
        problems.append(Problem("volunteers", values.get("volunteers"),
                                "the number of volunteers (1 or more) when volunteer hours are given"))
    return clean, problems


def validate_you_said(values: dict[str, Any], activity_start: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Check one "you said, we did" item; return it cleaned and the problems found."""
    problems: list[Problem] = []
    clean = {n: (clean_text(values.get(n)) if not _blank(values.get(n)) else None) for n in ("you_said", "we_did", "reason")}
    if not clean["you_said"]:
        problems.append(Problem("you_said", values.get("you_said"), "what people told us, in their words"))
    for name in ("you_said", "we_did", "reason"):
        if clean[name] and len(clean[name]) > 4000:
            problems.append(Problem(name, clean[name][:40] + "...", "at most 4,000 characters"))
    raw = values.get("status")
    status = "planned" if _blank(raw) else str(raw).strip().lower().replace("_", " ")
    status = {"cannot": "cannot be done", "can't be done": "cannot be done", "not possible": "cannot be done"}.get(
        status, status)
    if status not in STATUSES:
        problems.append(Problem("status", raw, "one of planned, done, cannot be done"))
    clean["status"] = status
    if status == "done" and not clean["we_did"]:
        problems.append(Problem("we_did", values.get("we_did"), "what was done, when the status is done"))
    if status == "cannot be done" and not clean["reason"]:
        problems.append(Problem("reason", values.get("reason"), "the reason why it cannot be done"))
    try:
        clean["feedback_date"] = parse_date(values.get("feedback_date"), strict=True)
    except ValueError:
        problems.append(Problem("feedback_date", values.get("feedback_date"), "a date as YYYY-MM-DD or DD/MM/YYYY"))
        clean["feedback_date"] = None
    if clean["feedback_date"] and activity_start and clean["feedback_date"] < activity_start:
        problems.append(Problem("feedback_date", clean["feedback_date"].isoformat(),
                                f"a date on or after the activity started ({activity_start.isoformat()})"))
    return clean, problems


def _raise(problems: list[Problem], prefix: str = "") -> None:
    if problems:
        raise ValidationError([prefix + p.sentence() for p in problems])


# ---------------------------------------------------------------- writes

def insert_activity(cur, user: User, system_code: str, clean: dict[str, Any], batch_id: int | None = None) -> int:
    """Insert a validated activity inside the caller's transaction; return its id (the caller reindexes)."""
    require(user, "log_engagement")
    cols = list(ACTIVITY_FIELDS)
    return int(scalar(
        cur,
        f"INSERT INTO engagement_activity (system_code, {', '.join(cols)}, created_by, batch_id)"
        f" VALUES (?, {', '.join('?' * len(cols))}, ?, ?) RETURNING activity_id",
        [system_code, *[clean[c] for c in cols], user.user_id, batch_id],
    ))


def insert_item(cur, user: User, system_code: str, activity_id: int, clean: dict[str, Any]) -> int:
    """Insert a validated "you said" item inside the caller's transaction; return its id."""
    require(user, "log_engagement")
    return int(scalar(
        cur,
        "INSERT INTO you_said (activity_id, system_code, you_said, we_did, status, reason, feedback_date, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING item_id",
        [activity_id, system_code, *[clean[c] for c in ITEM_FIELDS], user.user_id],
    ))


def after_log_change(cur, system_code: str, activity_ids: Iterable[int], as_of: date | None = None) -> None:
    """Keep the search index and the derived measures in step with the log, inside the caller's transaction;
    the measures count up to as_of (default today)."""
    from framework.engagement.insight_search import reindex_activities
    from framework.engagement.measures import write_measures

    reindex_activities(cur, list(activity_ids))
    write_measures(cur, system_code, as_of)


def save_activity(
    con, user: User, system_code: str, values: dict[str, Any], *, items: Iterable[dict[str, Any]] = (),
    activity_id: int | None = None,
) -> int:
    """Log a new activity (with any "you said" items), or update an existing one; return its id."""
    require(user, "log_engagement")
    ctx = load_context(con, system_code)
    clean, problems = validate_activity(values, ctx)
    cleaned_items = []
    for n, item in enumerate(items, start=1):
        if all(_blank(item.get(f)) for f in ITEM_FIELDS if f != "status"):
            continue  # an untouched blank row on the form
        ci, ip = validate_you_said(item, clean.get("start_date"))
        problems += [Problem(p.field, p.found, p.expected + f" (\"you said\" item {n})") for p in ip]
        cleaned_items.append(ci)
    _raise(problems)

    def work(cur) -> int:
        if activity_id is None:
            new_id = insert_activity(cur, user, system_code, clean)
            audit.record(cur, user, "create", "engagement_activity", str(new_id), system_code=system_code, after=clean)
        else:
            rows = cur.execute("SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                               [activity_id, system_code]).df().to_dict("records")
            if not rows:
                raise ValidationError([f"There is no activity {activity_id} in this system to update."])
            new_id = int(activity_id)
            before = {k: rows[0][k] for k in ACTIVITY_FIELDS}
            before = {k: (list(v) if hasattr(v, "__len__") and not isinstance(v, str) else v) for k, v in before.items()}
            cur.execute(f"UPDATE engagement_activity SET {', '.join(f'{k} = ?' for k in ACTIVITY_FIELDS)}"
                        " WHERE activity_id = ?", [*[clean[k] for k in ACTIVITY_FIELDS], new_id])
            changes = audit.changed_fields(before, clean)
            audit.record(cur, user, "update", "engagement_activity", str(new_id), system_code=system_code,
                         before={k: before[k] for k in changes}, after={k: clean[k] for k in changes})
        for ci in cleaned_items:
            item_id = insert_item(cur, user, system_code, new_id, ci)
            audit.record(cur, user, "create", "you_said", str(item_id), system_code=system_code,
                         after={**ci, "activity_id": new_id})
        after_log_change(cur, system_code, [new_id])
        return new_id

    return transaction(con, work)


def _activity_start(con, system_code: str, activity_id: int) -> date:
    rows = read_rows(con, "SELECT start_date FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                     [activity_id, system_code])
    if not rows:
        raise ValidationError([f"Activity: found {activity_id!r}; expected an activity in this system's log."])
    return rows[0]["start_date"]


def add_you_said(con, user: User, system_code: str, activity_id: int, values: dict[str, Any]) -> int:
    """Add a "you said" item, with what we did about it, to an activity; return its id."""
    require(user, "log_engagement")
    clean, problems = validate_you_said(values, _activity_start(con, system_code, activity_id))
    _raise(problems)

    def work(cur) -> int:
        item_id = insert_item(cur, user, system_code, activity_id, clean)
        audit.record(cur, user, "create", "you_said", str(item_id), system_code=system_code,
                     after={**clean, "activity_id": activity_id})
        after_log_change(cur, system_code, [activity_id])
        return item_id

    return transaction(con, work)


def update_you_said(con, user: User, system_code: str, item_id: int, values: dict[str, Any]) -> None:
    """Record progress on a "you said" item: what we did, its status, the reason, the feedback date."""
    require(user, "log_engagement")
    rows = read_rows(con, "SELECT * FROM you_said WHERE item_id = ? AND system_code = ?", [item_id, system_code])
    if not rows:
        raise ValidationError([f"\"You said\" item: found {item_id!r}; expected an item in this system's log."])
    before = rows[0]
    clean, problems = validate_you_said(values, _activity_start(con, system_code, before["activity_id"]))
    _raise(problems)

    def work(cur) -> None:
        cur.execute("UPDATE you_said SET you_said = ?, we_did = ?, status = ?, reason = ?, feedback_date = ?"
                    " WHERE item_id = ?", [*[clean[c] for c in ITEM_FIELDS], item_id])
        old = {k: before[k] for k in ITEM_FIELDS}
        changes = audit.changed_fields(old, clean)
        audit.record(cur, user, "update", "you_said", str(item_id), system_code=system_code,
                     before={k: old[k] for k in changes}, after={k: clean[k] for k in changes})
        after_log_change(cur, system_code, [before["activity_id"]])

    transaction(con, work)


def delete_activity(con, user: User, system_code: str, activity_id: int, *, reason: str | None = None) -> None:
    """Remove an activity and its "you said" items (editors and admins; the page asks for confirmation)."""
    require(user, "edit_framework")
    rows = read_rows(con, "SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                     [activity_id, system_code])
    if not rows:
        raise ValidationError([f"Activity: found {activity_id!r}; expected an activity in this system's log."])

    def work(cur) -> None:
        cur.execute("DELETE FROM you_said WHERE activity_id = ?", [activity_id])
        cur.execute("DELETE FROM engagement_activity WHERE activity_id = ?", [activity_id])
        audit.record(cur, user, "delete", "engagement_activity", str(activity_id), system_code=system_code,
                     before={k: rows[0][k] for k in ("title", "start_date", "lead_partner", "level")}, reason=reason)
        after_log_change(cur, system_code, [activity_id])

    transaction(con, work)


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
        if _blank(share):
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
                                                                       if not _blank(row.get("active")) else True)))
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
        for (system_code,) in cur.execute("SELECT DISTINCT system_code FROM engagement_activity").fetchall():
            from framework.engagement.measures import write_measures

            write_measures(cur, system_code)
        return len(clean_rows)

    return transaction(con, work)


# ---------------------------------------------------------------- reads

def community_tags(con, *, active_only: bool = False) -> pd.DataFrame:
    """The editable list of communities an activity can reach, Core20PLUS5 groups flagged, population share in %."""
    where = " WHERE active" if active_only else ""
    return read_df(con, f"SELECT tag_code, label, is_core20plus5, population_share, description, active"
                        f" FROM community_tag{where} ORDER BY sort_order, tag_code")


def list_activities(
    con, system_code: str, *, levels: Iterable[str] = (), communities: Iterable[str] = (),
    areas: Iterable[str] = (), date_from: date | None = None, date_to: date | None = None,
) -> pd.DataFrame:
    """The log, newest first, with how many "you said" items each activity has and how many were fed back."""
    where, params = ["a.system_code = ?"], [system_code]
    if levels:
        where.append(f"a.level IN ({', '.join('?' * len(list(levels)))})")
        params += list(levels)
    for column, chosen in (("a.communities", communities), ("a.areas", areas)):
        if chosen:
            where.append(f"list_has_any({column}, ?::VARCHAR[])")
            params.append(list(chosen))
    if date_from:
        where.append("a.end_date >= ?")
        params.append(date_from)
    if date_to:
        where.append("a.start_date <= ?")
        params.append(date_to)
    return read_df(
        con,
        "SELECT a.*, count(y.item_id) AS items, count(y.feedback_date) AS items_fed_back"
        " FROM engagement_activity a LEFT JOIN you_said y USING (activity_id)"
        f" WHERE {' AND '.join(where)} GROUP BY ALL ORDER BY a.start_date DESC, a.activity_id DESC",
        params,
    )


def get_activity(con, system_code: str, activity_id: int) -> dict[str, Any] | None:
    """One activity with its "you said" items (as a list of dicts under 'items'), or None."""
    rows = read_rows(con, "SELECT * FROM engagement_activity WHERE activity_id = ? AND system_code = ?",
                     [activity_id, system_code])
    if not rows:
        return None
    out = rows[0]
    out["items"] = read_rows(con, "SELECT * FROM you_said WHERE activity_id = ? ORDER BY item_id", [activity_id])
    return out


def activity_choices(con, system_code: str) -> pd.DataFrame:
    """Activity ids and a label for picking one: date, title and lead partner, newest first."""
    return read_df(
        con,
        "SELECT activity_id, strftime(start_date, '%d %b %Y') || ': ' || title || ' (' || lead_partner || ', activity ' || activity_id || ')' AS label"
        " FROM engagement_activity WHERE system_code = ? ORDER BY start_date DESC, activity_id DESC",
        [system_code],
    )


def you_said_items(con, system_code: str) -> pd.DataFrame:
    """Every "you said" item with its activity's date, title, lead partner, outcomes and communities."""
    return read_df(
        con,
        "SELECT y.item_id, y.activity_id, a.title AS activity_title, a.start_date, a.end_date, a.lead_partner,"
        " a.outcomes, a.communities, a.areas, y.you_said, y.we_did, y.status, y.reason, y.feedback_date"
        " FROM you_said y JOIN engagement_activity a USING (activity_id) WHERE y.system_code = ?"
        " ORDER BY a.end_date DESC, y.item_id",
        [system_code],
    )


def you_said_by(con, system_code: str, by: str) -> pd.DataFrame:
    """The "you said, we did" items, one row per item and outcome (by='outcome') or community (by='community'),
    with the group's title or label; items with no outcome or community fall under 'Not linked'."""
    if by not in ("outcome", "community"):
        raise ValueError("by must be 'outcome' or 'community'")
    if by == "outcome":
        group = ("LEFT JOIN outcome g ON g.system_code = y.system_code AND g.outcome_code = x.code",
                 "coalesce(x.code || '. ' || g.title, 'Not linked to an outcome')", "a.outcomes", "g.sort_order")
    else:
        group = ("LEFT JOIN community_tag g ON g.tag_code = x.code",
                 "coalesce(g.label, 'No community recorded')", "a.communities", "g.sort_order")
    join, label, column, order = group
    return read_df(
        con,
        f"SELECT {label} AS grp, y.item_id, a.title AS activity_title, a.end_date, a.lead_partner, y.you_said,"
        f" y.we_did, y.status, y.reason, y.feedback_date"
        f" FROM you_said y JOIN engagement_activity a USING (activity_id)"
        f" CROSS JOIN (SELECT unnest(CASE WHEN len({column}) = 0 THEN [NULL] ELSE {column} END) AS code) x"
        f" {join} WHERE y.system_code = ? ORDER BY {order} NULLS LAST, grp, a.end_date DESC, y.item_id",
        [system_code],
    )


def _joined(values: Any) -> str:
    if values is None or (isinstance(values, float) and values != values):
        return ""
    return "; ".join(str(v) for v in values)


ENGAGEMENT_COLUMNS = {
    "activity_id": "Activity ID", "title": "Title", "start_date": "Start date", "end_date": "End date",
    "lead_partner": "Lead partner", "areas": "Areas", "method": "Method", "level": "Level",
    "communities": "Communities", "participants": "Participants", "volunteers": "Volunteers",
    "volunteer_hours": "Volunteer hours", "outcomes": "Outcomes", "indicators": "Indicators",
    "principles": "Principles", "summary": "Summary", "evidence_url": "Evidence link",
}
YOU_SAID_COLUMNS = {
    "item_id": "Item ID", "activity_id": "Activity ID", "activity_title": "Activity", "you_said": "You said",
    "we_did": "We did", "status": "Status", "reason": "Reason", "feedback_date": "Feedback date",
}


def engagement_sheet(con, system_code: str) -> pd.DataFrame:
    """The engagement log for the Excel return, one row per activity, lists joined with '; '. It is also the
    bulk-load template's layout."""
    df = read_df(con, "SELECT * FROM engagement_activity WHERE system_code = ? ORDER BY start_date, activity_id",
                 [system_code])
    labels = {r["tag_code"]: r["label"] for r in read_rows(con, "SELECT tag_code, label FROM community_tag")}
    if not df.empty:
        df["communities"] = [[labels.get(c, c) for c in v] for v in df["communities"]]
        for col in ("areas", "communities", "outcomes", "indicators", "principles"):
            df[col] = [_joined(v) for v in df[col]]
        for col in ("start_date", "end_date"):
            df[col] = pd.to_datetime(df[col]).dt.date
    return df[list(ENGAGEMENT_COLUMNS)].rename(columns=ENGAGEMENT_COLUMNS).reset_index(drop=True)


def you_said_sheet(con, system_code: str) -> pd.DataFrame:
    """The "you said, we did" items for the Excel return, one row per item, linked by Activity ID."""
    df = read_df(
        con,
        "SELECT y.item_id, y.activity_id, a.title AS activity_title, y.you_said, y.we_did, y.status, y.reason,"
        " y.feedback_date FROM you_said y JOIN engagement_activity a USING (activity_id) WHERE y.system_code = ?"
        " ORDER BY a.start_date, y.activity_id, y.item_id",
        [system_code],
    )
    df["feedback_date"] = [d.date() if not pd.isna(d) else None for d in pd.to_datetime(df["feedback_date"])]
    return df[list(YOU_SAID_COLUMNS)].rename(columns=YOU_SAID_COLUMNS).reset_index(drop=True)
