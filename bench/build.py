"""Building benchmark databases and files. This work is not timed."""
from __future__ import annotations

import os
from pathlib import Path

from bench.scales import scales
from framework import db
from framework.demo import iter_demo, write_demo
from framework.model import User

BENCH_USER = User("bench", "Benchmark", "admin")


def database(workdir: Path, scale_name: str, quick: bool) -> Path:
    """A database holding the demo generator's data at the named scale, built once and reused."""
    path = workdir / f"{scale_name}{'-quick' if quick else ''}.duckdb"
    done = path.with_suffix(".built")
    if path.exists() and done.exists():
        return path
    for stale in (path, Path(f"{path}.wal"), done):
        if stale.exists():
            stale.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    con = db.connect(path)
    try:
        for part in iter_demo(scales(quick)[scale_name]):
            db.transaction(con, write_demo, BENCH_USER, part)
    finally:
        con.close()
    done.write_text("built\n")
    return path


def measurement_rows(path: Path, system_code: str = "DEMO") -> int:
    """How many measurement rows a system holds."""
    con = db.connect(path, read_only=True)
    try:
        return db.scalar(con.cursor(), "SELECT count(*) FROM measurement WHERE system_code = ?", [system_code])
    finally:
        con.close()


def env_for(path: Path) -> dict[str, str]:
    """The environment that points the app at a benchmark database."""
    return {**os.environ, db.ENV_VAR: str(path)}
