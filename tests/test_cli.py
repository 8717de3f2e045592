"""The command line contract: exit 0 on success, 2 with a clear message on a bad path or a database in use."""
from __future__ import annotations

import subprocess
import sys
import time

import duckdb

from tests.conftest import ROOT


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "framework", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def test_init_demo_creates_a_populated_database_and_exits_0(tmp_path):
    path = tmp_path / "sm.duckdb"
    result = run_cli("--db", str(path), "init", "--demo")
    assert result.returncode == 0, result.stderr
    # 27 curated measures, three drawn from the engagement log and one accepted from a community proposal
    assert "Loaded the demo system: 31 indicators" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM v_indicator WHERE system_code = 'DEMO'").fetchall() == [(31,)]
    con.close()
    again = run_cli("--db", str(path), "init", "--demo")
    assert again.returncode == 0 and "already loaded" in again.stdout


def test_init_uses_the_environment_variable_when_no_db_is_given(tmp_path):
    import os

    path = tmp_path / "from-env.duckdb"
    result = run_cli("init", env={**os.environ, "SHARED_MEASURES_DB": str(path)})
    assert result.returncode == 0, result.stderr
    assert path.exists()


def test_a_bad_path_exits_2_with_a_clear_message(tmp_path):
    result = run_cli("--db", str(tmp_path / "no-such-folder" / "x.duckdb"), "init")
    assert result.returncode == 2
    assert "the folder" in result.stderr and "does not exist" in result.stderr


def test_a_database_in_use_exits_2_and_says_so(tmp_path):
    path = tmp_path / "busy.duckdb"
    assert run_cli("--db", str(path), "init").returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = run_cli("--db", str(path), "init")
        assert result.returncode == 2
        assert "in use by another program" in result.stderr
    finally:
        holder.kill()
        holder.wait()
        time.sleep(0.1)


def test_a_new_demo_database_is_built_beside_its_place_and_moved_there_whole(tmp_path):
    path = tmp_path / "sm.duckdb"
    (tmp_path / "sm.duckdb.building").write_bytes(b"left by a build that was killed midway")
    result = run_cli("--db", str(path), "init", "--demo")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sm.duckdb", "sm.duckdb.ballot-key"]
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM priority_ballot").fetchall()[0][0] > 0  # the showcase is there
    con.close()


def test_a_demo_build_that_fails_midway_leaves_no_database_where_the_app_would_open_it(tmp_path, monkeypatch, capsys):
    from framework import cli
    from framework.demo import showcase

    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(showcase, "write_stories", broken)
    path = tmp_path / "sm.duckdb"
    assert cli.main(["--db", str(path), "init", "--demo"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
