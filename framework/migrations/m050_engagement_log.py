"""The engagement log: activities with their level on the spectrum, who they reached and the volunteers involved;
"you said, we did" items; the editable list of community tags (with Core20PLUS5 groups and population shares); the
token table behind the insight library search. The analyst views v_engagement_activity and v_you_said are built
from framework.engagement.views after migrating (see framework.migrations)."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 50
DESCRIPTION = "Engagement log: activities, you said we did, community tags, insight search index"

TABLES = """
CREATE SEQUENCE seq_engagement_activity START 1;
CREATE SEQUENCE seq_you_said START 1;

CREATE TABLE community_tag (
    tag_code          VARCHAR PRIMARY KEY,
    label             VARCHAR NOT NULL,
    is_core20plus5    BOOLEAN NOT NULL DEFAULT false,
    population_share  DOUBLE CHECK (population_share IS NULL OR (population_share >= 0 AND population_share <= 100)),
    description       VARCHAR,
    sort_order        INTEGER NOT NULL DEFAULT 0,
    active            BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE engagement_activity (
    activity_id      BIGINT PRIMARY KEY DEFAULT nextval('seq_engagement_activity'),
    system_code      VARCHAR NOT NULL,
    title            VARCHAR NOT NULL,
    start_date       DATE NOT NULL,
    end_date         DATE NOT NULL,
    lead_partner     VARCHAR NOT NULL,
    method           VARCHAR NOT NULL CHECK (method IN ('survey', 'workshop', 'event', 'co-design group',
                                                       'citizens'' panel', 'outreach', 'other')),
    level            VARCHAR NOT NULL CHECK (level IN ('inform', 'consult', 'involve', 'collaborate', 'empower')),
    areas            VARCHAR[] NOT NULL DEFAULT [],
    communities      VARCHAR[] NOT NULL DEFAULT [],
    participants     INTEGER,
    volunteers       INTEGER,
    volunteer_hours  DOUBLE,
    outcomes         VARCHAR[] NOT NULL DEFAULT [],
    indicators       VARCHAR[] NOT NULL DEFAULT [],
    principles       INTEGER[] NOT NULL DEFAULT [],
    summary          VARCHAR,
    evidence_url     VARCHAR,
    created_by       VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    batch_id         BIGINT
);

CREATE TABLE you_said (
    item_id        BIGINT PRIMARY KEY DEFAULT nextval('seq_you_said'),
    activity_id    BIGINT NOT NULL,
    system_code    VARCHAR NOT NULL,
    you_said       VARCHAR NOT NULL,
    we_did         VARCHAR,
    status         VARCHAR NOT NULL CHECK (status IN ('planned', 'done', 'cannot be done')),
    reason         VARCHAR,
    feedback_date  DATE,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE insight_token (
    system_code  VARCHAR NOT NULL,
    doc_kind     VARCHAR NOT NULL CHECK (doc_kind IN ('activity', 'you_said')),
    doc_id       BIGINT NOT NULL,
    activity_id  BIGINT NOT NULL,
    token        VARCHAR NOT NULL,
    hits         INTEGER NOT NULL
);
CREATE INDEX insight_token_token ON insight_token (token);
CREATE INDEX insight_token_activity ON insight_token (activity_id);
"""

# tag_code, label, Core20PLUS5?, description
COMMUNITY_TAGS = [
    ("core20", "People in the most deprived 20% of neighbourhoods", True,
     "Core20: the most deprived fifth of the national population by the Index of Multiple Deprivation"),
    ("ethnic_minority", "Ethnic minority communities", True, "A PLUS group in Core20PLUS5"),
    ("inclusion_health", "Inclusion health groups", True,
     "People experiencing homelessness; Gypsy, Roma and Traveller communities; vulnerable migrants; sex workers; "
     "people in contact with the justice system"),
    ("learning_disability", "People with a learning disability and autistic people", True,
     "A PLUS group in Core20PLUS5"),
    ("coastal", "Coastal communities", True, "Pockets of deprivation hidden among relative affluence"),
    ("carers", "Unpaid carers, including young carers", False, None),
    ("young_people", "Children and young people", False, None),
    ("older_people", "Older people (65 and over)", False, None),
    ("disabled_people", "Disabled people and people with long-term conditions", False, None),
    ("lgbtq", "LGBTQ+ people", False, None),
    ("language", "People whose first language is not English", False, None),
    ("general_public", "Residents in general", False, None),
]


def up(cur) -> None:
    run_statements(cur, TABLES, separator=";\n")
    cur.executemany(
        "INSERT INTO community_tag (tag_code, label, is_core20plus5, description, sort_order) VALUES (?, ?, ?, ?, ?)",
        [(c, label, core, d, i) for i, (c, label, core, d) in enumerate(COMMUNITY_TAGS, start=1)],
    )
