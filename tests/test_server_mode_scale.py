"""The scale work on both stores: tidying, returns built in a worker, and how a store is named for the work that is
shared between sessions. On PostgreSQL there is no file of ours, so nothing may be kept beside one, and the address
that names the store never carries its password."""
from __future__ import annotations

import time

import duckdb
import pytest

from framework import cli
from framework.board_return import start_return
from framework.core import db, replica
from framework.core.errors import ValidationError
from framework.core.model import MEASUREMENT_ORDER
from framework.data_io import return_jobs
from framework.foundation.measurement_order import ON_POSTGRES, tidy_measurements
from framework.measures.priorities import SECRET_ENV, ballot_secret
from tests.conftest import make_user
from tests.store_backends import backend, pg_templates  # noqa: F401


def _rows(con) -> list[tuple]:
    cur = con.write_cursor() if hasattr(con, "write_cursor") else con.cursor()
    try:
        return cur.execute("SELECT * FROM measurement ORDER BY ALL").fetchall()
    finally:
        cur.close()


def test_tidying_is_for_administrators_on_either_store_and_changes_no_row(backend):
    con = backend.open("demo")
    before = _rows(con)
    with pytest.raises(PermissionError):
        tidy_measurements(con, make_user("editor"))
    done = tidy_measurements(con, make_user("admin"))
    assert done["rows"] == len(before) > 0
    assert _rows(con) == before
    assert (done.get("skipped") == ON_POSTGRES) == backend.postgres


def test_the_tidy_command_on_postgresql_says_why_there_is_nothing_to_do_and_exits_0(backend, capsys):
    target = backend.new_target("demo")
    code = cli.main(["--db", str(target), "tidy"])
    out = capsys.readouterr().out
    assert code == 0
    if backend.postgres:
        assert "nothing to tidy" in out and "Tidied" not in out
    else:
        assert "Tidied" in out


def test_an_app_servers_copy_of_the_measurements_is_made_in_the_order_pages_read(backend):
    if not backend.postgres:
        pytest.skip("server mode only")
    con = replica.serve_pages(backend.open("demo"))
    cur = con.cursor()
    try:
        stored = cur.execute(f"SELECT {', '.join(MEASUREMENT_ORDER)} FROM {replica.TABLE} ORDER BY rowid").fetchall()
    finally:
        cur.close()
    assert len(stored) > 1000
    assert stored == sorted(stored)


def test_the_store_is_named_by_its_address_without_the_password_and_has_no_file(backend, monkeypatch):
    con = backend.open("demo")
    name = db.store_name(con)
    if backend.postgres:
        assert db.database_path(con) is None
        assert name.startswith("postgresql://") and name == con.target.describe()
        assert con.target.password is None or con.target.password not in name
    else:
        assert db.database_path(con) == backend.target and name == str(backend.target)


def test_ballots_on_postgresql_need_the_shared_secret_and_say_so(backend, monkeypatch, tmp_path):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    con = backend.open("demo")
    if backend.postgres:
        with pytest.raises(ValidationError, match=SECRET_ENV):
            ballot_secret(con)
        assert list(tmp_path.iterdir()) == []  # no key file made anywhere it might be looked for
        monkeypatch.setenv(SECRET_ENV, "x" * 40)
    assert len(ballot_secret(con)) >= 32


def test_a_board_return_is_built_in_a_worker_from_either_store(backend, monkeypatch, tmp_path):
    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(tmp_path / "returns"))
    con = backend.open("demo")
    editor = make_user("editor")
    job = start_return(con, editor, "DEMO", "board")
    job.thread.join(300) if job.thread else None
    assert job.state == return_jobs.DONE, job.error
    assert job.rows == job.total > 0
    assert return_jobs.finished_file(editor, job)()[:2] == b"PK"
    other = make_user("editor", "editor-2")
    assert start_return(con, other, "DEMO", "board") is job  # shared, keyed by the store's name
    with pytest.raises(PermissionError):
        start_return(con, make_user("community"), "DEMO", "board")


class _BrokenStore:
    """A connection whose cursors fail, as one closed under a refill would."""

    def __init__(self, error: Exception):
        self.error = error

    def copy_cursor(self):
        raise self.error


@pytest.mark.parametrize("error", [duckdb.CatalogException('No catalog + schema named "pg" found'),
                                   RuntimeError("something unforeseen")])
def test_a_refill_of_the_analysts_tables_that_fails_never_keeps_anyone_waiting(error, caplog):
    from framework.core import analyst_tables

    store = _BrokenStore(error)
    analyst_tables.schedule(store)
    started = time.monotonic()
    try:
        assert analyst_tables.wait(store, 20) is True
    finally:
        analyst_tables.forget(store)
    assert time.monotonic() - started < 10
    assert "not refilled" in caplog.text
