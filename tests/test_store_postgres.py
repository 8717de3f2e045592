"""The same guarantees on both stores, a DuckDB file and a shared PostgreSQL database: migrations, all-or-nothing
imports, stale edits refused, roles checked, an audit row for every write, concurrency outcomes in words; and what
only server mode has: several processes at once, a killed import, the analysts' views in PostgreSQL itself."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from framework.core import analyst_tables, db, postgres_store, store_target
from framework.core.errors import StaleEdit, StoreError, WriteConflict
from framework.core.model import User
from framework.data_io.importers import ImportRejected, import_files
from framework.foundation.indicators import save_indicator
from framework.migrations import views
from tests.conftest import ROOT, make_user
from tests.store_backends import address_of, backend, drop_database, new_database, pg_templates  # noqa: F401

PUBLIC = ("v_indicator", "v_measurement", "v_progress")


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("indicator_code,area_code,period_label,value\n" + "\n".join(rows) + "\n")
    return path


def _count(con, sql: str, params: list | None = None) -> int:
    return int(db.scalar(con.cursor(), sql, params))


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PROPOSAL = {"why_it_matters": "People told us.", "who_it_matters_to": "Carers", "how_measured": "A survey",
            "outcome_code": "O1"}


def _editable(row: dict) -> dict:
    """An indicator's stored row as the values an edit form sends back."""
    from framework.foundation.indicators import EDITABLE

    values = {k: row[k] for k in ("indicator_code", *EDITABLE)}
    if hasattr(values.get("baseline_date"), "date"):
        values["baseline_date"] = values["baseline_date"].date()
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in values.items()}


def _indicator(con, code: str = "I08") -> dict:
    return db.read_rows(con, "SELECT * FROM indicator WHERE system_code = 'DEMO' AND indicator_code = ?", [code])[0]


@pytest.fixture
def pg(backend):
    """The PostgreSQL case of `backend` only: for what only server mode has."""
    if not backend.postgres:
        pytest.skip("server mode only")
    return backend


# ---------------------------------------------------------------- both stores

def test_a_new_store_has_every_migration_applied_once_and_every_listed_view(backend):
    con = backend.open("empty")
    assert db.applied_versions(con) == {m.VERSION for m in db._migrations()}
    assert _count(con, "SELECT count(*) FROM schema_version") == len(db._migrations())
    for name, _ in views():
        con.cursor().execute(f"SELECT * FROM {name} LIMIT 0")  # each view exists and binds
    assert _count(con, "SELECT count(*) FROM area") > 100  # the reference geography came with the schema


def test_opening_a_store_again_applies_nothing_and_keeps_every_row(backend):
    con = backend.open("demo")
    before = {t: _count(con, f"SELECT count(*) FROM {t}") for t in ("measurement", "indicator", "audit_log")}
    again = backend.reopen()
    assert db.migrate(again) == []
    assert {t: _count(again, f"SELECT count(*) FROM {t}") for t in before} == before


def test_an_import_with_a_bad_row_at_the_end_writes_nothing(backend, tmp_path):
    con = backend.open("demo")
    before = (_count(con, "SELECT count(*) FROM measurement"), _count(con, "SELECT count(*) FROM import_batch"),
              _count(con, "SELECT count(*) FROM audit_log"))
    rows = [f"I08,DEMO-ICB,{MONTHS[i % 12]} {2001 + i // 12},{10 + i % 80}" for i in range(200)]
    rows.append("I08,DEMO-ICB,Jan 2000,not a number")
    with pytest.raises(ImportRejected, match="not a number"):
        import_files(con, make_user("editor"), [_csv(tmp_path / "late_bad_row.csv", rows)], system_code="DEMO")
    assert (_count(con, "SELECT count(*) FROM measurement"), _count(con, "SELECT count(*) FROM import_batch"),
            _count(con, "SELECT count(*) FROM audit_log")) == before


