"""Checking staged rows in SQL: every problem as (row, column, value found, what was expected), duplicate keys
with different values, exact repeats merged, and the typed rows that pass. Runs on a private in-memory DuckDB,
so nothing is written to the app's database while a file is checked."""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from framework.data_io.importers.periods import DATE_FORMS, PERIOD_FORMS, parse_date, parse_period
from framework.data_io.importers.report import MAX_LISTED, FileCheck, Problem
from framework.data_io.importers.template import NUMERIC_COLUMNS

BIGGEST = 1e12
KEY = ["system_code", "indicator_code", "area_code", "period_start", "period_end", "breakdown", "breakdown_group"]
VALUES = ["period_label", "value", "lower_ci", "upper_ci", "lower_ci_998", "upper_ci_998", "count", "denominator",
          "value_note", "comparison"]
OUT_COLUMNS = KEY[:3] + ["period_label", "period_start", "period_end", "breakdown", "breakdown_group"] + VALUES[1:]
FORMULA_CHECKED = ["indicator_code", "area_code", "area_name", "period_label", "breakdown", "breakdown_group",
                   "value_note", "comparison"]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(col: str) -> str:
    return f"nullif(trim(CAST({col} AS VARCHAR)), '')"


def prepare(stage: duckdb.DuckDBPyConnection, default_system: str | None) -> None:
    """Trim and type the staged rows into table t, with periods and dates parsed once per distinct text."""
    numeric = ", ".join(f"{_text(c)} AS {c}_txt, TRY_CAST({_text(c)} AS DOUBLE) AS {c}" for c in NUMERIC_COLUMNS)
    stage.execute(
        f"""CREATE OR REPLACE VIEW t0 AS SELECT _row,
            coalesce({_text('system_code')}, {'NULL' if default_system is None else _q(default_system)}) AS system_code, {_text('indicator_code')} AS indicator_code,
            {_text('area_code')} AS area_code, {_text('area_name')} AS area_name,
            {_text('period_label')} AS label_txt, {_text('period_start')} AS start_txt,
            {_text('period_end')} AS end_txt,
            coalesce({_text('breakdown')}, 'All') AS breakdown,
            coalesce({_text('breakdown_group')}, 'All') AS breakdown_group,
            {numeric}, {_text('value_note')} AS value_note, {_text('comparison')} AS comparison
        FROM staged"""
    )
    # One scan finds every distinct period text; each is parsed once in Python.
    labels, starts, ends = stage.execute(
        "SELECT list(DISTINCT label_txt) FILTER (WHERE label_txt IS NOT NULL),"
        " list(DISTINCT start_txt) FILTER (WHERE start_txt IS NOT NULL),"
        " list(DISTINCT end_txt) FILTER (WHERE end_txt IS NOT NULL) FROM t0").fetchall()[0]
    parsed = [(lab, *(parse_period(lab) or (None, None, None))) for lab in labels or []]
    _table(stage, "per_label", pd.DataFrame(parsed, columns=["label_txt", "label", "pstart", "pend"]),
           "label_txt VARCHAR, label VARCHAR, pstart DATE, pend DATE")
    texts = sorted(set(starts or []) | set(ends or []))
    _table(stage, "per_date", pd.DataFrame([(x, parse_date(x)) for x in texts], columns=["txt", "d"]),
           "txt VARCHAR, d DATE")
    stage.execute(
        """CREATE OR REPLACE TABLE t AS SELECT t0.*,
            CASE WHEN ds.d IS NOT NULL AND de.d IS NOT NULL THEN ds.d ELSE pl.pstart END AS period_start,
            CASE WHEN ds.d IS NOT NULL AND de.d IS NOT NULL THEN de.d ELSE pl.pend END AS period_end,
            CASE WHEN ds.d IS NOT NULL AND de.d IS NOT NULL THEN t0.label_txt ELSE pl.label END AS period_label,
            ds.d AS start_d, de.d AS end_d, pl.label AS parsed_label
        FROM t0 LEFT JOIN per_label pl USING (label_txt)
        LEFT JOIN per_date ds ON ds.txt = t0.start_txt LEFT JOIN per_date de ON de.txt = t0.end_txt"""
    )
    stage.execute("DROP VIEW t0")


