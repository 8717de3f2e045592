"""The insight library's benchmark corpus: the demo database with thousands of imported activities, each with one
"you said" item, built through the app's own importer (so the app's search index is written as users would write it).

Both search steps (`insight_search` and `search_engines`) run on it."""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from bench.build import BENCH_USER, database

SEARCH_RECORDS = 2_500  # activities, each with one "you said" item
QUICK_RECORDS = 500
WORDS = ["pharmacy", "transport", "dentist", "loneliness", "interpreter", "housing", "waiting", "carers",
         "school", "discharge", "parking", "phone", "appointment", "respite", "garden", "benefits"]


def corpus_files(n: int) -> list[tuple[str, bytes]]:
    """The two CSV files of n activities and their items, as the bulk loader takes them."""
    header = "Activity ID,Title,Start date,Lead partner,Method,Level,Communities,Participants,Summary\n"
    rows, items = [], ["Activity ID,You said,Status\n"]
    for i in range(n):
        w = [WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7)]
        rows.append(f"A{i},Session {i},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d},Partner {i % 9},event,consult,"
                    f"{'core20' if i % 3 else 'carers'},{i % 50},People talked about {' and '.join(w)} number {i}\n")
        items.append(f"A{i},We want help with {w[0]} and {w[2]},planned\n")
    return [("activities.csv", (header + "".join(rows)).encode()), ("items.csv", "".join(items).encode())]


@contextlib.contextmanager
def search_corpus(workdir: Path, quick: bool, name: str = "search") -> Iterator:
    """An open connection to a fresh copy of the demo database holding the corpus (2,500 records, 500 with
    --quick); the copy is deleted afterwards."""
    from framework.core import db
    from framework.engagement.imports import import_engagement

    n = QUICK_RECORDS if quick else SEARCH_RECORDS
    target = workdir / f"{name}.duckdb"
    for stale in (target, Path(f"{target}.wal")):
        if stale.exists():
            stale.unlink()
    shutil.copy(database(workdir, "demo", quick), target)
    con = db.connect(target)
    try:
        import_engagement(con, BENCH_USER, "DEMO", corpus_files(n))
        yield con
    finally:
        con.close()
        for made in (target, Path(f"{target}.wal")):
            if made.exists():
                made.unlink()
