"""Stakeholder reviews: the statement library, review rounds with an invite code per group, anonymous
respondents known only by a salted hash of their return code, answers, released comments, discussion notes
and agreed actions, and the links that feed perception indicators from a round's results."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 40
DESCRIPTION = "Stakeholder reviews: statements, rounds, invites, anonymous answers, comments, discussions, actions"

SQL = """
CREATE SEQUENCE seq_review_round START 1;
CREATE SEQUENCE seq_review_respondent START 1;
CREATE SEQUENCE seq_review_action START 1;

CREATE TABLE review_statement (
    system_code     VARCHAR NOT NULL,
    statement_code  VARCHAR NOT NULL,
    theme           VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    status          VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    sort_order      INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, statement_code)
);

CREATE TABLE review_statement_principle (
    system_code     VARCHAR NOT NULL,
    statement_code  VARCHAR NOT NULL,
    principle_no    INTEGER NOT NULL,
    PRIMARY KEY (system_code, statement_code, principle_no)
);

CREATE TABLE review_statement_outcome (
    system_code     VARCHAR NOT NULL,
    statement_code  VARCHAR NOT NULL,
    outcome_code    VARCHAR NOT NULL,
    PRIMARY KEY (system_code, statement_code, outcome_code)
);

CREATE TABLE review_round (
    round_id        BIGINT PRIMARY KEY DEFAULT nextval('seq_review_round'),
    system_code     VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    opens_on        DATE NOT NULL,
    closes_on       DATE NOT NULL,
    min_group_size  INTEGER NOT NULL DEFAULT 10 CHECK (min_group_size >= 5),
    closed_early    BOOLEAN NOT NULL DEFAULT false,
    token_salt      VARCHAR NOT NULL,
    created_by      VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE review_round_statement (
    round_id        BIGINT NOT NULL,
    statement_code  VARCHAR NOT NULL,
    sort_order      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (round_id, statement_code)
);

CREATE TABLE review_invite (
    invite_code     VARCHAR PRIMARY KEY,
    round_id        BIGINT NOT NULL,
    group_code      VARCHAR NOT NULL,
    UNIQUE (round_id, group_code)
);

CREATE TABLE review_respondent (
    respondent_id   BIGINT PRIMARY KEY DEFAULT nextval('seq_review_respondent'),
    round_id        BIGINT NOT NULL,
    group_code      VARCHAR NOT NULL,
    token_hash      VARCHAR NOT NULL UNIQUE
);

CREATE TABLE review_answer (
    respondent_id   BIGINT NOT NULL,
    statement_code  VARCHAR NOT NULL,
    score           INTEGER CHECK (score BETWEEN 1 AND 5),
    dont_know       BOOLEAN NOT NULL DEFAULT false,
    comment         VARCHAR,
    PRIMARY KEY (respondent_id, statement_code)
);

CREATE TABLE review_comment_release (
    respondent_id   BIGINT NOT NULL,
    statement_code  VARCHAR NOT NULL,
    released_text   VARCHAR NOT NULL,
    redacted        BOOLEAN NOT NULL DEFAULT false,
    released_by     VARCHAR NOT NULL,
    released_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (respondent_id, statement_code)
);

CREATE TABLE review_discussion (
    round_id        BIGINT NOT NULL,
    statement_code  VARCHAR NOT NULL,
    notes           VARCHAR NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (round_id, statement_code)
);

CREATE TABLE review_action (
    action_id       BIGINT PRIMARY KEY DEFAULT nextval('seq_review_action'),
    system_code     VARCHAR NOT NULL,
    round_id        BIGINT,
    statement_code  VARCHAR,
    outcome_code    VARCHAR,
    action_text     VARCHAR NOT NULL,
    owner           VARCHAR NOT NULL,
    due_on          DATE NOT NULL,
    status          VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE review_indicator_feed (
    system_code     VARCHAR NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    statement_code  VARCHAR NOT NULL,
    group_code      VARCHAR NOT NULL,
    PRIMARY KEY (system_code, indicator_code)
);
"""


def up(cur) -> None:
    run_statements(cur, SQL)
