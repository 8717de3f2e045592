"""The indicator catalogue: search and filter, one indicator's detail and latest values, counts by kind and
status, and validated, versioned, audited saves."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, row_to_save, transaction
from framework.core.errors import StaleEdit, ValidationError
from framework.core.model import DIRECTIONS, INDICATOR_STATUSES, KINDS, User, clean_text, require_text

EDITABLE = (
    "outcome_code", "name", "definition", "unit", "direction", "kind", "source", "source_ref", "frequency",
    "owner_partner", "baseline_value", "baseline_date", "target_1y", "target_3y", "target_5y", "status",
    "proposed_by",
)
NUMERIC = ("baseline_value", "target_1y", "target_3y", "target_5y")
TARGETS = ("target_1y", "target_3y", "target_5y")


def list_indicators(
    con, system_code: str, *, search: str = "", kinds: list[str] | None = None,
    statuses: list[str] | None = None, outcomes: list[str] | None = None,
) -> pd.DataFrame:
    """The catalogue, filtered: search matches code, name, definition or source."""
    where, params = ["i.system_code = ?"], [system_code]
    if search.strip():
        where.append(
            "(i.indicator_code ILIKE ? OR i.name ILIKE ? OR coalesce(i.definition, '') ILIKE ?"
            " OR coalesce(i.source, '') ILIKE ?)"
        )
        params += [f"%{search.strip()}%"] * 4
    for column, chosen in (("i.kind", kinds), ("i.status", statuses), ("i.outcome_code", outcomes)):
        if chosen:
            where.append(f"{column} IN ({', '.join('?' * len(chosen))})")
            params += list(chosen)
    return read_df(
        con,
        "SELECT i.indicator_code, i.name, i.outcome_code, o.title AS outcome_title, i.kind, i.status, i.unit,"
        " i.direction, i.owner_partner, i.source, i.baseline_value, i.target_1y, i.target_3y, i.target_5y, v.matters_score"
        " FROM indicator i LEFT JOIN outcome o USING (system_code, outcome_code)"
        " LEFT JOIN v_indicator v USING (system_code, indicator_code)"
        f" WHERE {' AND '.join(where)} ORDER BY i.indicator_code",
        params,
    )


def get_indicator(con, system_code: str, indicator_code: str) -> dict[str, Any] | None:
    """One indicator with its outcome title, or None."""
    rows = read_rows(
        con,
        "SELECT i.*, o.title AS outcome_title FROM indicator i LEFT JOIN outcome o USING (system_code, outcome_code)"
        " WHERE i.system_code = ? AND i.indicator_code = ?",
        [system_code, indicator_code],
    )
    return rows[0] if rows else None


def counts_by_kind_and_status(con, system_code: str) -> pd.DataFrame:
    """Indicator counts with one row per kind and one column per status (zeros included)."""
    df = read_df(
        con,
        "SELECT kind, status, count(*) AS n FROM indicator WHERE system_code = ? GROUP BY ALL",
        [system_code],
    )
    table = df.pivot_table(index="kind", columns="status", values="n", aggfunc="sum", fill_value=0)
    table = table.reindex(index=list(KINDS), columns=list(INDICATOR_STATUSES), fill_value=0).astype(int)
    table["total"] = table.sum(axis=1)
    return table


LATEST_VALUES_SQL = """
    SELECT m.area_code, a.area_name, coalesce(sa.role, 'comparator') AS role, m.period_label, m.period_end,
    m.value, m.lower_ci, m.upper_ci, m.value_note
    FROM measurement m JOIN area a USING (area_code)
    LEFT JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code
    WHERE m.system_code = ? AND m.indicator_code = ? AND m.breakdown = 'All' AND m.breakdown_group = 'All'
    QUALIFY row_number() OVER (PARTITION BY m.area_code ORDER BY m.period_end DESC) = 1
    ORDER BY CASE coalesce(sa.role, 'comparator') WHEN 'system' THEN 0 WHEN 'place' THEN 1 ELSE 2 END,
    a.area_name"""


def latest_values(con, system_code: str, indicator_code: str) -> pd.DataFrame:
    """The latest headline value in each area for one indicator, system first, then places, then comparators."""
    return read_df(con, LATEST_VALUES_SQL, [system_code, indicator_code])


def _number(problems: list[str], label: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(f"{label} must be a number; found {value!r}.")
        return None
    if number != number:  # NaN from an empty cell
        return None
    return number


def validate_indicator(values: dict[str, Any], known_outcomes: set[str]) -> dict[str, Any]:
    """Check an indicator; return it cleaned or raise ValidationError naming each field."""
    problems: list[str] = []
    clean: dict[str, Any] = {k: clean_text(values.get(k)) for k in EDITABLE if k not in NUMERIC + ("baseline_date",)}
    code = clean_text(values.get("indicator_code"))
    if not code:
        problems.append("Indicator code is required.")
    elif not code.replace("-", "").replace("_", "").replace(".", "").isalnum() or len(code) > 30:
        problems.append(f"Indicator code {code!r} may use only letters, digits, '-', '_' and '.', up to 30 characters.")
    require_text(problems, clean, "name", "Name", 200)
    clean["unit"] = clean["unit"] or ""
    if clean["direction"] not in DIRECTIONS:
        problems.append(f"Direction {clean['direction']!r} is not one of {', '.join(DIRECTIONS)}.")
    if clean["kind"] not in KINDS:
        problems.append(f"Kind {clean['kind']!r} is not one of {', '.join(KINDS)}.")
    clean["status"] = clean["status"] or "proposed"
    if clean["status"] not in INDICATOR_STATUSES:
        problems.append(f"Status {clean['status']!r} is not one of {', '.join(INDICATOR_STATUSES)}.")
    if clean["outcome_code"] and clean["outcome_code"] not in known_outcomes:
        problems.append(f"Outcome {clean['outcome_code']!r} is not an outcome of this system.")
    for name in NUMERIC:
        clean[name] = _number(problems, name.replace("_", " ").capitalize(), values.get(name))
    if clean["unit"] == "%":
        for name in NUMERIC:
            if clean[name] is not None and not 0 <= clean[name] <= 100:
                problems.append(f"{name.replace('_', ' ').capitalize()} is {clean[name]:g}, but a percentage is 0 to 100.")
    baseline_date = values.get("baseline_date")
    if isinstance(baseline_date, str) and baseline_date.strip():
        try:
            baseline_date = date.fromisoformat(baseline_date.strip())
        except ValueError:
            problems.append(f"Baseline date {baseline_date!r} is not a date; expected YYYY-MM-DD.")
            baseline_date = None
    if isinstance(baseline_date, datetime):  # a pandas Timestamp from a table: keep the day
        baseline_date = None if pd.isna(baseline_date) else baseline_date.date()
    clean["baseline_date"] = baseline_date if isinstance(baseline_date, date) else None
    if clean["kind"] == "qualitative" and any(clean[n] is not None for n in NUMERIC):
        problems.append("A qualitative indicator has no numeric baseline or targets; leave them blank.")
    if problems:
        raise ValidationError(problems)
    clean["indicator_code"] = code
    return clean


def insert_indicators(cur, system_code: str, records: list[dict[str, Any]]) -> None:
    """Insert already-validated indicators inside the caller's transaction (no audit: the caller records it)."""
    columns = ("indicator_code",) + EDITABLE
    cur.executemany(
        f"INSERT INTO indicator (system_code, {', '.join(columns)}) VALUES (?{', ?' * len(columns)})",
        [[system_code, *(r.get(c) for c in columns)] for r in records],
    )