def test_a_good_import_is_written_whole_with_its_batch_and_audit_row(backend, tmp_path):
    con = backend.open("demo")
    audits = _count(con, "SELECT count(*) FROM audit_log")
    [summary] = import_files(con, make_user("editor"), [_csv(tmp_path / "new.csv", [
        "I08,DEMO-ICB,Feb 2003,12.5", "I08,DEMO-P01,Feb 2003,13"])], system_code="DEMO")
    assert summary.rows_new == 2
    assert _count(con, "SELECT count(*) FROM measurement WHERE period_label = 'Feb 2003'") == 2
    assert _count(con, "SELECT count(*) FROM import_batch WHERE batch_id = ?", [summary.batch_id]) == 1
    assert _count(con, "SELECT count(*) FROM audit_log") > audits


def test_an_edit_opened_before_someone_elses_save_is_refused_and_their_save_stands(backend):
    con = backend.open("demo")
    other_server = backend.reopen()
    opened = _indicator(con)
    mine = _editable(opened)
    theirs = dict(mine, name="Smoking prevalence (theirs)")
    save_indicator(other_server, make_user("editor", "editor-2"), "DEMO", theirs, expected_version=opened["version"])
    with pytest.raises(StaleEdit, match="name"):
        save_indicator(con, make_user("editor"), "DEMO", dict(mine, name="Smoking prevalence (mine)"),
                       expected_version=opened["version"])
    assert _indicator(con)["name"] == "Smoking prevalence (theirs)"


@pytest.mark.parametrize("role", ["viewer", "community"])
def test_a_lower_role_calling_a_write_directly_is_refused_before_anything_is_written(backend, role):
    con = backend.open("demo")
    before = _count(con, "SELECT count(*) FROM audit_log")
    opened = _indicator(con)
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        save_indicator(con, make_user(role), "DEMO", dict(_editable(opened), name="Raised by a viewer"))
    assert _indicator(con)["name"] == opened["name"]
    assert _count(con, "SELECT count(*) FROM audit_log") == before


def test_numbered_records_get_new_numbers_from_one_sequence_on_both_stores(backend):
    from framework.measures.proposals import propose_measure

    con = backend.open("demo")
    values = dict(PROPOSAL, name="Waiting times in words")
    first = propose_measure(con, make_user("community"), "DEMO", values)
    second = propose_measure(con, make_user("partner"), "DEMO", dict(values, name="Another measure"))
    assert second == first + 1
    assert _count(con, "SELECT count(*) FROM measure_proposal WHERE proposal_id IN (?, ?)", [first, second]) == 2


def test_the_same_row_changed_by_two_writers_at_once_is_retried_once_then_a_conflict_in_words(pg):
    con = pg.open("demo")
    other = pg.reopen()
    attempts = []

    def work(cur):  # another writer changes the same row after this one read it, every time
        attempts.append(1)
        cur.execute("SELECT version FROM indicator WHERE indicator_code = 'I08'").fetchall()
        other_cur = other.cursor()
        other_cur.execute("UPDATE indicator SET version = version + 1 WHERE indicator_code = 'I08'")
        other_cur.close()
        cur.execute("UPDATE indicator SET name = 'ours' WHERE indicator_code = 'I08'")

    with pytest.raises(WriteConflict, match="Nothing was changed"):
        db.transaction(con, work)
    assert len(attempts) == 2
    assert _indicator(con)["name"] != "ours"


# ---------------------------------------------------------------- server mode only

