"""A generated all-England Fingertips export in the real export's format (the columns and quirks of the reference file
fingertips_91547_smoking_prevalence_qof.csv): real area codes from the ONS lookup (England, NHS regions, ICBs and
sub-ICB locations with the `n` prefix, names ending in their ODS code), GP practices, several indicators, sexes,
ages and England's deprivation deciles, financial years, blank values with a value note, "Not compared". Built by
DuckDB in SQL once per size and kept in the benchmark folder. This work is not timed."""
from __future__ import annotations

from pathlib import Path

import duckdb

LOOKUP = "ons_loc22_icb22_nhser22_lookup.csv"
INDICATORS = 36
FIRST_YEAR, YEARS = 2007, 18
GP_PRACTICES = 7_000
DECILES = ["Most deprived decile", "Second most deprived decile", "Third more deprived decile",
           "Fourth more deprived decile", "Fifth more deprived decile", "Fifth less deprived decile",
           "Fourth less deprived decile", "Third less deprived decile", "Second least deprived decile",
           "Least deprived decile"]
DECILE_TYPE = "County & UA deprivation deciles in England (IMD2019, 4/21 geography)"
COLUMNS = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
           "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
           "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
           "Compared to England value or percentiles", "Column not used", "Time period Sortable", "New data",
           "Compared to goal", "Time period range"]


def national_export(workdir: Path, rows: int, reference: Path) -> Path:
    """The export with this many rows, built once into workdir."""
    path = workdir / f"fingertips-national-{rows}.csv"
    if path.exists():
        return path
    workdir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    con = duckdb.connect()
    try:
        _build(con, reference / LOOKUP)
        select = ", ".join(f'{sql} AS "{name}"' for sql, name in zip(_expressions(), COLUMNS))
        con.execute(f"COPY (SELECT {select} FROM cells ORDER BY tier, fid, year, area_code, b LIMIT {int(rows)})"
                    f" TO '{partial}' (HEADER, DELIMITER ',')")
    finally:
        con.close()
    partial.rename(path)
    return path


def _build(con: duckdb.DuckDBPyConnection, lookup: Path) -> None:
    con.execute(f"CREATE TABLE lk AS SELECT * FROM read_csv('{lookup}', all_varchar = true)")
    con.execute(
        """CREATE TABLE areas AS
           SELECT 1 AS tier, 'E92000001' AS area_code, 'England' AS area_name, 'England' AS area_type,
                  NULL AS parent_code, NULL AS parent_name
           UNION ALL SELECT DISTINCT 1, NHSER22CD, NHSER22NM, 'NHS regions - new due to ICB changes', 'E92000001',
                  'England' FROM lk
           UNION ALL SELECT DISTINCT 1, 'n' || ICB22CD, ICB22NM || ' - ' || ICB22CDH, 'ICBs', 'E92000001', 'England'
                  FROM lk
           UNION ALL SELECT 1, 'n' || LOC22CD, LOC22NM || CASE WHEN hash(LOC22CD) % 5 = 0 THEN '  ' ELSE '' END,
                  'ICB sub-locations', 'E92000001', 'England' FROM lk"""
    )
    con.execute(
        f"""INSERT INTO areas SELECT 2, chr(65 + (i % 25)::INT) || lpad(CAST(81001 + i AS VARCHAR), 5, '0'),
                'Practice ' || i, 'GPs', 'n' || l.LOC22CD, l.LOC22NM
            FROM range({GP_PRACTICES}) r(i)
            JOIN (SELECT LOC22CD, LOC22NM, row_number() OVER (ORDER BY LOC22CD) - 1 AS n FROM lk) l
              ON l.n = i % (SELECT count(*) FROM lk)"""
    )
    con.execute(
        f"""CREATE TABLE ind AS SELECT 90000 + 37 * k AS fid,
                'Generated measure ' || k || CASE k % 3 WHEN 0 THEN ': adults who smoke (QOF)'
                    WHEN 1 THEN ': people with a long-term condition, percentage'
                    ELSE ': emergency admissions, directly standardised (%)' END AS fname
            FROM range({INDICATORS}) r(k)"""
    )
    con.execute(f"CREATE TABLE years AS SELECT {FIRST_YEAR} + y AS year FROM range({YEARS}) r(y)")
    deciles = " UNION ALL ".join(f"SELECT {5 + i}, 'Persons', '18+ yrs', '{DECILE_TYPE}', '{d}', true"
                                 for i, d in enumerate(DECILES))
    con.execute(
        f"""CREATE TABLE breakdowns AS
            SELECT 0 AS b, 'Persons' AS sex, '18+ yrs' AS age, NULL AS cat_type, NULL AS cat, false AS england_only
            UNION ALL SELECT 1, 'Male', '18+ yrs', NULL, NULL, false
            UNION ALL SELECT 2, 'Female', '18+ yrs', NULL, NULL, false
            UNION ALL SELECT 3, 'Persons', '18-64 yrs', NULL, NULL, false
            UNION ALL SELECT 4, 'Persons', '65+ yrs', NULL, NULL, false
            UNION ALL {deciles}"""
    )
    con.execute(
        """CREATE TABLE cells AS SELECT a.*, i.*, y.year, b.*, hash(i.fid, a.area_code, y.year, b.b) AS h
           FROM areas a CROSS JOIN ind i CROSS JOIN years y JOIN breakdowns b
             ON (a.tier = 1 AND (NOT b.england_only OR a.area_code = 'E92000001')) OR (a.tier = 2 AND b.b = 0)"""
    )


def _expressions() -> list[str]:
    """The SQL of each export column, in order, over table cells."""
    blank = "(h % 200 < 3)"
    value = "5 + (h % 9000) / 100.0"
    half = "(0.5 + (h // 9000 % 300) / 100.0)"
    den = "(1000 + h // 7 % 50000)"
    judged = ("CASE WHEN area_code = 'E92000001' THEN 'Not compared' ELSE"
              " ['Better', 'Similar', 'Worse', 'Similar'][CAST(h // 11 % 4 AS INT) + 1] END")
    return [
        "fid", "fname", "parent_code", "parent_name", "area_code", "area_name", "area_type", "sex", "age",
        "cat_type", "cat", "CAST(year AS VARCHAR) || '/' || right(CAST(year + 1 AS VARCHAR), 2)",
        f"CASE WHEN NOT {blank} THEN round({value}, 8) END",
        f"CASE WHEN NOT {blank} THEN round({value} - {half}, 8) END",
        f"CASE WHEN NOT {blank} THEN round({value} + {half}, 8) END",
        f"CASE WHEN NOT {blank} AND tier = 1 THEN round({value} - 1.6 * {half}, 8) END",
        f"CASE WHEN NOT {blank} AND tier = 1 THEN round({value} + 1.6 * {half}, 8) END",
        f"CASE WHEN NOT {blank} THEN CAST(round(({value}) / 100 * {den}) AS BIGINT) END",
        f"CASE WHEN NOT {blank} THEN {den} END",
        f"CASE WHEN {blank} THEN 'Value missing in source data' WHEN h % 400 = 7 THEN 'There is a data quality"
        " issue with this value. Potential underestimate of the value due to double counting of patients in QOF' END",
        "CASE WHEN h % 3 = 0 THEN 'Cannot be calculated' END",
        f"CASE WHEN {blank} THEN 'Not compared' ELSE {judged} END",
        "'Not compared'", "year * 10000", "NULL", "NULL", "'1y'",
    ]
