"""Statistical disclosure control for stakeholder reviews: pure functions that decide which figures may be shown.

The rules, in words (docs/security.md explains why each one is there):
- **Minimum group size.** A group's figures for a statement can appear only when at least the round's minimum number
  of people in that group gave a rating from 1 to 5. The default is 10; it can be set per round, never below 5.
- **Nothing exact.** Every count, and the number of people rating, is rounded to the nearest 5 (0-2 shows as 0,
  3-7 as 5, 8-12 as 10, ...). The % agreeing is worked out from the rounded counts, so it adds nothing to them.
- **The mean only as precise as is safe.** A group's mean score is given to 1 decimal place, or else to the nearest
  half point, or else worked out from the rounded counts: the finest of these for which *every* table of answers
  that rounds to the same published counts would still leave each count with at least two possible values.
- **A group is shown only when its rounded figures are safe.** If the published rounded counts and size would pin
  any count to one possible value (for example five counts of "0" that must each be 2 because the group reached
  10), the group is hidden instead.
- **Stuffed links are withheld.** A group whose shared link was used more times than the people it was sent to is
  hidden and flagged: fake answers whose values the sender knows would otherwise let them subtract their way to the
  real ones.
- **Hidden groups add nothing.** A hidden group appears in no figure at all. The "all groups" row adds up the
  shown groups' published rounded counts, so it tells nobody anything new.

Every decision above is a function of figures that are themselves published (the rounded counts and size), never
of the exact answers, so an attacker who re-runs these rules on every candidate table learns nothing from which
rule applied. The property this gives, proved by an enumerating attacker in tests/test_suppression.py: for every
published figure set, every table of whole-number counts consistent with it leaves each count of each shown group,
and each count of each hidden group, with at least two possible values.

Nothing here touches the database: the functions take counts and return what may be published.
"""
from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import pandas as pd

MIN_GROUP_DEFAULT = 10
MIN_GROUP_FLOOR = 5
ROUND_BASE = 5
SCORES = (1, 2, 3, 4, 5)
SCORE_CELLS = tuple(f"score_{s}" for s in SCORES)
CELLS = (*SCORE_CELLS, "dont_know")
ALL = "All"
SUMMARIES = ("n", "mean", "pct_agree")
OUTPUT_COLUMNS = ("group_code", "shown", "n", "mean", "mean_basis", "pct_agree") + CELLS + ("note",)
MEAN_BASES = ("tenth", "half", "rounded_counts")
MEAN_BASIS_WORDS = {"tenth": "to 1 decimal place", "half": "to the nearest half point",
                    "rounded_counts": "worked out from the rounded counts"}

NOTE_HIDDEN = "Hidden: too few people answered to show this group's results safely."
NOTE_SHOWN = "Counts and the number of people are rounded to the nearest 5."
NOTE_ALL = "The shown groups added up, from their rounded counts; hidden groups are left out."


def check_min_group_size(value: object) -> list[str]:
    """Problems with a proposed minimum group size, as sentences; empty when it is acceptable."""
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return [f"Minimum group size {value!r} is not a whole number; expected {MIN_GROUP_FLOOR} or more."]
    if number != value and not (isinstance(value, float) and value.is_integer()) and not isinstance(value, str):
        return [f"Minimum group size {value!r} is not a whole number; expected {MIN_GROUP_FLOOR} or more."]
    if number < MIN_GROUP_FLOOR:
        return [f"Minimum group size is {number}; it can never be below {MIN_GROUP_FLOOR}, to keep answers confidential."]
    return []


def effective_min(min_group: int) -> int:
    """The minimum group size actually applied: never below the floor, whatever is asked."""
    return max(int(min_group), MIN_GROUP_FLOOR)


def round5(values):
    """Whole numbers rounded to the nearest 5 (halves cannot occur: 0-2 -> 0, 3-7 -> 5, 8-12 -> 10)."""
    return (np.asarray(values, dtype=np.int64) + 2) // ROUND_BASE * ROUND_BASE


def rounding_range(published: int) -> range:
    """Every whole number that rounds to a published multiple of 5."""
    return range(max(0, published - 2), published + 3)


