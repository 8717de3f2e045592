"""Measures that matter: proposals from communities and partners, prioritisation rounds with pseudonymous
ballots and agreed framework versions. The views behind v_indicator.matters_score are built from
framework.measures.views after migrating (see framework.migrations)."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 20
DESCRIPTION = "Measure proposals, prioritisation rounds and ballots, agreed framework versions, matters_score"

TABLES = """
CREATE SEQUENCE seq_proposal START 1;
CREATE SEQUENCE seq_round START 1;
CREATE SEQUENCE seq_framework_version START 1;

CREATE TABLE measure_proposal (
    proposal_id       BIGINT PRIMARY KEY DEFAULT nextval('seq_proposal'),
    system_code       VARCHAR NOT NULL,
    name              VARCHAR NOT NULL,
    why_it_matters    VARCHAR NOT NULL,
    who_it_matters_to VARCHAR NOT NULL,
    how_measured      VARCHAR NOT NULL,
    outcome_code      VARCHAR,
    proposed_by_id    VARCHAR NOT NULL,
    proposed_by_name  VARCHAR NOT NULL,
    proposed_by_role  VARCHAR NOT NULL,
    proposed_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status            VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'merged', 'declined')),
    indicator_code    VARCHAR,
    decision_reason   VARCHAR,
    decided_by        VARCHAR,
    decided_at        TIMESTAMP,
    version           INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE priority_round (
    round_id     BIGINT PRIMARY KEY DEFAULT nextval('seq_round'),
    system_code  VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    opens_on     DATE NOT NULL,
    closes_on    DATE NOT NULL,
    salt         VARCHAR NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    closed_at    TIMESTAMP
);

CREATE TABLE priority_ballot (
    round_id      BIGINT NOT NULL,
    voter_key     VARCHAR NOT NULL,
    group_code    VARCHAR NOT NULL,
    submitted_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (round_id, voter_key)
);

CREATE TABLE priority_score (
    round_id        BIGINT NOT NULL,
    voter_key       VARCHAR NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    PRIMARY KEY (round_id, voter_key, indicator_code)
);

CREATE TABLE framework_version (
    version_id   BIGINT PRIMARY KEY DEFAULT nextval('seq_framework_version'),
    system_code  VARCHAR NOT NULL,
    label        VARCHAR NOT NULL,
    agreed_on    DATE NOT NULL,
    approved_by  VARCHAR NOT NULL,
    notes        VARCHAR,
    snapshot     JSON NOT NULL,
    recorded_by  VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""

def up(cur) -> None:
    run_statements(cur, TABLES)
