"""Keeping the insight search and the derived measures in step with the log.

A save rewrites only its own rows: the activity, its items, their search index rows and an audit row. The
measures derived from the log (framework.engagement.measures) sum over every activity in a quarter, so writing
them inside each save would make every two saves in the same quarter collide. Instead they are recalculated just
after the save commits, in their own transaction (`refresh_measures`). Within one app process, saves arriving while
a recalculation runs ask it to run once more rather than start their own, so eight people saving at once cause a
few recalculations, not eight competing ones. A recalculation that still collides with another process is retried;
the measures are only ever a copy of the log, and the next save or `refresh_measures` brings them up to date.

Bulk loads and the demo (`after_log_change`) recalculate inside their own transaction: they touch many quarters at
once and are all or nothing.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterable
from datetime import date

from framework.core.db import transaction
from framework.core.errors import WriteConflict
from framework.engagement.insight_search import reindex_activities
from framework.engagement.measures import write_measures

ATTEMPTS = 5
_lock = threading.Lock()
_running: set[tuple[int, str]] = set()
_again: set[tuple[int, str]] = set()
log = logging.getLogger(__name__)


def after_log_change(cur, system_code: str, activity_ids: Iterable[int], as_of: date | None = None) -> None:
    """Reindex these activities and recalculate the system's derived measures, inside the caller's transaction
    (bulk loads and the demo); the measures count up to as_of (default today)."""
    reindex_activities(cur, list(activity_ids))
    write_measures(cur, system_code, as_of)


def _recalculate(con, system_code: str, as_of: date | None) -> bool:
    for attempt in range(ATTEMPTS):
        try:
            transaction(con, write_measures, system_code, as_of)
            return True
        except WriteConflict:
            time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
    log.warning("The measures derived from the engagement log of %s could not be recalculated after %s attempts;"
                " the next save recalculates them.", system_code, ATTEMPTS)
    return False


def refresh_measures(con, system_code: str, as_of: date | None = None) -> bool:
    """Recalculate the system's derived measures from the committed log, in their own transaction; return False
    only when it kept colliding with another process (nothing is lost: the log is untouched)."""
    key = (id(con), system_code)
    with _lock:
        if key in _running:  # a recalculation is under way here: ask it to run once more, after this save
            _again.add(key)
            return True
        _running.add(key)
    try:
        while True:
            done = _recalculate(con, system_code, as_of)
            with _lock:
                if key not in _again:
                    _running.discard(key)
                    return done
                _again.discard(key)
    except BaseException:
        with _lock:
            _running.discard(key)
            _again.discard(key)
        raise