# ---- decisions taken from published figures only -------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _candidates(rounded_scores: tuple[int, ...], rounded_n: int, minimum: int) -> np.ndarray:
    """Every set of score counts (rows) that rounds to the published counts and size of a shown group."""
    grid = np.array(list(itertools.product(*(rounding_range(r) for r in rounded_scores))), dtype=np.int64)
    n = grid.sum(axis=1)
    keep = (n >= max(minimum, rounded_n - 2)) & (n <= rounded_n + 2)
    return grid[keep]


def _every_cell_open(rows: np.ndarray) -> bool:
    """Whether each column takes at least two values across the rows."""
    return len(rows) > 0 and bool((rows.max(axis=0) > rows.min(axis=0)).all())


@lru_cache(maxsize=4096)
def counts_are_safe(rounded_scores: tuple[int, ...], rounded_n: int, minimum: int) -> bool:
    """Whether publishing these rounded counts and size leaves every score count with two or more possible values."""
    return _every_cell_open(_candidates(rounded_scores, rounded_n, minimum))


def _mean_key(scores: np.ndarray, basis: str) -> np.ndarray:
    """The published mean, as a whole number of tenths or halves, computed exactly from whole counts."""
    n = scores.sum(axis=1)
    total = (scores * np.array(SCORES)).sum(axis=1)
    safe_n = np.where(n > 0, n, 1)
    if basis == "tenth":
        return (20 * total + safe_n) // (2 * safe_n)
    return (4 * total + safe_n) // (2 * safe_n)


@lru_cache(maxsize=4096)
def mean_basis(rounded_scores: tuple[int, ...], rounded_n: int, minimum: int) -> str:
    """The finest mean that is safe for every table with these published counts: 'tenth', 'half' or
    'rounded_counts' (the mean of the rounded counts, which adds nothing to them)."""
    rows = _candidates(rounded_scores, rounded_n, minimum)
    for basis in ("tenth", "half"):
        keys = _mean_key(rows, basis)
        if all(_every_cell_open(rows[keys == k]) for k in np.unique(keys)):
            return basis
    return "rounded_counts"