def save_indicator(
    con, user: User, system_code: str, values: dict[str, Any], *, expected_version: int | None = None,
    is_new: bool = False, reason: str | None = None,
) -> int:
    """Create or update one indicator; a target change or retirement needs a reason; return the new version."""
    require(user, "edit_indicators")
    known = {r["outcome_code"] for r in read_rows(con, "SELECT outcome_code FROM outcome WHERE system_code = ?", [system_code])}
    clean = validate_indicator(values, known)
    code = clean["indicator_code"]
    reason = clean_text(reason)

    def work(cur) -> int:
        before = row_to_save(cur, "indicator", "indicator_code", system_code, code, is_new=is_new, noun="indicator")
        fields = {k: clean[k] for k in EDITABLE}
        if before is None:
            insert_indicators(cur, system_code, [clean])
            audit.record(cur, user, "create", "indicator", f"{system_code}/{code}", system_code=system_code,
                         after=fields, reason=reason)
            return 1
        old = {k: before[k] for k in EDITABLE}
        if isinstance(old["baseline_date"], datetime):  # read back as a Timestamp; compare days with days
            old["baseline_date"] = None if pd.isna(old["baseline_date"]) else old["baseline_date"].date()
        if expected_version is not None and before["version"] != expected_version:
            raise StaleEdit("indicator", audit.changed_fields(fields, old))
        changes = audit.changed_fields(old, fields)
        if not changes:
            return int(before["version"])
        needs_reason = any(t in changes for t in TARGETS) or (
            "status" in changes and fields["status"] == "retired"
        )
        if needs_reason and not reason:
            raise ValidationError(["Changing a target or retiring a measure needs a reason; say why in a sentence."])
        version = int(before["version"]) + 1
        cur.execute(
            f"UPDATE indicator SET {', '.join(f'{k} = ?' for k in EDITABLE)}, version = ?,"
            " updated_at = current_timestamp WHERE system_code = ? AND indicator_code = ?",
            [*fields.values(), version, system_code, code],
        )
        audit.record(cur, user, "update", "indicator", f"{system_code}/{code}", system_code=system_code,
                     before={k: old[k] for k in changes}, after={k: fields[k] for k in changes}, reason=reason)
        return version

    return transaction(con, work)
