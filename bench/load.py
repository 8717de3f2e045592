"""Many people writing the engagement log at once: threads on one DuckDB file, each a partner saving and changing
its own activities and "you said" items and reading the log, the measures and the insight search.

`run_load` is the workload; the test suite runs it at a bounded size and the `engagement_load` benchmark step
reports its throughput against one thread doing the same operations. With `contested`, the threads are editors
who also change a few shared activities, so conflicts can be told apart: allowed only on the shared records.
"""
from __future__ import annotations

import random
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from framework.core import db
from framework.core.errors import WriteConflict
from framework.core.model import User
from framework.engagement.activities import get_activity, list_activities, save_activity
from framework.engagement.insight_search import search_insight
from framework.engagement.measures import latest_measures, measures_from_log
from framework.engagement.you_said import add_you_said, update_you_said, you_said_items

SYSTEM = "DEMO"
SHARED = 3  # activities every thread may change in the contested run


@dataclass
class LoadResult:
    """What a run did: operations, seconds, conflicts (on shared and on a thread's own records), the errors nobody
    expected, and the acknowledged writes missing from the database afterwards."""

    threads: int
    operations: int = 0
    writes: int = 0
    seconds: float = 0.0
    conflicts_shared: int = 0
    conflicts_own: int = 0
    unexpected: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    measures_behind: int = 0

    @property
    def ops_per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0


def _activity(rng: random.Random, title: str, n: int) -> dict:
    start = date(2025, 4, 1) + timedelta(days=rng.randrange(0, 540))
    return {"title": title, "start_date": start, "end_date": start + timedelta(days=rng.choice((0, 0, 14))),
            "lead_partner": "Load test partner", "method": rng.choice(("event", "survey", "workshop")),
            "level": rng.choice(("inform", "consult", "involve", "collaborate", "empower")),
            "communities": rng.sample(["core20", "carers", "coastal", "young_people"], 2), "participants": n,
            "volunteers": n % 4, "volunteer_hours": float(n % 4 * 2), "summary": f"People talked about {title}."}


class _Worker:
    """One person's session: their own records, what each was last acknowledged as, and the errors seen."""

    def __init__(self, con, user: User, seed: int, ops: int, shared: list[int], result: LoadResult, lock):
        self.con, self.user, self.rng, self.ops, self.shared = con, user, random.Random(seed), ops, shared
        self.result, self.lock = result, lock
        self.activities: dict[int, str] = {}  # id -> title last acknowledged
        self.items: dict[int, str] = {}  # id -> we_did last acknowledged
        self.shared_titles: dict[int, set[str]] = {}
        self.writes = self.conflicts_shared = self.conflicts_own = 0
        self.unexpected: list[str] = []

    def step(self, n: int) -> None:
        r, tag = self.rng.random(), f"{self.user.user_id} op {n}"
        if self.shared and r < 0.1:
            target = self.rng.choice(self.shared)
            try:
                save_activity(self.con, self.user, SYSTEM, _activity(self.rng, f"Shared by {tag}", n),
                              activity_id=target)
                self.shared_titles.setdefault(target, set()).add(f"Shared by {tag}")
                self.writes += 1
            except WriteConflict:
                self.conflicts_shared += 1
            return
        if not self.activities or r < 0.3:
            items = [{"you_said": f"Said at {tag}"}] if self.rng.random() < 0.5 else []
            new = save_activity(self.con, self.user, SYSTEM, _activity(self.rng, f"Activity {tag}", n), items=items)
            self.activities[new] = f"Activity {tag}"
            for row in get_activity(self.con, SYSTEM, new)["items"]:
                self.items[int(row["item_id"])] = ""
        elif r < 0.45:
            target = self.rng.choice(list(self.activities))
            save_activity(self.con, self.user, SYSTEM, _activity(self.rng, f"Changed {tag}", n), activity_id=target)
            self.activities[target] = f"Changed {tag}"
        elif r < 0.6:
            self.items[add_you_said(self.con, self.user, SYSTEM, self.rng.choice(list(self.activities)),
                                    {"you_said": f"Said at {tag}"})] = ""
        elif r < 0.75 and self.items:
            target = self.rng.choice(list(self.items))
            update_you_said(self.con, self.user, SYSTEM, target, {"you_said": "Said", "we_did": f"Did {tag}",
                                                                  "status": "done", "feedback_date": date(2026, 11, 1)})
            self.items[target] = f"Did {tag}"
        else:
            kind = self.rng.randrange(4)
            if kind == 3:
                search_insight(self.con, SYSTEM, "talked about")
            else:
                (list_activities, latest_measures, you_said_items)[kind](self.con, SYSTEM)
            return
        self.writes += 1

    def run(self, start: threading.Barrier) -> None:
        start.wait()
        for n in range(self.ops):
            try:
                self.step(n)
            except WriteConflict as exc:  # on a record only this thread writes: a conflict that should not be
                self.conflicts_own += 1
                self.unexpected.append(f"{self.user.user_id} op {n}: {exc}")
            except Exception as exc:
                self.unexpected.append(f"{self.user.user_id} op {n}: {type(exc).__name__}: {exc}")
        with self.lock:
            r = self.result
            r.writes += self.writes
            r.conflicts_shared += self.conflicts_shared
            r.conflicts_own += self.conflicts_own
            r.unexpected += self.unexpected


