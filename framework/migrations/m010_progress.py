"""Progress: the narrative table for the story behind each curve. The public view v_progress, computed live from
indicators and measurements, is built from framework.progress.sql after migrating (see framework.migrations)."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 10
DESCRIPTION = "Progress: live view v_progress and narratives behind the curve"

NARRATIVE = """
CREATE SEQUENCE seq_narrative START 1;
CREATE TABLE narrative (
    narrative_id    BIGINT PRIMARY KEY DEFAULT nextval('seq_narrative'),
    system_code     VARCHAR NOT NULL,
    indicator_code  VARCHAR NOT NULL,
    area_code       VARCHAR,
    period_label    VARCHAR NOT NULL,
    period_end      DATE,
    happening       VARCHAR NOT NULL,
    learning        VARCHAR,
    next_steps      VARCHAR,
    author_id       VARCHAR NOT NULL,
    author_name     VARCHAR NOT NULL,
    author_role     VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    withdrawn       BOOLEAN NOT NULL DEFAULT false
);
"""


def up(cur) -> None:
    run_statements(cur, NARRATIVE)
