"""The seven starter questions as data: their order and wording, answers carried over from the vision's columns,
saves by editors only (validated, audited, stale edits refused), and agreed versions that keep and compare them."""
from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from framework.core import db
from framework.core.errors import StaleEdit, ValidationError
from framework.foundation.starter_questions import (
    STARTER_QUESTIONS,
    VISION_COLUMNS,
    guide_status,
    list_questions,
    save_answers,
    save_wording,
)
from framework.foundation.systems import create_system
from framework.foundation.vision import get_vision, save_vision
from framework.measures.versions import compare_versions, record_version
from tests.conftest import ROOT, make_user

FORMULA = "=cmd|' /C calc'!A0"
MARKDOWN = "**bold** [link](javascript:alert(1))"
SEED = (ROOT.parent / "shared" / "seeds" / "004_0932f091c0983fe0.txt")


def _new_system(con, code: str = "NEWICS") -> str:
    create_system(con, make_user("editor"), {"system_code": code, "name": "New ICS", "framework_start": date(2026, 4, 1)})
    return code


def _audit(con, entity: str) -> list[tuple]:
    return con.execute("SELECT user_role, action, entity_key FROM audit_log WHERE entity = ? ORDER BY audit_id",
                       [entity]).fetchall()


def test_a_new_system_reads_the_seven_questions_in_the_seeds_order_with_its_wording(con):
    code = _new_system(con)
    questions = list_questions(con, code)
    assert list(questions["position"]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(questions["question_key"]) == ["ultimate_outcome", "working_now", "who_else_to_involve",
                                               "difference_and_inequalities", "challenges_and_tensions", "assets",
                                               "how_we_will_know"]
    assert questions["wording"][1] == "How well are we working with people and communities now?"
    assert questions["wording"][3].startswith("What difference is it making to people's health outcomes?")
    assert questions["answer"].isna().all() and (questions["answer_version"] == 0).all()


def test_each_question_is_worded_as_in_the_seed_on_co_creating_a_vision():
    if not SEED.exists():
        pytest.skip("the seeds are not beside the project")
    seed = SEED.read_text(encoding="utf-8").replace("\u2019", "'")
    for q in STARTER_QUESTIONS:
        for sentence in q.wording.split("? "):
            assert sentence.rstrip("?") in seed, sentence


def test_an_older_database_keeps_every_vision_answer_word_for_word_as_a_starter_answer(tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(ROOT / "tests" / "data" / "release_ae2f384.duckdb", old)
    raw = duckdb.connect(str(old), read_only=True)
    before = raw.execute(f"SELECT system_code, {', '.join(VISION_COLUMNS)} FROM vision").fetchall()
    raw.close()
    assert before and any(v for row in before for v in row[1:])  # there were answers to carry
    con = db.connect(old)
    try:
        for system_code, *answers in before:
            saved = dict(con.execute("SELECT question_key, answer FROM starter_answer WHERE system_code = ?",
                                     [system_code]).fetchall())
            assert saved == {k: a for k, a in zip(VISION_COLUMNS, answers) if a}
            assert con.execute("SELECT count(*) FROM starter_question WHERE system_code = ?",
                               [system_code]).fetchone()[0] == 7
        assert list(list_questions(con, before[0][0])["answer"].dropna()) == [a for a in before[0][1:] if a]
    finally:
        con.close()


def test_an_editor_answers_a_question_and_the_vision_columns_keep_in_step(demo_con, editor):
    versions = save_answers(demo_con, editor, "DEMO", {"working_now": "  Well in places, not yet everywhere. ",
                                                       "assets": "Our citizens' panel."})
    assert versions == {"working_now": 1, "assets": 2}  # the demo's answer on assets was the first version
    questions = list_questions(demo_con, "DEMO").set_index("question_key")
    assert questions.loc["working_now", "answer"] == "Well in places, not yet everywhere."
    assert get_vision(demo_con, "DEMO")["assets"] == "Our citizens' panel."
    assert _audit(demo_con, "starter_answer") == [("editor", "create", "DEMO/working_now"),
                                                  ("editor", "update", "DEMO/assets")]


def test_saving_the_same_answers_again_writes_nothing_and_records_nothing(demo_con, editor):
    save_answers(demo_con, editor, "DEMO", {"working_now": "Well in places."})
    assert save_answers(demo_con, editor, "DEMO", {"working_now": "Well in places. "}) == {"working_now": 1}
    assert len(_audit(demo_con, "starter_answer")) == 1


def test_a_vision_saved_with_an_answer_by_name_keeps_the_answer_as_a_starter_answer(con, editor):
    code = _new_system(con)
    save_vision(con, editor, code, {"statement": "Everyone is heard.", "how_we_will_know": "People tell us."})
    assert list_questions(con, code).set_index("question_key").loc["how_we_will_know", "answer"] == "People tell us."
    assert get_vision(con, code)["how_we_will_know"] == "People tell us."


def test_answering_one_question_keeps_every_answer_the_vision_held_in_its_columns(demo_con, editor):
    before = list(list_questions(demo_con, "DEMO")["answer"])
    save_answers(demo_con, editor, "DEMO", {"working_now": "Well in places."})
    after = list(list_questions(demo_con, "DEMO")["answer"])
    assert after == [before[0], "Well in places.", *before[2:]]
    assert get_vision(demo_con, "DEMO")["challenges_and_tensions"] == before[4]


def test_saving_the_vision_keeps_a_column_answer_whose_question_has_no_saved_answer_yet(demo_con, editor):
    demo_con.execute("INSERT INTO starter_answer (system_code, question_key, answer) VALUES ('DEMO', 'working_now',"
                     " 'Well in places.')")  # as a return carrying only the newer questions would leave it
    before = get_vision(demo_con, "DEMO")
    save_vision(demo_con, editor, "DEMO", {"statement": "A new statement."})
    after = get_vision(demo_con, "DEMO")
    assert [after[k] for k in VISION_COLUMNS] == [before[k] for k in VISION_COLUMNS]
    assert all(after[k] for k in VISION_COLUMNS)


def test_saving_the_vision_alone_leaves_every_answer_as_it_was(demo_con, editor):
    before = list(list_questions(demo_con, "DEMO")["answer"])
    vision = get_vision(demo_con, "DEMO")
    save_vision(demo_con, editor, "DEMO", {"statement": "A new statement.", "agreed_with": vision["agreed_with"]},
                expected_version=vision["version"])
    assert list(list_questions(demo_con, "DEMO")["answer"]) == before
    assert get_vision(demo_con, "DEMO")["ultimate_outcome"] == before[0]


@pytest.mark.parametrize("text", [FORMULA, MARKDOWN])
def test_formula_and_markdown_in_wording_and_answers_are_kept_exactly_as_typed(con, editor, text):
    code = _new_system(con)
    save_answers(con, editor, code, {"assets": text})
    save_wording(con, editor, code, "assets", text)
    row = list_questions(con, code).set_index("question_key").loc["assets"]
    assert (row["wording"], row["answer"]) == (text, text)


@pytest.mark.parametrize("wording, message", [
    ("", "The wording of question 6 is required"),
    ("   ", "The wording of question 6 is required"),
    ("x" * 501, "The wording of question 6 is 501 characters long; keep it to 500"),
])
def test_blank_or_overlong_wording_is_refused_and_nothing_changes(con, editor, wording, message):
    code = _new_system(con)
    with pytest.raises(ValidationError, match=message):
        save_wording(con, editor, code, "assets", wording)
    assert con.execute("SELECT count(*) FROM starter_question WHERE system_code = ?", [code]).fetchone()[0] == 0
    assert _audit(con, "starter_question") == []


def test_an_unknown_question_and_an_overlong_answer_are_refused_by_name(con, editor):
    code = _new_system(con)
    with pytest.raises(ValidationError) as caught:
        save_answers(con, editor, code, {"favourite_colour": "Blue", "assets": "x" * 4001})
    assert caught.value.problems == [
        "'favourite_colour' is not one of the starter questions (ultimate_outcome, working_now, who_else_to_involve,"
        " difference_and_inequalities, challenges_and_tensions, assets, how_we_will_know).",
        "The answer to question 6 is 4,001 characters long; keep it to 4,000.",
    ]
    assert con.execute("SELECT count(*) FROM starter_answer").fetchone()[0] == 0


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_a_lower_role_calling_the_writes_directly_is_refused_and_nothing_is_written(demo_con, role):
    user = make_user(role)
    before = demo_con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        save_answers(demo_con, user, "DEMO", {"assets": "Ours."})
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        save_wording(demo_con, user, "DEMO", "assets", "What do we have?")
    assert demo_con.execute("SELECT count(*) FROM starter_answer").fetchone()[0] == 0
    assert demo_con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_two_sessions_answering_the_same_question_the_second_is_told_and_nothing_of_theirs_is_saved(con):
    code = _new_system(con)
    first, second = make_user("editor", "lead-a"), make_user("editor", "lead-b")
    opened = int(list_questions(con, code).set_index("question_key").loc["working_now", "answer_version"])
    save_answers(con, first, code, {"working_now": "Better than last year."}, expected_versions={"working_now": opened})
    with pytest.raises(StaleEdit, match="Someone else saved this answer after you opened it.*question 2"):
        save_answers(con, second, code, {"working_now": "Not well yet."}, expected_versions={"working_now": opened})
    assert list_questions(con, code).set_index("question_key").loc["working_now", "answer"] == "Better than last year."
    # the same words from both sessions are not a conflict
    save_answers(con, second, code, {"working_now": "Better than last year."}, expected_versions={"working_now": opened})


def test_two_sessions_rewording_the_same_question_the_second_is_told(con):
    code = _new_system(con)
    first, second = make_user("editor", "lead-a"), make_user("editor", "lead-b")
    assert save_wording(con, first, code, "assets", "What strengths do we have?", expected_version=0) == 1
    with pytest.raises(StaleEdit, match="Someone else saved this question"):
        save_wording(con, second, code, "assets", "What do we bring?", expected_version=0)
    assert list_questions(con, code)["wording"][5] == "What strengths do we have?"
    assert _audit(con, "starter_question") == [("editor", "update", f"{code}/assets")]


def test_an_agreed_version_keeps_the_answers_and_a_change_of_answer_alone_shows_in_the_comparison(demo_con, editor):
    first = record_version(demo_con, editor, "DEMO", "Framework 2025", date(2025, 4, 1), "ICB Board")
    save_answers(demo_con, editor, "DEMO", {"working_now": "Well in two places of four."})
    second = record_version(demo_con, editor, "DEMO", "Framework 2026", date(2026, 4, 1), "ICB Board")
    diff = compare_versions(demo_con, "DEMO", first, second)
    assert diff[["part", "code", "field", "change", "before", "after"]].values.tolist() == [
        ["Starter question", "Question 2", "answer", "changed", "", "Well in two places of four."]]


def test_a_change_of_wording_alone_shows_in_the_comparison(demo_con, editor):
    first = record_version(demo_con, editor, "DEMO", "Framework 2025", date(2025, 4, 1), "ICB Board")
    save_wording(demo_con, editor, "DEMO", "assets", "What strengths do we share?")
    second = record_version(demo_con, editor, "DEMO", "Framework 2026", date(2026, 4, 1), "ICB Board")
    diff = compare_versions(demo_con, "DEMO", first, second)
    assert diff[["part", "code", "field", "before", "after"]].values.tolist() == [
        ["Starter question", "Question 6", "wording", STARTER_QUESTIONS[5].wording, "What strengths do we share?"]]


def test_a_version_agreed_before_the_questions_were_kept_says_so_when_compared(demo_con, editor):
    first = record_version(demo_con, editor, "DEMO", "Framework 2025", date(2025, 4, 1), "ICB Board")
    second = record_version(demo_con, editor, "DEMO", "Framework 2026", date(2026, 4, 1), "ICB Board")
    demo_con.execute("UPDATE framework_version SET snapshot = json_object('vision', snapshot->>'vision',"
                     " 'outcomes', snapshot->'outcomes', 'indicators', snapshot->'indicators') WHERE version_id = ?",
                     [first])
    diff = compare_versions(demo_con, "DEMO", first, second)
    assert diff[["part", "change"]].values.tolist() == [["Starter questions", "not kept"]]
    assert "do not hold their wording or answers" in diff["before"][0]


def test_the_guided_start_opens_for_a_new_system_and_not_for_one_with_a_vision_and_answers(demo_con, editor):
    code = _new_system(demo_con)
    assert guide_status(demo_con, code) == {"has_vision": False, "answered": 0, "questions": 7, "measures": 0,
                                            "needs_guide": True}
    demo = guide_status(demo_con, "DEMO")
    assert demo["has_vision"] and demo["answered"] == 5 and not demo["needs_guide"]
    save_vision(demo_con, editor, code, {"statement": "Everyone is heard."})
    save_answers(demo_con, editor, code, {k: "An answer." for k in ("working_now", "assets", "who_else_to_involve")})
    assert guide_status(demo_con, code)["needs_guide"]  # three answers are still few
    save_answers(demo_con, editor, code, {"how_we_will_know": "People tell us."})
    assert not guide_status(demo_con, code)["needs_guide"]
