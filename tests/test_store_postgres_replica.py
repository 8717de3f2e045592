"""Server mode: an app server's pages read a copy of the measurements that follows every write to PostgreSQL,
from this process or any other, and never shows a write half made (framework.core.replica)."""
from __future__ import annotations

import logging

import duckdb
import pytest

from framework.core import db, postgres_store, replica
from tests.store_backends import backend, pg_templates  # noqa: F401

ADD_MONTH = ("INSERT INTO measurement (system_code, indicator_code, area_code, period_label, period_start, "
             "period_end, value) SELECT DISTINCT system_code, indicator_code, area_code, '{label}', "
             "DATE '{start}', DATE '{end}', {value} FROM measurement WHERE indicator_code = '{code}'")


@pytest.fixture
def pg(backend):
    """The PostgreSQL case of `backend` only: the copy exists only in server mode."""
    if not backend.postgres:
        pytest.skip("server mode only")
    return backend


@pytest.fixture
def at_once(monkeypatch):
    """Check the change log on every read, not at most once a second, so a test need not wait."""
    monkeypatch.setattr(replica, "CHECK_SECONDS", 0.0)


def _count(cur, sql: str, params: list | None = None) -> int:
    try:
        return int(db.scalar(cur, sql, params))
    finally:
        cur.close()


def _in_postgres(con, sql: str) -> None:
    """Write with PostgreSQL's own SQL in a transaction of its own, as psql or another program would."""
    cur = con.write_cursor()
    try:
        cur.begin()
        postgres_store.postgres_execute(cur, sql)
        cur.commit()
    finally:
        cur.close()


def _add_month(con, code: str, label: str, start: str, end: str, value: float = 1.0) -> None:
    _in_postgres(con, ADD_MONTH.format(code=code, label=label, start=start, end=end, value=value))


def _uses_copy(cur) -> bool:
    plan = cur.execute("EXPLAIN SELECT count(*) FROM measurement").fetchall()[0][1]
    cur.close()
    return "POSTGRES_SCAN" not in plan


def _progress(cur) -> list[tuple]:
    try:
        return sorted(cur.execute("SELECT system_code, indicator_code, area_code, horizon_years, latest_value, "
                                  "latest_period_end, status FROM v_progress").fetchall())
    finally:
        cur.close()


def test_an_app_servers_pages_read_the_copy_and_show_the_same_progress_as_postgresql(pg):
    con = replica.serve_pages(pg.open("demo"))
    assert _uses_copy(con.cursor())
    assert con.replica.loads == 1
    assert _progress(con.cursor()) == _progress(con.write_cursor())
    assert _count(con.cursor(), "SELECT count(*) FROM measurement") == _count(
        con.write_cursor(), "SELECT count(*) FROM measurement") > 0


def test_the_command_lines_connection_and_every_write_read_postgresql_itself(pg):
    con = pg.open("demo")
    from framework.core import analyst_tables

    assert analyst_tables.wait(con, 300)  # the analysts' refill reads the copy; the command's own reads do not
    assert not _uses_copy(con.cursor())

    def work(cur):
        return "POSTGRES_SCAN" in cur.execute("EXPLAIN SELECT count(*) FROM measurement").fetchall()[0][1]

    replica.serve_pages(con)
    assert db.transaction(con, work)  # a write reads what PostgreSQL holds, never the copy


def test_an_app_server_sees_its_own_import_at_once_by_reloading_only_that_indicator(pg, tmp_path):
    from framework.data_io.importers import import_files
    from tests.conftest import make_user

    con = replica.serve_pages(pg.open("demo"))
    before = _count(con.cursor(), "SELECT count(*) FROM measurement WHERE indicator_code = 'I08'")
    source = tmp_path / "more.csv"
    source.write_text("indicator_code,area_code,period_label,value\nI08,DEMO-ICB,Mar 2004,11\n"
                      "I08,DEMO-P02,Mar 2004,12\n")
    import_files(con, make_user("editor"), [source], system_code="DEMO")
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE indicator_code = 'I08'") == before + 2
    assert (con.replica.loads, con.replica.reloads) == (1, 1)


def test_a_write_by_another_process_shows_on_the_next_check_and_not_before(pg, monkeypatch):
    con = replica.serve_pages(pg.open("demo"))
    other = pg.reopen()
    monkeypatch.setattr(replica, "CHECK_SECONDS", 3600.0)
    before = _count(con.cursor(), "SELECT count(*) FROM measurement")
    _add_month(other, "I08", "Mar 2031", "2031-03-01", "2031-03-31")
    assert _count(con.cursor(), "SELECT count(*) FROM measurement") == before  # not yet checked
    monkeypatch.setattr(replica, "CHECK_SECONDS", 0.0)
    after = _count(con.cursor(), "SELECT count(*) FROM measurement")
    assert after > before
    assert after == _count(con.write_cursor(), "SELECT count(*) FROM measurement")
    assert _progress(con.cursor()) == _progress(con.write_cursor())


