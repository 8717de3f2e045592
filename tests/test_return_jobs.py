"""Returns built in a worker: one job shared by everyone asking for the same return at the same data, a new one
when the data changes, progress heard, a failed build leaving no half file and its reason in words, a cancelled or
killed build leaving nothing offered as done, the data pack offered instead of a too-big workbook, and a lower role
calling the job functions directly refused before anything is built."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from framework.board_return import audience, current_return, start_return
from framework.core import db
from framework.data_io import return_jobs
from tests.apptest_helpers import copy_db
from tests.conftest import ROOT, make_user


@pytest.fixture(autouse=True)
def returns(monkeypatch, tmp_path):
    folder = tmp_path / "returns"
    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(folder))
    return folder


def finished(job: return_jobs.Job) -> return_jobs.Job:
    job.thread.join(120) if job.thread else None
    return job


def test_a_return_is_built_in_a_worker_thread_and_offered_once_complete(demo_con, editor, returns):
    caller = threading.get_ident()
    threads = []
    real = return_jobs.Job.progress

    def heard(job, sheet, rows, total):
        threads.append(threading.get_ident())
        real(job, sheet, rows, total)

    job = start_return(demo_con, editor, "DEMO", "board")
    job.__class__.progress = heard
    try:
        finished(job)
    finally:
        job.__class__.progress = real
    assert job.state == return_jobs.DONE and job.path.exists() and job.path.parent == returns
    assert job.rows == job.total > 0 and job.sheet == "Measurements"
    assert return_jobs.finished_file(editor, job)()[:2] == b"PK"
    assert caller not in threads


def test_two_sessions_asking_at_once_share_one_build(demo_con, editor, monkeypatch):
    calls, release = [], threading.Event()

    def slow(con, user, code, kind, path, progress):
        calls.append(user.user_id)
        release.wait(30)
        path.write_bytes(b"PK")

    monkeypatch.setattr("framework.board_return.export_product", slow)
    jobs = []
    askers = [threading.Thread(target=lambda u=u: jobs.append(start_return(demo_con, u, "DEMO", "full")))
              for u in (make_user("editor", "ana"), make_user("admin", "ben"))]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    release.set()
    assert jobs[0] is jobs[1] and len(calls) == 1
    assert finished(jobs[0]).state == return_jobs.DONE
    assert start_return(demo_con, editor, "DEMO", "full") is jobs[0]  # done: asked again, the same file
    assert len(calls) == 1


def test_users_whose_returns_hold_different_sheets_do_not_share_a_build(demo_con):
    partner, editor = make_user("partner"), make_user("editor")
    assert audience(partner) != audience(editor)
    a, b = start_return(demo_con, partner, "DEMO", "board"), start_return(demo_con, editor, "DEMO", "board")
    assert a is not b and finished(a).path != finished(b).path


def test_a_change_to_the_data_starts_a_new_build_and_removes_the_old_file(demo_con, editor):
    from framework.data_io.importers import import_files

    first = finished(start_return(demo_con, editor, "DEMO", "board"))
    old = first.path
    csv = old.parent.parent / "one.csv"
    row = db.read_rows(demo_con, "SELECT indicator_code, area_code, period_label, value FROM measurement"
                                 " WHERE system_code = 'DEMO' AND breakdown = 'All' ORDER BY ALL LIMIT 1")[0]
    csv.write_text("indicator_code,area_code,period_label,value\n"
                   f"{row['indicator_code']},{row['area_code']},{row['period_label']},{row['value'] + 1}\n")
    import_files(demo_con, editor, [csv], system_code="DEMO", update=True)
    assert current_return(demo_con, editor, "DEMO", "board") is None
    second = finished(start_return(demo_con, editor, "DEMO", "board"))
    assert second is not first and second.path != old and second.path.exists() and not old.exists()


def test_a_failed_build_leaves_no_half_file_and_says_why_in_words(demo_con, editor, returns, monkeypatch):
    import duckdb

    import framework.data_io.excel_return as excel_return

    def broken(w, cur, *args, **kwargs):
        raise duckdb.IOException("IO Error: Could not read from file \"/secret/path.duckdb\": raw detail")

    monkeypatch.setattr(excel_return, "write_measurements", broken)
    job = finished(start_return(demo_con, editor, "DEMO", "full"))
    assert job.state == return_jobs.FAILED
    assert job.error.startswith("An unexpected IOException stopped the build. Nothing was kept")
    assert "/secret" not in job.error and "raw detail" not in job.error
    assert list(returns.iterdir()) == []
    assert current_return(demo_con, editor, "DEMO", "full") is None
    assert return_jobs.find(job.job_id) is job  # the page can still say what happened
    with pytest.raises(ValueError, match="is not ready"):
        return_jobs.finished_file(editor, job)


def test_a_cancelled_build_is_stopped_between_batches_and_leaves_nothing(demo_con, editor, returns, monkeypatch):
    import framework.data_io.excel_return as excel_return

    monkeypatch.setattr(excel_return, "BATCH_ROWS", 50)
    job = None
    real = return_jobs.Job.progress

    def cancel_at_first(self, sheet, rows, total):
        return_jobs.cancel(make_user("editor"), self)
        real(self, sheet, rows, total)

    monkeypatch.setattr(return_jobs.Job, "progress", cancel_at_first)
    job = finished(start_return(demo_con, editor, "DEMO", "full"))
    assert job.state == return_jobs.CANCELLED and job.rows == 0
    assert list(returns.iterdir()) == []  # no file, no temporary part
    assert current_return(demo_con, editor, "DEMO", "full") is None


KILLED_BUILD = """
import sys, time
import framework.data_io.excel_return as er
from framework.board_return import start_return
from framework.core import db
from framework.core.model import User
real = er.write_measurements
def slow(*a, **k):
    result = real(*a, **k)
    print("midway", flush=True)
    time.sleep(60)
    return result
