"""No command-line failure ever exits 1 with a traceback: every bad invocation exits 2 with a message, names are
printed with their control characters escaped, and a file that is not a data file is never echoed."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from framework import cli
from tests.apptest_helpers import copy_db
from tests.conftest import ROOT
from tests.test_import import DATA

HAS_NAMESPACES = bool(shutil.which("unshare")) and subprocess.run(
    ["unshare", "-rm", "true"], capture_output=True).returncode == 0


def run_cli(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "framework", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def assert_clean_failure(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.stderr.strip(), "a failure always says why"
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.fixture
def place(demo_db_file, tmp_path):
    """A copy of the demo database and a folder of odd things to point the command line at."""
    (tmp_path / "folder.xlsx").mkdir()
    (tmp_path / "folder.csv").mkdir()
    os.mkfifo(tmp_path / "pipe.csv")
    os.mkfifo(tmp_path / "pipe.xlsx")
    os.mkfifo(tmp_path / "pipe.duckdb")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "junk.csv").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    (tmp_path / "text.duckdb").write_text("not a database\n")
    shutil.copy(DATA / "text_in_numbers.csv", tmp_path / "bad.csv")
    copy_db(demo_db_file, tmp_path)
    return tmp_path


BAD_INVOCATIONS = [
    ("no command", [], "usage"),
    ("an unknown command", ["frobnicate"], "invalid choice"),
    ("a database that is a folder", ["--db", "{t}/folder.csv", "init"], "is a folder"),
    ("a database that is a pipe", ["--db", "{t}/pipe.duckdb", "init"], "a named pipe (FIFO), not a database file"),
    ("a database that is a device", ["--db", "/dev/null", "export", "{t}/x.xlsx"], "not a database file"),
    ("a database that is a text file", ["--db", "{t}/text.duckdb", "export", "{t}/x.xlsx"], "not a Shared Measures"),
    ("a database that does not exist", ["--db", "{t}/none.duckdb", "export", "{t}/x.xlsx"], "There is no database"),
    ("a database in a missing folder", ["--db", "{t}/no/x.duckdb", "init"], "does not exist"),
    ("importing a folder", ["import", "{t}/folder.csv"], "found 'a folder'"),
    ("importing a pipe", ["import", "{t}/pipe.csv"], "found 'a named pipe (FIFO)'"),
    ("importing a link to /dev/zero", ["import", "{t}/zero.csv"], "found 'a device (the link leads to /dev/zero)'"),
    ("importing a missing file", ["import", "{t}/missing.csv"], "no such file"),
    ("importing an empty file", ["import", "{t}/empty.csv"], "an empty file"),
    ("importing binary junk", ["import", "{t}/junk.csv"], "not a spreadsheet or text"),
    ("importing a broken workbook", ["import", "{t}/broken.xlsx"], "cannot be opened"),
    ("importing bad rows", ["import", "{t}/bad.csv"], "expected a number"),
    ("importing into an unknown system", ["import", "{t}/bad.csv", "--system", "NOPE"], "There is no system 'NOPE'"),
    ("exporting onto a folder", ["export", "{t}/folder.xlsx"], "it is a folder"),
    ("exporting onto a pipe", ["export", "{t}/pipe.xlsx"], "a named pipe (FIFO), not a regular file"),
    ("exporting into a missing folder", ["export", "{t}/no/such/x.xlsx"], "does not exist"),
    ("exporting as CSV", ["export", "{t}/x.csv"], "must be an .xlsx file"),
    ("exporting an unknown system", ["export", "{t}/x.xlsx", "--system", "NOPE"], "There is no system 'NOPE'"),
    ("starting a system on an abolished ICB", ["add-system", "NEW", "--name", "New", "--footprint", "E54000025"],
     "was abolished"),
    ("starting a system with a code taken", ["add-system", "DEMO", "--name", "New", "--footprint", "E54000061"],
     "already used"),
    ("loading a pipe as geography", ["geography", "{t}/pipe.csv"], "found a named pipe (FIFO)"),
    ("loading binary junk as geography", ["geography", "{t}/junk.csv"], "found binary data"),
]


@pytest.mark.parametrize("case, args, words", BAD_INVOCATIONS, ids=[c[0] for c in BAD_INVOCATIONS])
def test_no_bad_invocation_exits_1_or_shows_a_traceback(place, case, args, words):
    database = [] if args[:1] == ["--db"] else ["--db", str(place / "demo.duckdb")]
    args = [a.replace("{t}", str(place)) for a in args]
    result = run_cli(*database, *args, timeout=60)
    assert_clean_failure(result, words)
    leftovers = [p.name for p in place.iterdir() if p.name.endswith(".part") or p.name == "x.xlsx"]
    assert leftovers == []


def test_exporting_onto_the_database_itself_is_refused_and_the_database_survives(place, capsys):
    database = place / "demo.xlsx"
    (place / "demo.duckdb").rename(database)
    assert cli.main(["--db", str(database), "export", str(database)]) == 2
    assert "is the database itself" in capsys.readouterr().err
    import duckdb

    still = duckdb.connect(str(database), read_only=True)
    assert still.execute("SELECT count(*) FROM measurement").fetchone()[0] > 1000
    still.close()


def test_an_unexpected_error_prints_one_line_naming_it_and_asking_for_a_report(place, monkeypatch, capsys):
    def broken(con, args):
        raise KeyError("a fault in the code")

    configure, _run, help_text = cli.COMMANDS["export"]
    monkeypatch.setitem(cli.COMMANDS, "export", (configure, broken, help_text))
    monkeypatch.delenv(cli.DEBUG_VAR, raising=False)
    assert cli.main(["--db", str(place / "demo.duckdb"), "export", str(place / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "an unexpected KeyError" in err and "please report it" in err and "Traceback" not in err


def test_an_unexpected_error_shows_its_traceback_when_debugging_is_asked_for(place, monkeypatch, capsys):
    def broken(con, args):
        raise KeyError("a fault in the code")

    configure, _run, help_text = cli.COMMANDS["export"]
    monkeypatch.setitem(cli.COMMANDS, "export", (configure, broken, help_text))
    monkeypatch.setenv(cli.DEBUG_VAR, "1")
    assert cli.main(["--db", str(place / "demo.duckdb"), "export", str(place / "x.xlsx")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_ctrl_c_stops_with_130_and_no_traceback(place, monkeypatch, capsys):
    def interrupted(con, args):
        raise KeyboardInterrupt

    configure, _run, help_text = cli.COMMANDS["export"]
    monkeypatch.setitem(cli.COMMANDS, "export", (configure, interrupted, help_text))
    assert cli.main(["--db", str(place / "demo.duckdb"), "export", str(place / "x.xlsx")]) == 130
    assert "Stopped. Nothing was written." in capsys.readouterr().err


# ---------------------------------------------------------------- names printed safely, content never echoed

def test_a_line_break_in_a_file_name_cannot_forge_an_error_line(place):
    source = place / "rows.csv\nerror: everything imported fine.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    result = run_cli("--db", str(place / "demo.duckdb"), "import", str(source))
    assert_clean_failure(result, "rows.csv\\nerror: everything imported fine.csv")
    assert not any(line.startswith("error: everything") for line in result.stderr.splitlines())


def test_terminal_escape_codes_in_a_file_name_never_reach_the_terminal(place):
    source = place / "\x1b[2J\x1b[31mred\x07.csv"
    shutil.copy(DATA / "text_in_numbers.csv", source)
    result = run_cli("--db", str(place / "demo.duckdb"), "import", str(source))
    assert_clean_failure(result, "\\x1b[2J\\x1b[31mred\\x07.csv")
    assert "\x1b" not in result.stderr + result.stdout and "\x07" not in result.stderr + result.stdout


def test_a_link_to_a_file_that_is_not_data_never_echoes_its_content(place):
    secret = place / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA\nmore secret\n")
    (place / "data.csv").symlink_to(secret)
    result = run_cli("--db", str(place / "demo.duckdb"), "import", str(place / "data.csv"))
    assert_clean_failure(result, "data.csv, row 1", "naming none of the expected columns")
    assert "PRIVATE KEY" not in result.stderr + result.stdout and "b3Blbn" not in result.stderr + result.stdout


def test_a_successful_export_prints_the_escaped_name_it_wrote(place):
    out = place / "board\nreturn.xlsx"
    result = run_cli("--db", str(place / "demo.duckdb"), "export", str(out))
    assert result.returncode == 0, result.stderr
    assert "board\\nreturn.xlsx" in result.stdout and out.exists()


# ---------------------------------------------------------------- real read-only and full disks

def run_in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace, where it may mount read-only or tiny disks."""
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