def test_a_write_that_commits_after_a_later_one_was_seen_is_not_missed(pg, at_once):
    con = replica.serve_pages(pg.open("demo"))
    slow, quick = pg.reopen(), pg.reopen()
    con.cursor().close()  # the copy is made
    held = slow.write_cursor()
    held.begin()
    postgres_store.postgres_execute(held, ADD_MONTH.format(code="I08", label="Apr 2031", start="2031-04-01",
                                                           end="2031-04-30", value=2))
    _add_month(quick, "I09", "Apr 2031", "2031-04-01", "2031-04-30")  # a later change id, committed first
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE period_label = 'Apr 2031'"
                  " AND indicator_code = 'I09'") > 0
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE period_label = 'Apr 2031'"
                  " AND indicator_code = 'I08'") == 0
    held.commit()
    held.close()
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE period_label = 'Apr 2031'"
                  " AND indicator_code = 'I08'") > 0
    assert _count(con.cursor(), "SELECT count(*) FROM measurement") == _count(
        con.write_cursor(), "SELECT count(*) FROM measurement")


def test_a_write_rolled_back_elsewhere_never_reaches_the_copy(pg, at_once):
    con = replica.serve_pages(pg.open("demo"))
    other = pg.reopen()
    before = _count(con.cursor(), "SELECT count(*) FROM measurement")
    cur = other.write_cursor()
    cur.begin()
    postgres_store.postgres_execute(cur, ADD_MONTH.format(code="I08", label="May 2031", start="2031-05-01",
                                                          end="2031-05-31", value=3))
    cur.rollback()
    cur.close()
    assert _count(con.cursor(), "SELECT count(*) FROM measurement") == before
    assert con.replica.reloads == 0


def test_deletes_updates_and_a_truncate_by_any_client_reach_the_copy(pg, at_once):
    con = replica.serve_pages(pg.open("demo"))
    other = pg.reopen()
    _in_postgres(other, "UPDATE measurement SET value = -42 WHERE indicator_code = 'I08'")
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE value = -42") == _count(
        con.write_cursor(), "SELECT count(*) FROM measurement WHERE indicator_code = 'I08'") > 0
    _in_postgres(other, "DELETE FROM measurement WHERE indicator_code = 'I08'")
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE indicator_code = 'I08'") == 0
    assert con.replica.loads == 1
    _in_postgres(other, "TRUNCATE measurement CASCADE")
    assert _count(con.cursor(), "SELECT count(*) FROM measurement") == 0
    assert con.replica.loads == 2  # a truncate is copied again whole
    assert _progress(con.cursor()) == _progress(con.write_cursor())


def test_a_copy_that_cannot_be_refreshed_leaves_pages_reading_postgresql_with_a_warning(pg, monkeypatch, caplog):
    con = replica.serve_pages(pg.open("demo"))

    def broken(self, **kwargs):
        raise duckdb.IOException("server went away")

    monkeypatch.setattr(replica.Replica, "refresh", broken)
    with caplog.at_level(logging.WARNING, logger="framework.core.replica"):
        assert not _uses_copy(con.cursor())
    assert "reading PostgreSQL" in caplog.text
    assert "server went away" not in caplog.text


def test_a_command_line_import_in_another_process_shows_on_the_app_servers_next_page(pg, at_once, tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    con = replica.serve_pages(pg.open("demo"))
    before = _count(con.cursor(), "SELECT count(*) FROM measurement WHERE period_label = 'Mar 2004'")
    source = tmp_path / "nightly.csv"
    source.write_text("indicator_code,area_code,period_label,value\nI08,DEMO-ICB,Mar 2004,11\n"
                      "I09,DEMO-P02,Mar 2004,12\n")
    done = subprocess.run([sys.executable, "-m", "framework", "--db", str(pg.target), "import", str(source),
                           "--system", "DEMO"], cwd=ROOT, text=True, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _count(con.cursor(), "SELECT count(*) FROM measurement WHERE period_label = 'Mar 2004'") == before + 2
    assert con.replica.loads == 1 and con.replica.reloads == 2
    assert _progress(con.cursor()) == _progress(con.write_cursor())