er.write_measurements = slow
con = db.connect(sys.argv[1])
job = start_return(con, User("e", "E", "editor"), "DEMO", "full")
job.thread.join()
"""


def test_a_killed_build_leaves_nothing_offered_as_done_and_is_built_again(demo_db_file, tmp_path, returns):
    work = copy_db(demo_db_file, tmp_path)
    process = subprocess.Popen([sys.executable, "-c", KILLED_BUILD, str(work)], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "SHARED_MEASURES_RETURNS": str(returns)})
    try:
        assert process.stdout.readline().strip() == "midway"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
        process.stdout.close()
    assert not list(returns.glob("*.xlsx"))  # only a temporary part, never a file that looks done
    con = db.connect(work)
    try:
        editor = make_user("editor")
        assert current_return(con, editor, "DEMO", "full") is None
        job = start_return(con, editor, "DEMO", "full")
        assert job.state == return_jobs.BUILDING  # built again, not taken from the killed build
        assert finished(job).state == return_jobs.DONE
    finally:
        con.close()


def test_a_workbook_estimated_bigger_than_the_set_size_is_planned_as_the_data_pack(demo_con, editor, monkeypatch):
    rows = int(db.read_df(demo_con, "SELECT count(*) FROM measurement WHERE system_code = 'DEMO'").iloc[0, 0])
    assert return_jobs.plan(demo_con, editor, "DEMO", "full") == return_jobs.Plan(
        "full", "full", rows, rows * return_jobs.BYTES_PER_ROW["full"] / 1e6)
    monkeypatch.setenv("SHARED_MEASURES_RETURN_MAX_MB", "0.05")
    plan = return_jobs.plan(demo_con, editor, "DEMO", "full")
    assert (plan.asked, plan.kind, plan.rows) == ("full", "pack", rows)
    assert plan.reason.startswith(f"The full data return of DEMO would hold {rows:,} measurement rows, about ")
    assert "more than the 0.1 MB this app builds as a workbook" in plan.reason
    monkeypatch.setenv("SHARED_MEASURES_RETURN_MAX_MB", "not a number")
    assert return_jobs.max_mb() == return_jobs.DEFAULT_MAX_MB


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_a_lower_role_calling_the_job_functions_directly_is_refused_before_anything_is_built(demo_con, returns,
                                                                                           role):
    user = make_user(role)
    editor_job = finished(start_return(demo_con, make_user("editor"), "DEMO", "board"))
    calls = [lambda: start_return(demo_con, user, "DEMO", "board"),
             lambda: current_return(demo_con, user, "DEMO", "board"),
             lambda: return_jobs.plan(demo_con, user, "DEMO", "pack"),
             lambda: return_jobs.finished_file(user, editor_job),
             lambda: return_jobs.cancel(user, editor_job)]
    for call in calls:
        with pytest.raises(PermissionError, match=r"only partner organisation, engagement lead \(editor\) and administrator can import data"):
            call()
    assert [p.name for p in returns.iterdir()] == [editor_job.path.name]
    assert not editor_job.cancel.is_set()


def test_an_unknown_product_is_refused_in_words(demo_con, editor):
    with pytest.raises(ValueError, match="There is no product called 'csv'; choose one of: board, full, pack"):
        start_return(demo_con, editor, "DEMO", "csv")


def test_the_finished_file_is_read_only_when_the_user_downloads_it(demo_con, editor):
    job = finished(start_return(demo_con, editor, "DEMO", "pack"))
    reader = return_jobs.finished_file(editor, job)
    job.path.write_bytes(b"PK replaced")
    assert reader() == b"PK replaced"
    time.sleep(0)


def test_a_return_whose_file_was_removed_is_not_offered_and_is_built_again(demo_con, editor):
    job = finished(start_return(demo_con, editor, "DEMO", "board"))
    job.path.unlink()
    assert current_return(demo_con, editor, "DEMO", "board") is None
    again = finished(start_return(demo_con, editor, "DEMO", "board"))
    assert again is not job and again.path.exists()


def test_building_one_audiences_return_keeps_the_other_audiences_file(demo_con):
    partner = finished(start_return(demo_con, make_user("partner"), "DEMO", "board"))
    editor = finished(start_return(demo_con, make_user("editor"), "DEMO", "board"))
    assert partner.path.exists() and editor.path.exists()
    assert current_return(demo_con, make_user("partner"), "DEMO", "board") is partner
