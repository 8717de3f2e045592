"""The Excel return on the Data page: prepared without an exception even when the engagement log holds an
activity logged with the form's defaults, for each role that sees the page, as that user."""
from __future__ import annotations

import pytest

from framework.core import db
from framework.engagement.activities import save_activity
from tests.apptest_helpers import copy_db, open_app
from tests.conftest import make_user


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
    at = open_app(monkeypatch, path, page="data_page", role=role)
    at.button(key="data.prepare_return").click().run()
    assert not at.exception
    assert [d for d in at.get("download_button") if d.proto.label == "Download the Excel return"]
