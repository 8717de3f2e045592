"""Imports at scale stay as strict as small ones: one row per natural key (within a file and against the stored
rows), a bad row millions of rows down is named by its row and nothing is written, a kill midway leaves nothing,
and the checking database keeps to its memory limit."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from framework.core import db
from framework.core.db import read_rows
from framework.data_io.importers import ImportRejected, check_file, import_files
from framework.data_io.importers.read import STAGE_MEMORY, staging_database
from framework.foundation.measurements import KEY
from tests.conftest import ROOT, copy_database

PERIOD = "2026/27"  # the demo has no I08 value for it
HEADER = "indicator_code,area_code,period_label,breakdown,breakdown_group,value\n"


def _csv(path: Path, rows: list[tuple[str, str, str, float | str]]) -> Path:
    path.write_text(HEADER + "".join(f"I08,{area},{PERIOD},{b},{g},{v}\n" for area, b, g, v in rows))
    return path


def _stored(con) -> list[dict]:
    return read_rows(con, "SELECT area_code, breakdown, breakdown_group, value FROM measurement"
                          " WHERE indicator_code = 'I08' AND period_label = ? ORDER BY ALL", [PERIOD])


def _one_row_per_key(con) -> bool:
    key = ", ".join(KEY)
    return read_rows(con, f"SELECT count(*) = count(DISTINCT ({key})) AS ok FROM measurement")[0]["ok"]


def test_one_key_given_two_values_in_one_file_is_refused_naming_both_rows_and_nothing_is_written(
        demo_con, editor, tmp_path):
    source = _csv(tmp_path / "twice.csv", [("DEMO-ICB", "Sex", "Female", 10), ("DEMO-P01", "All", "All", 5),
                                            ("DEMO-ICB", "Sex", "Female", 11)])
    batches = read_rows(demo_con, "SELECT count(*) AS n FROM import_batch")[0]["n"]
    with pytest.raises(ImportRejected) as refused:
        import_files(demo_con, editor, [source], system_code="DEMO")
    words = str(refused.value)
    assert "row 2" in words and "row 4" in words and "rows 2, 4 give different values" in words
    assert "twice.csv" in words and "column value" in words
    assert _stored(demo_con) == []
    assert read_rows(demo_con, "SELECT count(*) AS n FROM import_batch")[0]["n"] == batches


def test_a_key_repeated_with_the_same_values_in_one_file_is_written_once(demo_con, editor, tmp_path):
    source = _csv(tmp_path / "repeat.csv", [("DEMO-ICB", "All", "All", 7), ("DEMO-ICB", "All", "All", 7)])
    [batch] = import_files(demo_con, editor, [source], system_code="DEMO")
    assert (batch.rows_new, batch.rows_merged) == (1, 1)
    assert _stored(demo_con) == [{"area_code": "DEMO-ICB", "breakdown": "All", "breakdown_group": "All", "value": 7.0}]


def test_a_key_already_stored_is_updated_in_place_never_stored_twice(demo_con, editor, tmp_path):
    import_files(demo_con, editor, [_csv(tmp_path / "a.csv", [("DEMO-ICB", "All", "All", 1),
                                                              ("DEMO-P01", "All", "All", 2)])], system_code="DEMO")
    [again] = import_files(demo_con, editor, [_csv(tmp_path / "b.csv", [("DEMO-ICB", "All", "All", 1.5),
                                                                        ("DEMO-P01", "All", "All", 2),
                                                                        ("DEMO-P02", "All", "All", 3)])],
                           system_code="DEMO")
    assert (again.rows_new, again.rows_changed, again.rows_unchanged) == (1, 1, 1)
    assert [r["value"] for r in _stored(demo_con)] == [1.5, 2.0, 3.0]
    replaced = read_rows(demo_con, "SELECT area_code, value FROM measurement_replaced WHERE replaced_by_batch = ?",
                         [again.batch_id])
    assert replaced == [{"area_code": "DEMO-ICB", "value": 1.0}]
    assert _one_row_per_key(demo_con)


def test_the_store_still_refuses_a_second_row_for_a_stored_key_written_around_the_import(demo_con, editor, tmp_path):
    import_files(demo_con, editor, [_csv(tmp_path / "a.csv", [("DEMO-ICB", "All", "All", 1)])], system_code="DEMO")
    with pytest.raises(duckdb.ConstraintException):
        demo_con.execute("INSERT INTO measurement (system_code, indicator_code, area_code, period_label, period_start,"
                         " period_end, value) SELECT system_code, indicator_code, area_code, period_label,"
                         " period_start, period_end, 99 FROM measurement WHERE period_label = ?", [PERIOD])
    assert [r["value"] for r in _stored(demo_con)] == [1.0]


BIG_ROWS = 3_000_001  # data rows: the bad one is the last, on spreadsheet row 3,000,002


def _big_file(path: Path, bad_row: int) -> Path:
    """A CSV of BIG_ROWS valid I08 rows (one per day and age group) with one value that is not a number on the given
    spreadsheet row, written by DuckDB."""
    con = duckdb.connect()
    try:
        con.execute(
            f"""COPY (SELECT 'I08' AS indicator_code, 'DEMO-ICB' AS area_code,
                       strftime(DATE '2000-01-01' + CAST(i // 1000 AS INTEGER), '%Y-%m-%d') AS period_label,
                       'Age' AS breakdown, 'group ' || (i % 1000) AS breakdown_group,
                       CASE WHEN i + 2 = {bad_row} THEN 'about 40' ELSE CAST(i % 100 AS VARCHAR) END AS value
                     FROM range({BIG_ROWS}) r(i)) TO '{path}' (HEADER, DELIMITER ',')""")
    finally:
        con.close()
    return path


def test_a_bad_value_three_million_rows_down_is_refused_with_its_row_number_and_nothing_is_written(
        demo_con, editor, tmp_path):
    source = _big_file(tmp_path / "big.csv", BIG_ROWS + 1)
    before = read_rows(demo_con, "SELECT count(*) AS m, (SELECT count(*) FROM import_batch) AS b FROM measurement")
    with pytest.raises(ImportRejected) as refused:
        import_files(demo_con, editor, [source], system_code="DEMO")
    [problem] = refused.value.plan.files[0].problems
    assert (problem.row, problem.column, problem.found) == (3_000_002, "value", "about 40")
    assert "a number" in problem.expected and problem.file == "big.csv"
    assert read_rows(demo_con, "SELECT count(*) AS m, (SELECT count(*) FROM import_batch) AS b FROM measurement") \
        == before


def test_checking_a_large_file_keeps_the_checking_database_to_its_memory_limit_and_removes_its_spill():
    with staging_database() as stage:
        limit = stage.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        spill = Path(stage.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
        assert spill.is_dir()
    amount, unit = limit.split()
    assert unit == "MiB" and float(amount) <= int(STAGE_MEMORY.removesuffix("MB"))
    assert not spill.exists()


KILLED_IMPORT = """
import sys, time
from pathlib import Path
from framework.core import db
from framework.data_io.importers import core, import_files
from tests.conftest import make_user

real = core.upsert_measurements
def written_then_stalled(*args):
    counts = real(*args)
    Path(sys.argv[3]).write_text("midway")
    time.sleep(60)
    return counts
core.upsert_measurements = written_then_stalled
import_files(db.connect(sys.argv[1]), make_user("editor"), [sys.argv[2]], system_code="DEMO")
"""


def test_an_import_killed_after_its_rows_are_written_but_before_it_commits_leaves_nothing(demo_db_file, tmp_path):
    database, marker = copy_database(demo_db_file, tmp_path / "demo.duckdb"), tmp_path / "midway"
    source = _csv(tmp_path / "rows.csv", [("DEMO-ICB", "All", "All", 1), ("DEMO-P01", "All", "All", 2)])
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(database), str(source), str(marker)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.time() + 120
    while not marker.exists() and child.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the import never wrote its rows"
    child.send_signal(signal.SIGKILL)
    child.wait()
    con = db.connect(database)
    try:
        assert _stored(con) == []
        assert read_rows(con, "SELECT count(*) AS n FROM import_batch WHERE file_name = 'rows.csv'")[0]["n"] == 0
        assert read_rows(con, "SELECT count(*) AS n FROM import_batch_row WHERE period_start >= DATE '2026-04-01'"
                              " AND indicator_code = 'I08'")[0]["n"] == 0
        check = check_file(con, source, system_code="DEMO")
        assert check.ok and check.rows_valid == 2  # and the file imports afterwards
    finally:
        con.close()
