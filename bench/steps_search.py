"""The insight library's own word index beside DuckDB's full-text search extension (fts: BM25 ranking, Snowball
stemmer), on the corpus of the `insight_search` step.

For each query: how long each engine takes (median of five, the first 200 results as the page shows them), how
many texts each finds, and which texts only one of them finds. For writes: one activity saved through the app
(which rewrites its index rows in the same transaction) against rebuilding FTS's index, which DuckDB does not
update on INSERT. FTS is loaded from the duckdb-extension-fts package with its signature checked; where that
package is not installed the step says so and measures nothing.
"""
from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

import pandas as pd

from bench.memory import peak_mb
from bench.results import Figure
from bench.steps import step

STEP = "search engines"
FTS_PACKAGE = "duckdb-extension-fts"
REPEATS = 5
PROBE_RECORDS = 500
# What the app indexes of each table (framework.engagement.insight_search.reindex_activities), and its key.
INDEXED = {"engagement_activity": ("activity_id", ("title", "lead_partner", "summary")),
           "you_said": ("item_id", ("you_said", "we_did", "reason"))}
KIND = {"engagement_activity": "activity", "you_said": "you_said"}
QUERIES = [("one word", "pharmacy"), ("two words", "dentist waiting"), ("a prefix", "pharm"),
           ("a plural", "clinics"), ("a plural", "families"), ("a stem", "wait"),
           ("another ending of a word", "waited"),
           ("a word on FTS's stop list", "help transport"), ("common words", "transport to the clinic"),
           ("a number", "42")]
# Saved through the app after FTS's index was built: singular and plural forms, and longer words sharing a prefix.
NEW_ACTIVITIES = [
    ("Clinic coffee morning", "Families said the clinics close before the school run ends.",
     "A pharmacist at the clinic on Saturdays"),
    ("Pharmacist listening event", "A family carer asked for pharmacists to explain new medicines.",
     "Clinics should text before appointments"),
    ("Wellbeing walk", "Walkers talked about the waiting list for the new clinic.",
     "Help with transport to the clinic"),
]
# Everyday words people type, checked against FTS's English stop list (the app's own list is 57 short words).
EVERYDAY = ["help", "new", "old", "need", "needs", "want", "able", "first", "second", "later", "right", "best",
            "better", "little", "course", "thanks", "welcome", "available", "useful", "home", "care", "money"]


def load_fts(con) -> None:
    """Load DuckDB's fts extension from its Python package, signature checked (StoreError when absent)."""
    from framework.core import extensions

    extensions.load(con, extensions.extension_file(_fts_package, FTS_PACKAGE, "fts",
                                                   needed_for="Comparing the search engines",
                                                   listed_in="requirements-dev.txt"))


def _fts_package():
    import duckdb_extension_fts

    return duckdb_extension_fts


def build_fts(con, tables: dict[str, tuple[str, tuple[str, ...]]] | None = None) -> None:
    """(Re)build FTS's index of each table over the columns the app indexes."""
    for table, (key, columns) in (tables or INDEXED).items():
        fields = ", ".join(f"'{c}'" for c in columns)
        con.execute(f"PRAGMA create_fts_index('{table}', '{key}', {fields}, overwrite=1)")


def fts_search(con, system_code: str, query: str, limit: int = 200, *, as_typed: bool = False) -> pd.DataFrame:
    """What FTS finds for a query: texts holding every word (conjunctive), best BM25 score first, with the same
    columns a page would show. Words on FTS's stop list are taken out of the query first, as the app does with its
    own list: FTS, asked for every word, finds nothing when one of them is a stop word (as_typed shows that)."""
    cur = con.cursor()
    try:
        if not as_typed:
            query = " ".join(fts_words(cur, query))
            if not query:
                return pd.DataFrame(columns=["kind", "doc_id", "activity_id", "title", "text", "score"])
        return cur.execute(FTS_SQL, [query, system_code, query, system_code, int(limit)]).df()
    finally:
        cur.close()


def fts_words(cur, query: str) -> list[str]:
    """The query's words as FTS splits them (letters only, lower case, accents dropped), less its stop words."""
    plain = cur.execute("SELECT lower(strip_accents(?))", [query]).fetchone()[0]
    words = [w for w in re.split(r"[^a-z]+", plain) if w]
    if not words:
        return []
    stop = {w for (w,) in cur.execute("SELECT sw FROM fts_main_you_said.stopwords WHERE list_contains(?, sw)",
                                      [words]).fetchall()}
    return [w for w in words if w not in stop]