def test_two_processes_opening_a_new_postgres_store_at_once_both_succeed_and_migrate_it_once(pg, tmp_path):
    name = new_database()
    pg._made.append(name)
    script = "import sys; from framework.core import db; db.connect(sys.argv[1]).close(); print('opened')"
    children = [subprocess.Popen([sys.executable, "-c", script, address_of(name)], cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outcomes = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], [err[-800:] for _, err in outcomes]
    con = db.connect(address_of(name))
    pg._open.append(con)
    assert _count(con, "SELECT count(*) FROM schema_version") == len(db._migrations())


def test_an_older_postgres_store_is_upgraded_without_losing_a_row(pg, monkeypatch):
    name = new_database()
    pg._made.append(name)
    import framework.migrations

    every, all_views = db._migrations(), framework.migrations.views
    # a store of the release before the engagement log: without its tables, nor the views that read them
    monkeypatch.setattr(db, "_migrations", lambda: [m for m in every if m.VERSION < 50])
    monkeypatch.setattr(framework.migrations, "views", lambda: [v for v in all_views() if "engagement" not in v[0]
                                                                and "you_said" not in v[0]])
    old = db.connect(address_of(name))
    old.cursor().execute("INSERT INTO system (system_code, name, framework_start) VALUES ('OLD', 'Old ICS', "
                         "DATE '2024-04-01')")
    old.close()
    monkeypatch.setattr(db, "_migrations", lambda: every)
    monkeypatch.setattr(framework.migrations, "views", all_views)
    con = db.connect(address_of(name))
    pg._open.append(con)
    assert db.applied_versions(con) == {m.VERSION for m in every}
    assert db.read_rows(con, "SELECT name FROM system WHERE system_code = 'OLD'") == [{"name": "Old ICS"}]


KILLED_IMPORT = """
import sys, time
from framework.core.model import User
from framework.core import db
from framework.data_io.importers import import_files, core
real = core.upsert_measurements
def upsert_then_stall(cur, *args, **kwargs):
    out = real(cur, *args, **kwargs)
    print("written", flush=True)
    time.sleep(120)
    return out
core.upsert_measurements = upsert_then_stall
con = db.connect(sys.argv[1])
import_files(con, User("editor-1", "Test editor", "editor"), [sys.argv[2]], system_code="DEMO")
"""


def test_an_import_killed_midway_leaves_nothing_of_it_in_postgres(pg, tmp_path):
    from framework.data_io.importers import core

    if not hasattr(core, "upsert_measurements"):
        pytest.fail("the import no longer writes through core.upsert_measurements: point this test at its writer")
    con = pg.open("demo")
    before = (_count(con, "SELECT count(*) FROM measurement"), _count(con, "SELECT count(*) FROM import_batch"))
    source = _csv(tmp_path / "killed.csv", [f"I08,DEMO-ICB,{MONTHS[i % 12]} {1990 + i // 12},{i % 90}" for i in range(300)])
    child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(pg.target), str(source)], cwd=ROOT,
                             text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = child.stdout.readline()
        assert line.strip() == "written", child.stderr.read()[-800:] if child.poll() is not None else line
    finally:
        child.kill()
        child.wait(timeout=30)
    deadline = time.monotonic() + 30  # the server notices the lost client and rolls its transaction back
    while time.monotonic() < deadline and _count(con, "SELECT count(*) FROM measurement") != before[0]:
        time.sleep(0.2)
    assert (_count(con, "SELECT count(*) FROM measurement"), _count(con, "SELECT count(*) FROM import_batch")) == before
    assert _count(con, "SELECT count(*) FROM measurement WHERE period_label = 'Jan 2000'") == 0


