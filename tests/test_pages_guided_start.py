"""The guided start on the Framework page, as an engagement lead of a new system meets it: step by step through the
vision and the seven starter questions, saving as they go, losing nothing they typed, then adopting first measures."""
from __future__ import annotations

from datetime import date

import pytest

from framework.core import db
from framework.foundation.starter_questions import list_questions, save_answers, save_wording
from framework.foundation.systems import create_system
from framework.foundation.vision import save_outcome
from tests.apptest_helpers import as_read, copy_db, open_app
from tests.conftest import make_user

MARKDOWN = "**bold** [link](javascript:alert(1))"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def new_db(empty_db_file, tmp_path):
    """A database holding one new system and nothing else."""
    path = copy_db(empty_db_file, tmp_path)
    con = db.connect(path)
    create_system(con, make_user("editor"), {"system_code": "NEWICS", "name": "New ICS",
                                             "framework_start": date(2026, 4, 1)})
    con.close()
    return path


def press(at, label: str):
    """Press the button with this label and run the page again."""
    return next(b for b in at.button if b.label == label).click().run()


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def test_a_new_systems_first_visit_opens_the_guided_start_at_the_vision(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    assert not at.exception
    assert [h.value for h in at.header] == ["A guided start"]
    assert progress_text(at) == "Step 1 of 10: The vision"
    assert "0 of 7 questions answered" in at.caption[0].value


def test_a_blank_vision_is_refused_and_what_was_typed_stays(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.text_input(key="framework.guide.agreed_with").input("Residents' assembly")
    press(at, "Save and continue")
    assert not at.exception
    assert "Vision statement is required" in at.error[0].value
    assert at.text_input(key="framework.guide.agreed_with").value == "Residents' assembly"
    assert progress_text(at).startswith("Step 1 of 10")
    at.text_area(key="framework.guide.statement").input("Everyone is heard, early.")
    press(at, "Save and continue")
    assert progress_text(at) == "Step 2 of 10: Question 1"
    con = db.connect(new_db)
    assert con.execute("SELECT statement, agreed_with FROM vision").fetchall() == [
        ("Everyone is heard, early.", "Residents' assembly")]
    con.close()


def test_each_answer_is_saved_as_you_go_and_a_draft_survives_moving_between_steps(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 1
    at.run()
    assert any("Question 1 of 7" in m.value for m in at.markdown)
    at.text_area(key="framework.guide.answer.ultimate_outcome").input(FORMULA)
    press(at, "Save and continue")
    assert progress_text(at) == "Step 3 of 10: Question 2"
    assert any("How well are we working with people and communities now?" in m.value for m in at.markdown)
    at.text_area(key="framework.guide.answer.working_now").input("Well in two places, not yet in four.")
    press(at, "Back")
    assert at.text_area(key="framework.guide.answer.ultimate_outcome").value == FORMULA
    press(at, "Skip for now")
    assert at.text_area(key="framework.guide.answer.working_now").value == "Well in two places, not yet in four."
    con = db.connect(new_db)
    answers = dict(zip(*[list_questions(con, "NEWICS")[c] for c in ("question_key", "answer")]))
    con.close()
    assert answers["ultimate_outcome"] == FORMULA and answers["working_now"] is None


def test_markdown_in_a_questions_wording_is_shown_as_the_text_typed(monkeypatch, new_db):
    con = db.connect(new_db)
    save_wording(con, make_user("editor"), "NEWICS", "who_else_to_involve", MARKDOWN)
    con.close()
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 3
    at.run()
    shown = next(m.value for m in at.markdown if "Question 3 of 7" in m.value)
    assert "**bold**" not in shown.replace("\\*", "")  # escaped, so never bold
    assert as_read(shown).endswith(MARKDOWN)


def test_two_sessions_answering_one_question_the_later_is_warned_and_keeps_its_text(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 2
    at.run()
    con = db.connect(new_db)
    save_answers(con, make_user("editor", "lead-b"), "NEWICS", {"working_now": "Well, says the other lead."})
    con.close()
    at.text_area(key="framework.guide.answer.working_now").input("Not well yet, says this lead.")
    press(at, "Save and continue")
    assert not at.exception
    assert "Someone else saved this answer" in at.warning[0].value
    assert at.text_area(key="framework.guide.answer.working_now").value == "Not well yet, says this lead."
    assert progress_text(at).startswith("Step 3 of 10")
    press(at, "Save and continue")  # having seen the warning, saving again keeps their words
    con = db.connect(new_db)
    assert list_questions(con, "NEWICS")["answer"][1] == "Not well yet, says this lead."
    con.close()


def test_an_editor_adopts_a_first_measure_from_the_nhs_england_catalogue_once(monkeypatch, new_db):
    con = db.connect(new_db)
    save_outcome(con, make_user("editor"), "NEWICS", {"outcome_code": "O1", "title": "Fairer health",
                                                      "ambition_3y": "A narrower gap"}, is_new=True)
    con.close()
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 9
    at.run()
    assert progress_text(at) == "Step 10 of 10: First measures"
    ref = "nhse-ics-2020:avoidable-admissions"
    at.multiselect(key="framework.first.chosen.0").select(ref).run()
    slot = f"framework.first.0.{ref}"
    press(at, "Adopt 1 measure")
    assert "Avoidable admissions: choose whether higher or lower is better" in as_read(at.error[0].value)
    at.selectbox(key=f"{slot}.direction").select("lower_is_better")
    at.text_input(key=f"{slot}.target_3y").input("900")
    press(at, "Adopt 1 measure")
    assert not at.exception
    assert "Adopted 1 measure: NHSE07." in at.success[0].value
    at.multiselect(key="framework.first.chosen.1").select(ref).run()
    assert "(already adopted)" in str(at.multiselect(key="framework.first.chosen.1").proto.options)
    at.selectbox(key=f"framework.first.1.{ref}.direction").select("lower_is_better")
    at.text_input(key=f"framework.first.1.{ref}.target_3y").input("850")
    press(at, "Adopt 1 measure")
    assert "Adopted 0 measures: none. Already in your framework: Avoidable admissions." in at.success[0].value
    con = db.connect(new_db)
    assert con.execute("SELECT indicator_code, direction, target_3y, outcome_code FROM indicator").fetchall() == [
        ("NHSE07", "lower_is_better", 900.0, "O1")]
    con.close()


def test_the_measures_step_without_an_outcome_says_to_add_one_first(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 9
    at.run()
    assert any("Add an outcome first" in i.value for i in at.info)


def test_leaving_the_guided_start_shows_the_whole_page_with_all_seven_questions(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    press(at, "Leave the guided start and show the whole page")
    assert not at.exception
    assert [h.value for h in at.header] == ["The vision", "Starter questions", "Outcomes"]
    assert len([t for t in at.text_area if t.key.startswith("framework.answer.")]) == 7
    press(at, "Walk me through the starter questions and first measures")
    assert progress_text(at) == "Step 1 of 10: The vision"


def test_a_system_with_a_vision_and_answers_opens_on_the_whole_page(monkeypatch, demo_db_file, tmp_path):
    at = open_app(monkeypatch, copy_db(demo_db_file, tmp_path), page="framework_page")
    assert "A guided start" not in [h.value for h in at.header]
    assert at.text_area(key="framework.answer.ultimate_outcome").value.startswith("Fairer health for everyone")


def test_a_viewer_of_a_new_system_sees_no_guided_start_and_cannot_answer(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page", role="viewer")
    assert not at.exception
    assert "A guided start" not in [h.value for h in at.header]
    assert at.text_area(key="framework.answer.working_now").disabled


def test_a_reworded_question_reads_in_its_new_words_at_once_and_blank_wording_is_refused(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 6
    at.run()
    at.text_area(key="framework.guide.wording.assets").input("   ")
    press(at, "Save the wording")
    assert "The wording of question 6 is required" in as_read(at.error[0].value)
    at.text_area(key="framework.guide.wording.assets").input("What strengths do we share?")
    press(at, "Save the wording")
    assert not at.exception
    assert any("Question 6 of 7.** What strengths do we share?" in m.value for m in at.markdown)
    assert "The wording of question 6 was saved" in at.success[0].value


def test_on_the_whole_page_an_editor_answers_the_two_newer_questions_and_markdown_wording_stays_text(
        monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    save_wording(con, make_user("editor"), "DEMO", "assets", MARKDOWN)
    con.close()
    at = open_app(monkeypatch, path, page="framework_page")
    label = at.text_area(key="framework.answer.assets").label
    assert "**bold**" not in label and as_read(label).endswith(MARKDOWN)
    at.text_area(key="framework.answer.working_now").input(MARKDOWN)
    at.text_area(key="framework.answer.difference_and_inequalities").input("Shorter waits in Saltby; a gap to close.")
    press(at, "Save the answers")
    assert not at.exception
    assert "The answers were saved" in at.success[0].value
    con = db.connect(path)
    answers = list_questions(con, "DEMO")["answer"].tolist()
    assert answers[1] == MARKDOWN and answers[3] == "Shorter waits in Saltby; a gap to close."
    assert answers[0].startswith("Fairer health for everyone")  # the answers not touched are kept
    con.close()


def test_the_outcome_step_adds_a_first_outcome_without_principles_and_moves_on_to_measures(monkeypatch, new_db):
    at = open_app(monkeypatch, new_db, page="framework_page")
    at.session_state["framework.guide.step.NEWICS"] = 8
    at.run()
    assert progress_text(at) == "Step 9 of 10: A first outcome"
    at.text_input(key="framework.guide.o_code").input("O1")
    at.text_input(key="framework.guide.o_title").input("People shape services")
    at.text_input(key="framework.guide.o_3y").input("A residents' panel in every place")
    press(at, "Save and continue")
    assert not at.exception
    assert progress_text(at) == "Step 10 of 10: First measures"
    con = db.connect(new_db)
    assert con.execute("SELECT outcome_code, title, ambition_3y FROM outcome").fetchall() == [
        ("O1", "People shape services", "A residents' panel in every place")]
    con.close()


def test_a_system_just_started_opens_its_framework_page_on_the_guided_start(monkeypatch, empty_db_file, tmp_path):
    at = open_app(monkeypatch, copy_db(empty_db_file, tmp_path))  # an empty database opens on Start a new system
    at.selectbox(key="start.footprint").set_value("E54000061").run()
    at.text_input(key="start.name").input("South Yorkshire ICS")
    at.text_input(key="start.code").input("SYICS")
    at.button(key="start.submit").click().run()
    assert not at.exception
    assert at.title[0].value == "Vision and outcomes"
    assert "A guided start" in [h.value for h in at.header]
    assert progress_text(at) == "Step 1 of 10: The vision"
