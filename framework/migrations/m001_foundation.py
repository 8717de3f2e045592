"""The foundation schema: systems, areas, the vision, outcomes, principles, indicators, measurements,
stakeholder groups, import batches and the audit log. The public views v_indicator and v_measurement are
built from framework.foundation.views after migrating (see framework.migrations)."""
from __future__ import annotations

import csv
from pathlib import Path

from framework.core.postgres_store import run_statements

VERSION = 1
DESCRIPTION = "Foundation: systems, areas, vision, outcomes, indicators, measurements, groups, audit"

ONS_LOOKUP = Path(__file__).resolve().parents[2] / "data" / "reference" / "ons_loc22_icb22_nhser22_lookup.csv"

TABLES = """
CREATE SEQUENCE seq_audit START 1;
CREATE SEQUENCE seq_batch START 1;

CREATE TABLE system (
    system_code      VARCHAR PRIMARY KEY,
    name             VARCHAR NOT NULL,
    region_code      VARCHAR,
    region_name      VARCHAR,
    icb_code         VARCHAR,
    framework_start  DATE NOT NULL,
    is_demo          BOOLEAN NOT NULL DEFAULT false,
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE area (
    area_code    VARCHAR PRIMARY KEY,
    area_name    VARCHAR NOT NULL,
    area_type    VARCHAR NOT NULL,
    parent_code  VARCHAR,
    source       VARCHAR NOT NULL
);

CREATE TABLE system_area (
    system_code  VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    role         VARCHAR NOT NULL CHECK (role IN ('system', 'place', 'neighbourhood', 'comparator')),
    PRIMARY KEY (system_code, area_code)
);

CREATE TABLE vision (
    system_code             VARCHAR PRIMARY KEY,
    statement               VARCHAR NOT NULL,
    agreed_on               DATE,
    agreed_with             VARCHAR,
    ultimate_outcome        VARCHAR,
    who_else_to_involve     VARCHAR,
    challenges_and_tensions VARCHAR,
    assets                  VARCHAR,
    how_we_will_know        VARCHAR,
    version                 INTEGER NOT NULL DEFAULT 1,
    updated_at              TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE principle (
    principle_no  INTEGER PRIMARY KEY,
    short_label   VARCHAR NOT NULL,
    description   VARCHAR
);

CREATE TABLE outcome (
    system_code   VARCHAR NOT NULL,
    outcome_code  VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    description   VARCHAR,
    ambition_1y   VARCHAR,
    ambition_3y   VARCHAR,
    ambition_5y   VARCHAR,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (system_code, outcome_code)
);

CREATE TABLE outcome_principle (
    system_code   VARCHAR NOT NULL,
    outcome_code  VARCHAR NOT NULL,
    principle_no  INTEGER NOT NULL,
    PRIMARY KEY (system_code, outcome_code, principle_no)
);

CREATE TABLE indicator (
    system_code     VARCHAR NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    outcome_code    VARCHAR,
    name            VARCHAR NOT NULL,
    definition      VARCHAR,
    unit            VARCHAR NOT NULL DEFAULT '',
    direction       VARCHAR NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better', 'no_judgement')),
    kind            VARCHAR NOT NULL CHECK (kind IN ('quantitative', 'perception', 'qualitative')),
    source          VARCHAR,
    source_ref      VARCHAR,
    frequency       VARCHAR,
    owner_partner   VARCHAR,
    baseline_value  DOUBLE,
    baseline_date   DATE,
    target_1y       DOUBLE,
    target_3y       DOUBLE,
    target_5y       DOUBLE,
    status          VARCHAR NOT NULL CHECK (status IN ('proposed', 'active', 'retired')),
    proposed_by     VARCHAR,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (system_code, indicator_code)
);

CREATE TABLE import_batch (
    batch_id        BIGINT PRIMARY KEY DEFAULT nextval('seq_batch'),
    system_code     VARCHAR,
    file_name       VARCHAR NOT NULL,
    sha256          VARCHAR,
    file_format     VARCHAR NOT NULL,
    imported_by     VARCHAR NOT NULL,
    imported_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    rows_new        BIGINT NOT NULL DEFAULT 0,
    rows_changed    BIGINT NOT NULL DEFAULT 0,
    rows_unchanged  BIGINT NOT NULL DEFAULT 0,
    rows_rejected   BIGINT NOT NULL DEFAULT 0,
    status          VARCHAR NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone'))
);

CREATE TABLE measurement (
    system_code      VARCHAR NOT NULL,
    indicator_code   VARCHAR NOT NULL,
    area_code        VARCHAR NOT NULL,
    period_label     VARCHAR NOT NULL,
    period_start     DATE NOT NULL,
    period_end       DATE NOT NULL,
    breakdown        VARCHAR NOT NULL DEFAULT 'All',
    breakdown_group  VARCHAR NOT NULL DEFAULT 'All',
    value            DOUBLE,
    lower_ci         DOUBLE,
    upper_ci         DOUBLE,
    lower_ci_998     DOUBLE,
    upper_ci_998     DOUBLE,
    count            DOUBLE,
    denominator      DOUBLE,
    value_note       VARCHAR,
    comparison       VARCHAR,
    batch_id         BIGINT,
    PRIMARY KEY (system_code, indicator_code, area_code, period_start, period_end, breakdown, breakdown_group)
);

CREATE TABLE stakeholder_group (
    group_code   VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    description  VARCHAR,
    sort_order   INTEGER NOT NULL DEFAULT 0,
    active       BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE audit_log (
    audit_id     BIGINT PRIMARY KEY DEFAULT nextval('seq_audit'),
    changed_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_id      VARCHAR NOT NULL,
    user_role    VARCHAR NOT NULL,
    action       VARCHAR NOT NULL,
    entity       VARCHAR NOT NULL,
    entity_key   VARCHAR NOT NULL,
    system_code  VARCHAR,
    before       JSON,
    after        JSON,
    reason       VARCHAR
);
"""

