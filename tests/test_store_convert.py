"""Converting a database written by an earlier release (DuckDB 2.0) into one this release opens, keeping every row.

The DuckDB 2.0 files here are written by DuckDB 2.0 itself, in a child process, from the demo database this release
makes. The tests need DuckDB 2.0 installed as `make` installs it (<venv>/duckdb-2.0, or $SHARED_MEASURES_DUCKDB2).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from framework import cli
from framework.core import db, store_convert
from framework.core.errors import StoreError
from tests.conftest import ROOT

FOLDER = store_convert.duckdb2_folder()
ON_DUCKDB_1 = int(duckdb.__version__.split(".")[0]) < 2
on_duckdb_1 = pytest.mark.skipif(not ON_DUCKDB_1, reason="this release runs on DuckDB 1.5; DuckDB 2.0 opens every "
                                 "file as it is")
needs_duckdb2 = pytest.mark.skipif(FOLDER is None or not ON_DUCKDB_1, reason="DuckDB 2.0 is not installed beside "
                                   f"this Python, or runs the app itself: {store_convert.install_words()}")

WRITE_2_0 = """
import sys
import tempfile
sys.path.insert(0, sys.argv[1])
import duckdb
assert duckdb.__version__.startswith("2."), duckdb.__version__
con = duckdb.connect()
con.execute(f"ATTACH '{sys.argv[2]}' AS source (READ_ONLY)")
con.execute(f"ATTACH '{sys.argv[3]}' AS target")
con.execute("COPY FROM DATABASE source TO target")
if int(sys.argv[4]):
    con.execute(f"CREATE TABLE target.bulk AS SELECT range AS n, md5(range::VARCHAR) AS t FROM range({sys.argv[4]})")
