"""Measures that matter: proposals from communities and partners, prioritisation rounds with pseudonymous
ballots, agreed framework versions, and v_indicator.matters_score from the latest closed round."""
from __future__ import annotations

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

# The community-weighted score: half the weight goes to the community group's mean rating, half is shared
# equally by the other stakeholder groups' means; when only one side rated a measure, its mean is the score.
# framework.priorities.weighted_score is the same rule in Python, and a test holds them together.
VIEWS = """
CREATE OR REPLACE VIEW v_priority_latest_closed AS
SELECT system_code, round_id
FROM priority_round
WHERE closed_at IS NOT NULL OR closes_on < current_date
QUALIFY row_number() OVER (PARTITION BY system_code ORDER BY closes_on DESC, round_id DESC) = 1;

CREATE OR REPLACE VIEW v_priority_matters AS
WITH by_group AS (
    SELECT r.system_code, s.indicator_code, b.group_code, avg(s.score) AS mean_score
    FROM v_priority_latest_closed r
    JOIN priority_ballot b ON b.round_id = r.round_id
    JOIN priority_score s ON s.round_id = b.round_id AND s.voter_key = b.voter_key
    GROUP BY ALL
), sides AS (
    SELECT system_code, indicator_code,
           avg(mean_score) FILTER (WHERE group_code = 'community') AS community_mean,
           avg(mean_score) FILTER (WHERE group_code <> 'community') AS others_mean
    FROM by_group GROUP BY ALL
)
SELECT system_code, indicator_code,
       CASE WHEN community_mean IS NULL THEN others_mean
            WHEN others_mean IS NULL THEN community_mean
            ELSE 0.5 * community_mean + 0.5 * others_mean END AS matters_score
FROM sides;

CREATE OR REPLACE VIEW v_indicator AS
SELECT i.system_code, i.outcome_code, i.indicator_code, i.name AS indicator_name, i.unit, i.direction, i.status,
       CAST(pm.matters_score AS DOUBLE) AS matters_score,
       i.baseline_value, i.baseline_date, i.target_1y, i.target_3y, i.target_5y, i.source_ref
FROM indicator i
LEFT JOIN v_priority_matters pm USING (system_code, indicator_code)
"""


def up(cur) -> None:
    for statement in (TABLES + ";" + VIEWS).split(";"):
        if statement.strip():
            cur.execute(statement)