PRINCIPLES = [
    (1, "People's voices at the centre of decisions and governance"),
    (2, "Understand needs, experience and aspirations"),
    (3, "Involve people early and feed back how they influenced decisions"),
    (4, "Insight from people who experience inequalities"),
    (5, "Relationships with excluded and under-represented groups"),
    (6, "Healthwatch and the VCSE sector as key partners"),
    (7, "Co-production to tackle system priorities"),
    (8, "Community development that builds capacity"),
    (9, "Clear, accessible public information on vision, plans and progress"),
    (10, "Learn from what works and build on the assets of all partners"),
]

STAKEHOLDER_GROUPS = [
    ("community", "Community members", "Residents, patients, carers and community representatives"),
    ("vcse", "VCSE", "Voluntary, community and social enterprise organisations"),
    ("healthwatch", "Healthwatch", "The local Healthwatch"),
    ("icb", "ICB", "The Integrated Care Board"),
    ("local_authority", "Local authority", "Councils in the system"),
    ("nhs_providers", "NHS providers", "Hospital, community and mental health trusts"),
    ("primary_care", "Primary care", "General practice, pharmacy, dental and optometry"),
]


def load_ons_areas(cur) -> int:
    """Load England, NHS regions, ICBs and sub-ICB locations from the ONS lookup; return rows read."""
    with open(ONS_LOOKUP, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    areas: dict[str, tuple[str, str, str | None]] = {"E92000001": ("England", "England", None)}
    for r in rows:
        areas.setdefault(r["NHSER22CD"], (r["NHSER22NM"].strip(), "NHS region", "E92000001"))
        areas.setdefault(r["ICB22CD"], (r["ICB22NM"].strip(), "ICB", r["NHSER22CD"]))
        areas.setdefault(r["LOC22CD"], (r["LOC22NM"].strip(), "Sub-ICB location", r["ICB22CD"]))
    cur.executemany(
        "INSERT INTO area VALUES (?, ?, ?, ?, 'ONS LOC22-ICB22-NHSER22 lookup') ON CONFLICT DO NOTHING",
        [(code, name, kind, parent) for code, (name, kind, parent) in areas.items()],
    )
    return len(rows)


def up(cur) -> None:
    run_statements(cur, TABLES)
    cur.executemany("INSERT INTO principle (principle_no, short_label) VALUES (?, ?)", PRINCIPLES)
    cur.executemany(
        "INSERT INTO stakeholder_group (group_code, name, description, sort_order) VALUES (?, ?, ?, ?)",
        [(c, n, d, i) for i, (c, n, d) in enumerate(STAKEHOLDER_GROUPS, start=1)],
    )
    load_ons_areas(cur)
