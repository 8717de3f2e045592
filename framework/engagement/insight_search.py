"""The insight library: full-text search over activity summaries and "you said, we did" items, so a team planning
new engagement can see first what people have already said.

The index is our own token table (DuckDB's fts extension was measured against it and not taken: it is not kept
current by writes, cannot index a PostgreSQL store, and misses word starts and numbers; docs/engagement.md),
`insight_token`: each document's words, lower-cased and lightly stemmed, with how often each appears. It is
rewritten in the same transaction as every write to the log, so search never shows stale text. A query matches
documents holding every word (a word also matches longer words that start with it, so "pharm" finds "pharmacy"),
ranked by how often the words appear, newest first on a tie. Filters for community, area, outcome and dates apply
to the activity the text belongs to.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import pandas as pd

from framework.core.db import read_df
from framework.engagement.log_filters import activity_conditions

STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have", "he", "her", "his", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than", "that", "the", "their", "them", "then", "there", "they", "this", "to", "too", "us", "was", "we", "were", "what", "when", "which", "who", "will", "with", "you", "your"]
)
WORD = re.compile(r"[a-z0-9]+")
MAX_RESULTS = 200


def stem(word: str) -> str:
    """A light English stem, the same for indexing and querying: 'clinics' and 'clinic' meet, 'families' and 'family'."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str | None) -> list[str]:
    """The searchable words of a text: lower-cased, apostrophes dropped, stop words left out, stemmed."""
    if not text:
        return []
    plain = text.lower().replace("'", "").replace("\u2019", "")
    return [stem(w) for w in WORD.findall(plain) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def _token_rows(system_code: str, kind: str, doc_id: int, activity_id: int, texts: Iterable[str | None]):
    counts: dict[str, int] = {}
    for text in texts:
        for tok in tokens(text):
            counts[tok] = counts.get(tok, 0) + 1
    return [(system_code, kind, int(doc_id), int(activity_id), tok, n) for tok, n in counts.items()]


def reindex_activities(cur, activity_ids: list[int]) -> int:
    """Rewrite the index rows of these activities and their "you said" items inside the caller's transaction."""
    if not activity_ids:
        return 0
    ids = [int(i) for i in activity_ids]
    marks = ", ".join("?" * len(ids))
    cur.execute(f"DELETE FROM insight_token WHERE activity_id IN ({marks})", ids)
    rows = []
    for system_code, activity_id, title, lead, summary in cur.execute(
        f"SELECT system_code, activity_id, title, lead_partner, summary FROM engagement_activity"
        f" WHERE activity_id IN ({marks})", ids
    ).fetchall():
        rows += _token_rows(system_code, "activity", activity_id, activity_id, [title, lead, summary])
    for system_code, item_id, activity_id, said, did, reason in cur.execute(
        f"SELECT system_code, item_id, activity_id, you_said, we_did, reason FROM you_said"
        f" WHERE activity_id IN ({marks})", ids
    ).fetchall():
        rows += _token_rows(system_code, "you_said", item_id, activity_id, [said, did, reason])
    if rows:
        frame = pd.DataFrame(rows, columns=["system_code", "doc_kind", "doc_id", "activity_id", "token", "hits"])
        cur.register("new_tokens", frame)
        try:
            cur.execute("INSERT INTO insight_token SELECT * FROM new_tokens")
        finally:
            cur.unregister("new_tokens")
    return len(rows)


def rebuild_index(cur, system_code: str) -> int:
    """Rebuild the whole index of one system inside the caller's transaction; return the rows written."""
    cur.execute("DELETE FROM insight_token WHERE system_code = ?", [system_code])
    ids = [r[0] for r in cur.execute(
        "SELECT activity_id FROM engagement_activity WHERE system_code = ?", [system_code]).fetchall()]
    return reindex_activities(cur, ids)


def search_insight(
    con, system_code: str, query: str = "", *, communities: Iterable[str] = (), areas: Iterable[str] = (),
    outcomes: Iterable[str] = (), date_from: date | None = None, date_to: date | None = None,
    kinds: Iterable[str] = ("activity", "you_said"), limit: int = MAX_RESULTS,
) -> pd.DataFrame:
    """Activity summaries and "you said" items matching every word of the query and all the filters, best first.

    A blank query lists everything that matches the filters, newest first. Community, area and outcome filters
    match when the activity carries any of the chosen values; dates keep activities that overlap the range."""
    words = list(dict.fromkeys(tokens(query)))
    kinds = [k for k in kinds if k in ("activity", "you_said")] or ["activity", "you_said"]
    where, params = activity_conditions(system_code, communities=communities, areas=areas, outcomes=outcomes,
                                        date_from=date_from, date_to=date_to)
    docs = (
        "SELECT 'activity' AS kind, a.activity_id, NULL::BIGINT AS item_id, a.summary AS text, NULL AS we_did,"
        " NULL AS status, NULL::DATE AS feedback_date FROM engagement_activity a"
        " UNION ALL SELECT 'you_said', y.activity_id, y.item_id, y.you_said, y.we_did, y.status, y.feedback_date"
        " FROM you_said y"
    )
    # a word that starts another query word adds nothing: "car carers" needs only "carer" (which "car" also finds)
    words = [w for w in words if not any(o != w and o.startswith(w) for o in words)]
    if words:
        cases = " ".join(f"WHEN starts_with(t.token, ?) THEN {i}" for i in range(len(words)))
        # a range per word lets the token index narrow the scan to that prefix
        ranges = " OR ".join("(t.token >= ? AND t.token < ?)" for _ in words)
        scored = (
            f"SELECT doc_kind, doc_id, sum(hits) AS score FROM (SELECT t.doc_kind, t.doc_id, t.hits,"
            f" CASE {cases} END AS word_no FROM insight_token t WHERE t.system_code = ? AND ({ranges}))"
            " WHERE word_no IS NOT NULL GROUP BY ALL HAVING count(DISTINCT word_no) = ?"
        )
        match_params: list = [*words, system_code]
        for w in words:
            match_params += [w, w + "\uffff"]
        match_params.append(len(words))
        join = f" JOIN ({scored}) s ON s.doc_kind = d.kind AND s.doc_id = coalesce(d.item_id, d.activity_id)"
        score = "s.score"
    else:
        join, match_params, score = "", [], "0"
    sql = (
        f"SELECT d.kind, d.activity_id, d.item_id, a.title, a.start_date, a.end_date, a.lead_partner, a.level,"
        f" a.communities, a.areas, a.outcomes, d.text, d.we_did, d.status, d.feedback_date, {score} AS score"
        f" FROM ({docs}) d{join} JOIN engagement_activity a ON a.activity_id = d.activity_id"
        f" WHERE {' AND '.join(where)} AND d.kind IN ({', '.join('?' * len(kinds))})"
        f" ORDER BY score DESC, a.end_date DESC, d.activity_id DESC, d.item_id NULLS FIRST LIMIT ?"
    )
    return read_df(con, sql, match_params + params + kinds + [int(limit)])
