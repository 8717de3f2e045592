"""Fingertips data exports (OHID): their columns mapped onto the template, in SQL. ICB codes lose their `n`
prefix, names are trimmed, sex, age and category breakdowns become breakdown and breakdown_group, and rows with
a blank Indicator ID are reported, never dropped or guessed."""
from __future__ import annotations

import duckdb
import pandas as pd

from framework.data_io.importers.report import FileCheck, Problem
from framework.foundation.indicator_text import unit_from_name

REQUIRED = ["Indicator ID", "Indicator Name", "Area Code", "Area Name", "Area Type", "Sex", "Age", "Category Type",
            "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator",
            "Value note"]
LABELS = {
    "indicator_code": "Indicator ID", "area_code": "Area Code", "area_name": "Area Name", "period_label": "Time period",
    "value": "Value", "lower_ci": "Lower CI 95.0 limit", "upper_ci": "Upper CI 95.0 limit",
    "lower_ci_998": "Lower CI 99.8 limit", "upper_ci_998": "Upper CI 99.8 limit", "count": "Count",
    "denominator": "Denominator", "value_note": "Value note", "breakdown": "Category Type",
    "breakdown_group": "Category", "system_code": "system (chosen for the import)",
}
NO_PREFIX = r"regexp_replace(trim({0}), '^n([A-Z][0-9]{{8}})$', '\1')"


def area_type(fingertips_type: str | None) -> str:
    """The app's area type for a Fingertips area type."""
    text = (fingertips_type or "").strip().lower()
    if text == "england":
        return "England"
    if text.startswith("nhs region"):
        return "NHS region"
    if "sub-location" in text or "sub-icb" in text or "sub icb" in text:
        return "Sub-ICB location"
    if text.startswith("icb"):
        return "ICB"
    if text in ("gps", "gp"):
        return "GP"
    if text.startswith("pcn"):
        return "Neighbourhood"
    if text in ("district", "ua", "county") or "district" in text or "county" in text or "local authorit" in text \
            or "ua" in text.split():
        return "Local authority"
    return "Other"


