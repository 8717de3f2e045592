"""Fixtures for the engagement log's tests: the demo system with its engagement log, and small activity records."""
from __future__ import annotations

from pathlib import Path

import pytest

from framework.core import db
from framework.demo.engagement_log import load_engagement_demo
from tests.conftest import make_user


def ensure_engagement_demo(con) -> None:
    """Load the demo engagement log unless the demo already carries one."""
    if not con.execute("SELECT count(*) FROM engagement_activity").fetchall()[0][0]:
        load_engagement_demo(con, make_user("admin"))


@pytest.fixture(scope="session")
def engagement_db_file(demo_db_file, tmp_path_factory) -> Path:
    """The demo database with its engagement log, built once per session, closed."""
    path = tmp_path_factory.mktemp("engagement") / "engagement.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    con = db.connect(path)
    ensure_engagement_demo(con)
    con.close()
    return path


def activity(**overrides):
    """A valid activity for the demo system, with any field overridden."""
    values = {
        "title": "Drop-in about the new health hub", "start_date": "2025-05-01", "end_date": "2025-05-01",
        "lead_partner": "Eastmarsh Community Trust", "method": "event", "level": "involve",
        "areas": ["DEMO-P04"], "communities": ["coastal", "older_people"], "participants": 40, "volunteers": 3,
        "volunteer_hours": 12, "outcomes": ["O2"], "indicators": [], "principles": [2, 4],
        "summary": "People asked for a hydrotherapy pool and evening opening.",
        "evidence_url": "https://example.org/hub",
    }
    values.update(overrides)
    return values