FTS_SQL = (
    "WITH hits AS ("
    " SELECT 'activity' AS kind, activity_id AS doc_id, activity_id,"
    " fts_main_engagement_activity.match_bm25(activity_id, ?, conjunctive := 1) AS score"
    " FROM engagement_activity WHERE system_code = ?"
    " UNION ALL SELECT 'you_said', item_id, activity_id,"
    " fts_main_you_said.match_bm25(item_id, ?, conjunctive := 1) FROM you_said WHERE system_code = ?)"
    " SELECT h.kind, h.doc_id, h.activity_id, a.title, a.start_date, a.end_date, a.lead_partner,"
    " coalesce(y.you_said, a.summary) AS text, y.we_did, y.status, h.score"
    " FROM hits h JOIN engagement_activity a ON a.activity_id = h.activity_id"
    " LEFT JOIN you_said y ON h.kind = 'you_said' AND y.item_id = h.doc_id"
    " WHERE h.score IS NOT NULL ORDER BY h.score DESC, a.end_date DESC LIMIT ?"
)


def app_keys(found: pd.DataFrame) -> set[tuple[str, int]]:
    """(kind, document id) of each text the app's search found."""
    return {(k, int(i) if k == "you_said" else int(a))
            for k, a, i in zip(found["kind"], found["activity_id"], found["item_id"], strict=True)}


def fts_keys(found: pd.DataFrame) -> set[tuple[str, int]]:
    """(kind, document id) of each text FTS found."""
    return {(k, int(d)) for k, d in zip(found["kind"], found["doc_id"], strict=True)}


def documents(con, system_code: str) -> dict[tuple[str, int], str]:
    """Every indexed text of the system, by (kind, document id): the columns each engine indexes, joined."""
    texts = {}
    for table, (key, columns) in INDEXED.items():
        joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
        cur = con.cursor()
        try:
            for doc_id, text in cur.execute(f"SELECT {key}, {joined} FROM {table} WHERE system_code = ?",
                                            [system_code]).fetchall():
                texts[(KIND[table], int(doc_id))] = text
        finally:
            cur.close()
    return texts


def whole_word_matches(texts: dict[tuple[str, int], str], query: str) -> set[tuple[str, int]]:
    """The texts holding every word of the query as a whole word, ignoring case: the literal reading."""
    words = re.findall(r"[a-z0-9]+", query.lower())
    patterns = [re.compile(rf"\b{w}\b") for w in words]
    return {key for key, text in texts.items() if all(p.search(text.lower()) for p in patterns)}


