"""Keeping the insight search and the derived measures in step with the log.

A save rewrites only its own rows: the activity, its items, their search index rows and an audit row. The
measures derived from the log (framework.engagement.measures) sum over every activity in a quarter, so writing
them inside each save would make every two saves in the same quarter collide. Instead they are recalculated just
after the save commits, in their own transaction (`refresh_measures`). Within one app process, saves arriving while
a recalculation runs add their quarters to its next round rather than start their own, so eight people saving at
once cause a few recalculations, not eight competing ones. A save recalculates only the quarters its activity
touches, so saves in different quarters never write the same rows. A recalculation that still collides (with
another process, or in the same quarter) is retried; the measures are only ever a copy of the log, and the next
save or `refresh_measures` brings them up to date. The Engagement log page calculates its figures from the log
itself, so it never waits for the copy.

Bulk loads and the demo (`after_log_change`) recalculate inside their own transaction: they touch many quarters at
once and are all or nothing.
"""
from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Iterable
from datetime import date

from framework.core.db import store_name, transaction
from framework.core.errors import WriteConflict
from framework.engagement.insight_search import reindex_activities
from framework.engagement.measures import write_measures

ATTEMPTS = 5
_lock = threading.Lock()
_paths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_pending: dict[tuple[str, str], set[date] | None] = {}  # days still to recalculate; None: the whole log
_running: set[tuple[str, str]] = set()
_whole_log_on: dict[tuple[str, str], date] = {}
log = logging.getLogger(__name__)


def after_log_change(cur, system_code: str, activity_ids: Iterable[int], as_of: date | None = None) -> None:
    """Reindex these activities and recalculate the system's derived measures, inside the caller's transaction
    (bulk loads and the demo); the measures count up to as_of (default today)."""
    reindex_activities(cur, list(activity_ids))
    write_measures(cur, system_code, as_of)


def _recalculate(con, system_code: str, days: set[date] | None, as_of: date | None) -> bool:
    for attempt in range(ATTEMPTS):
        try:
            transaction(con, write_measures, system_code, as_of, days)
            return True
        except WriteConflict:
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    log.warning("The measures derived from the engagement log of %s could not be recalculated after %s attempts;"
                " the next save recalculates them.", system_code, ATTEMPTS)
    return False


def _database(con) -> str:
    """The database a connection is open on, so the bookkeeping below outlives any one connection object."""
    if con not in _paths:
        _paths[con] = store_name(con) or f"memory:{id(con)}"
    return _paths[con]


def _merge(key: tuple[str, str], days: Iterable[date] | None) -> None:
    if days is None or _pending.get(key, set()) is None:
        _pending[key] = None
    else:
        _pending.setdefault(key, set()).update(d for d in days if d is not None)


def refresh_measures(con, system_code: str, days: Iterable[date] | None = None, as_of: date | None = None) -> bool:
    """Recalculate the system's derived measures from the committed log, in their own transaction: the quarters
    holding these days, or the whole log when no days are given (and on the first save of each day, as the
    three-month feedback window moves with the date). Return False only when it kept colliding with another
    process; nothing is lost then, as the log itself is untouched."""
    key = (_database(con), system_code)
    today = as_of or date.today()
    with _lock:
        _merge(key, None if _whole_log_on.get(key) != today else days)
        if key in _running:  # a recalculation is under way here: it runs once more for these days
            return True
        _running.add(key)
    done = True
    try:
        while True:
            with _lock:
                if key not in _pending:
                    _running.discard(key)
                    return done
                todo = _pending.pop(key)
            ok = _recalculate(con, system_code, todo, as_of)
            done = ok and done
            if ok and todo is None:
                with _lock:
                    _whole_log_on[key] = today
    except BaseException:
        with _lock:
            _running.discard(key)
            _pending.pop(key, None)
        raise
