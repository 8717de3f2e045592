"""The `search_engines` benchmark step: its figures are real (each engine found the texts it says it found, counted
again here by reading the texts themselves), and the facts the choice of search engine rests on: DuckDB's FTS index
stays in the file but does not follow inserts, and cannot index a table of a PostgreSQL store in place."""
from __future__ import annotations

import contextlib
import math
import re

import duckdb
import pytest

from bench import steps_search
from bench.runner import run_step
from bench.search_corpus import search_corpus
from framework.core import db
from framework.engagement.insight_search import STOPWORDS

pytest.importorskip("duckdb_extension_fts", reason="the search_engines step needs duckdb-extension-fts "
                                                   "(requirements-dev.txt)")

COUNTS = re.compile(r"^\u2018(?P<query>.+)\u2019 \((?P<label>.+)\): app finds (?P<app>\d+), FTS finds (?P<fts>\d+)$")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-search")


@pytest.fixture(scope="module")
def figures(workdir):
    """The step's figures at --quick sizes, run in a child process as the benchmark runs it."""
    return run_step("search_engines", workdir, True)


@pytest.fixture(scope="module")
def texts(workdir, figures):
    """Every text of the same corpus, built again here with the same activities saved through the app:
    (kind, id) -> the indexed columns joined, read straight from the tables."""
    with search_corpus(workdir, True, name="check") as con:
        steps_search.save_new_activities(con, "DEMO")
        rows = con.execute(
            "SELECT 'activity', activity_id, concat_ws(' ', title, lead_partner, summary) FROM engagement_activity"
            " WHERE system_code = 'DEMO' UNION ALL SELECT 'you_said', item_id, concat_ws(' ', you_said, we_did, reason)"
            " FROM you_said WHERE system_code = 'DEMO'").fetchall()
    return {(kind, doc_id): text.lower() for kind, doc_id, text in rows}


def _counted(figures) -> dict[str, tuple[int, int, str]]:
    found = {}
    for f in figures:
        match = COUNTS.match(f.what)
        if match:
            found[match["query"]] = (int(match["app"]), int(match["fts"]), f.notes[0])
    return found


def _having(texts, *patterns: str) -> int:
    """How many texts match every pattern (regular expressions over the lower-cased text)."""
    return sum(1 for text in texts.values() if all(re.search(p, text) for p in patterns))


def test_the_step_reports_every_query_with_a_time_for_each_engine(figures):
    counted = _counted(figures)
    assert set(counted) == {query for _, query in steps_search.QUERIES}
    for f in figures:
        if COUNTS.match(f.what):
            assert 0 < f.value < 60 and 0 < f.baseline_value < 60, f.what
            assert f.peak_rss_mb and f.peak_rss_mb > 0


@pytest.mark.parametrize("query, patterns", [
    ("pharmacy", [r"\bpharmacy\b"]),
    ("dentist waiting", [r"\bdentist\b", r"\bwaiting\b"]),
    ("clinics", [r"\bclinics?\b"]),
    ("families", [r"\bfamil(y|ies)\b"]),
    ("wait", [r"\bwait"]),
    ("transport to the clinic", [r"\btransport\b", r"\bclinics?\b"]),
])
def test_both_engines_find_the_same_texts_where_words_are_whole_and_that_is_what_the_texts_hold(
        figures, texts, query, patterns):
    app, fts, notes = _counted(figures)[query]
    expected = _having(texts, *patterns)
    assert expected > 0
    assert app == fts == expected
    assert f"both find {expected}; only the app finds 0" in notes and "only FTS finds 0" in notes


def test_only_the_app_finds_longer_words_from_their_start(figures, texts):
    app, fts, notes = _counted(figures)["pharm"]
    assert app == _having(texts, r"\bpharm") > _having(texts, r"\bpharmacy\b")  # pharmacist too
    assert fts == 0
    assert f"only the app finds {app}, e.g. \u2018" in notes


def test_fts_ignores_a_word_on_its_stop_list_so_it_finds_more_than_was_asked(figures, texts):
    app, fts, notes = _counted(figures)["help transport"]
    assert app == _having(texts, r"\bhelp", r"\btransport") > 0
    assert fts == _having(texts, r"\btransport") > app
    assert notes.endswith("stop words and all, finds 0")


def test_only_fts_finds_another_ending_of_a_word_by_its_stem(figures, texts):
    app, fts, notes = _counted(figures)["waited"]
    assert _having(texts, r"\bwaited\b") == 0
    assert fts == _having(texts, r"\bwait(ed|ing|s)?\b") > 0
    assert app == 0
    assert f"only FTS finds {fts}, e.g. \u2018" in notes


def test_fts_never_finds_a_number_and_the_app_finds_it_from_its_start(figures, texts):
    app, fts, _ = _counted(figures)["42"]
    assert app == _having(texts, r"\b42") > 0
    assert fts == 0