def _median_seconds(fn, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _example(texts: dict, keys: set) -> str:
    if not keys:
        return ""
    text = texts[min(keys)]
    return f", e.g. \u2018{text[:70]}\u2019"


def _skipped(reason: str) -> list[Figure]:
    return [Figure(STEP, "all queries", "thousands of records", float("nan"), "s", notes=[f"skipped: {reason}"])]


@step("search_engines")
def search_engines(workdir: Path, quick: bool) -> list[Figure]:
    """The app's search and FTS on the same texts: time, results found and where they differ; keeping current."""
    from bench.search_corpus import search_corpus
    from framework.core.errors import StoreError

    with search_corpus(workdir, quick, name="search-engines") as con:
        try:
            load_fts(con)
        except StoreError as exc:
            return _skipped(str(exc))
        figures = compare(con, quick)
        peak = peak_mb()
    for f in figures:
        f.peak_rss_mb = peak
    return figures


def compare(con, quick: bool, system_code: str = "DEMO") -> list[Figure]:
    """Every figure of the step, on a store already holding the corpus, with FTS loaded."""
    from framework.engagement.insight_search import search_insight

    figures = []
    build_seconds, _ = _median_seconds(lambda: build_fts(con), 3)
    figures += _writes(con, system_code, build_seconds, quick)
    texts = documents(con, system_code)
    scale = f"{len(texts):,} texts"
    for label, query in QUERIES:
        app_time, _ = _median_seconds(lambda q=query: search_insight(con, system_code, q))
        fts_time, _ = _median_seconds(lambda q=query: fts_search(con, system_code, q))
        app = app_keys(search_insight(con, system_code, query, limit=1_000_000))
        fts = fts_keys(fts_search(con, system_code, query, limit=1_000_000))
        literal = whole_word_matches(texts, query)
        typed = len(fts_search(con, system_code, query, limit=1_000_000, as_typed=True))
        notes = [f"both find {len(app & fts)}; only the app finds {len(app - fts)}{_example(texts, app - fts)}; "
                 f"only FTS finds {len(fts - app)}{_example(texts, fts - app)}; a text holds "
                 f"every word whole in {len(literal)} cases; FTS given the query as typed, stop words and all, finds {typed}"]
        figures.append(Figure(STEP, f"\u2018{query}\u2019 ({label}): app finds {len(app)}, FTS finds {len(fts)}",
                              scale, app_time, "s", "FTS match_bm25 over the same texts, every word required",
                              fts_time, notes=notes))
    figures.append(_stop_words(con))
    return figures


def _writes(con, system_code: str, build_seconds: float, quick: bool) -> list[Figure]:
    """Saving activities through the app against keeping FTS's index current, and whole-index builds."""
    from framework.core import db
    from framework.engagement.insight_search import rebuild_index, reindex_activities, search_insight

    docs = db.scalar(con, "SELECT (SELECT count(*) FROM engagement_activity) + (SELECT count(*) FROM you_said)")
    new_ids, saves = save_new_activities(con, system_code)
    wanted = [f"\u2018{t}\u2019" for t, _, _ in NEW_ACTIVITIES]

    def found_by(search) -> int:
        return sum(1 for (title, _, _) in NEW_ACTIVITIES if title in set(search(title)["title"]))

    app_found = found_by(lambda q: search_insight(con, system_code, q))
    stale_found = found_by(lambda q: fts_search(con, system_code, q))
    rebuild_seconds, _ = _median_seconds(lambda: build_fts(con), 3)
    fresh_found = found_by(lambda q: fts_search(con, system_code, q))
    reindex_seconds, _ = _median_seconds(lambda: db.transaction(con, reindex_activities, new_ids[:1]), 3)
    whole_seconds, _ = _median_seconds(lambda: db.transaction(con, rebuild_index, system_code), 3)
    figures = [
        Figure(STEP, "one activity save with its item (the app's index rows rewritten in the same transaction)",
               f"{docs:,} texts", statistics.median(saves), "s",
               "FTS: rebuilding both indexes after the save (PRAGMA create_fts_index ... overwrite=1)",
               rebuild_seconds, notes=[
                   f"of the save, rewriting the activity's own index rows takes {reindex_seconds:.3f} s",
                   f"searching each new activity's title ({', '.join(wanted)}) once all were saved: the app found "
                   f"{app_found} of {len(NEW_ACTIVITIES)}, FTS {stale_found} of {len(NEW_ACTIVITIES)} (DuckDB does "
                   f"not update an FTS index on INSERT or UPDATE), FTS after the rebuild {fresh_found}"]),
        Figure(STEP, "whole index built from scratch: the app's rebuild_index of the system", f"{docs:,} texts",
               whole_seconds, "s", "FTS: PRAGMA create_fts_index on both tables", build_seconds),
    ]
    if not quick:
        figures.append(_probe_build(con))
    return figures


def save_new_activities(con, system_code: str) -> tuple[list[int], list[float]]:
    """Save NEW_ACTIVITIES through the app, each with its "you said" item; their ids and how long each save took."""
    from bench.build import BENCH_USER
    from framework.engagement.activities import save_activity

    saves, new_ids = [], []
    for title, summary, said in NEW_ACTIVITIES:
        values = {"title": title, "start_date": "2025-05-01", "end_date": "2025-05-01",
                  "lead_partner": "Eastmarsh Community Trust", "method": "event", "level": "involve",
                  "areas": ["DEMO-P04"], "communities": ["coastal"], "participants": 20, "volunteers": 1,
                  "volunteer_hours": 2, "outcomes": ["O2"], "indicators": [], "principles": [2], "summary": summary}
        started = time.perf_counter()
        new_ids.append(save_activity(con, BENCH_USER, system_code, values,
                                     items=[{"you_said": said, "status": "planned"}]))
        saves.append(time.perf_counter() - started)
    return new_ids, saves


def _probe_build(con) -> Figure:
    """FTS's index build on the first 500 activities and 500 items, copied into tables of their own."""
    probes = {}
    for table, (key, columns) in INDEXED.items():
        probe = f"fts_probe_{KIND[table]}"
        con.execute(f"CREATE OR REPLACE TABLE {probe} AS SELECT * FROM {table} ORDER BY {key} LIMIT {PROBE_RECORDS}")
        probes[probe] = (key, columns)
    seconds, _ = _median_seconds(lambda: build_fts(con, probes), 3)
    for probe in probes:
        con.execute(f"PRAGMA drop_fts_index('{probe}')")
        con.execute(f"DROP TABLE {probe}")
    return Figure(STEP, f"FTS index build at {PROBE_RECORDS:,} activities and {PROBE_RECORDS:,} items",
                  f"{2 * PROBE_RECORDS:,} texts", seconds, "s")


def _stop_words(con) -> Figure:
    """How many words FTS leaves out of every index and query, and which everyday words among them."""
    cur = con.cursor()
    try:
        total = cur.execute("SELECT count(*) FROM fts_main_you_said.stopwords").fetchone()[0]
        listed = [w for (w,) in cur.execute("SELECT sw FROM fts_main_you_said.stopwords WHERE list_contains(?, sw)"
                                            " ORDER BY sw", [EVERYDAY]).fetchall()]
    finally:
        cur.close()
    from framework.engagement.insight_search import STOPWORDS

    return Figure(STEP, "words left out of every search: FTS's English stop list", "", float(total), "words",
                  "the app's own stop list", float(len(STOPWORDS)), notes=[
                      f"of {len(EVERYDAY)} everyday words checked, FTS never finds: {', '.join(listed) or 'none'};"
                      " FTS also leaves out every digit (its default ignore pattern), so numbers are never found"])
