"""Views are code, not history: every open for writing rebuilds each view from today's code, so a database made by
an earlier release shows the same views as a new one, keeps all its data, and an analyst's read-only open changes
nothing.

tests/data/release_ae2f384.duckdb is a database made by release ae2f384 (the last before the views were rebuilt on
open), with that release's own code:
    git worktree add /tmp/old ae2f384 && cd /tmp/old
    # start from an empty DuckDB file with 16 KB blocks: the whole demo then fits in 2 MB instead of 16 MB
    python -c "import duckdb; duckdb.connect().execute(\"ATTACH 'F' (BLOCK_SIZE 16384)\")"
    python -m framework --db F init --demo
then a closed prioritisation round (4 ballots from 3 groups, scoring I01, I02 and I03) inserted through SQL, so that
v_indicator.matters_score has something to show. DuckDB 2.0 then rewrote it in the format DuckDB 1.5 writes, keeping
its small blocks (ATTACH 'NEW' (STORAGE_VERSION 'v1.0.0', BLOCK_SIZE 16384); COPY FROM DATABASE old TO new).
"""
from __future__ import annotations

import hashlib
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from framework import migrations
from framework.core import db
from framework.progress.sql import V_PROGRESS_COLUMNS, progress_sql
from tests.conftest import ROOT

RELEASE_AE2F384 = ROOT / "tests" / "data" / "release_ae2f384.duckdb"

# The public SQL surface, exactly as the design brief documents it.
CONTRACT = {
    "v_indicator": ["system_code", "outcome_code", "indicator_code", "indicator_name", "unit", "direction", "status",
                    "matters_score", "baseline_value", "baseline_date", "target_1y", "target_3y", "target_5y",
                    "source_ref"],
    "v_measurement": ["system_code", "indicator_code", "area_code", "area_name", "area_type", "period_label",
                      "period_start", "period_end", "breakdown", "breakdown_group", "value", "lower_ci", "upper_ci",
                      "count", "denominator", "value_note"],
    "v_progress": ["system_code", "indicator_code", "area_code", "horizon_years", "horizon_date", "target",
                   "latest_value", "latest_period_end", "expected_now", "projected_at_horizon", "status"],
    "v_spc": ["system_code", "indicator_code", "area_code", "period_end", "value", "centre", "lower_limit",
              "upper_limit", "point_type", "rules", "variation", "assurance"],
}

# v_indicator as the first release stored it, before measures had a score: what an old database would keep.
FIRST_RELEASE_V_INDICATOR = """
CREATE OR REPLACE VIEW v_indicator AS
SELECT i.system_code, i.outcome_code, i.indicator_code, i.name AS indicator_name, i.unit, i.direction, i.status,
       CAST(NULL AS DOUBLE) AS matters_score,
       i.baseline_value, i.baseline_date, i.target_1y, i.target_3y, i.target_5y, i.source_ref
FROM indicator i
"""
# A v_progress from an imagined earlier release whose status rule was different: everything behind.
# It reads the indicators only: that release had no gap measures (and no table for them).
STALE_V_PROGRESS = (f"CREATE OR REPLACE VIEW v_progress AS SELECT * REPLACE ('behind' AS status) FROM "
                    f"(SELECT {', '.join(V_PROGRESS_COLUMNS)} FROM ({progress_sql()}))")


def view_definitions(con) -> dict[str, str]:
    """Each view of the database's own catalog, with the SQL DuckDB stored for it."""
    return dict(con.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary"
        " AND database_name = current_database() ORDER BY view_name").fetchall())


def table_fingerprints(con) -> dict[str, tuple[int, int]]:
    """Each table's row count and a hash of all its rows, so a change to any value shows."""
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
        " ORDER BY table_name").fetchall()]
    return {t: tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchone()) for t in tables}


