"""The command line for data in and out: `import FILE... [--skip-invalid] [--system CODE]` and
`export OUT.xlsx [--system CODE] [--kind full|board|pack]`; exit 0 on success and 2 on bad input with nothing written."""
from __future__ import annotations

import shutil

import duckdb
import pytest

from framework.cli import main
from tests.apptest_helpers import copy_db
from tests.test_import import DATA, fingertips_copy


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


@pytest.mark.parametrize("kind, name, first", [("board", "board.xlsx", b"PK"), ("pack", "pack.zip", b"PK"),
                                                ("full", "full.xlsx", b"PK")])
def test_export_writes_the_chosen_product_and_says_how_many_rows(demo_copy, tmp_path, capsys, kind, name, first):
    import zipfile

    out = tmp_path / name
    assert main(["--db", str(demo_copy), "export", str(out), "--kind", kind]) == 0
    said = capsys.readouterr().out
    assert out.read_bytes()[:2] == first and said.startswith(f"Wrote {out}: ")
    names = zipfile.ZipFile(out).namelist()
    if kind == "pack":
        assert "measurements.parquet" in names and f"Measurements {counts(demo_copy)[0]:,} rows" in said
    else:
        assert "xl/workbook.xml" in names
        rows = int(said.split("Measurements ")[1].split(" rows")[0].replace(",", ""))
        assert (rows == counts(demo_copy)[0]) is (kind == "full") and rows > 0


@pytest.mark.parametrize("args, message", [
    (["export", "OUT.xlsx", "--system", "NOPE"], "There is no system 'NOPE'"),
    (["export", "OUT.csv"], "must be an .xlsx file"),
    (["export", "OUT.xlsx", "--kind", "pack"], "The data pack is a .zip file; out.xlsx is not."),
    (["export", "OUT.zip", "--kind", "board"], "must be an .xlsx file"),
    (["import", "missing.csv"], "missing.csv: found 'nothing: no such file'; expected a regular file: "),
    (["import", "DATA/odd_dates.csv", "--system", "NOPE"], "There is no system 'NOPE' in this database."),
])
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(demo_copy, tmp_path, capsys, args, message):
    args = [a.replace("OUT", str(tmp_path / "out")).replace("DATA", str(DATA)) for a in args]
    before = counts(demo_copy)
    assert main(["--db", str(demo_copy), *args]) == 2
    assert message in capsys.readouterr().err
    assert counts(demo_copy) == before
    assert not list(tmp_path.glob("out*"))


def test_an_unknown_kind_of_export_exits_2_naming_the_choices_and_writes_nothing(demo_copy, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(demo_copy), "export", str(tmp_path / "out.xlsx"), "--kind", "everything"])
    assert stopped.value.code == 2
    assert "invalid choice: 'everything' (choose from 'full', 'board', 'pack')" in capsys.readouterr().err
    assert list(tmp_path.glob("out*")) == []


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


def test_a_national_fingertips_export_keeps_the_systems_footprint_and_says_how_many_rows_it_left_out(
        demo_copy, tmp_path, capsys):
    source = fingertips_copy(tmp_path)
    with duckdb.connect() as reader:  # the rows for DEMO's footprint, counted from the file itself
        inside, rows = reader.execute(
            "SELECT count(*) FILTER (WHERE regexp_replace(\"Area Code\", '^n', '') IN ('E92000001', 'E40000012')),"
            " count(*) FROM read_csv(?, all_varchar = true)", [str(source)]).fetchall()[0]
    assert main(["--db", str(demo_copy), "import", str(source), "--system", "DEMO"]) == 0
    out = capsys.readouterr().out
    assert f"{rows - inside:,} rows for 7,046 areas outside system DEMO were left out" in out
    assert "rejected" not in out  # the appended GP rows without an id are all outside DEMO: left out, not errors
    assert "[100%] Written" in out


def test_a_return_exported_on_the_command_line_imports_into_an_empty_database(demo_copy, tmp_path, capsys):
    out = tmp_path / "backup.xlsx"
    assert main(["--db", str(demo_copy), "export", str(out)]) == 0
    empty = tmp_path / "empty.duckdb"
    assert main(["--db", str(empty), "init"]) == 0
    assert main(["--db", str(empty), "import", str(out)]) == 0
    rows = counts(demo_copy)[0]
    assert f"{rows:,} new" in capsys.readouterr().out
    assert counts(empty) == (rows, 1)


# ---------------------------------------------------------------- disks that refuse: exit 2, nothing half-written

def test_export_onto_a_full_disk_exits_2_and_keeps_the_previous_return(demo_copy, tmp_path, capsys, monkeypatch):
    import errno

    from framework.data_io import workbook_writer

    out = tmp_path / "board.xlsx"
    out.write_bytes(b"the previous return")

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workbook_writer.ReturnWriter, "close", full)
    assert main(["--db", str(demo_copy), "export", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "The previous file is unchanged." in err and "Traceback" not in err
    assert out.read_bytes() == b"the previous return"
    assert sorted(p.name for p in tmp_path.iterdir() if "board" in p.name) == ["board.xlsx"]


def test_export_onto_a_folder_exits_2_and_says_so(demo_copy, tmp_path, capsys):
    (tmp_path / "folder.xlsx").mkdir()
    assert main(["--db", str(demo_copy), "export", str(tmp_path / "folder.xlsx")]) == 2
    assert "it is a folder" in capsys.readouterr().err


@pytest.fixture
def text_in_numbers(tmp_path):
    """A copy of a file with text in its number columns, so `--skip-invalid` writes a rejects file beside it."""
    source = tmp_path / "text_in_numbers.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    return source


def test_skip_invalid_where_rejects_cannot_be_written_exits_2_and_imports_nothing(demo_copy, text_in_numbers, tmp_path,
                                                                                capsys, monkeypatch):
    import errno
    import tempfile

    source, before = text_in_numbers, counts(demo_copy)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert main(["--db", str(demo_copy), "import", str(source), "--skip-invalid"]) == 2
    err = capsys.readouterr().err
    assert "Cannot write" in err and "text_in_numbers.rejects.csv" in err and "read-only disk" in err
    assert counts(demo_copy) == before
    assert not (tmp_path / "text_in_numbers.rejects.csv").exists()


def test_when_the_import_fails_after_the_rejects_were_written_no_rejects_file_is_left(demo_copy, text_in_numbers,
                                                                                   tmp_path, capsys, monkeypatch):
    import framework.data_io.importers.core as importer

    source, before = text_in_numbers, counts(demo_copy)

    def conflict(*args, **kwargs):
        from framework.core.errors import WriteConflict

        raise WriteConflict("Someone else changed the same rows at the same time; try again.")

    monkeypatch.setattr(importer, "apply_plan", conflict)
    assert main(["--db", str(demo_copy), "import", str(source), "--skip-invalid"]) == 2
    assert "try again" in capsys.readouterr().err
    assert counts(demo_copy) == before
    assert not (tmp_path / "text_in_numbers.rejects.csv").exists()
