"""Moving a whole store between a DuckDB file and PostgreSQL: every table arrives equal, numbering carries on past
the copied rows, and a copy that cannot be made changes nothing and says why."""
from __future__ import annotations

from pathlib import Path

import pytest

from framework import cli
from framework.core import db
from framework.core.errors import StoreError
from framework.data_io import store_copy
from tests.conftest import copy_database, make_user


def table_contents(con) -> dict[str, list[tuple]]:
    """Every table's rows as text, in a fixed order, so two stores can be compared whatever their backend."""
    contents = {}
    for table, columns in store_copy.tables_of(con).items():
        listed = ", ".join(f'"{c}"' for c in sorted(columns))
        rows = db.read_rows(con, f"SELECT {listed} FROM {table}")
        contents[table] = sorted(tuple("" if v is None else str(v) for v in row.values()) for row in rows)
    return contents


def open_server_store(url: str):
    """The PostgreSQL store at url, or a skip where this DuckDB has no PostgreSQL extension to reach it."""
    try:
        return db.connect(url)
    except StoreError as exc:
        if "duckdb-extension-postgres" in str(exc):
            pytest.skip(f"Server mode is not available with this DuckDB: {exc}")
        raise


@pytest.fixture
def server_url(pg_url) -> str:
    """A new PostgreSQL store with today's schema and nothing written to it."""
    open_server_store(pg_url).close()
    return pg_url


@pytest.fixture
def demo_file(demo_db_file, tmp_path) -> Path:
    return copy_database(demo_db_file, tmp_path / "source.duckdb")


def copy_by_command(source: str | Path, target: str | Path, capsys) -> tuple[int, str, str]:
    code = cli.main(["--db", str(source), "copy-to", str(target)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_copy_to_a_new_file_holds_every_table_equal_to_the_source(demo_file, tmp_path, capsys):
    code, out, err = copy_by_command(demo_file, tmp_path / "copy.duckdb", capsys)
    assert code == 0, err
    assert "Copied" in out and "tables" in out
    with db.connect(demo_file) as source, db.connect(tmp_path / "copy.duckdb") as copy:
        before, after = table_contents(source), table_contents(copy)
    assert before.keys() == after.keys()
    assert sum(len(rows) for rows in before.values()) > 1000
    for table in before:
        assert after[table] == before[table], table
    assert not (tmp_path / f"copy.duckdb{store_copy.BUILDING_SUFFIX}").exists()


def test_new_rows_in_a_copied_file_are_numbered_after_the_copied_ones(demo_file, tmp_path):
    from framework.core import audit

    with db.connect(demo_file) as source:
        store_copy.copy_store(source, tmp_path / "copy.duckdb")
        highest = db.scalar(source.cursor(), "SELECT max(audit_id) FROM audit_log")
    with db.connect(tmp_path / "copy.duckdb") as copy:
        db.transaction(copy, lambda cur: audit.record(cur, make_user("admin"), "check", "system", "DEMO"))
        newest = db.scalar(copy.cursor(), "SELECT max(audit_id) FROM audit_log")
    assert newest == highest + 1


def test_a_copy_onto_an_existing_file_is_refused_and_leaves_that_file_alone(demo_file, tmp_path, capsys):
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"someone's work")
    code, _, err = copy_by_command(demo_file, existing, capsys)
    assert code == 2
    assert "already exists" in err and "nothing was changed" in err
    assert "Traceback" not in err
    assert existing.read_bytes() == b"someone's work"


def test_a_copy_onto_itself_is_refused(demo_file, capsys):
    code, _, err = copy_by_command(demo_file, demo_file, capsys)
    assert code == 2
    assert "is the store being copied" in err


def test_a_copy_into_a_missing_folder_says_which_folder(demo_file, tmp_path, capsys):
    code, _, err = copy_by_command(demo_file, tmp_path / "nowhere" / "copy.duckdb", capsys)
    assert code == 2
    assert "does not exist" in err and "nowhere" in err


def test_a_source_that_is_not_a_database_is_refused_in_words(tmp_path, capsys):
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n")
    code, _, err = copy_by_command(text, tmp_path / "copy.duckdb", capsys)
    assert code == 2
    assert "not a Shared Measures database" in err and "Traceback" not in err
    assert not (tmp_path / "copy.duckdb").exists()


def test_a_copy_that_fails_midway_leaves_no_file_behind(demo_file, tmp_path, monkeypatch):
    real = store_copy._write_all

    def broken(cur, reader, source_tables, target_tables):
        real(cur, reader, dict(list(source_tables.items())[:5]), target_tables)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_copy, "_write_all", broken)
    with db.connect(demo_file) as source, pytest.raises(OSError):
        store_copy.copy_store(source, tmp_path / "copy.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.duckdb"]


