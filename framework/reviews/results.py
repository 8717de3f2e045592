"""Results of review rounds that keep confidences. Results are published only once a round has closed, so nobody can
difference two looks at a live round to find one person's answers. Every figure that leaves this module has been
through framework.reviews.suppression: group figures appear only for groups at or above the round's minimum size,
counts and sizes are rounded to 5, means are only as precise as is safe, and hidden groups appear in no total.
Individual answers never leave it, except comments an editor has released, optionally redacted, for shown groups.

The disagreement agenda ranks statements by how far the groups' views diverge. The method: for each statement,
take the mean score (1 = strongly disagree, 5 = strongly agree) of every group whose results are shown; the
divergence is the spread of those means, the highest minus the lowest, so 2.0 means one group sits two whole points
of the scale above another. Ties are broken by the standard deviation of the group means, then by statement order.
A statement needs at least two shown groups to be compared; the others are listed after the ranking."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text
from framework.foundation.measurements import upsert_measurements
from framework.reviews.invitations import over_cap_groups
from framework.reviews.rounds import get_round, round_state
from framework.reviews.suppression import CELLS, MEAN_BASIS_WORDS, suppress_round

CELL_WORDS = {"score_1": "Strongly disagree", "score_2": "Disagree", "score_3": "Neither agree nor disagree",
              "score_4": "Agree", "score_5": "Strongly agree", "dont_know": "Don't know"}
ALL_GROUPS = "All"
ALL_WORDS = "All groups shown"
NOT_YET = "Results are published when the round closes, so that no answer can be worked out by comparing two looks."
LINK_FLAG = ("Hidden and flagged: this group's shared link was used more times than the number of people it was "
             "sent to, so some answers may not be genuine. An editor can check, and raise the link's cap if it was "
             "sent to more people.")


def mean_words(mean: float | None) -> str:
    """A mean score in words, read from the mean rounded to one decimal place as it is shown, so that two means
    shown alike (2.5 and 2.5) never read differently (one 'Disagree', one 'Neither')."""
    if mean is None or mean != mean:
        return "Hidden"
    mean = float(f"{mean:.1f}")
    for limit, words in ((1.5, "Strongly disagree"), (2.5, "Disagree"), (3.5, "Neither agree nor disagree"),
                         (4.5, "Agree")):
        if mean < limit:
            return words
    return "Strongly agree"


# ---- the one place raw answers are read ----------------------------------------------------------------------------

def _raw_counts(con, round_id: int) -> pd.DataFrame:
    """Counts per statement and invited group, zeros included. Private: only suppressed figures leave this module."""
    return read_df(
        con,
        "SELECT rs.statement_code, i.group_code,"
        + ", ".join(f" count(a.score) FILTER (WHERE a.score = {s}) AS score_{s}" for s in range(1, 6))
        + ", count(*) FILTER (WHERE a.dont_know) AS dont_know"
        " FROM review_round_statement rs JOIN review_invite i ON i.round_id = rs.round_id"
        " JOIN stakeholder_group g ON g.group_code = i.group_code"
        " LEFT JOIN review_respondent p ON p.round_id = rs.round_id AND p.group_code = i.group_code"
        " LEFT JOIN review_answer a ON a.respondent_id = p.respondent_id AND a.statement_code = rs.statement_code"
        " WHERE rs.round_id = ? GROUP BY rs.statement_code, i.group_code, rs.sort_order, g.sort_order"
        " ORDER BY rs.sort_order, g.sort_order",
        [round_id],
    )


@lru_cache(maxsize=64)
def _suppressed(key: tuple, min_group: int, withheld: tuple[str, ...]) -> pd.DataFrame:
    counts = pd.DataFrame(list(key), columns=["statement_code", "group_code", *CELLS])
    return suppress_round(counts, min_group, dict.fromkeys(withheld, LINK_FLAG))


def published(info: dict[str, Any] | None) -> bool:
    """Whether a round's results may be shown: only once it has closed."""
    return info is not None and round_state(info) == "closed"