def _distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a table of small whole numbers, and for each row the index of its distinct row."""
    base = int(rows.max()) + 1 if rows.size else 1
    if base ** rows.shape[1] < 2 ** 62:  # one whole number per row: much faster than comparing rows
        codes = rows @ (base ** np.arange(rows.shape[1], dtype=np.int64))
        _, first, back = np.unique(codes, return_index=True, return_inverse=True)
        return rows[first], back
    return np.unique(rows, axis=0, return_inverse=True)


# ---- the publication rule ------------------------------------------------------------------------------------------

def publish_cells(cells, min_group: int = MIN_GROUP_DEFAULT) -> dict[str, np.ndarray]:
    """What may be published for groups' whole-number counts (one row per group, columns as CELLS).

    Returns arrays: shown, n (rounded), mean, mean_basis (index into MEAN_BASES), pct_agree, and each count rounded;
    figures of hidden groups are NaN. Vectorised, so the same rule serves the app and the attacker in the tests."""
    minimum = effective_min(min_group)
    table = np.atleast_2d(np.asarray(cells, dtype=np.int64))
    if table.shape[1] != len(CELLS):
        raise ValueError(f"Expected {len(CELLS)} counts per group ({', '.join(CELLS)}).")
    if (table < 0).any():
        raise ValueError("Counts cannot be negative.")
    scores = table[:, :5]
    n = scores.sum(axis=1)
    rounded = round5(table)
    rounded_n = round5(n)
    shown = np.zeros(len(table), dtype=bool)
    basis = np.full(len(table), -1)
    big = np.flatnonzero(n >= minimum)
    if len(big):  # decide once for each distinct published key, then spread the decisions back
        keys, back = _distinct_rows(np.column_stack([rounded[big, :5], rounded_n[big]]) // ROUND_BASE)
        keys = keys * ROUND_BASE
        safe, finest = np.zeros(len(keys), dtype=bool), np.full(len(keys), -1)
        for k, key in enumerate(keys):
            published = (tuple(int(v) for v in key[:5]), int(key[5]), minimum)
            if counts_are_safe(*published):
                safe[k], finest[k] = True, MEAN_BASES.index(mean_basis(*published))
        back = np.asarray(back).ravel()
        shown[big], basis[big] = safe[back], finest[back]
    out: dict[str, np.ndarray] = {"shown": shown, "mean_basis": basis}
    out["n"] = np.where(shown, rounded_n, np.nan)
    for j, cell in enumerate(CELLS):
        out[cell] = np.where(shown, rounded[:, j], np.nan)
    rounded_scores = rounded[:, :5]
    rounded_total = rounded_scores.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        from_rounded = (rounded_scores * np.array(SCORES)).sum(axis=1) / rounded_total
        pct = np.round(100 * (rounded[:, 3] + rounded[:, 4]) / rounded_total)
        mean = np.where(basis == 0, _mean_key(scores, "tenth") / 10,
                        np.where(basis == 1, _mean_key(scores, "half") / 2, np.round(from_rounded, 1)))
    out["mean"] = np.where(shown & (rounded_total > 0), mean, np.nan)
    out["pct_agree"] = np.where(shown & (rounded_total > 0), pct, np.nan)
    return out


def _all_row(rows: list[dict]) -> dict:
    """The shown groups added up from their published rounded counts (nothing new is revealed)."""
    shown = [r for r in rows if r["shown"]]
    row: dict = {"group_code": ALL, "shown": bool(shown)}
    if not shown:
        return {**row, **dict.fromkeys(SUMMARIES + CELLS, float("nan")), "mean_basis": None, "note": NOTE_HIDDEN}
    for cell in CELLS:
        row[cell] = float(sum(r[cell] for r in shown))
    row["n"] = float(sum(r["n"] for r in shown))
    total = sum(row[c] for c in SCORE_CELLS)
    row["mean"] = round(sum(s * row[c] for s, c in zip(SCORES, SCORE_CELLS)) / total, 1) if total else float("nan")
    row["pct_agree"] = float(round(100 * (row["score_4"] + row["score_5"]) / total)) if total else float("nan")
    row["mean_basis"] = "rounded_counts"
    row["note"] = NOTE_ALL
    return row


def suppress_statement(counts: pd.DataFrame, min_group: int = MIN_GROUP_DEFAULT,
                       withheld: dict[str, str] | None = None) -> pd.DataFrame:
    """What may be published for one statement.

    counts: one row per group (index: group code), columns score_1..score_5 and dont_know, whole numbers.
    withheld: groups to hide whatever their size, each with the note saying why.
    Returns one row per group plus an "All" row (the shown groups added up): shown, n, mean, mean_basis,
    pct_agree, each count rounded to 5 (NaN when hidden), and a note in words."""
    withheld = withheld or {}
    table = counts.reindex(columns=list(CELLS)).fillna(0).astype(int)
    groups = [str(g) for g in table.index if str(g) != ALL]
    table.index = [str(g) for g in table.index]
    figures = publish_cells(table.loc[groups].to_numpy() if groups else np.zeros((0, 6)), min_group)
    rows = []
    for i, group in enumerate(groups):
        shown = bool(figures["shown"][i]) and group not in withheld
        row = {"group_code": group, "shown": shown}
        for name in SUMMARIES + CELLS:
            row[name] = float(figures[name][i]) if shown else float("nan")
        row["mean_basis"] = MEAN_BASES[figures["mean_basis"][i]] if shown else None
        row["note"] = withheld.get(group) or (NOTE_SHOWN if shown else NOTE_HIDDEN)
        rows.append(row)
    rows.append(_all_row(rows))
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def suppress_round(counts: pd.DataFrame, min_group: int = MIN_GROUP_DEFAULT,
                   withheld: dict[str, str] | None = None) -> pd.DataFrame:
    """Suppress every statement of a round.

    counts: long table with statement_code, group_code, score_1..score_5, dont_know.
    Returns the suppress_statement() rows with a statement_code column, groups in their given order."""
    if counts.empty:
        return pd.DataFrame(columns=["statement_code", *OUTPUT_COLUMNS])
    frames = []
    for code, part in counts.groupby("statement_code", sort=False):
        out = suppress_statement(part.set_index("group_code")[list(CELLS)], min_group, withheld)
        out.insert(0, "statement_code", code)
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


def counts_from_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Tally individual answers (statement_code, group_code, score or NaN, dont_know) into count columns."""
    if answers.empty:
        return pd.DataFrame(columns=["statement_code", "group_code", *CELLS])
    frame = answers.copy()
    for s in SCORES:
        frame[f"score_{s}"] = (frame["score"] == s).astype(int)
    frame["dont_know"] = frame["dont_know"].astype(bool).astype(int)
    return frame.groupby(["statement_code", "group_code"], sort=False)[list(CELLS)].sum().reset_index()