def _table(stage: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, schema: str) -> None:
    """A small lookup table from a DataFrame, with the given column types (also when the frame is empty)."""
    stage.execute(f"CREATE OR REPLACE TABLE {name} ({schema})")
    if frame.empty:
        return
    stage.register("lookup_in", frame.astype(object))
    try:
        stage.execute(f"INSERT INTO {name} SELECT * FROM lookup_in")
    finally:
        stage.unregister("lookup_in")


def latest_start(today: date | None = None) -> date:
    """The last period start an import accepts: a year from today. Data cannot come from further ahead."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def find_problems(stage: duckdb.DuckDBPyConnection, today: date | None = None) -> None:
    """Fill table problems (_row, col, found, expected), adding to whatever the format reader put there. Every
    check is one set-based query over the typed rows."""
    last = latest_start(today).isoformat()
    stage.execute("CREATE TABLE IF NOT EXISTS problems (_row BIGINT, col VARCHAR, found VARCHAR, expected VARCHAR)")
    checks = [
        "SELECT _row, 'indicator_code', NULL, 'an indicator code' FROM t WHERE indicator_code IS NULL",
        "SELECT _row, 'area_code', NULL, 'an area code' FROM t WHERE area_code IS NULL",
        f"SELECT _row, 'period_label', NULL, {_q('a period such as ' + PERIOD_FORMS)} FROM t WHERE label_txt IS NULL",
        f"SELECT _row, 'period_label', label_txt, {_q('a period such as ' + PERIOD_FORMS)} FROM t"
        " WHERE label_txt IS NOT NULL AND parsed_label IS NULL AND (start_d IS NULL OR end_d IS NULL)",
        f"SELECT _row, 'period_start', start_txt, {_q(DATE_FORMS)} FROM t WHERE start_txt IS NOT NULL AND start_d IS NULL",
        f"SELECT _row, 'period_end', end_txt, {_q(DATE_FORMS)} FROM t WHERE end_txt IS NOT NULL AND end_d IS NULL",
        "SELECT _row, 'period_end', coalesce(end_txt, CAST(period_end AS VARCHAR)),"
        " 'a date on or after the period start ' || CAST(period_start AS VARCHAR) FROM t WHERE period_end < period_start",
        "SELECT _row, 'value', NULL, 'a number, or a value note saying why the value is blank' FROM t"
        " WHERE value_txt IS NULL AND value_note IS NULL",
        "SELECT _row, 'lower_ci', lower_ci_txt, 'a lower confidence limit no higher than the value ' || value_txt"
        " FROM t WHERE lower_ci > value",
        "SELECT _row, 'upper_ci', upper_ci_txt, 'an upper confidence limit no lower than the value ' || value_txt"
        " FROM t WHERE upper_ci < value",
        "SELECT _row, 'lower_ci', lower_ci_txt, 'a lower 95% confidence limit no higher than the upper one, '"
        " || upper_ci_txt FROM t WHERE lower_ci > upper_ci",
        "SELECT _row, 'lower_ci_998', lower_ci_998_txt, 'a lower 99.8% confidence limit no higher than the upper"
        " one, ' || upper_ci_998_txt FROM t WHERE lower_ci_998 > upper_ci_998",
        "SELECT _row, 'lower_ci_998', lower_ci_998_txt, 'a lower 99.8% confidence limit no higher than the value '"
        " || value_txt FROM t WHERE lower_ci_998 > value",
        "SELECT _row, 'upper_ci_998', upper_ci_998_txt, 'an upper 99.8% confidence limit no lower than the value '"
        " || value_txt FROM t WHERE upper_ci_998 < value",
        "SELECT _row, 'lower_ci_998', lower_ci_998_txt, 'a lower 99.8% confidence limit no higher than the lower 95%"
        " limit, ' || lower_ci_txt || ' (99.8% limits are the wider ones)' FROM t WHERE lower_ci_998 > lower_ci",
        "SELECT _row, 'upper_ci_998', upper_ci_998_txt, 'an upper 99.8% confidence limit no lower than the upper 95%"
        " limit, ' || upper_ci_txt || ' (99.8% limits are the wider ones)' FROM t WHERE upper_ci_998 < upper_ci",
        "SELECT _row, 'count', count_txt, 'a count no bigger than its denominator, ' || denominator_txt"
        " FROM t WHERE count > denominator",
        "SELECT _row, CASE WHEN start_d IS NOT NULL AND end_d IS NOT NULL THEN 'period_start' ELSE 'period_label' END,"
        " CASE WHEN start_d IS NOT NULL AND end_d IS NOT NULL THEN start_txt ELSE label_txt END,"
        f" 'a period that has started, or starts within"
        f" a year (by {last}); this one starts on ' || CAST(period_start AS VARCHAR) FROM t"
        f" WHERE period_start > DATE '{last}'",
        "SELECT _row, 'system_code', system_code, CASE WHEN (SELECT count(*) FROM known_system) = 0"
        " THEN 'a system in this database, and there is none yet: import a complete Excel return or create a system first'"
        " ELSE 'a system in this database (' || (SELECT string_agg(system_code, ', ' ORDER BY system_code) FROM known_system) || ')' END"
        " FROM t WHERE system_code IS NULL OR system_code NOT IN (SELECT system_code FROM known_system)",
        "SELECT _row, 'indicator_code', indicator_code, 'an indicator code of system ' || system_code FROM t"
        " WHERE indicator_code IS NOT NULL AND system_code IN (SELECT system_code FROM known_system)"
        " AND NOT EXISTS (SELECT 1 FROM known_indicator k WHERE k.system_code = t.system_code"
        " AND k.indicator_code = t.indicator_code)",
        "SELECT _row, 'area_code', area_code, 'an area code the app knows (an ONS code such as E54000008,"
        " or one listed in the workbook''s Areas sheet)' FROM t"
        " WHERE area_code IS NOT NULL AND area_code NOT IN (SELECT area_code FROM known_area)",
        "SELECT _row, 'value', value_txt, 'a percentage from 0 to 100' FROM t JOIN known_indicator k"
        " USING (system_code, indicator_code) WHERE k.unit = '%' AND (value > 100 OR value < 0)",
    ]
    for col in NUMERIC_COLUMNS:
        checks.append(f"SELECT _row, '{col}', {col}_txt, 'a number' FROM t WHERE {col}_txt IS NOT NULL AND {col} IS NULL")
        checks.append(f"SELECT _row, '{col}', {col}_txt, 'a number no bigger than 1,000,000,000,000 in size' FROM t"
                      f" WHERE isinf({col}) OR isnan({col}) OR abs({col}) > {BIGGEST}")
    for col in ("count", "denominator"):
        checks.append(f"SELECT _row, '{col}', {col}_txt, 'a {col} of zero or more' FROM t WHERE {col} < 0")
    for col in FORMULA_CHECKED:
        source = {"period_label": "label_txt"}.get(col, col)
        checks.append(f"SELECT _row, '{col}', {source}, 'plain text, not a formula' FROM t WHERE {source} LIKE '=%'")
    stage.execute("INSERT INTO problems " + " UNION ALL ".join(checks))


def settle(stage: duckdb.DuckDBPyConnection, check: FileCheck, labels: dict[str, str]) -> None:
    """Find duplicate keys, merge exact repeats, list the problems and keep the rows that pass."""
    key = ", ".join(KEY)
    values = ", ".join(VALUES)
    stage.execute("CREATE OR REPLACE TABLE bad AS SELECT DISTINCT _row FROM problems WHERE _row IS NOT NULL")
    stage.execute("CREATE OR REPLACE VIEW good AS SELECT * FROM t ANTI JOIN bad USING (_row)")
    # Keys that occur more than once: first by their hash (one number to group by, fast over millions of rows),
    # then exactly, among the few rows whose hash repeats.
    stage.execute(
        f"""CREATE OR REPLACE TABLE dupkeys AS SELECT {key} FROM good
            WHERE hash({key}) IN (SELECT h FROM (SELECT hash({key}) AS h FROM good) GROUP BY h HAVING count(*) > 1)
            GROUP BY ALL HAVING count(*) > 1""")
    # Repeats are one row: exact repeats, and repeats with the same figures whose comparison judgements differ only
    # in that one says nothing (Fingertips gives England once as an area and again as a parent, "Not compared"
    # the second time): the judgement that says something is kept. Rows with different figures stay a problem.
    figures = ", ".join(v for v in VALUES if v != "comparison")
    said = "comparison IS NOT NULL AND lower(comparison) <> 'not compared'"
    stage.execute(
        f"""CREATE OR REPLACE TABLE dup AS SELECT {key}, count(*) AS n, count(DISTINCT row({values})) AS variants,
            count(DISTINCT row({figures})) AS figure_variants,
            count(DISTINCT comparison) FILTER (WHERE {said}) AS judgements,
            list(_row ORDER BY _row) AS rows,
            coalesce(min(_row) FILTER (WHERE {said}), min(_row)) AS keep_row
        FROM good SEMI JOIN dupkeys USING ({key}) GROUP BY ALL"""
    )
    stage.execute("ALTER TABLE dup ADD COLUMN one_row BOOLEAN")
    stage.execute("UPDATE dup SET one_row = variants = 1 OR (figure_variants = 1 AND judgements <= 1)")
    stage.execute(
        f"""INSERT INTO problems SELECT g._row, 'value', g.value_txt,
            'one set of values for each indicator, area, period and breakdown; rows '
            || array_to_string(d.rows, ', ') || ' give different values'
        FROM good g JOIN dup d USING ({key}) WHERE NOT d.one_row"""
    )
    check.rows_merged = int(stage.execute("SELECT coalesce(sum(n - 1), 0) FROM dup WHERE one_row").fetchall()[0][0])
    stage.execute("INSERT INTO bad SELECT DISTINCT _row FROM problems WHERE _row NOT IN (SELECT _row FROM bad)")
    stage.execute("INSERT INTO bad SELECT unnest(list_filter(rows, lambda x: x <> keep_row)) FROM dup WHERE one_row")
    # Arrow-backed columns: several times faster than building Python strings, and DuckDB scans them directly.
    check.rows = stage.sql(
        f"SELECT {', '.join(OUT_COLUMNS)} FROM t ANTI JOIN bad USING (_row)"
    ).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    total, rejected = stage.execute("SELECT count(*), count(DISTINCT _row) FROM problems").fetchall()[0]
    check.rows_rejected = int(rejected)
    listed = stage.execute(
        "SELECT _row, col, found, expected FROM problems ORDER BY _row NULLS FIRST, col LIMIT ?", [MAX_LISTED]
    ).fetchall()
    for row, col, found, expected in listed:
        check.add(Problem(check.name, None if row is None else int(row), labels.get(col, col), found, expected))
    check.problems_total = int(total)
    if rejected:
        check.rejects = stage.execute(
            """SELECT r.*, p.problems FROM raw r JOIN (
                SELECT _row, string_agg(col || ': found ' || coalesce('''' || found || '''', 'nothing')
                    || '; expected ' || expected, ' | ' ORDER BY col) AS problems
                FROM problems WHERE _row IS NOT NULL GROUP BY _row) p USING (_row) ORDER BY _row"""
        ).df()


def load_known(stage: duckdb.DuckDBPyConnection, systems: pd.DataFrame, indicators: pd.DataFrame,
               areas: pd.DataFrame) -> None:
    """Copy the codes the app knows (and the ones the file itself defines) into the staging database."""
    for name, frame, cols in (("known_system", systems, ["system_code"]),
                              ("known_indicator", indicators, ["system_code", "indicator_code", "unit"]),
                              ("known_area", areas, ["area_code"])):
        frame = frame.reindex(columns=cols).astype("object")
        stage.register("frame_in", frame)
        try:
            stage.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT DISTINCT "
                          + ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in cols) + " FROM frame_in")
        finally:
            stage.unregister("frame_in")