def round_results(con, round_id: int) -> pd.DataFrame:
    """Suppressed results of a closed round: one row per statement and group, plus an 'All' row per statement
    (the shown groups added up). Empty while the round is open or not yet open."""
    info = get_round(con, round_id)
    if not published(info):
        return pd.DataFrame()
    counts = _raw_counts(con, round_id)
    key = tuple(tuple(int(v) if i > 1 else v for i, v in enumerate(row))
                for row in counts[["statement_code", "group_code", *CELLS]].itertuples(index=False))
    flagged = over_cap_groups(con, round_id)
    out = _suppressed(key, int(info["min_group_size"]), tuple(flagged)).copy()
    if out.empty:
        return out
    names = {r["group_code"]: r["name"] for r in read_rows(con, "SELECT group_code, name FROM stakeholder_group")}
    statements = read_df(
        con, "SELECT rs.statement_code, s.theme, s.text, rs.sort_order FROM review_round_statement rs"
        " JOIN review_round r USING (round_id) JOIN review_statement s ON s.system_code = r.system_code"
        " AND s.statement_code = rs.statement_code WHERE rs.round_id = ?", [round_id])
    out = out.merge(statements, on="statement_code", how="left")
    out.insert(2, "group_name", out["group_code"].map(names).fillna(ALL_WORDS))
    out["mean_words"] = [mean_words(m) for m in out["mean"]]
    out["link_flag"] = out["group_code"].isin(flagged)
    return out.sort_values(["sort_order"], kind="stable").reset_index(drop=True)


def group_status(results: pd.DataFrame) -> pd.DataFrame:
    """For each invited group, on how many of the round's statements its results are shown (pure)."""
    groups = results[results["group_code"] != ALL_GROUPS] if not results.empty else results
    if groups.empty:
        return pd.DataFrame(columns=["group_code", "group_name", "statements_shown", "statements"])
    return (groups.groupby(["group_code", "group_name"], sort=False)["shown"]
            .agg(statements_shown="sum", statements="count").reset_index())


