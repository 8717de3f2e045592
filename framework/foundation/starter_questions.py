"""The starter questions for co-creating a vision with people and communities (Traverse's seven, in their order):
each system's wording of each question and its answer. Editors change both; every save is validated, refuses a
stale edit, and is audited.

A system that has never saved a question reads the seed's wording. The vision table still holds the first five
answers in its own columns (ultimate_outcome ... how_we_will_know) for Excel returns made before the questions
were kept here: saves keep those columns in step, and a system whose answers came only that way (an older return,
the demo) reads them from there until an answer is saved here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, transaction
from framework.core.errors import StaleEdit, ValidationError
from framework.core.model import User, check_length, clean_text


@dataclass(frozen=True)
class StarterQuestion:
    """One starter question as the seed words it."""

    key: str
    position: int
    wording: str


STARTER_QUESTIONS: tuple[StarterQuestion, ...] = (
    StarterQuestion("ultimate_outcome", 1, "What is the ultimate outcome we are aiming for? What would good working "
                    "with people and communities deliver?"),
    StarterQuestion("working_now", 2, "How well are we working with people and communities now?"),
    StarterQuestion("who_else_to_involve", 3, "Who else do we need to involve?"),
    StarterQuestion("difference_and_inequalities", 4, "What difference is it making to people's health outcomes? "
                    "How are we going to address local inequalities?"),
    StarterQuestion("challenges_and_tensions", 5, "What are the challenges and tensions we are going to need to "
                    "resolve?"),
    StarterQuestion("assets", 6, "What assets do we have to do this in a meaningful way?"),
    StarterQuestion("how_we_will_know", 7, "How will we know when we have got there? What do people and communities "
                    "want to see measured?"),
)
KEYS = tuple(q.key for q in STARTER_QUESTIONS)
# The answers the vision table held as columns before the questions were kept as rows.
VISION_COLUMNS = ("ultimate_outcome", "who_else_to_involve", "challenges_and_tensions", "assets", "how_we_will_know")
WORDING_MAX = 500
ANSWER_MAX = 4000
# A system with no vision, or fewer answers than this, is walked through the questions one at a time.
FEW_ANSWERS = 4
COLUMNS = ["position", "question_key", "wording", "wording_version", "answer", "answer_version"]


def read_questions(cur, system_code: str) -> list[dict[str, Any]]:
    """The seven questions in order, with this system's wording and answer and the version of each (0 when never
    saved), read on the given cursor (inside a transaction, it sees that transaction's writes)."""
    wording = {r[0]: (r[1], r[2]) for r in cur.execute(
        "SELECT question_key, wording, version FROM starter_question WHERE system_code = ?", [system_code]).fetchall()}
    answers = {r[0]: (r[1], r[2]) for r in cur.execute(
        "SELECT question_key, answer, version FROM starter_answer WHERE system_code = ?", [system_code]).fetchall()}
    vision = cur.execute(f"SELECT {', '.join(VISION_COLUMNS)} FROM vision WHERE system_code = ?",
                         [system_code]).fetchall()
    legacy = dict(zip(VISION_COLUMNS, vision[0])) if vision else {}
    rows = []
    for q in STARTER_QUESTIONS:
        text, text_version = wording.get(q.key, (q.wording, 0))
        answer, answer_version = answers.get(q.key, (clean_text(legacy.get(q.key)), 0))
        rows.append({"position": q.position, "question_key": q.key, "wording": text, "wording_version": text_version,
                     "answer": answer, "answer_version": answer_version})
    return rows


def list_questions(con, system_code: str) -> pd.DataFrame:
    """The seven questions in order: position, question_key, wording, wording_version, answer, answer_version."""
    cur = con.cursor()
    try:
        frame = pd.DataFrame(read_questions(cur, system_code), columns=COLUMNS, dtype=object)
        return frame.astype({"position": int, "wording_version": int, "answer_version": int})
    finally:
        cur.close()


def guide_status(con, system_code: str) -> dict[str, Any]:
    """How far the system has come: whether it has a vision, how many questions are answered, whether it has
    measures, and whether the guided start should open."""
    questions = list_questions(con, system_code)
    answered = sum(isinstance(a, str) and bool(a.strip()) for a in questions["answer"])
    counts = read_df(
        con,
        "SELECT (SELECT count(*) FROM vision WHERE system_code = ? AND trim(statement) <> '') AS visions,"
        " (SELECT count(*) FROM indicator WHERE system_code = ?) AS measures",
        [system_code, system_code],
    ).iloc[0]
    has_vision = bool(counts["visions"])
    return {"has_vision": has_vision, "answered": answered, "questions": len(questions),
            "measures": int(counts["measures"]), "needs_guide": not has_vision or answered < FEW_ANSWERS}


def _known(problems: list[str], key: str) -> None:
    if key not in KEYS:
        problems.append(f"{key!r} is not one of the starter questions ({', '.join(KEYS)}).")


def _ensure_rows(cur, system_code: str) -> None:
    """Give the system a row for each question, in the seed's wording (version 0: never reworded), and an answer
    row for each answer it still holds only in the vision's columns, before anything here is saved."""
    cur.executemany(
        "INSERT INTO starter_question (system_code, question_key, position, wording, version)"
        " VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
        [[system_code, q.key, q.position, q.wording] for q in STARTER_QUESTIONS],
    )
    for column in VISION_COLUMNS:
        cur.execute(
            f"INSERT INTO starter_answer (system_code, question_key, answer, version)"
            f" SELECT system_code, '{column}', {column}, 1 FROM vision"
            f" WHERE system_code = ? AND nullif(trim({column}), '') IS NOT NULL ON CONFLICT DO NOTHING",
            [system_code],
        )


def keep_vision_columns_in_step(cur, system_code: str) -> None:
    """Copy the first five answers into the vision table's own columns, for returns that read them there; a column
    whose question has no answer saved here yet keeps what it holds."""
    sets = ", ".join(
        f"{k} = CASE WHEN EXISTS (SELECT 1 FROM starter_answer a WHERE a.system_code = vision.system_code"
        f" AND a.question_key = '{k}') THEN (SELECT a.answer FROM starter_answer a"
        f" WHERE a.system_code = vision.system_code AND a.question_key = '{k}') ELSE {k} END"
        for k in VISION_COLUMNS)
    cur.execute(f"UPDATE vision SET {sets} WHERE system_code = ?", [system_code])


def validate_answers(answers: dict[str, Any]) -> dict[str, str | None]:
    """Check answers given by question key; return them cleaned (blank is None) or raise ValidationError."""
    problems: list[str] = []
    labels = {q.key: f"The answer to question {q.position}" for q in STARTER_QUESTIONS}
    for key in answers:
        _known(problems, key)
        if key in labels:
            check_length(problems, answers, key, labels[key], ANSWER_MAX)
    if problems:
        raise ValidationError(problems)
    return {key: clean_text(value) for key, value in answers.items()}


def write_answers(cur, user: User, system_code: str, answers: dict[str, str | None],
                  expected: dict[str, int] | None = None) -> dict[str, int]:
    """Save validated answers inside the caller's transaction; refuse any whose saved version moved on from the
    expected one; return each question's new answer version."""
    require(user, "edit_framework")
    _ensure_rows(cur, system_code)
    current = {r["question_key"]: r for r in read_questions(cur, system_code)}
    expected = expected or {}
    stale = {k: (v, current[k]["answer"]) for k, v in answers.items()
             if k in expected and current[k]["answer_version"] != expected[k]
             and clean_text(current[k]["answer"]) != v}
    if stale:
        raise StaleEdit("answer", {f"question {current[k]['position']}": change for k, change in stale.items()})
    versions = {}
    for key, answer in answers.items():
        before = current[key]
        if clean_text(before["answer"]) == answer:
            versions[key] = before["answer_version"]
            continue
        version = before["answer_version"] + 1
        cur.execute(
            "INSERT INTO starter_answer (system_code, question_key, answer, version) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET answer = excluded.answer, version = excluded.version,"
            " updated_at = now()",
            [system_code, key, answer, version],
        )
        audit.record(cur, user, "update" if before["answer_version"] else "create", "starter_answer",
                     f"{system_code}/{key}", system_code=system_code,
                     before={"answer": before["answer"]} if before["answer"] else None, after={"answer": answer})
        versions[key] = version
    keep_vision_columns_in_step(cur, system_code)
    return versions


def save_answers(con, user: User, system_code: str, answers: dict[str, Any], *,
                 expected_versions: dict[str, int] | None = None) -> dict[str, int]:
    """Save answers to starter questions (by key; blank clears one), all or nothing; refuse a stale edit of any;
    return each question's new answer version."""
    require(user, "edit_framework")
    clean = validate_answers(answers)
    return transaction(con, lambda cur: write_answers(cur, user, system_code, clean, expected_versions))


def save_wording(con, user: User, system_code: str, question_key: str, wording: Any, *,
                 expected_version: int | None = None) -> int:
    """Reword one starter question for this system; refuse blank wording and a stale edit; return the version."""
    require(user, "edit_framework")
    problems: list[str] = []
    _known(problems, question_key)
    position = KEYS.index(question_key) + 1 if question_key in KEYS else 0
    text = clean_text(wording)
    if not text:
        problems.append(f"The wording of question {position} is required: a starter question cannot be blank.")
    elif len(text) > WORDING_MAX:
        problems.append(f"The wording of question {position} is {len(text):,} characters long; "
                        f"keep it to {WORDING_MAX:,}.")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> int:
        _ensure_rows(cur, system_code)
        before = next(r for r in read_questions(cur, system_code) if r["question_key"] == question_key)
        if expected_version is not None and before["wording_version"] != expected_version \
                and before["wording"] != text:
            raise StaleEdit("question", {"wording": (text, before["wording"])})
        if before["wording"] == text:
            return int(before["wording_version"])
        version = int(before["wording_version"]) + 1
        cur.execute("UPDATE starter_question SET wording = ?, version = ?, updated_at = current_timestamp"
                    " WHERE system_code = ? AND question_key = ?", [text, version, system_code, question_key])
        audit.record(cur, user, "update", "starter_question", f"{system_code}/{question_key}",
                     system_code=system_code, before={"wording": before["wording"]}, after={"wording": text})
        return version

    return transaction(con, work)
