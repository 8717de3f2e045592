"""The throwaway PostgreSQL server the tests start: private to 127.0.0.1, a database per test, nothing left behind."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from tests import postgres_server
from tests.postgres_server import OWNER_FILE, clear_abandoned, start_server


def _dead_pid() -> int:
    """The id of a process that has finished."""
    pid = os.getpid() + 100000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def _running(pid: int) -> bool:
    """Whether a process runs (a finished one its parent has not yet collected does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in {"Z", "X"}
    except FileNotFoundError:
        return False


def test_the_test_server_listens_only_on_the_loopback_address_without_a_unix_socket(pg_server, pg_url):
    if pg_server.folder is None:
        pytest.skip("The tests use a PostgreSQL server given in SHARED_MEASURES_TEST_PG.")
    name = urlsplit(pg_url).path.lstrip("/")
    assert pg_server.sql("SELECT inet_server_addr()", name) == "127.0.0.1"
    assert pg_server.sql("SHOW listen_addresses", name) == "127.0.0.1"
    assert pg_server.sql("SHOW unix_socket_directories", name) == ""
    assert urlsplit(pg_url).hostname == "127.0.0.1"


def test_each_test_gets_a_new_empty_database_of_its_own(pg_server, pg_url):
    name = urlsplit(pg_url).path.lstrip("/")
    pg_server.sql("CREATE TABLE mine (x INTEGER)", name)
    other = pg_server.new_database()
    other_name = urlsplit(other).path.lstrip("/")
    assert other_name != name
    assert pg_server.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'mine'", other_name) == "0"
    pg_server.drop_database(other)
    assert pg_server.sql(f"SELECT count(*) FROM pg_database WHERE datname = '{other_name}'") == "0"


def test_the_server_url_is_published_for_the_store_tests_while_it_runs(pg_server):
    assert os.environ[postgres_server.ENV_VAR] == pg_server.url


def test_a_server_left_by_a_killed_run_is_stopped_and_its_folder_deleted_by_the_next_run(pg_server):
    if pg_server.folder is None:
        pytest.skip("The tests use a PostgreSQL server given in SHARED_MEASURES_TEST_PG.")
    left = start_server(pg_server.bin_dir)
    (left.folder / OWNER_FILE).write_text(str(_dead_pid()))
    pid = int((left.folder / "data" / "postmaster.pid").read_text().splitlines()[0])
    cleared = clear_abandoned(pg_server.bin_dir)
    assert left.folder in cleared
    assert not left.folder.exists()
    assert not _running(pid)
    assert pg_server.folder.exists(), "the running session's own server is left alone"


def test_without_postgresql_installed_the_tests_that_need_it_are_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(postgres_server.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres_server.glob, "glob", lambda pattern: [])
    assert postgres_server.server_bin() is None
    assert "PostgreSQL is not installed" in postgres_server.SKIP_WORDS
    assert "make test" in postgres_server.SKIP_WORDS