@pytest.mark.skipif(not HAS_NAMESPACES, reason="this machine does not allow private mount namespaces")
def test_exporting_onto_a_read_only_disk_exits_2_and_keeps_the_previous_return(place):
    folder = place / "ro"
    folder.mkdir()
    (folder / "return.xlsx").write_bytes(b"the previous return")
    result = run_in_namespace(
        f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && "
        f"'{sys.executable}' -m framework --db '{place / 'demo.duckdb'}' export '{folder / 'return.xlsx'}'")
    assert_clean_failure(result, "is on a read-only disk", "The previous file is unchanged.")
    assert (folder / "return.xlsx").read_bytes() == b"the previous return"


@pytest.mark.skipif(not HAS_NAMESPACES, reason="this machine does not allow private mount namespaces")
def test_exporting_onto_a_full_disk_exits_2_keeps_the_previous_return_and_leaves_no_part_file(place):
    folder = place / "tiny"
    folder.mkdir()
    result = run_in_namespace(
        f"mount -t tmpfs -o size=64k tmpfs '{folder}' && printf 'the previous return' > '{folder}/return.xlsx' && "
        f"'{sys.executable}' -m framework --db '{place / 'demo.duckdb'}' export '{folder / 'return.xlsx'}'; "
        f"code=$?; ls -a '{folder}'; cat '{folder}/return.xlsx'; exit $code")
    assert_clean_failure(result, "the disk is full", "The previous file is unchanged.")
    assert result.stdout.split() == [".", "..", "return.xlsx", "the", "previous", "return"]