def _col(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def stage_fingertips(stage: duckdb.DuckDBPyConnection, columns: list[str], check: FileCheck, system_code: str | None,
                     existing: pd.DataFrame) -> dict[str, str] | None:
    """Map table raw onto table staged; return the column labels for the report, or None on a wrong header.

    existing: the system's indicators (indicator_code, source_ref) so a known Fingertips id keeps its code."""
    clean = {c.strip(): c for c in columns}
    missing = [c for c in REQUIRED if c not in clean]
    if missing:
        for c in missing:
            check.add(Problem(check.name, 1, c, "no such column", f"a column named {c!r}, as in every Fingertips data export"))
        check.fatal = True
        return None
    comparator = next((clean[c] for c in clean if c.startswith("Compared to ") and c != "Compared to goal"), None)

    def get(name: str) -> str:
        return _col(clean[name]) if name in clean else "NULL"

    stage.execute(
        f"""CREATE OR REPLACE TABLE ft AS SELECT _row, {_sql_text(system_code)} AS system_code,
            nullif(trim({get('Indicator ID')}), '') AS fid, nullif(trim({get('Indicator Name')}), '') AS fname,
            nullif({NO_PREFIX.format(get('Area Code'))}, '') AS area_code,
            nullif(trim({get('Area Name')}), '') AS area_name, nullif(trim({get('Area Type')}), '') AS ftype,
            nullif({NO_PREFIX.format(get('Parent Code'))}, '') AS parent_code,
            nullif(trim({get('Sex')}), '') AS sex, nullif(trim({get('Age')}), '') AS age,
            nullif(trim({get('Category Type')}), '') AS cat_type, nullif(trim({get('Category')}), '') AS cat,
            {get('Time period')} AS period_label, {get('Value')} AS value,
            {get('Lower CI 95.0 limit')} AS lower_ci, {get('Upper CI 95.0 limit')} AS upper_ci,
            {get('Lower CI 99.8 limit')} AS lower_ci_998, {get('Upper CI 99.8 limit')} AS upper_ci_998,
            {get('Count')} AS count, {get('Denominator')} AS denominator, {get('Value note')} AS value_note,
            {(_col(comparator) if comparator else 'NULL')} AS comparison
        FROM raw"""
    )
    ids = [r[0] for r in stage.execute("SELECT DISTINCT fid FROM ft WHERE fid IS NOT NULL ORDER BY fid").fetchall()]
    by_ref = dict(zip(existing.get("source_ref", pd.Series(dtype=str)), existing.get("indicator_code", pd.Series(dtype=str))))
    used = set(existing.get("indicator_code", pd.Series(dtype=str)))
    mapping = []
    for fid in ids:
        if not fid.isdigit():
            continue
        code = by_ref.get(f"fingertips:{fid}")
        if code is None:
            code = f"FT{fid}"
            while code in used:
                code += "x"
        mapping.append((fid, code))
    stage.execute("CREATE OR REPLACE TABLE ft_map (fid VARCHAR, indicator_code VARCHAR)")
    if mapping:
        stage.executemany("INSERT INTO ft_map VALUES (?, ?)", mapping)
    # The headline age: the commonest among the rows for persons; a tie goes to the age with more rows in all, then
    # to the one first in the file, so the same file always gives the same breakdowns.
    stage.execute(
        """CREATE OR REPLACE TABLE head_age AS SELECT fid, age FROM (
               SELECT fid, age, count(*) FILTER (WHERE coalesce(sex, 'Persons') = 'Persons') AS persons,
                      count(*) AS rows_all, min(_row) AS first_row
               FROM ft WHERE cat_type IS NULL GROUP BY fid, age)
           WHERE persons > 0
           QUALIFY row_number() OVER (PARTITION BY fid ORDER BY persons DESC, rows_all DESC, first_row) = 1"""
    )
    stage.execute(
        f"""CREATE OR REPLACE VIEW staged AS SELECT ft._row, {_sql_text(system_code)} AS system_code,
            m.indicator_code, ft.area_code, ft.area_name, NULL AS area_type, ft.period_label,
            NULL AS period_start, NULL AS period_end,
            nullif(concat_ws(' / ', CASE WHEN ft.sex IS NOT NULL AND ft.sex <> 'Persons' THEN 'Sex' END,
                CASE WHEN ft.age IS NOT NULL AND ft.age IS DISTINCT FROM h.age
                     THEN 'Age' END, ft.cat_type), '') AS breakdown,
            nullif(concat_ws(' / ', CASE WHEN ft.sex IS NOT NULL AND ft.sex <> 'Persons' THEN ft.sex END,
                CASE WHEN ft.age IS NOT NULL AND ft.age IS DISTINCT FROM h.age
                     THEN ft.age END, ft.cat), '') AS breakdown_group,
            ft.value, ft.lower_ci, ft.upper_ci, ft.count, ft.denominator, ft.value_note,
            ft.lower_ci_998, ft.upper_ci_998, ft.comparison
        FROM ft LEFT JOIN ft_map m USING (fid) LEFT JOIN head_age h USING (fid)"""
    )
    stage.execute("CREATE TABLE IF NOT EXISTS problems (_row BIGINT, col VARCHAR, found VARCHAR, expected VARCHAR)")
    stage.execute(
        "INSERT INTO problems SELECT _row, 'Indicator ID', NULL, 'a Fingertips indicator id; without one the row"
        " cannot be matched to an indicator, so it is reported rather than guessed' FROM ft WHERE fid IS NULL"
    )
    stage.execute(
        "INSERT INTO problems SELECT _row, 'Indicator ID', fid, 'a Fingertips indicator id (a whole number)'"
        " FROM ft WHERE fid IS NOT NULL AND NOT regexp_full_match(fid, '[0-9]+')"
    )
    return LABELS


def _sql_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def define_areas_and_indicators(stage: duckdb.DuckDBPyConnection, system_code: str | None,
                                existing_codes: set[str], user_name: str) -> tuple[pd.DataFrame, list[dict]]:
    """The file's areas (so none of them is 'unknown') and the proposed indicators it brings."""
    areas = stage.execute(
        """SELECT area_code, arg_min(area_name, _row) AS area_name, arg_min(ftype, _row) AS ftype,
                  arg_min(parent_code, _row) AS parent_code
           FROM ft WHERE area_code IS NOT NULL GROUP BY area_code"""
    ).df()
    areas["area_type"] = [area_type(t) for t in areas["ftype"]]
    areas["area_name"] = areas["area_name"].fillna(areas["area_code"])
    areas = areas.drop(columns=["ftype"])
    rows = stage.execute(
        "SELECT m.fid, m.indicator_code, arg_min(ft.fname, ft._row) AS name FROM ft_map m JOIN ft USING (fid)"
        " GROUP BY ALL ORDER BY m.indicator_code"
    ).fetchall()
    indicators = []
    for fid, code, name in rows:
        if code in existing_codes:
            continue
        name = (name or f"Fingertips indicator {fid}").strip()
        indicators.append({
            "system_code": system_code, "indicator_code": code, "outcome_code": None, "name": name[:200],
            "definition": f"{name}. Imported from a Fingertips data export (indicator {fid}).",
            "unit": unit_from_name(name), "direction": "no_judgement", "kind": "quantitative",
            "source": "Fingertips (OHID)", "source_ref": f"fingertips:{fid}", "frequency": None,
            "owner_partner": None, "baseline_value": None, "baseline_date": None, "target_1y": None,
            "target_3y": None, "target_5y": None, "status": "proposed", "proposed_by": user_name,
        })
    return areas, indicators
