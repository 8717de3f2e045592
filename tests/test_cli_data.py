"""The command line for data in and out: `import FILE... [--skip-invalid] [--system CODE]` and
`export OUT.xlsx [--system CODE]`; exit 0 on success and 2 on bad input with nothing written."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from framework.cli import main
from tests.apptest_helpers import copy_db
from tests.test_import import DATA, DOWNLOADED_ROWS, REPEATS_IN_EXPORT, fingertips_copy


def counts(path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM measurement), (SELECT count(*) FROM import_batch)").fetchall()[0]
    finally:
        con.close()


@pytest.fixture
def demo_copy(demo_db_file, tmp_path):
    return copy_db(demo_db_file, tmp_path)


def test_export_writes_the_return_and_exits_0(demo_copy, tmp_path, capsys):
    out = tmp_path / "board.xlsx"
    assert main(["--db", str(demo_copy), "export", str(out), "--system", "DEMO"]) == 0
    assert out.exists() and out.stat().st_size > 10_000
    assert f"Measurements {counts(demo_copy)[0]:,} rows" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["export", "OUT.xlsx", "--system", "NOPE"], "There is no system 'NOPE'"),
    (["export", "OUT.csv"], "must be an .xlsx file"),
    (["import", "missing.csv"], "missing.csv: found 'nothing: no such file'; expected a regular file: "),
    (["import", "DATA/odd_dates.csv", "--system", "NOPE"], "There is no system 'NOPE' in this database."),
])
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(demo_copy, tmp_path, capsys, args, message):
    args = [a.replace("OUT", str(tmp_path / "out")).replace("DATA", str(DATA)) for a in args]
    before = counts(demo_copy)
    assert main(["--db", str(demo_copy), *args]) == 2
    assert message in capsys.readouterr().err
    assert counts(demo_copy) == before


def test_import_of_a_bad_file_exits_2_prints_every_problem_with_row_and_column_and_writes_nothing(
        demo_copy, tmp_path, capsys):
    source = tmp_path / "text_in_numbers.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    before = counts(demo_copy)
    assert main(["--db", str(demo_copy), "import", str(source)]) == 2
    err = capsys.readouterr().err
    assert "error: text_in_numbers.csv, row 2, column value: found 'N/A'; expected a number." in err
    assert "error: text_in_numbers.csv, row 3, column value: found 'High'; expected a number." in err
    assert "Nothing was written." in err
    assert counts(demo_copy) == before
    assert not (tmp_path / "text_in_numbers.rejects.csv").exists()


def test_import_with_skip_invalid_exits_0_and_writes_the_rejects_file(demo_copy, tmp_path, capsys):
    source = tmp_path / "text_in_numbers.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    assert main(["--db", str(demo_copy), "import", str(source), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert "1 new, 0 changed, 0 unchanged; 3 rejected" in out
    assert "[100%] Written 1 of 1 rows" in out
    assert (tmp_path / "text_in_numbers.rejects.csv").read_text().count("\n") == 4


def test_the_fingertips_export_exits_2_all_or_nothing_and_0_with_skip_invalid(demo_copy, tmp_path, capsys):
    source = fingertips_copy(tmp_path)
    before = counts(demo_copy)
    assert main(["--db", str(demo_copy), "import", str(source), "--system", "DEMO"]) == 2
    assert "column Indicator ID: found nothing (blank)" in capsys.readouterr().err
    assert counts(demo_copy) == before
    assert main(["--db", str(demo_copy), "import", str(source), "--system", "DEMO", "--skip-invalid"]) == 0
    assert "6,267 rejected" in capsys.readouterr().out
    assert counts(demo_copy)[0] - before[0] == DOWNLOADED_ROWS - REPEATS_IN_EXPORT - 1  # one row was already there


def test_a_return_exported_on_the_command_line_imports_into_an_empty_database(demo_copy, tmp_path, capsys):
    out = tmp_path / "backup.xlsx"
    assert main(["--db", str(demo_copy), "export", str(out)]) == 0
    empty = tmp_path / "empty.duckdb"
    assert main(["--db", str(empty), "init"]) == 0
    assert main(["--db", str(empty), "import", str(out)]) == 0
    rows = counts(demo_copy)[0]
    assert f"{rows:,} new" in capsys.readouterr().out
    assert counts(empty) == (rows, 1)