# ------------------------------------------------------------------------------------------- to and from PostgreSQL

def test_a_file_copied_to_postgresql_and_back_is_equal_table_by_table(demo_file, server_url, tmp_path, capsys):
    code, out, err = copy_by_command(demo_file, server_url, capsys)
    assert code == 0, err
    code, out, err = copy_by_command(server_url, tmp_path / "back.duckdb", capsys)
    assert code == 0, err
    with db.connect(demo_file) as source, open_server_store(server_url) as server, \
            db.connect(tmp_path / "back.duckdb") as back:
        original, on_server, returned = table_contents(source), table_contents(server), table_contents(back)
    assert sum(len(rows) for rows in original.values()) > 1000
    for table in original:
        assert on_server[table] == original[table], f"{table} differs on PostgreSQL"
        assert returned[table] == original[table], f"{table} differs after the round trip"


def test_new_rows_on_postgresql_are_numbered_after_the_copied_ones(demo_file, server_url):
    from framework.core import audit

    with db.connect(demo_file) as source:
        highest = db.scalar(source.cursor(), "SELECT max(audit_id) FROM audit_log")
        store_copy.copy_store(source, server_url)
    with open_server_store(server_url) as server:
        db.transaction(server, lambda cur: audit.record(cur, make_user("admin"), "check", "system", "DEMO"))
        assert db.scalar(server.cursor(), "SELECT max(audit_id) FROM audit_log") > highest


def test_a_copy_into_a_postgresql_store_in_use_is_refused_and_changes_nothing(demo_file, server_url, capsys):
    with db.connect(demo_file) as source:
        store_copy.copy_store(source, server_url)
    with open_server_store(server_url) as server:
        before = table_contents(server)
    code, _, err = copy_by_command(demo_file, server_url, capsys)
    assert code == 2
    assert "is not empty" in err and "Nothing was changed" in err
    with open_server_store(server_url) as server:
        assert table_contents(server) == before


def test_a_copy_to_postgresql_that_fails_midway_leaves_nothing_there(demo_file, server_url, monkeypatch):
    real = store_copy._write_all

    def broken(cur, reader, source_tables, target_tables):
        real(cur, reader, source_tables, target_tables)
        raise KeyboardInterrupt

    monkeypatch.setattr(store_copy, "_write_all", broken)
    with db.connect(demo_file) as source, pytest.raises(KeyboardInterrupt):
        store_copy.copy_store(source, server_url)
    with open_server_store(server_url) as server:
        assert db.scalar(server.cursor(), "SELECT count(*) FROM system") == 0
        assert db.scalar(server.cursor(), "SELECT count(*) FROM audit_log") == 0
        assert db.scalar(server.cursor(), "SELECT count(*) FROM measurement") == 0


def test_a_copy_to_an_unreachable_server_exits_2_without_the_password(demo_file, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = copy_by_command(demo_file, f"postgresql://sm:Secret-Pa55@127.0.0.1:{port}/nothing", capsys)
    assert code == 2
    assert err.strip() and "Traceback" not in err
    assert "Secret-Pa55" not in err + out
