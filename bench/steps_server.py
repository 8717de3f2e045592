"""Server mode beside the file: the same pages at ICS scale on PostgreSQL and on the DuckDB file, in one run.

The ICS database file is copied once into a PostgreSQL database (kept and reused while the file is unchanged when
$SHARED_MEASURES_BENCH_PG names a server whose databases the bench may make, e.g.
postgresql://sm@127.0.0.1:5432/postgres; otherwise on a throwaway server started for this step, as the tests do).
Where PostgreSQL is not installed and no server is named, the step reports that it was skipped and why.

What the time goes to on PostgreSQL: the first read of an app process copies the measurements into the process
(timed below as "copy made"); every page after that reads the copy, checking PostgreSQL's change log at most once a
second (one small query) and reloading only the indicators another process changed (timed as "catch-up").
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from bench.build import database
from bench.page_times import PAGES, eighth_indicator, page_seconds
from bench.results import Figure
from bench.steps import step

BENCH_PG_ENV = "SHARED_MEASURES_BENCH_PG"
SECRET_ENV = "SHARED_MEASURES_BALLOT_SECRET"
RATIO_TARGET = 3.0  # a page on PostgreSQL within this factor of the same page on the file
STEP = "server mode page time"


def _skipped(reason: str) -> list[Figure]:
    return [Figure(STEP, "all pages", "ICS", float("nan"), "s", target=f"<= {RATIO_TARGET:g}x file", met=None,
                   notes=[f"skipped: {reason}"])]


@contextlib.contextmanager
def _server():
    """(admin address, stop) of the PostgreSQL to use: the named one, or a throwaway one started here."""
    named = os.environ.get(BENCH_PG_ENV, "").strip()
    if named:
        yield named, False
        return
    from tests.postgres_server import server_bin, start_server

    bin_dir = server_bin()
    if bin_dir is None:
        yield None, False
        return
    server = start_server(bin_dir)
    try:
        yield server.url, True
    finally:
        server.stop()


def _address(admin: str, dbname: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(admin)._replace(path="/" + dbname))


def _copy_to_server(path: Path, admin: str, throwaway: bool) -> str:
    """The address of a PostgreSQL database holding the file's store, made from it unless already made."""
    from framework.core import db
    from framework.data_io.store_copy import copy_store
    from tests.store_backends import admin as admin_sql

    dbname = f"bench_{path.stem.replace('-', '_')}"
    marker = path.with_suffix(".pg-built")
    stamp = f"{dbname} {path.stat().st_mtime_ns}\n"
    with_env = {"SHARED_MEASURES_TEST_PG": admin}
    old = {k: os.environ.get(k) for k in with_env}
    os.environ.update(with_env)
    try:
        if not throwaway and marker.exists() and marker.read_text() == stamp:
            return _address(admin, dbname)
        admin_sql(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {dbname}")
        source = db.connect(path)
        try:
            copy_store(source, _address(admin, dbname), source_at=path)
        finally:
            source.close()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if not throwaway:
        marker.write_text(stamp)
    return _address(admin, dbname)


def _copy_and_catch_up(address: str) -> tuple[float, float]:
    """Seconds for a new process's first read (the copy made), and for catching up with one indicator another
    process rewrote."""
    from framework.core import db, postgres_store, replica

    started = time.perf_counter()  # the open counts: bringing the analysts' tables up to date there makes the copy
    con = replica.serve_pages(db.connect(address))
    con.cursor().close()
    made = time.perf_counter() - started
    if con.replica.loads != 1:
        raise RuntimeError(f"the copy was made {con.replica.loads} times by a new process's open and first read")
    other = db.connect(address)
    try:
        cur = other.write_cursor()
        cur.begin()
        code = cur.execute("SELECT min(indicator_code) FROM measurement").fetchone()[0]
        postgres_store.postgres_execute(cur, f"UPDATE measurement SET value = value WHERE indicator_code = '{code}'")
        cur.commit()
        cur.close()
        con.replica.stale()
        started = time.perf_counter()
        con.cursor().close()
        return made, time.perf_counter() - started
    finally:
        other.close()
        con.close()


@step("server_pages")
def server_pages(workdir: Path, quick: bool) -> list[Figure]:
    """Page server time at ICS scale on PostgreSQL beside the DuckDB file."""
    os.environ.setdefault(SECRET_ENV, "bench-ballot-secret")
    from framework.core import postgres_store
    from framework.core.errors import StoreError

    try:
        postgres_store.extension_file()
    except StoreError as exc:  # this DuckDB has no PostgreSQL extension: nothing to measure
        return _skipped(str(exc))
    ics = database(workdir, "ics", quick)
    with _server() as (admin, throwaway):
        if admin is None:
            return _skipped("PostgreSQL is not installed here and $SHARED_MEASURES_BENCH_PG names no server")
        started = time.perf_counter()
        address = _copy_to_server(ics, admin, throwaway)
        copied = time.perf_counter() - started
        made, catch_up = _copy_and_catch_up(address)
        figures = [Figure(STEP, "a new app process's open and first read (the copy of the measurements made)", "ICS",
                          made, "s",
                          notes=[f"store copied from the file into PostgreSQL in {copied:.0f} s (once)"]),
                   Figure(STEP, "catch-up after another process rewrote one indicator", "ICS", catch_up, "s")]
        indicator = eighth_indicator(ics)
        for label, page, query in PAGES[:3]:  # Home, Progress and an open indicator: the pages that read measurements
            query = {k: v.format(indicator=indicator) for k, v in query.items()}
            on_file = page_seconds(ics, page, query)
            on_server = page_seconds(address, page, query)
            ratio = on_server / on_file
            figures.append(Figure(STEP, label, "ICS, PostgreSQL vs file", on_server, "s", "same page on the file",
                                  on_file, f"<= {RATIO_TARGET:g}x file", ratio <= RATIO_TARGET,
                                  notes=[f"PostgreSQL/file ratio {ratio:.2f}x"]))
    return figures