def _lost(con, workers: list[_Worker]) -> list[str]:
    titles = dict(con.execute("SELECT activity_id, title FROM engagement_activity").fetchall())
    did = dict(con.execute("SELECT item_id, coalesce(we_did, '') FROM you_said").fetchall())
    lost = []
    for w in workers:
        lost += [f"activity {a}: {t!r} saved, {titles.get(a)!r} found" for a, t in w.activities.items()
                 if titles.get(a) != t]
        lost += [f"item {i}: {d!r} saved, {did.get(i)!r} found" for i, d in w.items.items() if did.get(i) != d]
    acknowledged: dict[int, set[str]] = {}
    for w in workers:
        for a, shared in w.shared_titles.items():
            acknowledged.setdefault(a, set()).update(shared)
    lost += [f"shared activity {a}: {titles.get(a)!r} found, not one of the {len(t)} acknowledged titles"
             for a, t in acknowledged.items() if titles.get(a) not in t]
    return lost


def measures_behind(con) -> int:
    """How many stored derived-measure values differ from the log as it is now (0 when in step)."""
    frame = measures_from_log(con, SYSTEM)
    stored = db.read_df(con, "SELECT i.source_ref, m.period_start, m.value FROM measurement m JOIN indicator i"
                             " USING (system_code, indicator_code) WHERE m.system_code = ? AND i.source_ref LIKE 'log:%'",
                        [SYSTEM])
    want = {(f"log:{r.name}", pd.Timestamp(r.period_start)): round(float(r.value), 9) for r in frame.itertuples()}
    have = {(r.source_ref, pd.Timestamp(r.period_start)): round(float(r.value), 9) for r in stored.itertuples()}
    return sum(want.get(key) != have.get(key) for key in want.keys() | have.keys())

def run_load(path: Path, threads: int, ops: int, *, seed: int = 1, contested: bool = False) -> LoadResult:
    """Run `threads` people doing `ops` mixed operations each on the database at path, then check it."""
    role = "editor" if contested else "partner"
    users = [User(f"load-{role}-{t}", f"Load {role} {t}", role) for t in range(threads)]
    con = db.connect(path)
    try:
        shared = [save_activity(con, User("load-lead", "Load lead", "editor"), SYSTEM,
                                _activity(random.Random(k), f"Shared {k}", k)) for k in range(SHARED)] if contested else []
        result, lock = LoadResult(threads), threading.Lock()
        workers = [_Worker(con, u, seed * 1000 + t, ops, shared, result, lock) for t, u in enumerate(users)]
        start = threading.Barrier(threads + 1)
        pool = [threading.Thread(target=w.run, args=(start,)) for w in workers]
        for t in pool:
            t.start()
        start.wait()
        began = time.perf_counter()
        for t in pool:
            t.join()
        result.seconds = time.perf_counter() - began
        result.operations = threads * ops
        result.lost = _lost(con, workers)
        result.measures_behind = measures_behind(con)
        return result
    finally:
        con.close()


def copy_of(source: Path, target: Path) -> Path:
    """A fresh copy of a database file to load."""
    for stale in (target, Path(f"{target}.wal")):
        if stale.exists():
            stale.unlink()
    shutil.copy(source, target)
    return target


def engagement_load(workdir: Path, quick: bool) -> list:
    """The engagement log written by eight people at once, against one person doing the same operations alone."""
    from bench.build import database
    from bench.results import Figure

    threads, ops = (4, 25) if quick else (8, 200)
    demo = database(workdir, "demo", quick)
    alone = run_load(copy_of(demo, workdir / "load-alone.duckdb"), 1, threads * ops)
    many = run_load(copy_of(demo, workdir / "load-many.duckdb"), threads, ops)
    contested = run_load(copy_of(demo, workdir / "load-contested.duckdb"), threads, ops // 5, contested=True)
    for name in ("load-alone", "load-many", "load-contested"):
        for path in (workdir / f"{name}.duckdb", workdir / f"{name}.duckdb.wal"):
            path.unlink(missing_ok=True)
    ok = all(not r.unexpected and not r.lost and not r.conflicts_own and not r.measures_behind
             for r in (alone, many, contested))

    def notes(r: LoadResult) -> list[str]:
        return [f"{r.operations} operations ({r.writes} writes) in {r.seconds:.1f} s",
                f"conflicts: {r.conflicts_shared} on shared records, {r.conflicts_own} on a person's own",
                f"unexpected errors {len(r.unexpected)}, lost writes {len(r.lost)}, "
                f"measure values behind the log {r.measures_behind}"]

    return [
        Figure("engagement load", f"{threads} people, {ops} mixed operations each, their own records",
               f"{threads} threads, one file", many.ops_per_second, "ops/s",
               "one person doing the same number of operations alone", alone.ops_per_second,
               "0 unexpected errors, 0 lost writes, 0 conflicts on own records", ok,
               notes=notes(many) + [f"alone: {alone.seconds:.1f} s"]),
        Figure("engagement load", f"{threads} editors, {ops // 5} operations each, 1 in 10 on {SHARED} shared "
               "activities", f"{threads} threads, one file", contested.ops_per_second, "ops/s", "", None,
               "conflicts only on the shared activities", ok, notes=notes(contested)),
    ]
