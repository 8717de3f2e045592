"""Two app servers and a command-line import, each its own process, writing to one PostgreSQL store at once: every
write is kept or refused in words (a stale edit, a conflict), none is lost, no raw database error reaches anyone,
and the audit trail holds exactly one row for each write that was kept."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from framework.core import db
from framework.data_io import store_copy
from tests.conftest import ROOT, wait_for_path
from tests.test_store_copy import open_server_store

RAW_WORDS = ("duckdb", "postgres_scanner", "ERROR:", "Binder Error", "Catalog Error", "Traceback", "libpq")
ROUNDS = 6


def test_two_app_servers_and_an_import_at_once_lose_nothing_and_say_why_anything_was_refused(
        pg_url, demo_db_file, tmp_path, monkeypatch):
    open_server_store(pg_url).close()
    with db.connect(demo_db_file) as source:
        store_copy.copy_store(source, pg_url)
    with open_server_store(pg_url) as con:
        areas = [r["area_code"] for r in db.read_rows(
            con, "SELECT DISTINCT area_code FROM measurement WHERE indicator_code = 'I08' ORDER BY 1")]
        before = db.read_rows(con, "SELECT version FROM indicator WHERE system_code = 'DEMO' AND indicator_code = 'I08'"
                              )[0]["version"]
    data = tmp_path / "nightly.csv"
    data.write_text("indicator_code,area_code,period_label,value\n"
                    + "".join(f"I08,{area},2026/27,{10 + n / 10}\n" for n, area in enumerate(areas)))
    start = tmp_path / "start"
    env = {**os.environ, "SHARED_MEASURES_BALLOT_SECRET": "a-long-random-test-secret"}
    servers = [subprocess.Popen([sys.executable, "-m", "tests.server_mode_worker", pg_url, name, str(ROUNDS),
                                 str(start), str(tmp_path / f"{name}.json")], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("north", "south")]
    importer = subprocess.Popen([sys.executable, "-c", "import sys, time, pathlib\n"
                                 "while not pathlib.Path(sys.argv[1]).exists(): time.sleep(0.01)\n"
                                 "from framework.cli import main\nsys.exit(main(sys.argv[2:]))",
                                 str(start), "--db", pg_url, "import", str(data), "--system", "DEMO"],
                                cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The writes start together once both servers are open (opening at once is the next test's concern).
    assert all(wait_for_path(tmp_path / f"{name}.json.ready", 120) for name in ("north", "south")), \
        [p.communicate(timeout=60)[1][-2000:] for p in servers if p.poll() is not None]
    start.touch()
    finished = [p.communicate(timeout=600) for p in (*servers, importer)]
    for process, (out, err) in zip((*servers, importer), finished):
        assert process.returncode in (0, 2), err[-2000:]
        assert not any(word in out + err for word in RAW_WORDS), err[-2000:]
    outcomes = {name: json.loads((tmp_path / f"{name}.json").read_text()) for name in ("north", "south")}
    every = [o for attempts in outcomes.values() for o in attempts]
    assert len(every) == 2 * 2 * ROUNDS
    assert {o["outcome"] for o in every} <= {"kept", "StaleEdit", "WriteConflict"}, every
    for refused in (o for o in every if o["outcome"] != "kept"):
        assert refused["words"] and not any(word in refused["words"] for word in RAW_WORDS), refused

    with open_server_store(pg_url) as con:
        for name, attempts in outcomes.items():
            proposals = {o["label"] for o in attempts if o["kind"] == "proposal" and o["outcome"] == "kept"}
            stored = {r["name"] for r in db.read_rows(con, "SELECT name FROM measure_proposal WHERE name LIKE ?",
                                                      [f"{name} measure %"])}
            assert stored == proposals, f"{name}: a kept proposal is missing, or a refused one was stored"
            edits = sum(o["kind"] == "edit" and o["outcome"] == "kept" for o in attempts)
            assert db.scalar(con.cursor(), "SELECT count(*) FROM audit_log WHERE user_id = ?",
                             [f"{name}-c"]) == len(proposals)
            assert db.scalar(con.cursor(), "SELECT count(*) FROM audit_log WHERE user_id = ?",
                             [f"{name}-e"]) == edits
        kept_edits = [o["label"] for o in every if o["kind"] == "edit" and o["outcome"] == "kept"]
        assert kept_edits, "at least one edit of the shared indicator is kept"
        assert len(kept_edits) < 2 * ROUNDS, "the two first edits opened the same version: one must be refused"
        final = db.read_rows(con, "SELECT name, version FROM indicator WHERE system_code = 'DEMO' "
                                  "AND indicator_code = 'I08'")[0]
        assert final["name"] in kept_edits
        assert final["version"] - before == len(kept_edits), "every kept edit, and only those, moved the version on"
        imported = db.scalar(con.cursor(), "SELECT count(*) FROM measurement WHERE indicator_code = 'I08' "
                                           "AND period_label = '2026/27'")
        cli_audit = db.scalar(con.cursor(), "SELECT count(*) FROM audit_log WHERE user_id = 'cli'")
    if importer.returncode == 0:
        assert imported == len(areas) and cli_audit >= 1
    else:
        assert imported == 0 and cli_audit == 0, "a refused import leaves nothing of itself"
        assert "try again" in finished[-1][1].lower() or "conflict" in finished[-1][1].lower(), finished[-1][1]


def test_two_app_servers_starting_at_once_on_one_store_both_open_it(pg_url, demo_db_file):
    open_server_store(pg_url).close()
    with db.connect(demo_db_file) as source:
        store_copy.copy_store(source, pg_url)
    script = "import sys; from framework.core import db; db.connect(sys.argv[1]).close(); print('opened')"
    servers = [subprocess.Popen([sys.executable, "-c", script, pg_url], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    finished = [p.communicate(timeout=300) for p in servers]
    assert [p.returncode for p in servers] == [0, 0], [err[-600:] for _, err in finished]
    assert [out.strip() for out, _ in finished] == ["opened", "opened"]