def test_the_saved_activities_are_found_at_once_by_the_app_and_by_fts_only_after_a_rebuild(figures):
    save = next(f for f in figures if f.what.startswith("one activity save"))
    assert math.isfinite(save.value) and math.isfinite(save.baseline_value)
    n = len(steps_search.NEW_ACTIVITIES)
    assert f"the app found {n} of {n}, FTS 0 of {n}" in save.notes[1]
    assert save.notes[1].endswith(f"FTS after the rebuild {n}")


def test_the_stop_lists_are_counted_from_fts_itself(figures):
    stop = next(f for f in figures if "English stop list" in f.what)
    assert stop.value > 500 and stop.baseline_value == len(STOPWORDS)
    assert "help" in stop.notes[0].split(": ", 1)[1]


def test_without_the_fts_package_the_step_says_so_and_measures_nothing(monkeypatch, tmp_path):
    @contextlib.contextmanager
    def empty_store(workdir, quick, name="search"):
        con = duckdb.connect()
        yield con
        con.close()

    def not_installed():
        raise ImportError("no duckdb_extension_fts")

    monkeypatch.setattr("bench.search_corpus.search_corpus", empty_store)
    monkeypatch.setattr(steps_search, "_fts_package", not_installed)
    [figure] = steps_search.search_engines(tmp_path, True)
    assert math.isnan(figure.value)
    assert figure.notes == ["skipped: Comparing the search engines needs the package duckdb-extension-fts (see "
                            "requirements-dev.txt); it is not installed."]


def _notes_table(con):
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, t VARCHAR)")
    con.execute("INSERT INTO notes VALUES (1, 'pharmacy clinics'), (2, 'the clinic bus')")


FOUND = ("SELECT id FROM (SELECT id, {schema}.match_bm25(id, 'clinic') AS s FROM {table}) WHERE s IS NOT NULL"
         " ORDER BY id")


def test_an_fts_index_stays_in_the_file_but_misses_rows_added_after_it_until_rebuilt(tmp_path):
    path = tmp_path / "fts.duckdb"
    con = duckdb.connect(str(path))
    steps_search.load_fts(con)
    assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0] is False
    _notes_table(con)
    con.execute("PRAGMA create_fts_index('notes', 'id', 't')")
    found = FOUND.format(schema="fts_main_notes", table="notes")
    assert con.execute(found).fetchall() == [(1,), (2,)]
    con.execute("INSERT INTO notes VALUES (3, 'clinic opening hours')")
    assert con.execute(found).fetchall() == [(1,), (2,)]
    con.close()

    con = duckdb.connect(str(path))
    with pytest.raises(duckdb.Error, match="fts"):  # reopened without the extension: DuckDB would download it
        con.execute(found).fetchall()
    steps_search.load_fts(con)
    assert con.execute(found).fetchall() == [(1,), (2,)]
    con.execute("PRAGMA create_fts_index('notes', 'id', 't', overwrite=1)")
    assert con.execute(found).fetchall() == [(1,), (2,), (3,)]
    con.close()


def test_fts_cannot_index_a_table_of_a_postgresql_store_only_a_copy_in_one_app_servers_memory(pg_url):
    from framework.core.postgres_store import postgres_execute

    con = db.connect(pg_url)
    other = None
    try:
        cur = con.cursor()
        steps_search.load_fts(cur)
        postgres_execute(cur, "CREATE TABLE notes (id integer PRIMARY KEY, t text); "
                              "INSERT INTO notes VALUES (1, 'pharmacy clinics'), (2, 'the clinic bus')")
        cur.execute("CALL pg_clear_cache()")
        with pytest.raises(duckdb.Error, match="do not support creating functions"):
            cur.execute("PRAGMA create_fts_index('pg.public.notes', 'id', 't')")
        cur.close()
        cur = con.cursor()
        # named through the search path, the index is made in memory but finds nothing
        cur.execute("PRAGMA create_fts_index('public.notes', 'id', 't')")
        assert cur.execute(FOUND.format(schema="fts_public_notes", table="public.notes")).fetchall() == []
        # a copy in this process's memory can be indexed; it misses what is written after the copy
        cur.execute("CREATE TABLE memory.main.notes_copy AS SELECT * FROM pg.public.notes")
        cur.execute("PRAGMA create_fts_index('memory.main.notes_copy', 'id', 't')")
        copy_found = FOUND.format(schema="memory.fts_main_notes_copy", table="memory.main.notes_copy")
        assert cur.execute(copy_found).fetchall() == [(1,), (2,)]
        cur.execute("INSERT INTO pg.public.notes VALUES (3, 'clinic opening hours')")
        assert cur.execute(copy_found).fetchall() == [(1,), (2,)]
        # another app server has no index at all until it builds its own
        other = db.connect(pg_url)
        other_cur = other.cursor()
        steps_search.load_fts(other_cur)
        with pytest.raises(duckdb.Error, match="match_bm25"):
            other_cur.execute(copy_found).fetchall()
    finally:
        con.close()
        if other is not None:
            other.close()
