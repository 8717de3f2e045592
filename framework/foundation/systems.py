"""Systems (ICSs) and their areas: the ONS geography a user can change footprint over."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import AREA_TYPES, User, clean_text, require_text

SYSTEM_COLUMNS = ("system_code", "name", "region_code", "region_name", "icb_code", "framework_start", "is_demo")


def list_systems(con) -> pd.DataFrame:
    """Every system, demo ones flagged."""
    return read_df(con, "SELECT * FROM system ORDER BY is_demo, name")


def get_system(con, system_code: str) -> dict[str, Any] | None:
    """One system as a dict, or None."""
    rows = read_rows(con, "SELECT * FROM system WHERE system_code = ?", [system_code])
    return rows[0] if rows else None


def validate_system(values: dict[str, Any]) -> dict[str, Any]:
    """Check a system record; return it cleaned or raise ValidationError."""
    problems = []
    clean = {k: clean_text(values.get(k)) for k in ("system_code", "name", "region_code", "region_name", "icb_code")}
    if not clean["system_code"]:
        problems.append("System code is required.")
    elif not clean["system_code"].replace("-", "").replace("_", "").isalnum():
        problems.append(f"System code {clean['system_code']!r} may use only letters, digits, '-' and '_'.")
    require_text(problems, clean, "name", "System name", 200)
    start = values.get("framework_start")
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            problems.append(f"Framework start {start!r} is not a date; expected YYYY-MM-DD.")
    if not isinstance(start, date) and not any("Framework start" in p for p in problems):
        problems.append("Framework start date is required: the 1, 3 and 5 year horizons count from it.")
    if problems:
        raise ValidationError(problems)
    clean["framework_start"] = start
    clean["is_demo"] = bool(values.get("is_demo", False))
    return clean


def insert_system(cur, user: User, values: dict[str, Any]) -> None:
    """Add a system inside the caller's transaction, with an audit row (editors and admins)."""
    require(user, "edit_framework")
    clean = validate_system(values)
    cur.execute(
        f"INSERT INTO system ({', '.join(SYSTEM_COLUMNS)}) VALUES ({', '.join('?' * len(SYSTEM_COLUMNS))})",
        [clean[c] for c in SYSTEM_COLUMNS],
    )
    audit.record(cur, user, "create", "system", clean["system_code"], system_code=clean["system_code"], after=clean)


def create_system(con, user: User, values: dict[str, Any]) -> None:
    """Add a system (editors and admins)."""
    require(user, "edit_framework")
    transaction(con, insert_system, user, values)


def upsert_areas(cur, areas: pd.DataFrame, source: str) -> int:
    """Add areas not yet known (area_code, area_name, area_type, parent_code); return how many were new."""
    if areas.empty:
        return 0
    bad = sorted(set(areas["area_type"]) - set(AREA_TYPES))
    if bad:
        raise ValidationError([f"Unknown area type {t!r}; expected one of {', '.join(AREA_TYPES)}." for t in bad])
    before = scalar(cur, "SELECT count(*) FROM area")
    frame = areas[["area_code", "area_name", "area_type", "parent_code"]].drop_duplicates("area_code").copy()
    frame["source"] = source
    cur.register("new_areas", frame)
    try:
        cur.execute("INSERT INTO area BY NAME SELECT * FROM new_areas ON CONFLICT DO NOTHING")
    finally:
        cur.unregister("new_areas")
    return scalar(cur, "SELECT count(*) FROM area") - before


def link_areas(cur, system_code: str, links: list[tuple[str, str]]) -> None:
    """Record which areas belong to a system, as (area_code, role) pairs."""
    if not links:
        return
    cur.executemany(
        "INSERT INTO system_area VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(system_code, code, role) for code, role in links],
    )
