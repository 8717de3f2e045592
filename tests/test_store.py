"""The store: migrations, transactions, conflicts and opening errors, on real DuckDB files."""
from __future__ import annotations

import types

import duckdb
import pytest

from framework.core import db
from tests.conftest import CountedWrite


def test_a_new_database_has_the_schema_the_views_and_the_reference_data(con):
    """The views' columns and their rebuild on every open are in tests/test_views.py."""
    assert db.applied_versions(con) == {m.VERSION for m in db._migrations()}
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"system", "area", "vision", "outcome", "indicator", "measurement", "audit_log", "v_indicator",
            "v_measurement"} <= tables
    assert con.execute("SELECT count(*) FROM principle").fetchall() == [(10,)]
    types_ = dict(con.execute("SELECT area_type, count(*) FROM area GROUP BY 1").fetchall())
    assert types_ == {"England": 1, "NHS region": 7, "ICB": 42 + 7 + 2, "Sub-ICB location": 106}  # 2022, 2026, 2023


def test_migrations_are_idempotent_when_run_again(db_path):
    first = db.connect(db_path)
    counts = first.execute("SELECT (SELECT count(*) FROM area), (SELECT count(*) FROM principle)").fetchall()
    first.close()
    again = db.connect(db_path)
    assert db.migrate(again) == []
    assert again.execute("SELECT (SELECT count(*) FROM area), (SELECT count(*) FROM principle)").fetchall() == counts
    again.close()


def test_an_upgrade_applies_only_new_migrations_and_keeps_existing_data(db_path, monkeypatch):
    existing = db._migrations()
    con = db.connect(db_path)
    con.execute("INSERT INTO stakeholder_group (group_code, name) VALUES ('carers', 'Carers')")
    con.close()

    later = types.SimpleNamespace(
        VERSION=999, DESCRIPTION="test: a later migration adds a column",
        up=lambda cur: cur.execute("ALTER TABLE stakeholder_group ADD COLUMN contact VARCHAR"),
    )
    monkeypatch.setattr(db, "_migrations", lambda: existing + [later])
    con = db.connect(db_path)
    assert 999 in db.applied_versions(con)
    assert con.execute("SELECT name, contact FROM stakeholder_group WHERE group_code = 'carers'").fetchall() == [
        ("Carers", None)]
    con.close()


def test_a_failing_migration_leaves_the_database_as_it_was(db_path, monkeypatch):
    existing = db._migrations()
    db.connect(db_path).close()

    def broken(cur):
        cur.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(db, "_migrations", lambda: existing + [types.SimpleNamespace(VERSION=998, DESCRIPTION="x", up=broken)])
    with pytest.raises(RuntimeError):
        db.connect(db_path)
    monkeypatch.undo()
    con = db.connect(db_path)
    assert 998 not in db.applied_versions(con)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'half_done'").fetchall() == [(0,)]
    con.close()


def test_a_transaction_that_fails_leaves_nothing_behind(con):
    def work(cur):
        cur.execute("INSERT INTO stakeholder_group (group_code, name) VALUES ('carers', 'Carers')")
        cur.execute("INSERT INTO stakeholder_group (group_code, name) VALUES ('youth', 'Young people')")
        raise ValueError("the third row was bad")

    with pytest.raises(ValueError):
        db.transaction(con, work)
    assert con.execute("SELECT count(*) FROM stakeholder_group WHERE group_code IN ('carers', 'youth')").fetchall() == [(0,)]


def test_a_conflict_is_retried_once_and_then_succeeds(con):
    other = con.cursor()
    other.begin()
    other.execute("UPDATE stakeholder_group SET description = 'theirs' WHERE group_code = 'community'")
    attempts = []

    def work(cur):
        attempts.append(1)
        if len(attempts) == 2:
            other.commit()  # the other writer finishes before the retry
        cur.execute("UPDATE stakeholder_group SET description = 'ours' WHERE group_code = 'community'")

    db.transaction(con, work)
    assert len(attempts) == 2
    assert con.execute("SELECT description FROM stakeholder_group WHERE group_code = 'community'").fetchall() == [
        ("ours",)]


def test_a_conflict_that_persists_is_reported_as_a_write_conflict(con):
    other = con.cursor()
    other.begin()
    other.execute("UPDATE stakeholder_group SET description = 'theirs' WHERE group_code = 'community'")
    work = CountedWrite("UPDATE stakeholder_group SET description = 'ours' WHERE group_code = 'community'")
    with pytest.raises(db.WriteConflict, match="Nothing was changed"):
        db.transaction(con, work)
    assert work.attempts == 2
    other.rollback()
    assert con.execute("SELECT description FROM stakeholder_group WHERE group_code = 'community'").fetchall()[0][0] not in ("ours", "theirs")


@pytest.mark.parametrize("make_path, message", [
    (lambda tmp: tmp / "missing-folder" / "x.duckdb", "does not exist"),
    (lambda tmp: tmp, "is a folder"),
    (lambda tmp: (tmp / "not-a-db.duckdb").write_text("hello, this is text") and tmp / "not-a-db.duckdb",
     "not a Shared Measures database"),
])
def test_opening_a_bad_path_says_what_is_wrong(tmp_path, make_path, message):
    with pytest.raises(db.StoreError, match=message):
        db.connect(make_path(tmp_path))


def test_opening_without_create_refuses_a_missing_file(tmp_path):
    with pytest.raises(db.StoreError, match="There is no database"):
        db.connect(tmp_path / "nothing.duckdb", create=False)


def test_scalar_drains_its_result_so_the_cursor_can_be_used_again(con):
    cur = con.cursor()
    assert db.scalar(cur, "SELECT count(*) FROM principle") == 10
    assert db.scalar(cur, "SELECT max(principle_no) FROM principle") == 10
    assert db.scalar(cur, "SELECT 1 WHERE false") is None


def test_default_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(db.ENV_VAR, str(tmp_path / "elsewhere.duckdb"))
    assert db.default_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv(db.ENV_VAR)
    assert str(db.default_path()) == "data/shared_measures.duckdb"
    assert isinstance(duckdb.__version__, str)
