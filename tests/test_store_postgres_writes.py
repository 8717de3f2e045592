"""The proofs of tests/test_every_write.py, made on a PostgreSQL store for a sample of the writes, one or more from
each capability: a role without the permission is refused before anything is written, a write broken midway
leaves nothing behind, and a write by a role that may make it leaves audit rows in that role."""
from __future__ import annotations

import pytest

from framework.core import db
from framework.core.model import User
from tests.store_backends import address_of, drop_database, new_database, pg_templates, require_server  # noqa: F401
from tests.test_every_write import DIRECT, WRITES, prove_audited, prove_nothing_left, prove_refused

MODULES = {"systems", "vision", "indicators", "proposals", "priorities", "narratives", "spc_settings", "rounds",
           "discussions", "activities", "you_said", "core", "batches"}
SAMPLE = sorted({name.rsplit(".", 1)[0]: name for name in sorted(DIRECT, reverse=True)
                 if name.rsplit(".", 1)[0].rsplit(".", 1)[-1] in MODULES
                 and not name.endswith(("._decide", ".apply_plan", ".insert_system"))}.values())
BASES = {"plain": "demo", "full": "full", "empty": "empty"}


def fingerprint(con) -> dict[str, tuple[int, int]]:
    """Each of the store's tables in PostgreSQL, its row count and a hash over its rows (but the analysts' tables,
    which a refill in the background may be making again at any moment, and the view of PostgreSQL's own snapshot
    that the pages' copy of the measurements reads)."""
    tables = [r["table_name"] for r in db.read_rows(
        con, "SELECT table_name FROM duckdb_tables() WHERE database_name = 'pg' AND schema_name = 'public'"
             " AND table_name NOT IN ('analyst_refresh', 'v_indicator', 'v_progress', 'measurement_snapshot') ORDER BY table_name")]
    assert "measurement" in tables
    return {t: tuple(con.cursor().execute(f'SELECT count(*), bit_xor(hash(t)) FROM pg.public."{t}" t').fetchone())
            for t in tables}


def test_the_sample_reaches_every_capability():
    capabilities = {name.split(".")[1] for name in SAMPLE}
    assert capabilities == {"foundation", "measures", "progress", "reviews", "engagement", "data_io"}
    assert len(SAMPLE) == len(MODULES)


@pytest.fixture
def prepared(request, pg_templates, tmp_path):
    """A PostgreSQL copy of the write's starting database, its setup done by an admin; yields (con, write, ready)."""
    require_server()
    write = WRITES[request.param]
    name = new_database(pg_templates(BASES[write.base]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHARED_MEASURES_BALLOT_SECRET", "tests-ballot-secret")
        con = db.connect(address_of(name))
        try:
            ready = write.setup(con, User("setup", "Setup", "admin"), tmp_path) if write.setup else None
            yield con, write, ready
        finally:
            con.close()
            drop_database(name)


@pytest.mark.parametrize("prepared", SAMPLE, indirect=True)
def test_on_postgres_every_role_without_the_permission_is_refused_before_anything_is_written(prepared):
    prove_refused(*prepared, fingerprint=fingerprint)


@pytest.mark.parametrize("prepared", SAMPLE, indirect=True)
def test_on_postgres_a_write_broken_midway_leaves_nothing_behind(prepared, monkeypatch):
    prove_nothing_left(*prepared, monkeypatch, fingerprint=fingerprint)


@pytest.mark.parametrize("prepared", SAMPLE, indirect=True)
def test_on_postgres_a_write_by_a_role_that_may_make_it_leaves_audit_rows_in_that_role(prepared, request,
                                                                                       monkeypatch):
    prove_audited(*prepared, request.node.callspec.params["prepared"], monkeypatch, fingerprint=fingerprint)
