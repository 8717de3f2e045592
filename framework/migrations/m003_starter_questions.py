"""Starter questions as data: each system's wording of the seven questions for co-creating a vision, and an answer
to each. The five answers the vision table held as columns are copied across, word for word; the columns stay, in
step, for Excel returns that read them there."""
from __future__ import annotations

from framework.foundation.starter_questions import STARTER_QUESTIONS, VISION_COLUMNS

VERSION = 3
DESCRIPTION = "Starter questions: seven per system, their wording and answers, copied from the vision's columns"

TABLES = """
CREATE TABLE starter_question (
    system_code   VARCHAR NOT NULL,
    question_key  VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    wording       VARCHAR NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, question_key)
);

CREATE TABLE starter_answer (
    system_code   VARCHAR NOT NULL,
    question_key  VARCHAR NOT NULL,
    answer        VARCHAR,
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, question_key)
);
"""


def up(cur) -> None:
    cur.execute(TABLES)
    cur.executemany(
        "INSERT INTO starter_question (system_code, question_key, position, wording, version)"
        " SELECT system_code, ?, ?, ?, 0 FROM system",
        [[q.key, q.position, q.wording] for q in STARTER_QUESTIONS],
    )
    for column in VISION_COLUMNS:
        cur.execute(
            f"INSERT INTO starter_answer (system_code, question_key, answer, version)"
            f" SELECT system_code, '{column}', {column}, 1 FROM vision WHERE nullif(trim({column}), '') IS NOT NULL"
        )
