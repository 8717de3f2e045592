"""AppTests for the Proposed measures, Priorities, Edit measures and History pages, and the local-mode user switch."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from framework.core import db
from framework.measures.priorities import cast_ballot, close_round, open_round
from framework.measures.proposals import propose_measure
from framework.measures.versions import record_version
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import make_user

IDEA = {"name": "Carers who feel listened to", "why_it_matters": "Carers are rarely asked.",
        "who_it_matters_to": "Unpaid carers", "how_measured": "Annual carers survey", "outcome_code": "O1"}


def _seed(path, work):
    con = db.connect(path)
    try:
        return work(con)
    finally:
        con.close()



@pytest.mark.parametrize("role, sees_edit_pages", [("viewer", False), ("community", False), ("partner", False),
                                                   ("editor", True), ("admin", True)])
def test_local_mode_shows_a_banner_and_the_view_as_switch_and_pages_follow_the_role(monkeypatch, demo_db_file, role,
                                                                                   sees_edit_pages):
    at = open_app(monkeypatch, demo_db_file, role=role)
    assert not at.exception
    assert any("Local mode" in w.value for w in at.sidebar.warning)
    assert at.sidebar.selectbox(key="app.view_as").value == role
    for page, title in (("edit_indicators_page", "Edit measures"), ("history_page", "History of changes")):
        if sees_edit_pages:
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception and at.title[0].value == title
        else:  # the page is not registered for this role at all
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"pages/{page}.py")


def test_a_community_member_proposes_a_measure_and_sees_it_waiting(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="proposals_page", role="community")
    assert not at.exception and at.title[0].value == "Proposed measures"
    assert not at.get("radio")  # no review controls for a community member
    at.text_input(key="proposals.name.0").input(IDEA["name"])
    at.text_area(key="proposals.why.0").input(IDEA["why_it_matters"])
    at.text_input(key="proposals.who.0").input(IDEA["who_it_matters_to"])
    at.text_area(key="proposals.how.0").input(IDEA["how_measured"])
    at.selectbox(key="proposals.outcome.0").select("O1")
    at.button[0].click().run()
    assert not at.exception
    assert any("Your proposal (number 1) is with the engagement team" in s.value for s in at.success)
    table = at.dataframe[-1].value
    assert list(table["Proposed measure"]) == [IDEA["name"]]
    assert list(table["What we did"]) == ["Waiting for the engagement team to review it."]
    assert at.text_input(key="proposals.name.1").value == ""  # a fresh form for the next idea


def test_the_public_see_a_proposers_role_unless_they_chose_to_be_named(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="proposals_page", role="community")
    assert at.checkbox(key="proposals.named.0").value is False  # named only when ticked
    _seed(path, lambda con: propose_measure(con, make_user("community"), "DEMO", IDEA))
    _seed(path, lambda con: propose_measure(con, make_user("partner"), "DEMO", {**IDEA, "proposer_named": True}))
    viewer = open_app(monkeypatch, path, page="proposals_page", role="viewer")
    assert not viewer.exception
    by = list(viewer.dataframe[-1].value["Proposed by"])
    assert sorted(by) == ["A community member", "Test partner (a partner organisation)"]
    assert "Test community" not in viewer.dataframe[-1].value.to_string()


def test_an_incomplete_proposal_is_refused_with_each_missing_part(monkeypatch, demo_db_file, tmp_path):
    at = open_app(monkeypatch, copy_db(demo_db_file, tmp_path), page="proposals_page", role="partner")
    at.text_input(key="proposals.name.0").input("Something")
    at.button[0].click().run()
    assert not at.exception
    text = " ".join(as_read(e.value) for e in at.error)
    assert "Why it matters is required." in text and "Outcome is required" in text


def test_an_editor_declines_a_proposal_and_the_reason_is_public(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    _seed(path, lambda con: propose_measure(con, make_user("community"), "DEMO", IDEA))
    at = open_app(monkeypatch, path, page="proposals_page", role="editor")
    assert at.header[0].value == "Review proposals"
    at.radio(key="proposals.decision").set_value("decline").run()
    at.text_area[-1].input("We have no source for this yet; the carers' centre will help us find one.")
    at.button[-1].click().run()
    assert not at.exception
    assert any("Declined: Carers who feel listened to" in s.value for s in at.success)
    table = at.dataframe[-1].value
    assert list(table["What we did"]) == [
        "Declined: We have no source for this yet; the carers' centre will help us find one."]
    viewer = open_app(monkeypatch, path, page="proposals_page", role="viewer")
    assert list(viewer.dataframe[-1].value["Status"]) == ["Declined"]
    assert any("Community members, partners and editors can propose" in i.value for i in viewer.info)


def test_an_editor_accepts_a_proposal_as_a_new_measure(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    _seed(path, lambda con: propose_measure(con, make_user("community"), "DEMO", IDEA))
    at = open_app(monkeypatch, path, page="proposals_page", role="editor")
    at.button[-1].click().run()  # accept is the default decision; the definition starts as how it might be measured
    assert not at.exception
    assert any("is now measure I28" in s.value for s in at.success)
    assert _seed(path, lambda con: con.execute(
        "SELECT name, definition, status FROM indicator WHERE indicator_code = 'I28'").fetchall()) == [
        ("Carers who feel listened to", "Annual carers survey", "active")]


def _round(path, *, closed: bool):
    def work(con):
        editor = make_user("editor")
        today = date.today()
        rid = open_round(con, editor, "DEMO", "Spring priorities", today - timedelta(days=3), today + timedelta(days=10))
        if closed:
            for n, group, scores in [(1, "community", {"I01": 5, "I08": 2}), (2, "icb", {"I01": 2, "I08": 5}),
                                     (3, "local_authority", {"I01": 1, "I08": 4})]:
                for person in range(10):  # groups of ten: below that a group's results are hidden
                    cast_ballot(con, make_user("partner", f"p{n}-{person}"), "DEMO", rid, group, scores)
            close_round(con, editor, "DEMO", rid)
        return rid
    return _seed(path, work)


def test_priorities_say_when_there_is_no_round_yet(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="priorities_page", role="viewer")
    assert not at.exception and at.title[0].value == "Which measures matter most"
    infos = " ".join(i.value for i in at.info)
    assert "No round is open for ratings right now." in infos and "No round has closed yet" in infos


def test_a_community_member_rates_measures_in_an_open_round_and_can_change_them(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    rid = _round(path, closed=False)
    at = open_app(monkeypatch, path, page="priorities_page", role="community")
    assert not at.exception
    assert at.selectbox(key=f"priorities.group.{rid}").value == "community"
    at.radio(key=f"priorities.score.{rid}.I01").set_value(5)
    at.radio(key=f"priorities.score.{rid}.I08").set_value(3)
    at.button[-1].click().run()
    assert not at.exception
    assert any("Your ratings of 2 measures are saved" in s.value for s in at.success)
    assert at.radio(key=f"priorities.score.{rid}.I01").value == 5  # shown again, ready to change
    assert _seed(path, lambda con: con.execute("SELECT count(*) FROM priority_score").fetchall()) == [(2,)]


def test_priorities_show_results_by_group_and_the_community_system_difference(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    _round(path, closed=True)
    at = open_app(monkeypatch, path, page="priorities_page", role="viewer")
    assert not at.exception
    subheaders = [s.value for s in at.subheader]
    assert "Where community and system priorities differ" in subheaders
    table = at.dataframe[0].value.set_index("Code")
    assert table.loc["I01", "Community minus system"] == 3.5
    assert table.loc["I01", "In words"] == "Matters more to communities"
    assert table.loc["I08", "In words"] == "Matters more to system bodies"
    wide = at.dataframe[1].value.set_index("Code")
    assert wide.loc["I08", "ICB"] == 5.0


def test_an_editor_opens_a_round_from_the_priorities_page(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="priorities_page", role="editor")
    at.text_input(key="priorities.title").input("Summer priorities")
    at.button[0].click().run()
    assert not at.exception
    assert any("The round 'Summer priorities' is set up." in s.value for s in at.success)


def test_edit_measures_shows_the_table_and_refuses_non_editors(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    at = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    assert not at.exception
    assert at.button(key="edit_indicators.save")
    at.button(key="edit_indicators.save").click().run()
    assert any("There is nothing to save" in i.value for i in at.info)
    assert any("No agreed version has been recorded yet." in i.value for i in at.info)


def test_an_editor_records_two_versions_and_sees_their_differences(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)

    def work(con):
        record_version(con, make_user("editor"), "DEMO", "Framework 2024", date(2024, 4, 1), "ICB Board")
        con.execute("UPDATE indicator SET name = 'Adults who smoke' WHERE indicator_code = 'I08'")
    _seed(path, work)
    at = open_app(monkeypatch, path, page="edit_indicators_page", role="editor")
    labelled = {t.label: t for t in at.text_input}
    labelled["Version name"].input("Framework 2025")
    labelled["Approved by"].input("Partnership Board")
    at.button[-1].click().run()
    assert not at.exception
    assert any("Recorded 'Framework 2025'" in s.value for s in at.success)
    diff = at.dataframe[-1].value
    assert diff[["Code", "Field", "Framework 2024", "Framework 2025"]].values.tolist() == [
        ["I08", "name", "Smoking prevalence in adults (15+) - current smokers (QOF)", "Adults who smoke"]]


def test_history_lists_changes_filters_by_measure_and_is_for_editors_only(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)

    def work(con):
        from framework.foundation.indicators import get_indicator, save_indicator
        ind = get_indicator(con, "DEMO", "I08")
        save_indicator(con, make_user("editor"), "DEMO", {**ind, "target_3y": 13.9}, reason="Board raised it")
        propose_measure(con, make_user("community"), "DEMO", IDEA)
    _seed(path, work)
    at = open_app(monkeypatch, path, page="history_page", role="admin")
    assert not at.exception and at.title[0].value == "History of changes"
    log = at.dataframe[0].value
    assert {"Measure", "Proposed measure"} <= set(log["What"])
    at.selectbox(key="history.indicator").select("I08").run()
    assert not at.exception
    log = at.dataframe[0].value
    assert list(log["Record"]) == ["I08"] and list(log["Reason"]) == ["Board raised it"]
    assert at.subheader[0].value == "Target changes for I08"
    assert at.dataframe[1].value[["Target", "Was", "Now"]].values.tolist() == [["target_3y", 14.5, 13.9]]


def test_with_sign_in_configured_a_visitor_sees_the_public_view_and_a_sign_in_button(monkeypatch, demo_db_file):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    monkeypatch.setenv(db.ENV_VAR, str(demo_db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://login.example.org/.well-known/openid-configuration"}
    at.secrets["roles"] = {"default": "viewer", "domains": {"nhs.net": "editor"}}
    at.session_state["app.view_as"] = "editor"  # ignored once sign-in is configured
    at.run()
    assert not at.exception
    assert not any("Local mode" in w.value for w in at.sidebar.warning)
    assert [b.label for b in at.sidebar.button] == ["Sign in"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/edit_indicators_page.py")
