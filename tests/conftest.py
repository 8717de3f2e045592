"""Shared fixtures: real DuckDB files in tmp_path, users of each role, and the demo system."""
from __future__ import annotations

from pathlib import Path

import pytest

from framework.core import db
from framework.core.model import User
from framework.demo.system import load_demo

ROOT = Path(__file__).resolve().parents[1]


def make_user(role: str, user_id: str | None = None) -> User:
    """A user of the given role."""
    return User(user_id or f"{role}-1", f"Test {role}", role)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = db.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def editor() -> User:
    return make_user("editor")


@pytest.fixture
def demo_con(con, editor):
    load_demo(con, editor)
    return con


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """A demo database built once per session, closed, for tests that only read it or copy it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = db.connect(path)
    load_demo(connection, make_user("admin"))
    connection.close()
    return path


@pytest.fixture(autouse=True)
def _never_touch_real_data(monkeypatch, tmp_path):
    """Tests must never use data/shared_measures.duckdb: point the default at a temporary file."""
    monkeypatch.setenv(db.ENV_VAR, str(tmp_path / "default.duckdb"))