def view_contents(con, view: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {view} ORDER BY ALL").df()


def old_database(tmp_path: Path, *stale: str) -> Path:
    """A copy of the release ae2f384 database, with any statements that make its views stale already run."""
    path = tmp_path / "release.duckdb"
    shutil.copyfile(RELEASE_AE2F384, path)
    if stale:
        raw = duckdb.connect(str(path))
        for statement in stale:
            raw.execute(statement)
        raw.close()
    return path


def fresh_database_with_the_data_of(source: Path, tmp_path: Path) -> Path:
    """A database made new by today's code, holding exactly the rows of every table of the source."""
    path = tmp_path / "fresh.duckdb"
    con = db.connect(path)
    con.execute(f"ATTACH '{source}' AS source (READ_ONLY)")
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'source'").fetchall()]

    def copy(cur):
        for table in tables:
            cur.execute(f"DELETE FROM main.{table}")
            cur.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM source.main.{table}")

    db.transaction(con, copy)
    con.execute("DETACH source")
    con.close()
    return path


@pytest.fixture(scope="module")
def todays_definitions(tmp_path_factory) -> dict[str, str]:
    con = db.connect(tmp_path_factory.mktemp("today") / "new.duckdb")
    try:
        return view_definitions(con)
    finally:
        con.close()


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_public_views_have_exactly_the_documented_columns_in_order(con, view):
    assert [row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()] == CONTRACT[view]


def test_a_new_database_has_every_listed_view_and_no_other(todays_definitions):
    listed = [name for name, _ in migrations.views()]
    assert len(listed) == len(set(listed))
    assert set(todays_definitions) == set(listed)
    assert set(CONTRACT) <= set(listed)


def test_the_migrations_alone_create_no_view_that_the_code_does_not_list(tmp_path):
    raw = duckdb.connect(str(tmp_path / "migrations-only.duckdb"))
    for mod in db._migrations():
        mod.up(raw)
    made = set(view_definitions(raw))
    raw.close()
    assert made <= {name for name, _ in migrations.views()}


def test_the_release_fixture_is_a_whole_demo_database_of_that_release():
    raw = duckdb.connect(str(RELEASE_AE2F384), read_only=True)
    try:
        assert {v for (v,) in raw.execute("SELECT version FROM schema_version").fetchall()} == {1, 10, 20, 30, 40, 50}
        assert set(CONTRACT) - {"v_spc"} <= set(view_definitions(raw))  # v_spc came in a later release
        assert raw.execute("SELECT count(*) FROM measurement").fetchone()[0] > 2000
        assert raw.execute("SELECT count(*) FROM v_priority_matters").fetchone()[0] == 3
    finally:
        raw.close()


def test_a_database_from_release_ae2f384_opens_with_the_views_and_contents_of_a_new_one(tmp_path, todays_definitions):
    old = old_database(tmp_path)
    con = db.connect(old)
    upgraded = view_definitions(con)
    con.close()
    assert upgraded == todays_definitions

    fresh = fresh_database_with_the_data_of(old, tmp_path)
    old_con = db.connect(old, read_only=True)
    new_con = db.connect(fresh, read_only=True)
    try:
        # both read back from their files: DuckDB 1.5 prints a view read from a file slightly differently from one
        # made in this process ("DOUBLE" unquoted, CROSS JOIN as a comma), so like is compared with like
        assert view_definitions(new_con) == view_definitions(old_con)
        for view in upgraded:
            expected = view_contents(new_con, view)
            pd.testing.assert_frame_equal(view_contents(old_con, view), expected, check_exact=False, rtol=1e-12)
        assert len(view_contents(old_con, "v_progress")) > 300  # the comparison above compared something
    finally:
        old_con.close()
        new_con.close()


# Tables whose rows later migrations rewrite on purpose (their row counts still hold), and why.
REWRITTEN = {
    "import_batch": "m031 counts the rows each batch delivered again",
    "priority_ballot": "m021 replaces guessable ballot keys with random ones",
    "priority_score": "m021 replaces guessable ballot keys with random ones",
    "review_respondent": "m041 gives respondents random ids",
    "review_answer": "m041 gives respondents random ids",
    "review_comment_release": "m041 gives respondents random ids",
    "review_invite": "m041 gives shared links a cap",
    "schema_version": "records the migrations applied",
    "area": "m002 marks each area's vintage and places sub-ICB locations under today's ICBs",
}
# Tables that later migrations add rows to on purpose, and why: every earlier row is still there.
GROWN = {"area": "m002 adds the ICBs in force since April 2026 and the 2023 codes they replaced"}


def test_an_old_database_keeps_every_row_of_every_table_when_opened(tmp_path):
    old = old_database(tmp_path)
    raw = duckdb.connect(str(old), read_only=True)
    before = table_fingerprints(raw)
    raw.close()
    db.connect(old).close()
    raw = duckdb.connect(str(old), read_only=True)
    after = table_fingerprints(raw)
    raw.close()
    kept = {t for t in before if t != "schema_version"}
    assert {t: after[t][0] for t in kept - set(GROWN)} == {t: before[t][0] for t in kept - set(GROWN)}
    assert all(after[t][0] > before[t][0] for t in GROWN)  # no row lost; the new ones added
    codes = {r[0] for r in duckdb.connect(str(old), read_only=True).execute("SELECT area_code FROM area").fetchall()}
    assert {"E54000025", "E54000052", "E54000065", "E54000069"} <= codes  # every vintage kept, today's added
    assert {t: after[t] for t in kept - set(REWRITTEN)} == {t: before[t] for t in kept - set(REWRITTEN)}
    assert before["measurement"][0] > 2000 and before["review_answer"][0] > 0


def test_opening_twice_changes_nothing_the_second_time(tmp_path):
    old = old_database(tmp_path)
    first = db.connect(old)
    definitions, tables, progress = view_definitions(first), table_fingerprints(first), view_contents(first, "v_progress")
    first.close()
    again = db.connect(old)
    try:
        assert db.migrate(again) == []
        assert view_definitions(again) == definitions
        assert table_fingerprints(again) == tables
        pd.testing.assert_frame_equal(view_contents(again, "v_progress"), progress, check_exact=False, rtol=1e-12)
    finally:
        again.close()


@pytest.mark.parametrize("stale", [
    pytest.param([FIRST_RELEASE_V_INDICATOR], id="v_indicator of the first release"),
    pytest.param([STALE_V_PROGRESS], id="v_progress with an older status rule"),
    pytest.param(["DROP VIEW v_you_said", "DROP VIEW v_measurement"], id="views missing"),
    pytest.param([FIRST_RELEASE_V_INDICATOR, STALE_V_PROGRESS, "DROP VIEW v_priority_matters"], id="all at once"),
])
def test_a_database_whose_stored_views_are_stale_shows_todays_views_after_opening(tmp_path, todays_definitions,
                                                                                  stale):
    old = old_database(tmp_path, *stale)
    raw = duckdb.connect(str(old), read_only=True)
    assert view_definitions(raw) != todays_definitions  # the database really was stale
    raw.close()
    con = db.connect(old)
    try:
        assert view_definitions(con) == todays_definitions
        scores = dict(con.execute("SELECT indicator_code, matters_score FROM v_indicator"
                                  " WHERE matters_score IS NOT NULL").fetchall())
        assert scores == {}  # the release's round had fewer than 10 ballots in every group: no group's mean counts
        statuses = {s for (s,) in con.execute("SELECT DISTINCT status FROM v_progress").fetchall()}
        assert {"ahead", "on_track", "behind"} <= statuses
    finally:
        con.close()


def test_a_read_only_open_rebuilds_nothing_and_writes_nothing(tmp_path):
    old = old_database(tmp_path, FIRST_RELEASE_V_INDICATOR)
    before = hashlib.sha256(old.read_bytes()).hexdigest()
    analyst = db.connect(old, read_only=True)
    try:
        assert "CAST(NULL AS DOUBLE) AS matters_score" in view_definitions(analyst)["v_indicator"]
        assert analyst.execute("SELECT count(matters_score) FROM v_indicator").fetchone()[0] == 0
    finally:
        analyst.close()
    assert hashlib.sha256(old.read_bytes()).hexdigest() == before


def test_a_view_that_cannot_be_built_leaves_every_view_as_it_was_and_says_so(tmp_path, monkeypatch):
    old = old_database(tmp_path, FIRST_RELEASE_V_INDICATOR)
    raw = duckdb.connect(str(old), read_only=True)
    before = view_definitions(raw)
    raw.close()
    todays = migrations.views()
    monkeypatch.setattr(migrations, "views", lambda: [*todays, ("v_broken", "SELECT no_such_column FROM indicator")])
    with pytest.raises(db.StoreError, match="could not be brought up to date"):
        db.connect(old)
    monkeypatch.undo()
    raw = duckdb.connect(str(old), read_only=True)
    try:
        assert view_definitions(raw) == before  # v_indicator was not half rebuilt, v_broken never existed
    finally:
        raw.close()


def test_three_sessions_opening_one_database_at_the_same_moment_all_succeed(tmp_path, todays_definitions):
    old = old_database(tmp_path, STALE_V_PROGRESS)
    start = threading.Barrier(3)
    opened, failures = [], []

    def open_it():
        start.wait()
        try:
            opened.append(db.connect(old))
        except Exception as exc:  # the test reports whatever went wrong
            failures.append(repr(exc))

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        assert all(view_definitions(con) == todays_definitions for con in opened)
    finally:
        for con in opened:
            con.close()



def test_v_indicator_as_one_self_contained_query_reads_the_same_rows_as_the_view(demo_con, editor):
    """Server mode gives analysts v_indicator as one PostgreSQL view, with the prioritisation views it reads written in
    as parts of its query (framework.core.analyst_tables); here the same text runs in DuckDB against the view."""
    from framework.core.analyst_tables import self_contained
    from tests.test_priorities import _closed_round_with_ballots

    _closed_round_with_ballots(demo_con, editor)
    sql = self_contained("v_indicator", dict(migrations.views()))
    assert sql.startswith("WITH v_priority_latest_closed AS") and "v_progress" not in sql
    whole = demo_con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL").fetchall()
    assert whole == demo_con.execute("SELECT * FROM v_indicator ORDER BY ALL").fetchall()
    assert sorted(row[2] for row in whole if row[7] is not None) == ["I01", "I08"]  # the closed round's scores
    assert self_contained("v_measurement", dict(migrations.views())) == dict(migrations.views())["v_measurement"]