@pytest.mark.skipif(not HAS_NAMESPACES, reason="this machine does not allow private mount namespaces")
def test_skip_invalid_beside_a_read_only_file_exits_2_and_imports_nothing(place):
    import duckdb

    folder = place / "ro"
    folder.mkdir()
    shutil.copy(DATA / "text_in_numbers.csv", folder / "rows.csv")
    before = duckdb.connect(str(place / "demo.duckdb"), read_only=True)
    count = before.execute("SELECT count(*) FROM measurement").fetchone()
    before.close()
    result = run_in_namespace(
        f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && "
        f"'{sys.executable}' -m framework --db '{place / 'demo.duckdb'}' import '{folder / 'rows.csv'}' "
        "--skip-invalid")
    assert_clean_failure(result, "Cannot write", "rows.rejects.csv", "read-only disk")
    after = duckdb.connect(str(place / "demo.duckdb"), read_only=True)
    assert after.execute("SELECT count(*) FROM measurement").fetchone() == count
    after.close()
    assert sorted(p.name for p in folder.iterdir()) == ["rows.csv"]


def test_a_source_file_that_may_not_be_read_exits_2_in_words(place, monkeypatch, capsys):
    import errno

    import framework.data_io.importers.core as importer

    def unreadable(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(importer, "sha256_of", unreadable)
    assert cli.main(["--db", str(place / "demo.duckdb"), "import", str(place / "bad.csv")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {place / 'bad.csv'}: permission denied. Nothing was written.\n"


def test_a_role_that_may_not_act_is_told_so_in_words(place, monkeypatch, capsys):
    from framework.core.model import User

    monkeypatch.setattr(cli, "CLI_USER", User("cli", "Command line", "viewer"))
    assert cli.main(["--db", str(place / "demo.duckdb"), "import", str(place / "bad.csv")]) == 2
    assert "only partner organisation, engagement lead (editor) and administrator can import data" in capsys.readouterr().err
