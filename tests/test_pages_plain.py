"""AppTests for pages readable by everyone: the Glossary and How progress is judged for every role, a link to a
measure that is not there, the local 'View as' kept in the address (and ignored once sign-in is configured),
complete invitation links, and partners changing or removing their own engagement activities."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from framework import streamlit_glue as glue
from framework.core import db
from framework.core.addresses import PUBLIC_URL_VAR
from framework.core.model import ROLES, User
from framework.engagement.activities import get_activity, save_activity
from tests.apptest_helpers import APP, as_read, copy_db, open_app
from tests.engagement_fixtures import activity, engagement_db_file  # noqa: F401

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "id",
        "client_secret": "secret", "server_metadata_url": "https://login.example.org/.well-known/openid-configuration"}


def texts(at) -> str:
    return as_read(" ".join(str(e.value) for e in [*at.markdown, *at.info, *at.warning, *at.caption, *at.header,
                                                    *at.subheader, *at.title]))


# ---- the glossary and how progress is judged -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_glossary_and_reads_each_term_in_plain_english(monkeypatch, demo_db_file, role):
    at = open_app(monkeypatch, demo_db_file, page="glossary_page", role=role)
    assert not at.exception
    assert at.title[0].value == "Glossary"
    shown = texts(at)
    for term in ("ICB", "VCSE", "Core20PLUS5", "QOF", "Deprivation quintile", "Confidence interval",
                 "Prediction interval", "Matters score", "Pseudonym", "Directly standardised rate"):
        assert f"**{term}**" in shown


def test_searching_the_glossary_narrows_it_and_formula_text_finds_nothing_without_harm(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="glossary_page", role="community")
    at.text_input(key="glossary.search").input("interval").run()
    terms = [m.value.split("**")[1] for m in at.markdown if m.value.startswith("**")]
    assert terms == ["Confidence interval", "Prediction interval"]
    at.text_input(key="glossary.search").input("=HYPERLINK(\"http://x\",\"*click*\")").run()
    assert not at.exception
    assert [m for m in at.markdown if m.value.startswith("**")] == []
    assert "No word in the glossary matches" in at.info[0].value
    assert "\\*click\\*" in at.info[0].value  # shown as typed, not as emphasis


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_how_progress_is_judged_is_a_page_of_the_app_for_every_role(monkeypatch, demo_db_file, role):
    at = open_app(monkeypatch, demo_db_file, page="progress_rules_page", role=role)
    assert not at.exception
    assert at.title[0].value == "How progress is judged"
    assert "a tenth of the planned change" in texts(at)


def test_the_indicator_page_links_to_the_rule_in_the_app_not_to_a_file(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="community", query={"indicator": "I08"})
    assert not at.exception
    assert "docs/progress.md" not in texts(at)
    assert "How progress is judged" in [link.label for link in at.get("page_link")]


# ---- a link to a measure that is not there -------------------------------------------------------------------------

def test_a_link_to_a_measure_that_does_not_exist_says_so_and_opens_no_other_measure(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": "NOPE"})
    assert not at.exception
    assert "The measure **NOPE** in this link was not found" in at.warning[0].value
    assert at.selectbox(key="indicators.selected").value is None
    assert at.header == [] or all("I0" not in h.value for h in at.header)
    at.selectbox(key="indicators.selected").set_value("I08").run()
    assert not at.exception
    assert at.header[0].value.startswith("I08:")
    assert at.query_params["indicator"] in ("I08", ["I08"])


def test_a_link_to_a_measure_hidden_by_the_filters_says_how_to_see_it(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    con.execute("UPDATE indicator SET status = 'retired' WHERE indicator_code = 'I08'")
    con.close()
    at = open_app(monkeypatch, path, page="indicators_page", role="viewer", query={"indicator": "I08"})
    assert not at.exception
    assert "hidden by the search or the filters" in at.warning[0].value and "retired" in at.warning[0].value


def test_a_link_with_markdown_in_the_code_is_shown_as_typed(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer",
                  query={"indicator": "**[x](http://evil)**"})
    assert not at.exception
    assert "\\[x\\]" in at.warning[0].value


# ---- 'View as' in the address --------------------------------------------------------------------------------------

def test_in_local_mode_a_link_with_view_as_opens_the_app_as_that_role(monkeypatch, demo_db_file):
    monkeypatch.setenv(db.ENV_VAR, str(demo_db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["view_as"] = "community"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key=glue.VIEW_AS).value == "community"
    assert any("community representative" in c.value.lower() for c in at.sidebar.caption)


@pytest.mark.parametrize("role", ["viewer", "community", "partner", "admin"])
def test_the_view_as_role_is_put_in_the_address_so_a_reload_keeps_it(monkeypatch, demo_db_file, role):
    at = open_app(monkeypatch, demo_db_file, role=role)
    assert not at.exception
    assert at.query_params["view_as"] in (role, [role])


def test_the_local_editor_needs_no_view_as_in_the_address(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, role="editor")
    assert "view_as" not in at.query_params


def test_a_view_as_link_naming_no_role_is_ignored(monkeypatch, demo_db_file):
    monkeypatch.setenv(db.ENV_VAR, str(demo_db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["view_as"] = "superuser"
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key=glue.VIEW_AS).value == "editor"


@pytest.mark.parametrize("asked", ["editor", "admin"])
def test_with_sign_in_a_community_member_cannot_raise_their_role_with_view_as(monkeypatch, demo_db_file, asked):
    monkeypatch.setenv(db.ENV_VAR, str(demo_db_file))
    monkeypatch.setattr(glue, "signed_in_user",
                        lambda info, roles, groups: User("chair@residents.org.uk", "Chair", "community"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.query_params["view_as"] = asked
    at.run()
    assert not at.exception
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert any("Community representative" in c.value for c in at.sidebar.caption)
    for page in ("review_setup_page", "edit_indicators_page", "history_page", "data_page"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


# ---- complete invitation links -------------------------------------------------------------------------------------

def _round_with_links(monkeypatch, path):
    at = open_app(monkeypatch, path, page="review_setup_page")
    at.button(key="review_setup.starter").click().run()
    at.text_input(key="review_setup.round_title").input("Winter listening round")
    next(b for b in at.button if b.label == "Create round and invite links").click().run()
    assert not at.exception
    return at


def test_review_links_are_complete_addresses_from_the_configured_public_url(monkeypatch, demo_db_file, tmp_path):
    monkeypatch.setenv(PUBLIC_URL_VAR, "https://measures.example-ics.nhs.uk/")
    at = _round_with_links(monkeypatch, copy_db(demo_db_file, tmp_path))
    links = at.dataframe[-1].value["Link"]
    assert len(links) > 0
    assert all(link.startswith("https://measures.example-ics.nhs.uk/respond?code=") for link in links)
    assert any("from SHARED_MEASURES_PUBLIC_URL" in c.value for c in at.caption)


def test_a_public_url_that_is_not_an_address_is_refused_in_words(monkeypatch, demo_db_file, tmp_path):
    monkeypatch.setenv(PUBLIC_URL_VAR, "javascript:alert(1)")
    at = _round_with_links(monkeypatch, copy_db(demo_db_file, tmp_path))
    assert all(link.startswith("/respond?code=") for link in at.dataframe[-1].value["Link"])
    assert any("is not an http or https address" in w.value for w in at.warning)


# ---- changing and removing engagement activities -------------------------------------------------------------------

def _partners_activity(path) -> int:
    con = db.connect(path)
    try:
        return save_activity(con, User(glue.LOCAL_USER_ID, "Local user", "partner"), "DEMO",
                             activity(title="Our own drop-in"))
    finally:
        con.close()


def test_a_partner_is_offered_only_their_own_activity_and_changes_it(monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    mine = _partners_activity(path)
    at = open_app(monkeypatch, path, page="engagement_page", role="partner")
    assert not at.exception
    offered = at.selectbox(key="engagement.change_activity").options
    assert len(offered) == 1 and "Our own drop-in" in offered[0]
    at.text_input(key=f"engagement.change.{mine}.title").input("Our own drop-in, renamed")
    next(b for b in at.button if b.label == "Save the changes").click().run()
    assert not at.exception
    assert any("The activity was changed" in s.value for s in at.success)
    con = db.connect(path)
    try:
        assert get_activity(con, "DEMO", mine)["title"] == "Our own drop-in, renamed"
    finally:
        con.close()


def test_a_partner_removes_their_own_activity_only_after_confirming(monkeypatch, engagement_db_file, tmp_path):
    path = copy_db(engagement_db_file, tmp_path)
    mine = _partners_activity(path)
    at = open_app(monkeypatch, path, page="engagement_page", role="partner")
    assert at.button(key="engagement.remove").disabled
    at.checkbox(key=f"engagement.remove_confirm.{mine}").check().run()
    at.button(key="engagement.remove").click().run()
    assert not at.exception
    assert any("The activity was removed" in s.value for s in at.success)
    con = db.connect(path)
    try:
        assert get_activity(con, "DEMO", mine) is None
    finally:
        con.close()


def test_a_partner_with_no_activity_of_their_own_is_offered_no_controls(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page", role="partner")
    assert not at.exception
    assert "engagement.change_activity" not in [s.key for s in at.selectbox]


# ---- roles in words ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, words", [("community", "community representative"), ("viewer", "viewer")])
def test_pages_name_the_role_in_words(monkeypatch, demo_db_file, role, words):
    at = open_app(monkeypatch, demo_db_file, page="framework_page", role=role)
    assert any(f"You are viewing as {words}." in i.value for i in at.info)



# ---- hover help where the terms appear -----------------------------------------------------------------------------

def test_the_core20plus5_reach_measure_explains_core20plus5_on_hover(monkeypatch, engagement_db_file):
    at = open_app(monkeypatch, engagement_db_file, page="engagement_page", role="community")
    reach = next(m for m in at.metric if m.label == "Reach into Core20PLUS5")
    assert "the 20% most deprived areas of England" in reach.proto.help


def test_a_measure_from_gp_records_explains_qof_on_hover(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="community", query={"indicator": "I08"})
    helps = [m.proto.help for m in at.markdown if m.proto.help]
    assert any("**QOF** (Quality and Outcomes Framework)" in h for h in helps)