def rank_divergence(results: pd.DataFrame) -> pd.DataFrame:
    """Statements ranked by the spread of shown group means (pure; see the module docstring for the method)."""
    columns = ["rank", "statement_code", "text", "groups_compared", "spread", "std_of_means", "highest_group",
               "highest_mean", "lowest_group", "lowest_mean"]
    if results.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    groups = results[(results["group_code"] != ALL_GROUPS)]
    for code, part in groups.groupby("statement_code", sort=False):
        shown = part[part["shown"] & part["mean"].notna()]
        row: dict[str, Any] = {"statement_code": code, "text": part["text"].iloc[0], "groups_compared": len(shown),
                               "order": part["sort_order"].iloc[0] if "sort_order" in part else 0}
        if len(shown) >= 2:
            hi, lo = shown.loc[shown["mean"].idxmax()], shown.loc[shown["mean"].idxmin()]
            row.update(spread=round(float(hi["mean"] - lo["mean"]), 2),
                       std_of_means=round(float(np.std(shown["mean"], ddof=0)), 3),
                       highest_group=hi["group_name"], highest_mean=hi["mean"],
                       lowest_group=lo["group_name"], lowest_mean=lo["mean"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in columns:
        if col not in frame:
            frame[col] = np.nan
    comparable = frame[frame["groups_compared"] >= 2].sort_values(
        ["spread", "std_of_means", "order"], ascending=[False, False, True], kind="stable")
    comparable["rank"] = range(1, len(comparable) + 1)
    rest = frame[frame["groups_compared"] < 2].sort_values("order", kind="stable")
    return pd.concat([comparable, rest], ignore_index=True)[columns]


def divergence(con, round_id: int) -> pd.DataFrame:
    """The disagreement agenda of a round: statements ranked by how far the groups' views diverge."""
    return rank_divergence(round_results(con, round_id))


def previous_round_id(con, round_id: int) -> int | None:
    """The round of the same system that opened most recently before this one."""
    return scalar(
        con.cursor(),
        "SELECT p.round_id FROM review_round r JOIN review_round p ON p.system_code = r.system_code"
        " AND (p.opens_on < r.opens_on OR (p.opens_on = r.opens_on AND p.round_id < r.round_id))"
        " WHERE r.round_id = ? ORDER BY p.opens_on DESC, p.round_id DESC LIMIT 1",
        [round_id],
    )


def change_since_previous(con, round_id: int) -> pd.DataFrame:
    """Mean scores now and in the previous round, for statements and groups shown in both rounds."""
    columns = ["statement_code", "text", "group_code", "group_name", "mean_before", "mean_now", "change", "change_words"]
    previous = previous_round_id(con, round_id)
    if previous is None:
        return pd.DataFrame(columns=columns)
    now, before = round_results(con, round_id), round_results(con, previous)
    if now.empty or before.empty:
        return pd.DataFrame(columns=columns)
    keep = ["statement_code", "group_code", "mean"]
    both = now[now["shown"]][keep + ["text", "group_name"]].merge(
        before[before["shown"]][keep], on=["statement_code", "group_code"], suffixes=("_now", "_before"))
    both["change"] = (both["mean_now"] - both["mean_before"]).round(2)
    both["change_words"] = [
        "No change" if abs(c) < 0.05 else f"Up {c:.1f} points" if c > 0 else f"Down {-c:.1f} points"
        for c in both["change"]]
    return both[columns].reset_index(drop=True)


# ---- comments ---------------------------------------------------------------------------------------------------

def _shown_pairs(con, round_id: int) -> set[tuple[str, str]]:
    results = round_results(con, round_id)
    if results.empty:
        return set()
    shown = results[results["shown"] & (results["group_code"] != ALL_GROUPS)]
    return set(zip(shown["statement_code"], shown["group_code"]))


def _comments(con, round_id: int) -> pd.DataFrame:
    """Every comment of a round. Each gets an opaque key, different for every statement, so nobody can tell which
    comments came from the same person; the respondent id never leaves this module."""
    frame = read_df(
        con,
        "SELECT a.respondent_id, a.statement_code, p.group_code, g.name AS group_name, a.comment, c.released_text,"
        " c.redacted, r.token_salt FROM review_answer a JOIN review_respondent p USING (respondent_id)"
        " JOIN review_round r ON r.round_id = p.round_id JOIN stakeholder_group g ON g.group_code = p.group_code"
        " LEFT JOIN review_comment_release c ON c.respondent_id = a.respondent_id AND c.statement_code = a.statement_code"
        " WHERE p.round_id = ? AND a.comment IS NOT NULL ORDER BY a.statement_code, g.sort_order, a.comment",
        [round_id],
    )
    frame.insert(0, "comment_key", [
        hashlib.sha256(f"{salt}/{rid}/{code}".encode()).hexdigest()[:16]
        for salt, rid, code in zip(frame["token_salt"], frame["respondent_id"], frame["statement_code"])])
    return frame.drop(columns=["token_salt"])


def comments_to_review(con, user: User, round_id: int) -> pd.DataFrame:
    """For editors: comments from groups above the threshold, with whether and how each was released."""
    require(user, "run_reviews")
    frame = _comments(con, round_id)
    shown = _shown_pairs(con, round_id)
    keep = pd.Series([(s, g) in shown for s, g in zip(frame["statement_code"], frame["group_code"])],
                     index=frame.index, dtype=bool)
    return frame[keep].drop(columns=["group_code", "respondent_id"]).reset_index(drop=True)


def release_comment(con, user: User, round_id: int, comment_key: str, released_text: str,
                    reason: str | None = None) -> bool:
    """Release a comment for everyone to read, as written or with identifying details redacted; return whether
    it was redacted. A redaction needs a reason, and both are audited."""
    require(user, "run_reviews")
    text = clean_text(released_text)
    frame = _comments(con, round_id)
    match = frame[frame["comment_key"] == comment_key]
    problems = []
    if match.empty:
        problems.append("That comment is not part of this round.")
    elif not published(get_round(con, round_id)):
        problems.append("Comments can be released once the round has closed and its results are published.")
    elif (match["statement_code"].iloc[0], match["group_code"].iloc[0]) not in _shown_pairs(con, round_id):
        problems.append("That comment comes from a group below the minimum size for this statement, so it cannot "
                        "be released.")
    if not text:
        problems.append("Released text is required; to keep a comment back, do not release it.")
    if problems:
        raise ValidationError(problems)
    original = match["comment"].iloc[0]
    respondent, statement = int(match["respondent_id"].iloc[0]), match["statement_code"].iloc[0]
    redacted = text != original
    if redacted and not clean_text(reason):
        problems.append("Reason is required when you redact a comment, for example 'removed a name'.")
        raise ValidationError(problems)
    system = scalar(con.cursor(), "SELECT system_code FROM review_round WHERE round_id = ?", [round_id])

    def work(cur) -> bool:
        cur.execute("DELETE FROM review_comment_release WHERE respondent_id = ? AND statement_code = ?",
                    [respondent, statement])
        cur.execute("INSERT INTO review_comment_release (respondent_id, statement_code, released_text, redacted,"
                    " released_by) VALUES (?, ?, ?, ?, ?)", [respondent, statement, text, redacted, user.user_id])
        audit.record(cur, user, "redact_and_release" if redacted else "release", "review_comment",
                     f"{round_id}/{statement}", system_code=system,
                     before={"characters": len(original)}, after={"released_text": text, "redacted": redacted},
                     reason=clean_text(reason))
        return redacted

    return transaction(con, work)


def withdraw_comment(con, user: User, round_id: int, comment_key: str, reason: str | None = None) -> None:
    """Take a released comment back out of the results."""
    require(user, "run_reviews")
    match = _comments(con, round_id)
    match = match[match["comment_key"] == comment_key]
    if match.empty:
        raise ValidationError(["That comment is not part of this round."])
    respondent, statement = int(match["respondent_id"].iloc[0]), match["statement_code"].iloc[0]
    system = scalar(con.cursor(), "SELECT system_code FROM review_round WHERE round_id = ?", [round_id])

    def work(cur) -> None:
        cur.execute("DELETE FROM review_comment_release WHERE respondent_id = ? AND statement_code = ?",
                    [respondent, statement])
        audit.record(cur, user, "withdraw", "review_comment", f"{round_id}/{statement}", system_code=system,
                     reason=clean_text(reason))

    transaction(con, work)


def released_comments(con, round_id: int) -> pd.DataFrame:
    """Released comments grouped by statement, only for groups above the threshold; no individual is indicated."""
    frame = _comments(con, round_id)
    shown = _shown_pairs(con, round_id)
    keep = frame["released_text"].notna() & pd.Series(
        [(s, g) in shown for s, g in zip(frame["statement_code"], frame["group_code"])], index=frame.index, dtype=bool)
    out = frame[keep][["statement_code", "group_name", "released_text", "redacted"]]
    return out.sort_values(["statement_code", "group_name", "released_text"]).reset_index(drop=True)


# ---- the Excel return and perception indicators --------------------------------------------------------------------

SHEET_COLUMNS = {"round_title": "Review round", "closes_on": "Closes", "statement_code": "Statement code",
                 "text": "Statement", "group_name": "Group", "n": "People rating (rounded to 5)",
                 "mean": "Mean score (1-5)", "mean_basis": "Mean given", "mean_words": "Mean in words",
                 "pct_agree": "% agree (from rounded counts)",
                 **{c: f"{CELL_WORDS[c]} (rounded to 5)" for c in CELLS}, "note": "Note"}


def review_sheet(con, system_code: str) -> pd.DataFrame:
    """Suppressed aggregates of every closed round of the system, for the Excel return: hidden figures are blank,
    counts are rounded to 5 and no total includes a hidden group."""
    frames = []
    for r in read_rows(con, "SELECT round_id, title, closes_on FROM review_round WHERE system_code = ?"
                       " ORDER BY opens_on, round_id", [system_code]):
        results = round_results(con, r["round_id"])
        if results.empty:
            continue
        results["round_title"], results["closes_on"] = r["title"], r["closes_on"]
        results["mean_basis"] = results["mean_basis"].map(MEAN_BASIS_WORDS)
        frames.append(results)
    if not frames:
        return pd.DataFrame(columns=list(SHEET_COLUMNS.values()))
    out = pd.concat(frames, ignore_index=True)
    return out[list(SHEET_COLUMNS)].rename(columns=SHEET_COLUMNS)


FEED_COLUMNS = {"indicator_code": "Measure", "indicator_name": "Name", "statement_code": "Statement",
                "group_code": "Group"}


def indicator_feeds(con, system_code: str) -> pd.DataFrame:
    """Which perception indicators are fed from which statement and group."""
    return read_df(con, "SELECT f.indicator_code, i.name AS indicator_name, f.statement_code, f.group_code"
                   " FROM review_indicator_feed f LEFT JOIN indicator i USING (system_code, indicator_code)"
                   " WHERE f.system_code = ? ORDER BY f.indicator_code", [system_code])


def link_indicator(con, user: User, system_code: str, indicator_code: str, statement_code: str, group_code: str,
                   name: str | None = None) -> None:
    """Feed a perception indicator from '% of <group> who agree with <statement>'; create it when it is new."""
    require(user, "run_reviews")
    code = clean_text(indicator_code)
    problems = []
    statement = read_rows(con, "SELECT text FROM review_statement WHERE system_code = ? AND statement_code = ?",
                          [system_code, statement_code])
    if not statement:
        problems.append(f"Statement {statement_code!r} is not in the library.")
    groups = {r["group_code"]: r["name"] for r in read_rows(con, "SELECT group_code, name FROM stakeholder_group")}
    if group_code != ALL_GROUPS and group_code not in groups:
        problems.append(f"Group {group_code!r} is not a stakeholder group, nor 'All'.")
    if not code or len(code) > 30 or not code.replace("-", "").replace("_", "").replace(".", "").isalnum():
        problems.append("Indicator code is required: letters, digits, '-', '_' and '.', up to 30 characters.")
    existing = read_rows(con, "SELECT kind FROM indicator WHERE system_code = ? AND indicator_code = ?", [system_code, code])
    if existing and existing[0]["kind"] != "perception":
        problems.append(f"Indicator {code} is a {existing[0]['kind']} measure; only a perception measure can be fed "
                        "from a review.")
    if problems:
        raise ValidationError(problems)
    who = ALL_WORDS.lower() if group_code == ALL_GROUPS else groups[group_code]
    title = clean_text(name) or f"% of {who} who agree: {statement[0]['text']}"[:200]
    outcome = scalar(con.cursor(), "SELECT min(outcome_code) FROM review_statement_outcome WHERE system_code = ?"
                     " AND statement_code = ?", [system_code, statement_code])

    def work(cur) -> None:
        if not existing:
            from framework.foundation.indicators import insert_indicators

            insert_indicators(cur, system_code, [{
                "indicator_code": code, "outcome_code": outcome, "name": title, "unit": "%",
                "direction": "higher_is_better", "kind": "perception", "status": "active",
                "definition": f"Stakeholder review: share of {who} rating statement {statement_code} 4 or 5 out of "
                              "5, among those who gave a rating.",
                "source": "Stakeholder review", "source_ref": f"review:{statement_code}:{group_code}",
                "frequency": "each review round"}])
        cur.execute("INSERT OR REPLACE INTO review_indicator_feed VALUES (?, ?, ?, ?)",
                    [system_code, code, statement_code, group_code])
        audit.record(cur, user, "link", "review_indicator_feed", f"{system_code}/{code}", system_code=system_code,
                     after={"statement_code": statement_code, "group_code": group_code, "created": not existing})

    transaction(con, work)


def feed_indicators(con, user: User, round_id: int) -> dict[str, str]:
    """Add this closed round's suppressed '% agree' figures to every linked perception indicator, as one
    measurement per round; return what happened to each indicator, in words."""
    require(user, "run_reviews")
    info = get_round(con, round_id)
    if info is None:
        raise ValidationError([f"There is no review round {round_id}."])
    if round_state(info) != "closed":
        raise ValidationError(["The round is still open; close it first so its results are final."])
    system = info["system_code"]
    area = scalar(con.cursor(), "SELECT coalesce((SELECT min(area_code) FROM system_area WHERE system_code = ?"
                  " AND role = 'system'), (SELECT icb_code FROM system WHERE system_code = ?))", [system, system])
    results = round_results(con, round_id)
    rows, outcome = [], {}
    for feed in indicator_feeds(con, system).to_dict("records"):
        match = results[(results["statement_code"] == feed["statement_code"])
                        & (results["group_code"] == feed["group_code"])]
        if match.empty:
            outcome[feed["indicator_code"]] = "Not asked in this round."
            continue
        r = match.iloc[0]
        if not r["shown"] or pd.isna(r["pct_agree"]):
            outcome[feed["indicator_code"]] = "Not added: the group's result is hidden to keep answers confidential."
            continue
        rows.append({"system_code": system, "indicator_code": feed["indicator_code"], "area_code": area,
                     "period_label": info["title"], "period_start": info["opens_on"], "period_end": info["closes_on"],
                     "value": r["pct_agree"], "denominator": r["n"],
                     "value_note": f"From the stakeholder review '{info['title']}'"})
        outcome[feed["indicator_code"]] = f"Added {r['pct_agree']:.0f}% agree from about {int(r['n'])} people."
    if not rows:
        return outcome

    def work(cur) -> None:
        batch = insert_returning(cur, "INSERT INTO import_batch (system_code, file_name, file_format, imported_by, rows_new)"
                       " VALUES (?, ?, 'review', ?, ?) RETURNING batch_id",
                       [system, f"review round {round_id}", user.user_id, len(rows)])
        upsert_measurements(cur, pd.DataFrame(rows), batch)
        audit.record(cur, user, "feed_indicators", "review_round", str(round_id), system_code=system, after=outcome)

    transaction(con, work)
    return outcome