def _psql(address: str, view: str) -> pd.DataFrame:
    """A view as psql, an ordinary PostgreSQL client, shows it (CSV with a header)."""
    out = subprocess.run(["psql", address, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                          f"COPY (SELECT * FROM {view}) TO STDOUT WITH (FORMAT csv, HEADER)"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)


def _psql_sql(address: str, sql: str) -> str:
    """What psql prints for SQL, unaligned and without headers."""
    return subprocess.run(["psql", address, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, timeout=120, check=True).stdout


def _as_text(frame: pd.DataFrame) -> list[tuple]:
    """Rows as sorted tuples of text, dates as ISO dates, numbers as rounded text, nulls as ''."""
    def cell(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, float) or (isinstance(value, str) and value.replace(".", "", 1).lstrip("-").isdigit()
                                        and "." in value):
            return f"{float(value):.9g}"
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10] if len(value.isoformat()) > 10 and value.isoformat()[10:] in (
                "T00:00:00", " 00:00:00") else value.isoformat()
        return str(value)
    return sorted(tuple(cell(v) for v in row) for row in frame.itertuples(index=False, name=None))


def _same_in_psql_as_in_the_app(con, address: str) -> None:
    assert analyst_tables.wait(con, 300), "the analysts' tables were not refilled within five minutes"
    for view in PUBLIC:
        app = db.read_df(con, f"SELECT * FROM {view}")
        seen = _psql(address, view)
        assert list(seen.columns) == list(app.columns), view
        assert len(seen) == len(app), view
        assert _as_text(seen) == _as_text(app), view


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_analysts_see_the_same_rows_and_columns_in_psql_as_the_app_after_an_import_and_after_an_edit(pg, tmp_path):
    con = pg.open("demo")
    _same_in_psql_as_in_the_app(con, str(pg.target))
    import_files(con, make_user("editor"), [_csv(tmp_path / "more.csv", [
        "I08,DEMO-ICB,Mar 2004,11", "I08,DEMO-P02,Mar 2004,12"])], system_code="DEMO")
    assert len(_psql(str(pg.target), "v_measurement").query("period_label == 'Mar 2004'")) == 2  # a view: at once
    _same_in_psql_as_in_the_app(con, str(pg.target))
    opened = _indicator(con)
    save_indicator(con, make_user("editor"), "DEMO", dict(_editable(opened), target_5y=3.0),
                   expected_version=opened["version"], reason="The board raised its ambition.")
    # v_indicator is a view too: the edit shows at once, without waiting for any refill
    assert set(_psql(str(pg.target), "v_indicator").query("indicator_code == 'I08'")["target_5y"]) == {"3"}
    _same_in_psql_as_in_the_app(con, str(pg.target))


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_the_community_weighted_scores_analysts_see_in_psql_are_the_apps_own_at_once(pg, monkeypatch):
    from framework.measures.priorities import cast_ballot, close_round
    from tests.store_backends import BALLOT_SECRET_ENV
    from tests.test_priorities import _closed_round_with_ballots, _open, voter

    monkeypatch.setenv(BALLOT_SECRET_ENV, "tests-ballot-secret")
    con, editor = pg.open("demo"), make_user("editor")
    _closed_round_with_ballots(con, editor)

    def scores() -> tuple[dict, dict]:
        app = dict(con.cursor().execute("SELECT indicator_code, matters_score FROM v_indicator"
                                        " WHERE matters_score IS NOT NULL").fetchall())
        seen = _psql(str(pg.target), "v_indicator").query("matters_score != ''")
        return app, {code: float(score) for code, score in zip(seen["indicator_code"], seen["matters_score"])}

    app, seen = scores()  # no wait for any refill: the view computes it when asked
    assert set(app) == {"I01", "I08"} and seen == pytest.approx(app, abs=1e-12)
    assert seen["I01"] == pytest.approx(0.5 * 4.5 + 0.5 * (2 + 1 + 4) / 3)
    later = _open(con, editor, "Autumn")
    for n in range(10):
        cast_ballot(con, voter(900 + n), "DEMO", later, "community", {"I01": 1})
    close_round(con, editor, "DEMO", later)  # the latest closed round is the one that counts
    app, seen = scores()
    assert seen == pytest.approx(app, abs=1e-12) and seen["I01"] == 1.0
    kinds = _psql_sql(str(pg.target), "SELECT relname::text || '=' || relkind::text FROM pg_class WHERE relname IN"
                                      " ('v_indicator', 'v_measurement', 'v_progress') ORDER BY relname")
    assert kinds.split() == ["v_indicator=v", "v_measurement=v", "v_progress=r"]


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_an_analysts_role_granted_the_three_views_reads_them_and_nothing_behind_them(pg):
    """The deploying guide's analysts' role: SELECT on the public views only. The views read the ballots for the
    scores, but the role itself can read neither the ballots nor any other table."""
    import uuid

    from framework.core import store_target

    con = pg.open("demo")
    con.close()
    role, password = f"analyst_{uuid.uuid4().hex[:8]}", "analyst-pass-1"
    _psql_sql(str(pg.target), f"CREATE ROLE {role} LOGIN PASSWORD '{password}';"
                              f" GRANT SELECT ON {', '.join(PUBLIC)} TO {role}")
    target = store_target.parse(str(pg.target))
    analyst = f"postgresql://{role}:{password}@{target.host}:{target.port}/{target.dbname}"
    try:
        for view in PUBLIC:
            assert int(_psql_sql(analyst, f"SELECT count(*) FROM {view}")) > 0, view
        for table in ("priority_ballot", "priority_score", "indicator", "measurement", "audit_log"):
            refused = subprocess.run(["psql", analyst, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c",
                                      f"SELECT count(*) FROM {table}"], capture_output=True, text=True, timeout=60)
            assert refused.returncode != 0 and "permission denied" in refused.stderr, table
        refused = subprocess.run(["psql", analyst, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                                  "UPDATE v_progress SET status = 'on_track'"], capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode != 0 and "permission denied" in refused.stderr
    finally:
        _psql_sql(str(pg.target), f"DROP OWNED BY {role}; DROP ROLE {role}")


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_a_store_of_the_release_that_kept_v_indicator_as_a_table_gets_the_view_on_its_next_open(pg):
    con = pg.open("demo")
    con.close()
    _psql_sql(str(pg.target), "DROP VIEW v_indicator; CREATE TABLE v_indicator AS SELECT 'stale' AS indicator_code")
    con = pg.reopen()
    kind = _psql_sql(str(pg.target), "SELECT relkind FROM pg_class WHERE relname = 'v_indicator'").strip()
    assert kind == "v"
    _same_in_psql_as_in_the_app(con, str(pg.target))


def test_writes_from_two_app_servers_and_an_import_at_once_are_all_kept(pg, tmp_path):
    con = pg.open("demo")
    servers = [con, pg.reopen()]
    failures: list[BaseException] = []
    values = PROPOSAL

    def propose(server, n: int) -> None:
        from framework.measures.proposals import propose_measure

        for i in range(n):
            try:
                propose_measure(server, make_user("community", f"c-{id(server)}"), "DEMO",
                                dict(values, name=f"Measure {id(server)} {i}"))
            except BaseException as exc:
                failures.append(exc)

    before = _count(con, "SELECT count(*) FROM measure_proposal")
    threads = [threading.Thread(target=propose, args=(server, 4)) for server in servers]
    for thread in threads:
        thread.start()
    import_files(servers[1], make_user("editor"), [_csv(tmp_path / "meanwhile.csv", [
        "I08,DEMO-ICB,Apr 2005,10"])], system_code="DEMO")
    for thread in threads:
        thread.join(timeout=300)
    assert [type(f).__name__ for f in failures if not isinstance(f, WriteConflict)] == []
    kept = _count(con, "SELECT count(*) FROM measure_proposal") - before
    assert kept == 8 - len(failures)
    assert _count(con, "SELECT count(*) FROM measurement WHERE period_label = 'Apr 2005'") == 1


# ---------------------------------------------------------------- faults: a clear message, never the password

PASSWORD = "Tr0ub4dor-and-3"


def _never_shows_password(caught: pytest.ExceptionInfo, caplog) -> None:
    chain, exc = [], caught.value
    while exc is not None:
        chain.append(f"{exc!s} {exc!r}")
        exc = exc.__cause__ or exc.__context__
    assert all(PASSWORD not in text for text in chain)
    assert PASSWORD not in caplog.text


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_a_store_error_in_words_without_the_password(caplog):
    address = f"postgresql://sm:{PASSWORD}@127.0.0.1:{_free_port()}/shared"
    with pytest.raises(StoreError, match=r"Cannot reach PostgreSQL at 127\.0\.0\.1:\d+") as caught:
        db.connect(address)
    _never_shows_password(caught, caplog)


@pytest.mark.parametrize(("address", "words"), [
    ("postgresql://sm@127.0.0.1:notaport/shared", "the port is a number"),
    ("postgresql://127.0.0.1:5432/shared", "the user name"),
    ("postgresql://sm@127.0.0.1:5432/", "one database name"),
    ("postgresql://sm@127.0.0.1:5432/a/b", "one database name"),
    (f"postgresql://sm:{PASSWORD}@127.0.0.1:5432/shared?sslmod=require", "settings this app does not know: sslmod"),
    (f"postgresql:/sm:{PASSWORD}@127.0.0.1:5432/shared", "must start with postgresql://"),
], ids=["port", "no user", "no database", "two databases", "unknown setting", "one slash"])
def test_a_mistyped_address_is_refused_in_words_without_the_password(address, words, caplog):
    with pytest.raises(StoreError, match=words) as caught:
        db.connect(address)
    _never_shows_password(caught, caplog)


def test_a_missing_database_or_user_is_named_and_the_password_is_not(pg, caplog):
    base = address_of("postgres").rsplit("/", 1)[0]
    user, rest = base.split("//", 1)[1].split("@", 1)
    user = user.split(":", 1)[0]
    with pytest.raises(StoreError, match="has no database named 'no_such_store'") as caught:
        db.connect(f"postgresql://{user}:{PASSWORD}@{rest}/no_such_store")
    _never_shows_password(caught, caplog)
    with pytest.raises(StoreError, match="no user named 'nobody_here'|refused the user 'nobody_here'") as caught:
        db.connect(f"postgresql://nobody_here:{PASSWORD}@{rest}/postgres")
    _never_shows_password(caught, caplog)


def test_a_database_without_the_schema_is_refused_unless_creating(pg):
    name = new_database()
    pg._made.append(name)
    with pytest.raises(StoreError, match="has no Shared Measures store in it.*init"):
        db.connect(address_of(name), create=False)
    probe = postgres_store.open_store(store_target.parse(address_of(name)), create=True)  # attach, no migrating
    try:
        assert not postgres_store.has_schema(probe)  # the refused open made nothing
    finally:
        probe.close()


@pytest.mark.parametrize("case", ["unreachable", "no schema", "mistyped"])
def test_the_command_line_exits_2_with_the_message_and_no_traceback_or_password(case, tmp_path, request):
    if case == "unreachable":
        address, words = f"postgresql://sm:{PASSWORD}@127.0.0.1:{_free_port()}/shared", "Cannot reach PostgreSQL"
    elif case == "mistyped":
        address, words = f"postgresql://sm:{PASSWORD}@127.0.0.1:54x/shared", "not a PostgreSQL address"
    else:
        from tests.store_backends import require_server

        require_server()
        name = new_database()
        request.addfinalizer(lambda: drop_database(name))
        address, words = address_of(name), "has no Shared Measures store"
    done = subprocess.run([sys.executable, "-m", "framework", "--db", address, "export",
                           str(tmp_path / "return.xlsx")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert PASSWORD not in done.stderr + done.stdout


def test_the_connection_shows_its_address_without_the_password():
    target = store_target.parse(f"postgresql://sm:{PASSWORD}@db.example:5432/shared")
    assert PASSWORD not in repr(target) + str(target) + target.describe() + target.libpq()
    assert target.password == PASSWORD


def test_a_password_may_come_from_pgpassword_or_the_secrets_file(tmp_path):
    assert store_target.parse("postgresql://sm@h:1/d", environ={"PGPASSWORD": "from-env"}).password == "from-env"
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(textwrap.dedent("""
        [postgres]
        password = "from-secrets"
    """))
    assert store_target.parse("postgresql://sm@h:1/d", environ={}, secrets_file=secrets).password == "from-secrets"
    assert store_target.parse("postgresql://sm:in-url@h:1/d", environ={"PGPASSWORD": "x"}).password == "in-url"
    assert store_target.parse("postgresql://sm@h:1/d", environ={}, secrets_file=tmp_path / "none").password is None


def test_a_user_without_rights_gets_no_raw_database_error(backend):
    con = backend.open("empty")
    with pytest.raises(PermissionError):
        save_indicator(con, User("viewer-1", "Test viewer", "viewer"), "DEMO", {"indicator_code": "X"})


def test_a_postgres_store_makes_no_analyst_copy_file(tmp_path, monkeypatch):
    from framework.core import analyst_copy

    monkeypatch.chdir(tmp_path)
    assert analyst_copy.after_write(None, "postgresql://sm@127.0.0.1:5432/shared") is None
    assert list(tmp_path.iterdir()) == []
