"""Imports keep the system's footprint. A national download (a Fingertips export for all of England) brings rows for
thousands of areas; a system keeps only its own: the areas linked to it in system_area (whatever their role), plus
England and the system's NHS England region. Rows for other areas are left out and counted in the import's summary,
not reported as problems.

One rule, for every import route (the app's CSV, an Excel return or template, a Fingertips export; on the command
line and on the Data page), applied to the typed rows (table t) of a file being checked:

- a row whose area is in its system's footprint is kept;
- a row for an area elsewhere is left out, and counted;
- in the app's own formats (CSV, workbook), which someone wrote for this system, a row for an area that lies inside
  the system's own geography (below one of its system, place or neighbourhood areas) but is not linked to it, such
  as a neighbourhood not linked yet, was meant: it is reported on its row with how to link the area, never dropped
  in silence;
- a row whose system or area the app does not know is left to the usual checks, which report it.

Left-out rows take no part in any other check: a national file's problems elsewhere are not this system's."""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from framework.core.db import read_df
from framework.data_io.importers.report import FileCheck, Problem

ENGLAND = "E92000001"
OWN_ROLES_EXCLUDED = ("comparator", "england", "region")  # roles whose descendants are not the system's geography
HOW_TO_LINK = ("link it to the system first (as an editor, list it with its role, for example neighbourhood or"
               " place, on the Areas sheet of an Excel return and import that), then import this file again;"
               " or remove the row")


def footprints(con, framework: dict[str, Any] | None = None, may_link: bool = True) -> pd.DataFrame:
    """Every system's footprint as (system_code, area_code, role): its linked areas, England and its NHS region.
    A complete return's Cover and Areas sheet add to it what the import itself will write (its new system's region,
    and, for someone who may change the framework, its links)."""
    rows = read_df(
        con,
        f"""SELECT system_code, area_code, role FROM system_area
            UNION ALL SELECT system_code, '{ENGLAND}', 'england' FROM system
            UNION ALL SELECT system_code, region_code, 'region' FROM system WHERE nullif(trim(region_code), '') IS NOT NULL""",
    )
    extra = []
    system = (framework or {}).get("system") or {}
    code = system.get("system_code")
    if code:
        extra.append((code, ENGLAND, "england"))
        if system.get("region_code"):
            extra.append((code, str(system["region_code"]), "region"))
        if may_link:
            extra += [(code, a["area_code"], a["role"]) for a in framework.get("areas", []) if a.get("role")]
    if extra:
        rows = pd.concat([rows, pd.DataFrame(extra, columns=["system_code", "area_code", "role"])])
    return rows.astype(object)


def area_parents(con, framework: dict[str, Any] | None = None) -> pd.DataFrame:
    """(area_code, parent_code) of every area the app knows, and of the areas a return's Areas sheet lists."""
    rows = read_df(con, "SELECT area_code, parent_code FROM area WHERE parent_code IS NOT NULL")
    listed = [(a["area_code"], a.get("parent_code")) for a in (framework or {}).get("areas", []) if a.get("parent_code")]
    if listed:
        rows = pd.concat([rows, pd.DataFrame(listed, columns=["area_code", "parent_code"])])
    return rows.astype(object)


def _load(stage: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, cols: list[str]) -> None:
    stage.register("footprint_in", frame.reindex(columns=cols))
    try:
        stage.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT "
                      + ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in cols) + " FROM footprint_in")
    finally:
        stage.unregister("footprint_in")


def keep_footprint(stage: duckdb.DuckDBPyConnection, check: FileCheck, feet: pd.DataFrame, parents: pd.DataFrame,
                   *, written_for_system: bool, table: str = "t") -> int:
    """Leave out of table t the rows for areas outside their system's footprint, with a note in words; return how
    many were left out. written_for_system: the file is in the app's own format, so a row for an unlinked area of the
    system's own geography is reported (see the module's rule) rather than left out.

    Needs tables t (typed rows, or another table with _row, system_code and area_code, such as a national export's
    rows before they are typed, so that the rows left out are never checked), known_system and known_area in the
    staging database."""
    stage.execute("CREATE TABLE IF NOT EXISTS problems (_row BIGINT, col VARCHAR, found VARCHAR, expected VARCHAR)")
    _load(stage, "footprint", feet, ["system_code", "area_code", "role"])
    _load(stage, "area_parent", parents, ["area_code", "parent_code"])
    stage.execute(
        f"""CREATE OR REPLACE TABLE outside AS SELECT _row, system_code, area_code FROM {table} t
           WHERE area_code IS NOT NULL AND system_code IN (SELECT system_code FROM known_system)
             AND area_code IN (SELECT area_code FROM known_area)
             AND NOT EXISTS (SELECT 1 FROM footprint f WHERE f.system_code = t.system_code
                             AND f.area_code = t.area_code)"""
    )
    if written_for_system:
        excluded = ", ".join(f"'{r}'" for r in OWN_ROLES_EXCLUDED)
        stage.execute(
            f"""CREATE OR REPLACE TABLE meant AS
                WITH RECURSIVE inside(system_code, area_code) AS (
                    SELECT system_code, area_code FROM footprint WHERE role NOT IN ({excluded})
                    UNION SELECT i.system_code, p.area_code FROM inside i JOIN area_parent p ON p.parent_code = i.area_code)
                SELECT o._row, o.system_code, o.area_code FROM outside o SEMI JOIN inside USING (system_code, area_code)"""
        )
        stage.execute(
            "INSERT INTO problems SELECT _row, 'area_code', area_code, 'an area in the footprint of system '"
            " || system_code || ': ' || area_code || ' is in its geography but not linked to it; ' || ?"
            " FROM meant", [HOW_TO_LINK])
        stage.execute("DELETE FROM outside WHERE _row IN (SELECT _row FROM meant)")
    left_out, areas = stage.execute("SELECT count(*), count(DISTINCT area_code) FROM outside").fetchall()[0]
    if not left_out:
        return 0
    stage.execute(f"DELETE FROM {table} WHERE _row IN (SELECT _row FROM outside)")
    stage.execute("DELETE FROM problems WHERE _row IN (SELECT _row FROM outside)")  # a format reader's, e.g. a blank id
    systems = [r[0] for r in stage.execute("SELECT DISTINCT system_code FROM outside ORDER BY 1").fetchall()]
    whose = f"system {systems[0]}" if len(systems) == 1 else "their systems"
    unlinked = [s for s in systems if not (feet["system_code"].eq(s) & ~feet["role"].isin(["england", "region"])).any()]
    kept = int(stage.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    rule = ("a system keeps the areas linked to it (its own, its places, neighbourhoods and comparators), England and"
            " its NHS region.")
    hint = (f" System {', '.join(unlinked)} has no areas linked yet, so only England and its region can be kept:"
            " an editor links its areas with the Areas sheet of an Excel return." if unlinked else "")
    check.rows_outside = int(left_out)
    if kept == 0:
        check.refuse(Problem(check.name, None, "area_code",
                             f"all {left_out:,} rows are for areas outside {whose} ({_areas(areas)})",
                             f"rows for areas in the footprint: {rule}{hint} Nothing was kept, so nothing is"
                             " imported"))
        return int(left_out)
    check.notes.append(f"{_rows(left_out)} for {_areas(areas)} outside {whose} were left out: {rule}{hint}")
    return int(left_out)


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n:,} rows"


def _areas(n: int) -> str:
    return "1 area" if n == 1 else f"{n:,} areas"