con.close()
"""


def write_2_0(source: Path, target: Path, extra_rows: int = 0) -> Path:
    """A copy of `source` written by DuckDB 2.0 in its own format, with an extra table of `extra_rows` rows."""
    subprocess.run([sys.executable, "-c", WRITE_2_0, str(FOLDER), str(source), str(target), str(extra_rows)],
                   check=True, capture_output=True, text=True)
    assert store_convert.needs_conversion(target)
    return target


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contents(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order, as this release's DuckDB reads them (from a copy, since other
    tests in this process may hold the shared demo file open with other settings)."""
    folder = Path(tempfile.mkdtemp())
    shutil.copyfile(path, folder / path.name)
    con = duckdb.connect(str(folder / path.name), read_only=True)
    try:
        names = [row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1").fetchall()]
        return {name: con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall() for name in names}
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def old_file(tmp_path: Path, demo_db_file: Path) -> Path:
    return write_2_0(demo_db_file, tmp_path / "shared_measures.duckdb")


@needs_duckdb2
def test_a_database_written_by_duckdb_2_converts_and_opens_with_the_same_rows_in_every_table(
        old_file, demo_db_file):
    done = store_convert.convert(old_file)
    assert not store_convert.needs_conversion(old_file)
    before, after = contents(demo_db_file), contents(old_file)
    assert sorted(after) == sorted(before)
    assert all(after[name] == rows for name, rows in before.items())
    assert done.tables == len(before) and done.rows == sum(len(rows) for rows in before.values())
    assert sum(len(rows) for rows in before.values()) > 1000  # the demo: something real to lose
    con = db.connect(old_file, create=False)  # the normal open: brought up to date, views rebuilt
    try:
        assert db.scalar(con.cursor(), "SELECT count(*) FROM v_measurement") == len(before["measurement"])
    finally:
        con.close()


@needs_duckdb2
def test_the_original_is_kept_beside_the_converted_file_unchanged(old_file):
    original = digest(old_file)
    done = store_convert.convert(old_file)
    assert done.backup == old_file.with_name("shared_measures.duckdb.duckdb-2.0.bak")
    assert digest(done.backup) == original
    assert store_convert.needs_conversion(done.backup)
    assert not list(old_file.parent.glob("*.converting*"))


@needs_duckdb2
def test_new_rows_after_a_conversion_take_numbers_after_the_old_ones(old_file):
    from framework.core.new_ids import SEQUENCES, next_id

    store_convert.convert(old_file)
    con = db.connect(old_file, create=False)
    try:
        cur = con.cursor()
        used = {(table, column): db.scalar(cur, f"SELECT coalesce(max({column}), 0) FROM {table}")
                for table, column in SEQUENCES}
        assert used[("audit_log", "audit_id")] > 1  # the demo numbered rows: something to collide with
        for (table, column), sequence in SEQUENCES.items():
            assert next_id(cur, sequence) > used[(table, column)], sequence
    finally:
        con.close()


@needs_duckdb2
def test_a_conversion_killed_midway_leaves_the_original_untouched_and_can_be_run_again(tmp_path, demo_db_file):
    old = write_2_0(demo_db_file, tmp_path / "big.duckdb", extra_rows=4_000_000)
    original = digest(old)
    work = old.with_name(old.name + store_convert.WORK_SUFFIX)
    run = subprocess.Popen([sys.executable, "-m", "framework", "--db", str(old), "convert"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (work.exists() and work.stat().st_size > 0) and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.005)
    assert run.poll() is None, "the conversion finished before it could be stopped: give it more rows"
    os.killpg(run.pid, signal.SIGKILL)  # the command and its DuckDB 2.0 child, as a power cut would
    run.wait()
    assert digest(old) == original
    assert store_convert.needs_conversion(old)
    assert not old.with_name(old.name + store_convert.BACKUP_SUFFIX).exists()
    done = store_convert.convert(old)  # what the stopped one left is cleared away
    assert done.rows > 4_000_000 and not work.exists()
    assert contents(old)["bulk"][-1][0] == 3_999_999


@needs_duckdb2
def test_the_command_converts_and_says_where_the_original_is(old_file, capsys):
    assert cli.main(["--db", str(old_file), "convert"]) == 0
    out = capsys.readouterr().out
    assert "every table's rows and checksum checked" in out
    assert "duckdb-2.0.bak" in out and "opens with this release" in out


@needs_duckdb2
def test_opening_a_duckdb_2_file_for_writing_converts_it_first_and_says_so(old_file, demo_db_file, caplog):
    with caplog.at_level("WARNING", logger="framework.core.store_convert"):
        con = db.connect(old_file)
    try:
        assert db.scalar(con.cursor(), "SELECT count(*) FROM measurement") == len(contents(demo_db_file)["measurement"])
    finally:
        con.close()
    said = caplog.text
    assert f"Converting {old_file} from DuckDB 2.0's format" in said and "The original is kept as" in said
    assert old_file.with_name(old_file.name + store_convert.BACKUP_SUFFIX).exists()


@needs_duckdb2
def test_a_command_on_a_duckdb_2_file_converts_it_and_then_does_its_work(old_file, tmp_path):
    out = tmp_path / "return.xlsx"
    done = subprocess.run([sys.executable, "-m", "framework", "--db", str(old_file), "export", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0 and not store_convert.needs_conversion(old_file)
    assert f"Converted {old_file} for this release" in done.stderr and "Traceback" not in done.stderr


@needs_duckdb2
def test_a_read_only_open_of_a_duckdb_2_file_changes_nothing_and_names_the_command(old_file):
    original = digest(old_file)
    with pytest.raises(StoreError) as refused:
        db.connect(old_file, read_only=True)
    assert f"python -m framework --db {old_file} convert" in str(refused.value)
    assert digest(old_file) == original and store_convert.needs_conversion(old_file)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path, capsys):
    text = tmp_path / "notes.duckdb"
    text.write_text("system_code,indicator_code\nDEMO,I01\n" * 50)
    with pytest.raises(StoreError, match="not a DuckDB file"):
        store_convert.convert(text)
    assert cli.main(["--db", str(text), "convert"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert text.read_text().startswith("system_code") and sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb"]


@needs_duckdb2
def test_a_truncated_duckdb_2_file_is_refused_and_left_alone(tmp_path, old_file):
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(old_file.read_bytes()[:300_000])
    with pytest.raises(StoreError, match="could not be converted"):
        store_convert.convert(cut)
    assert cut.stat().st_size == 300_000
    assert not cut.with_name(cut.name + store_convert.BACKUP_SUFFIX).exists()
    assert not cut.with_name(cut.name + store_convert.WORK_SUFFIX).exists()


def test_a_database_this_release_made_is_left_alone(tmp_path, demo_db_file, capsys):
    mine = tmp_path / "mine.duckdb"
    shutil.copy(demo_db_file, mine)
    original = digest(mine)
    with pytest.raises(StoreError, match="already opens with this release"):
        store_convert.convert(mine)
    assert cli.main(["--db", str(mine), "convert"]) == 0
    assert "nothing to convert" in capsys.readouterr().out
    assert digest(mine) == original and sorted(p.name for p in tmp_path.iterdir()) == ["mine.duckdb"]


@on_duckdb_1
def test_without_duckdb_2_installed_the_message_names_what_to_run(tmp_path, monkeypatch, capsys):
    old = tmp_path / "old.duckdb"
    header = bytearray(4096)
    header[8:12], header[12:20] = b"DUCK", (999).to_bytes(8, "little")  # what DuckDB 2.0 writes in its header
    old.write_bytes(bytes(header))
    monkeypatch.setenv(store_convert.FOLDER_VAR, str(tmp_path / "no-duckdb-here"))
    assert cli.main(["--db", str(old), "convert"]) == 2
    err = capsys.readouterr().err
    assert "pip install --target .venv/duckdb-2.0 duckdb==2.0.0" in err
    assert f"python -m framework --db {old} convert" in err and "Nothing was changed" in err
    assert old.read_bytes() == bytes(header)


@needs_duckdb2
def test_without_duckdb_2_installed_the_app_says_what_to_install_and_run(old_file, tmp_path, monkeypatch):
    original = digest(old_file)
    monkeypatch.setenv(store_convert.FOLDER_VAR, str(tmp_path / "no-duckdb-here"))
    with pytest.raises(StoreError) as refused:
        db.connect(old_file)
    assert "duckdb==2.0.0" in str(refused.value) and f"--db {old_file} convert" in str(refused.value)
    assert digest(old_file) == original


@needs_duckdb2
def test_an_earlier_backup_is_never_overwritten(old_file):
    backup = old_file.with_name(old_file.name + store_convert.BACKUP_SUFFIX)
    backup.write_text("a backup made by an earlier conversion")
    original = digest(old_file)
    with pytest.raises(StoreError, match="already there"):
        store_convert.convert(old_file)
    assert backup.read_text() == "a backup made by an earlier conversion" and digest(old_file) == original


@needs_duckdb2
def test_a_second_conversion_of_the_same_file_at_the_same_time_is_refused(old_file):
    lock = old_file.with_name(old_file.name + store_convert.WORK_SUFFIX + ".lock")
    with open(lock, "a") as held:  # what a running conversion holds
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(StoreError, match="Another conversion"):
            store_convert.convert(old_file)
    assert store_convert.needs_conversion(old_file)


@needs_duckdb2
def test_a_database_still_open_in_the_earlier_release_is_not_converted_under_it(old_file):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import duckdb; "
         "con = duckdb.connect(sys.argv[2]); print('open', flush=True); sys.stdin.read()", str(FOLDER),
         str(old_file)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another program"):
            store_convert.convert(old_file)
    finally:
        holder.communicate("")
    assert store_convert.needs_conversion(old_file)
    assert not old_file.with_name(old_file.name + store_convert.BACKUP_SUFFIX).exists()


@needs_duckdb2
def test_a_copy_that_lost_a_row_is_never_moved_into_place(old_file, monkeypatch):
    real_copy = store_convert._copy

    def copy_then_lose_a_row(folder, path, work, lock_fds):
        copied = real_copy(folder, path, work, lock_fds)
        damaged = duckdb.connect(str(work))  # as a faulty disk or copy would
        damaged.execute("DELETE FROM measurement WHERE rowid = (SELECT min(rowid) FROM measurement)")
        damaged.close()
        return copied

    monkeypatch.setattr(store_convert, "_copy", copy_then_lose_a_row)
    original = digest(old_file)
    with pytest.raises(StoreError, match="measurement.* rows, not"):
        store_convert.convert(old_file)
    assert digest(old_file) == original and store_convert.needs_conversion(old_file)
    assert sorted(p.name for p in old_file.parent.iterdir()) == [old_file.name]


def test_the_checksum_changes_with_any_value_and_not_with_the_order_of_rows():
    from framework.core.store_convert_child import fingerprint

    con = duckdb.connect()
    con.execute("CREATE TABLE a AS SELECT range AS n, 'row ' || range AS t, range / 3 AS x FROM range(1000)")
    con.execute("CREATE TABLE b AS SELECT * FROM a ORDER BY random()")
    con.execute("CREATE TABLE c AS SELECT * FROM a")
    con.execute("UPDATE c SET t = 'row 500 ' WHERE n = 500")  # one trailing space
    con.execute("CREATE TABLE d AS SELECT * FROM a")
    con.execute("UPDATE d SET x = NULL WHERE n = 7")
    memory = con.execute("SELECT current_database()").fetchone()[0]
    a, b, c, d = (fingerprint(con, memory, "main", name) for name in ("a", "b", "c", "d"))
    assert a == b and a[0] == c[0] == d[0] == 1000
    assert len({a[1], c[1], d[1]}) == 3


@needs_duckdb2
def test_rows_still_in_the_write_ahead_log_of_a_crashed_earlier_release_are_kept(old_file):
    crash = ("import sys; sys.path.insert(0, sys.argv[1]); import duckdb; con = duckdb.connect(sys.argv[2]); "
             "con.execute('PRAGMA disable_checkpoint_on_shutdown'); con.execute(\"UPDATE indicator SET name = "
             "'Saved just before the power cut' WHERE indicator_code = (SELECT min(indicator_code) FROM indicator)\"); "
             "con.close()")
    subprocess.run([sys.executable, "-c", crash, str(FOLDER), str(old_file)], check=True, capture_output=True)
    assert Path(f"{old_file}.wal").exists()
    store_convert.convert(old_file)
    assert not Path(f"{old_file}.wal").exists()
    con = duckdb.connect(str(old_file), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM indicator WHERE name = 'Saved just before the power cut'"
                           ).fetchone()[0] == 1
    finally:
        con.close()


@needs_duckdb2
def test_a_conversion_stopped_just_before_its_last_step_can_be_run_again(old_file):
    original = digest(old_file)
    os.link(old_file, old_file.with_name(old_file.name + store_convert.BACKUP_SUFFIX))  # the original's second name
    done = store_convert.convert(old_file)
    assert digest(done.backup) == original and not store_convert.needs_conversion(old_file)
