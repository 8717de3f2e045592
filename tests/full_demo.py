"""The demo as `init --demo` loads it for people to explore: the system with its engagement log, stakeholder
reviews and stories, built once per test session (per module that imports the fixture) and closed."""
from __future__ import annotations

from pathlib import Path

import pytest

from framework.core import db
from framework.demo.system import load_demo
from tests.conftest import make_user


@pytest.fixture(scope="session")
def full_demo_db_file(tmp_path_factory) -> Path:
    """The demo with everything `init --demo` adds: read it, or copy it to write."""
    path = tmp_path_factory.mktemp("full_demo") / "demo.duckdb"
    connection = db.connect(path)
    load_demo(connection, make_user("editor"), extras=True)
    connection.close()
    return path
