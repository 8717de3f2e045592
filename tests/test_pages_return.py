"""The returns on the Data page: built in a worker while the page stays usable, progress shown, offered for
download once complete, shared between two sessions asking for the same return, cancellable, a too-big workbook
offered as the data pack with the reason, and prepared without an exception even when the engagement log holds an
activity logged with the form's defaults, for each role that sees the page, as that user."""
from __future__ import annotations

import threading

import pytest

from framework.core import db
from framework.data_io import return_jobs
from framework.engagement.activities import save_activity
from tests.apptest_helpers import copy_db, open_app
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _own_return_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SHARED_MEASURES_RETURNS", str(tmp_path / "returns"))


def built(at, kind: str | None = None):
    """Choose a product, press build, wait for the worker and show the page again."""
    if kind:
        at.radio(key="data.return_kind").set_value(kind).run()
    at.button(key="data.build_return").click().run()
    job = return_jobs.find(at.session_state["data.return_job"])
    assert job is not None and job.thread is not None
    job.thread.join(120)
    return at.run()


def downloads(at) -> list[str]:
    return [d.proto.label for d in at.get("download_button")]


@pytest.mark.parametrize("role", ["partner", "editor"])
def test_the_return_is_offered_when_an_activity_has_blank_participants_and_volunteers(monkeypatch, demo_db_file,
                                                                                     tmp_path, role):
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    try:
        save_activity(con, make_user("editor"), "DEMO", {"title": "Form defaults", "lead_partner": "Council",
                                                         "start_date": "2026-06-01", "method": "event",
                                                         "level": "consult", "participants": None,
                                                         "volunteers": None})
    finally:
        con.close()
    at = built(open_app(monkeypatch, path, page="data_page", role=role), "full")
    assert not at.exception
    assert downloads(at) == ["Download the full data return"]
    assert not [e for e in at.error]


def test_the_page_shows_progress_while_the_return_is_built_and_offers_nothing_until_it_is_done(
        monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    release = threading.Event()

    def slow(con, user, code, kind, target, progress):
        progress("Measurements", 1_000, 2_500)
        release.wait(60)
        target.write_bytes(b"PK")

    monkeypatch.setattr("framework.board_return.export_product", slow)
    at = open_app(monkeypatch, path, page="data_page")
    at.button(key="data.build_return").click().run()
    assert not at.exception
    assert downloads(at) == []
    texts = [p.proto.text for p in at.get("progress")]
    assert texts and "writing Measurements: 1,000 of 2,500 rows" in texts[0]
    assert at.button(key="data.cancel_return")
    release.set()
    return_jobs.find(at.session_state["data.return_job"]).thread.join(30)
    at.run()
    assert downloads(at) == ["Download the board return"]


def test_a_second_session_asking_for_the_same_return_joins_the_first_build(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    calls, release = [], threading.Event()

    def slow(con, user, code, kind, target, progress):
        calls.append(user.name)
        release.wait(60)
        target.write_bytes(b"PK")

    monkeypatch.setattr("framework.board_return.export_product", slow)
    first = open_app(monkeypatch, path, page="data_page")
    first.button(key="data.build_return").click().run()
    second = open_app(monkeypatch, path, page="data_page")  # another editor's session: no button, the same build
    assert "data.build_return" not in [b.key for b in second.button]
    assert second.session_state["data.return_job"] == first.session_state["data.return_job"]
    release.set()
    return_jobs.find(first.session_state["data.return_job"]).thread.join(30)
    assert downloads(first.run()) == downloads(second.run()) == ["Download the board return"]
    assert len(calls) == 1


def test_a_cancelled_build_says_so_and_offers_nothing(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    started = threading.Event()

    def slow(con, user, code, kind, target, progress):
        started.set()
        for i in range(600):
            progress("Measurements", i, 600)
            threading.Event().wait(0.05)
        target.write_bytes(b"PK")

    monkeypatch.setattr("framework.board_return.export_product", slow)
    at = open_app(monkeypatch, path, page="data_page")
    at.button(key="data.build_return").click().run()
    started.wait(10)
    at.button(key="data.cancel_return").click().run()
    return_jobs.find(at.session_state["data.return_job"]).thread.join(30)
    at.run()
    assert not at.exception
    assert downloads(at) == []
    assert any("was cancelled" in w.value for w in at.warning)
    assert not list((tmp_path / "returns").glob("*.xlsx"))


def test_a_workbook_bigger_than_the_set_size_is_offered_as_the_data_pack_with_the_reason(monkeypatch, demo_db_file,
                                                                                        tmp_path):
    monkeypatch.setenv("SHARED_MEASURES_RETURN_MAX_MB", "0.01")
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    try:
        rows = con.execute("SELECT count(*) FROM measurement WHERE system_code = 'DEMO'").fetchall()[0][0]
    finally:
        con.close()
    at = open_app(monkeypatch, path, page="data_page")
    at.radio(key="data.return_kind").set_value("full").run()
    reason = " ".join(i.value for i in at.info)
    assert f"The full data return of DEMO would hold {rows:,} measurement rows" in reason
    assert "more than the 0.1 MB this app builds as a workbook" in reason and "The data pack holds every row" in reason
    assert at.button(key="data.build_return").proto.label == "Build the data pack"
    at = built(at)
    assert downloads(at) == ["Download the data pack"]
