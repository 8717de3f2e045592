"""Shared fixtures: real DuckDB files in tmp_path, users of each role, and the demo system.

A new database (schema and reference data) and the demo are each built once per test session (once per xdist
worker) into a template file; each test gets its own copy, which takes a few hundredths of a second instead of
the second or more that building them takes."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from framework.core import db
from framework.core.model import User
from framework.demo.system import load_demo
from tests.postgres_server import _postgres_for_store_tests, pg_server, pg_url  # noqa: F401  (a throwaway PostgreSQL)

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"


def make_user(role: str, user_id: str | None = None) -> User:
    """A user of the given role."""
    return User(user_id or f"{role}-1", f"Test {role}", role)


class CountedWrite:
    """A write for `transaction()` that runs one statement and counts how often it was attempted."""

    def __init__(self, sql: str) -> None:
        self.sql, self.attempts = sql, 0

    def __call__(self, cur) -> None:
        self.attempts += 1
        cur.execute(self.sql)


def reference_file(name: str) -> Path:
    """A file of real reference data beside the project (../shared/reference). Where it is missing the test is
    skipped on a developer's machine, but fails in CI (CI=true), because CI always has the reference data."""
    path = REFERENCE / name
    if not path.exists():
        message = f"The reference file {name} is not at {path}."
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(message + " CI must have the reference data.", pytrace=False)
        pytest.skip(message)
    return path


def wait_for_path(path: Path, seconds: float) -> bool:
    """Wait until a file another process writes in the background exists (True), or the time is up (False). The
    one place a test waits for something outside the browser; browser tests wait on the page itself."""
    import threading
    import time

    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not path.exists() and time.monotonic() < deadline:
        pause.wait(0.2)
    return path.exists()


def copy_database(source: Path, target: Path) -> Path:
    """Copy a closed DuckDB file (and its write-ahead log, if one was left) to target."""
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{target}.wal"))
    return target


@pytest.fixture(scope="session")
def empty_db_file(tmp_path_factory) -> Path:
    """A new database with the schema and reference data and nothing else, made once per session and closed."""
    path = tmp_path_factory.mktemp("empty") / "empty.duckdb"
    db.connect(path).close()
    return path


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory) -> Path:
    """The demo system loaded by an editor, built once per session and closed: read it, or copy it to write."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    connection = db.connect(path)
    load_demo(connection, make_user("editor"))
    connection.close()
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(request, db_path: Path):
    """A connection to this test's own new database in tmp_path (a copy of one made once per session), or to its
    own copy of the demo when the test also asks for demo_con."""
    template = "demo_db_file" if "demo_con" in request.fixturenames else "empty_db_file"
    copy_database(request.getfixturevalue(template), db_path)
    connection = db.connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def editor() -> User:
    return make_user("editor")


@pytest.fixture
def demo_con(con):
    """A connection to this test's own copy of the demo database (the same connection as `con`)."""
    return con


@pytest.fixture(autouse=True)
def _never_touch_real_data(monkeypatch, tmp_path):
    """Tests must never use data/shared_measures.duckdb: point the default at a temporary file."""
    monkeypatch.setenv(db.ENV_VAR, str(tmp_path / "default.duckdb"))
