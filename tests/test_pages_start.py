"""AppTests for the Start a new system page: an empty database opens on it, it starts a system on today's ICB
footprint and opens its Framework page, and it refuses in words."""
from __future__ import annotations

import pytest

from framework.core import db
from tests.apptest_helpers import copy_db, open_app


@pytest.fixture
def empty(empty_db_file, tmp_path):
    return copy_db(empty_db_file, tmp_path)


def systems(path) -> list[dict]:
    con = db.connect(path)  # the app's own process holds the file open for writing, so read the same way
    try:
        return db.read_rows(con, "SELECT system_code, name, icb_code, region_name FROM system")
    finally:
        con.close()


def fill(at, footprint: str, name: str, code: str):
    at.selectbox(key="start.footprint").set_value(footprint).run()
    at.text_input(key="start.name").input(name)
    at.text_input(key="start.code").input(code)
    return at.button(key="start.submit").click().run()


def test_an_empty_database_opens_on_the_start_page_for_the_local_editor(monkeypatch, empty):
    at = open_app(monkeypatch, empty)
    assert not at.exception
    assert at.title[0].value == "Start a new system"
    options = at.selectbox(key="start.footprint").options
    assert len(options) == 36 and any("NHS South Yorkshire Integrated Care Board · North East and Yorkshire" in o
                                      for o in options)


def test_starting_a_system_opens_its_framework_page(monkeypatch, empty):
    at = fill(open_app(monkeypatch, empty), "E54000061", "South Yorkshire ICS", "SYICS")
    assert not at.exception
    assert systems(empty) == [{"system_code": "SYICS", "name": "South Yorkshire ICS", "icb_code": "E54000061",
                               "region_name": "North East and Yorkshire"}]
    assert at.session_state["app.system"] == "SYICS"
    assert not any(t.value == "Start a new system" for t in at.title)  # now on the Framework page


def test_the_places_say_how_to_load_local_authorities_when_none_are_known(monkeypatch, empty):
    at = open_app(monkeypatch, empty)
    at.selectbox(key="start.footprint").set_value("E54000061").run()
    assert at.radio(key="start.places").options == ["Sub-ICB locations"]
    assert any("python -m framework geography FILE" in c.value for c in at.caption)
    assert any(c.value.startswith("Sub-ICB locations (4):") for c in at.caption)


def test_a_blank_name_and_a_code_with_spaces_are_refused_in_words(monkeypatch, empty):
    at = fill(open_app(monkeypatch, empty), "E54000061", "  ", "S Y")
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "System name is required" in errors and "may use only letters, digits" in errors
    assert systems(empty) == []


def test_a_second_submit_of_the_same_code_does_not_make_two_systems(monkeypatch, empty):
    at = fill(open_app(monkeypatch, empty), "E54000061", "South Yorkshire ICS", "SYICS")
    at.switch_page("pages/start_system_page.py").run()
    at = fill(at, "E54000061", "South Yorkshire ICS", "SYICS")
    assert any("already used" in e.value for e in at.error)
    assert len(systems(empty)) == 1


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_other_roles_on_an_empty_database_read_that_there_is_no_system_and_get_no_start_page(monkeypatch, empty,
                                                                                             role):
    at = open_app(monkeypatch, empty, role=role)
    assert not at.exception
    assert any("There is no system in this database yet" in i.value for i in at.info)
    assert not at.text_input


def test_the_start_page_is_not_offered_to_a_viewer_at_all(monkeypatch, empty):
    at = open_app(monkeypatch, empty, role="viewer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/start_system_page.py")


def test_an_admin_reaches_the_start_page_when_systems_exist(monkeypatch, demo_db_file, tmp_path):
    demo = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, demo, role="admin")
    assert at.title[0].value != "Start a new system"  # Home still opens first
    at.switch_page("pages/start_system_page.py").run()
    assert not at.exception and at.title[0].value == "Start a new system"


def test_a_page_that_needs_a_system_links_the_local_editor_to_the_start_page(monkeypatch, empty):
    at = open_app(monkeypatch, empty, page="progress_page")
    assert not at.exception
    assert any("There is no system in this database yet" in i.value for i in at.info)
    assert [link.label for link in at.get("page_link")] == ["Start a new system"]


@pytest.mark.parametrize("role, signed_in, offered", [
    ("admin", True, True), ("editor", True, False), ("editor", False, True), ("partner", False, False),
    ("viewer", True, False),
])
def test_the_start_page_is_for_administrators_and_the_local_editor_only(monkeypatch, role, signed_in, offered):
    from framework import streamlit_glue as glue
    from tests.conftest import make_user

    monkeypatch.setattr(glue, "auth_configured", lambda: signed_in)
    assert glue.may_start_system(make_user(role)) is offered
