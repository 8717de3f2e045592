"""The two stores a test can run against: a DuckDB file in tmp_path, and a PostgreSQL database of its own.

PostgreSQL cases need a server: $SHARED_MEASURES_TEST_PG names one by an address whose database the tests may use
to make and drop databases (for example postgresql://sm@127.0.0.1:55432/postgres). Without it they are skipped.
Each test gets a new database copied from a template made once per session (PostgreSQL copies a template database
in a fraction of a second), named with this process's id so that parallel runs never meet, and dropped afterwards.

Use the `backend` fixture (parametrised over both stores): `backend.open("empty" | "demo")` gives a connection to
a store of this test's own, and `backend.target` the path or address it was opened from.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from framework.core import db, postgres_store, store_target
from framework.core.model import User

PG_ENV = "SHARED_MEASURES_TEST_PG"
BALLOT_SECRET_ENV = "SHARED_MEASURES_BALLOT_SECRET"
PREFIX = f"smtest_{os.getpid()}_"


def server_address() -> str | None:
    """The test server's address, or None when PostgreSQL cases are to be skipped."""
    return os.environ.get(PG_ENV, "").strip() or None


def require_server() -> str:
    """The test server's address; skips the test when there is none."""
    address = server_address()
    if not address:
        pytest.skip(f"no PostgreSQL for tests: set {PG_ENV}=postgresql://user@host:port/postgres")
    return address


def address_of(dbname: str) -> str:
    """The address of another database on the test server."""
    target = store_target.parse(require_server())
    password = f":{target.password}" if target.password and target.password != os.environ.get("PGPASSWORD") else ""
    return f"postgresql://{target.user}{password}@{target.host}:{target.port}/{dbname}"


def admin(sql: str) -> None:
    """Run SQL that must run outside a transaction (CREATE or DROP DATABASE) on the test server."""
    target = store_target.parse(require_server())
    raw = duckdb.connect(":memory:")
    try:
        raw.execute(f"LOAD '{postgres_store.extension_file()}'")
        postgres_store._secret(raw, target)
        raw.execute(f"ATTACH '{target.libpq()}' AS admin (TYPE postgres, SECRET shared_measures_pg)")
        raw.execute("CALL postgres_execute('admin', ?, use_transaction = false)", [sql])
    finally:
        raw.close()


def new_database(template: str | None = None) -> str:
    """A new database on the test server (a copy of template, if given); returns its name."""
    name = PREFIX + uuid.uuid4().hex[:10]
    admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def drop_database(name: str) -> None:
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def build_template(kind: str) -> str:
    """A closed PostgreSQL database with the schema ('empty'), the demo too ('demo'), or the demo with its
    engagement log and review ('full'), to copy from."""
    from framework.demo.system import load_demo

    name = new_database()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BALLOT_SECRET_ENV, os.environ.get(BALLOT_SECRET_ENV) or "tests-ballot-secret")
        con = db.connect(address_of(name))
        try:
            if kind in ("demo", "full"):
                load_demo(con, User("editor-1", "Test editor", "editor"))
            if kind == "full":  # the demo with its engagement log and stakeholder review too
                from framework.demo.engagement_log import load_engagement_demo
                from framework.demo.review import load_demo_reviews

                load_engagement_demo(con, User("setup", "Setup", "admin"))
                load_demo_reviews(con, User("setup", "Setup", "admin"))
        finally:
            con.close()
    return name


@dataclass
class Backend:
    """One store kind for one test: opens stores of this test's own and cleans up after it."""

    kind: str  # "duckdb" or "postgres"
    folder: Path
    templates: Callable[[str], Any]
    target: str | Path | None = None
    _made: list[str] = field(default_factory=list)
    _open: list[Any] = field(default_factory=list)

    @property
    def postgres(self) -> bool:
        return self.kind == "postgres"

    def new_target(self, base: str = "empty") -> str | Path:
        """A new store of this test's own (schema only, or with the demo), not yet opened; returns where it is."""
        from tests.conftest import copy_database

        if self.postgres:
            name = new_database(self.templates(base))
            self._made.append(name)
            self.target = address_of(name)
        else:
            self.target = copy_database(self.templates(base), self.folder / f"{base}-{len(self._open)}.duckdb")
        return self.target

    def open(self, base: str = "empty") -> Any:
        """A connection to a new store of this test's own."""
        target = self.new_target(base)
        con = db.connect(target)
        self._open.append(con)
        return con

    def reopen(self) -> Any:
        """Another connection to the last store made, as a second app server would open it."""
        con = db.connect(self.target)
        self._open.append(con)
        return con

    def close(self) -> None:
        for con in self._open:
            with contextlib.suppress(duckdb.Error):
                con.close()
        for name in self._made:
            drop_database(name)


@pytest.fixture(scope="session")
def pg_templates() -> Iterator[Callable[[str], str]]:
    """PostgreSQL template databases, each made on first use in this session and dropped at its end."""
    made: dict[str, str] = {}

    def template(kind: str) -> str:
        if kind not in made:
            made[kind] = build_template(kind)
        return made[kind]

    yield template
    if server_address():
        for name in made.values():
            drop_database(name)


@pytest.fixture(params=["duckdb", "postgres"])
def backend(request, tmp_path, pg_templates) -> Iterator[Backend]:
    """Each test that asks for it runs once on a DuckDB file and once on PostgreSQL (skipped without a server)."""
    if request.param == "postgres":
        require_server()
        templates = pg_templates
    else:
        files = {"empty": "empty_db_file", "demo": "demo_db_file"}
        templates = lambda kind: request.getfixturevalue(files[kind])  # noqa: E731
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BALLOT_SECRET_ENV, os.environ.get(BALLOT_SECRET_ENV) or "tests-ballot-secret")
        store = Backend(request.param, tmp_path, templates)
        try:
            yield store
        finally:
            store.close()
