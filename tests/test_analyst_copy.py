"""Analysts alongside the app: the app publishes a read-only copy of the public views beside
its database after each change (debounced, in the background, whole or not at all), and the command line's "in use"
message names the copy."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import duckdb
import pandas as pd
import pytest

from framework.core import analyst_copy
from framework.core.analyst_copy import VIEWS, Publisher, copy_path, publish
from framework.core.db import read_df, transaction
from tests.conftest import ROOT


def views_now(con) -> dict[str, pd.DataFrame]:
    return {name: read_df(con, f"SELECT * FROM {name} ORDER BY ALL") for name in VIEWS}


def copy_now(db_path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(copy_path(db_path)), read_only=True) as reader:
        return {name: reader.execute(f"SELECT * FROM {name} ORDER BY ALL").df() for name in VIEWS}


def assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        assert len(left[name]) > 0, name  # the demo has rows in every view: an empty copy would prove nothing
        pd.testing.assert_frame_equal(left[name], right[name], check_dtype=False, obj=name)


def change_a_value(con, value: float) -> None:
    transaction(con, lambda cur: cur.execute(
        "UPDATE measurement SET value = ? WHERE (indicator_code, area_code, period_start) ="
        " (SELECT (indicator_code, area_code, period_start) FROM measurement WHERE system_code = 'DEMO'"
        " AND value IS NOT NULL ORDER BY ALL LIMIT 1)", [value]))


def test_the_copy_is_beside_the_database_and_named_for_it(tmp_path):
    assert copy_path(tmp_path / "shared_measures.duckdb") == tmp_path / "shared_measures.analyst.duckdb"


def test_after_a_write_the_copy_appears_and_matches_the_views(demo_con, db_path):
    change_a_value(demo_con, 42.125)
    publisher = Publisher(demo_con, db_path, quiet=0.05, latest=1)
    started = time.monotonic()
    publisher.changed()
    assert time.monotonic() - started < 0.5  # the writer never waits for the copy
    assert publisher.wait_until_idle()
    assert publisher.published == 1 and publisher.last_error is None
    copy = copy_now(db_path)
    assert_same(copy, views_now(demo_con))
    assert 42.125 in copy["v_measurement"]["value"].tolist()


def test_two_writes_in_quick_succession_make_one_copy_that_matches_the_last(demo_con, db_path):
    made = []
    publisher = Publisher(demo_con, db_path, quiet=0.4, latest=10, on_publish=made.append)
    change_a_value(demo_con, 11.5)
    publisher.changed()
    change_a_value(demo_con, 22.75)
    publisher.changed()
    assert publisher.wait_until_idle()
    assert made == [copy_path(db_path)]
    copy = copy_now(db_path)
    assert_same(copy, views_now(demo_con))
    values = copy["v_measurement"]["value"].tolist()
    assert 22.75 in values and 11.5 not in values


def test_a_steady_stream_of_writes_still_gets_a_copy_by_the_latest_time(demo_con, db_path):
    publisher = Publisher(demo_con, db_path, quiet=0.5, latest=0.6)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and publisher.published == 0:
        publisher.changed()  # never quiet for 0.5 s
        time.sleep(0.1)
    assert publisher.published >= 1
    publisher.wait_until_idle()


def test_a_copy_that_fails_midway_leaves_the_previous_copy_and_no_temporary_file(demo_con, db_path, monkeypatch):
    publish(demo_con, db_path)
    before = copy_now(db_path)
    change_a_value(demo_con, 99.5)

    def fail_midway(target, tables):
        with duckdb.connect(str(target)) as out:
            out.execute("CREATE TABLE v_indicator AS SELECT 1 AS half_written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(analyst_copy, "_write_tables", fail_midway)
    publisher = Publisher(demo_con, db_path, quiet=0.01, latest=1)
    publisher.changed()
    assert publisher.wait_until_idle()
    assert publisher.published == 0 and "disk is full" in publisher.last_error
    assert_same(copy_now(db_path), before)
    assert [p.name for p in db_path.parent.iterdir() if ".analyst." in p.name] == [copy_path(db_path).name]


def test_a_kill_midway_leaves_the_previous_copy_intact(demo_con, db_path):
    publish(demo_con, db_path)
    before = copy_now(db_path)
    demo_con.close()  # the database is the killed app's now
    script = textwrap.dedent(f"""
        import time
        from framework.core import analyst_copy, db
        from framework.core.db import transaction
        con = db.connect({str(db_path)!r})
        transaction(con, lambda cur: cur.execute("UPDATE measurement SET value = 77.25 WHERE value IS NOT NULL"))
        real = analyst_copy._write_tables
        def slow(target, tables):
            real(target, dict(list(tables.items())[:1]))
            print("midway", flush=True)
            time.sleep(60)
        analyst_copy._write_tables = slow
        analyst_copy.publish(con, {str(db_path)!r})
    """)
    app = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline().strip() == "midway"
    finally:
        app.kill()
        app.wait()
    assert_same(copy_now(db_path), before)  # the previous copy, whole: not the killed one's half
    with duckdb.connect(str(db_path)) as con:  # the next copy replaces it with what the app had committed
        publish(con, db_path)
        assert_same(copy_now(db_path), views_now(con))
        assert set(copy_now(db_path)["v_measurement"]["value"].dropna()) == {77.25}


def test_a_write_through_the_app_schedules_the_copy(demo_con, db_path, monkeypatch):
    from framework import streamlit_glue as glue

    demo_con.close()
    monkeypatch.setenv("SHARED_MEASURES_DB", str(db_path))
    scheduled = []
    monkeypatch.setattr(analyst_copy, "after_write", lambda con, path: scheduled.append(path))
    glue._connection.clear()
    try:
        ok, _ = glue.write(lambda con, user: change_a_value(con, 5.5))
    finally:
        glue._connection.clear()
    assert ok
    assert scheduled[-1] == str(db_path.resolve())


def test_the_command_line_names_the_analyst_copy_when_the_app_holds_the_database(tmp_path):
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r});"
                               " print('ok', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = subprocess.run([sys.executable, "-m", "framework", "--db", str(path), "init"], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"open the analyst copy {copy_path(path)}" in result.stderr
    assert "stop the app first" in result.stderr and "server mode" in result.stderr
    assert "another file with --db" not in result.stderr


@pytest.mark.parametrize("name", VIEWS)
def test_the_copy_is_read_only_for_whoever_opens_it_as_an_analyst(demo_con, db_path, name):
    publish(demo_con, db_path)
    with duckdb.connect(str(copy_path(db_path)), read_only=True) as reader, pytest.raises(duckdb.Error):
        reader.execute(f"DELETE FROM {name}")
