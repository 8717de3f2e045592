"""Statistical disclosure control for stakeholder reviews: pure functions that decide which figures may be shown.

The rules, in words:
- **Minimum group size.** A group's figures for a statement appear only when at least the round's minimum number of
  people in that group gave a rating from 1 to 5. The default is 10; it can be set per round, never below 5.
- **Small counts.** In a distribution, a count of 1 to 7 people is hidden. Zero is shown: "nobody" reveals no one.
- **Secondary suppression.** Every published figure (counts, group sizes, means, % agreeing, and the same for all
  groups together) is a linear equation over the hidden counts. A hidden count, or a hidden group's size or total,
  must never be the unique solution of those equations: otherwise it could be worked out by subtraction from the
  totals or from the other groups. The check assumes the attacker also knows every zero count (counts cannot be
  negative, so a hidden set of counts whose total is known to be zero gives itself away). While any can, one more figure is hidden, the all-groups figures first, then the
  smallest counts of other groups, until none can.

Nothing here touches the database: the functions take counts and return what may be published, so they can be
tested against every attack we can think of.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_GROUP_DEFAULT = 10
MIN_GROUP_FLOOR = 5
SMALL_COUNT_MAX = 7  # counts of 1..7 are hidden
SCORES = (1, 2, 3, 4, 5)
CELLS = ("score_1", "score_2", "score_3", "score_4", "score_5", "dont_know")
ALL = "All"
SUMMARIES = ("n", "mean", "pct_agree")
OUTPUT_COLUMNS = ("group_code", "shown", "n", "mean", "pct_agree") + CELLS + ("note",)

NOTE_SMALL_GROUP = "Fewer people than the minimum answered, so this group's results are hidden."
NOTE_SECONDARY = "Hidden so that a small group's answers cannot be worked out from the other figures."


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


def is_small_count(count: float) -> bool:
    """Whether a distribution count must be hidden (1 to 7 people)."""
    return 1 <= count <= SMALL_COUNT_MAX


@dataclass(frozen=True)
class _Item:
    """One figure that could be published: its key, value, linear form over the counts, and sacrifice order."""

    key: tuple[str, str]
    value: float
    form: np.ndarray
    priority: tuple


def _forms(groups: list[str]) -> tuple[dict[tuple[str, str], np.ndarray], int]:
    """Linear forms over the unknown counts x[group, cell] for every figure of every group and of all groups."""
    width = len(groups) * len(CELLS)
    forms: dict[tuple[str, str], np.ndarray] = {}

    def index(g: int, cell: str) -> int:
        return g * len(CELLS) + CELLS.index(cell)

    for who in groups + [ALL]:
        rows = range(len(groups)) if who == ALL else [groups.index(who)]
        for cell in CELLS:
            f = np.zeros(width)
            for g in rows:
                f[index(g, cell)] = 1
            forms[(who, cell)] = f
        n = sum(forms[(who, f"score_{s}")] for s in SCORES)
        forms[(who, "n")] = n
        forms[(who, "mean")] = sum(s * forms[(who, f"score_{s}")] for s in SCORES)  # the score total
        forms[(who, "pct_agree")] = forms[(who, "score_4")] + forms[(who, "score_5")]
    return forms, width


class _Span:
    """What a set of published linear forms pins down exactly.

    Forms with a single count (a published count, or a known zero) fix that count; they are substituted out, and
    the rest is reduced once to an orthonormal basis of its row space, so each question is a projection."""

    def __init__(self, published: list[np.ndarray], width: int) -> None:
        a = np.vstack(published) if published else np.zeros((0, width))
        single = (a != 0).sum(axis=1) == 1
        known = np.zeros(width, dtype=bool)
        if single.any():
            known[np.nonzero(a[single])[1]] = True
        self.unknown = ~known
        rest = a[~single][:, self.unknown]
        rest = rest[rest.any(axis=1)] if rest.size else rest
        if rest.shape[0] and rest.shape[1]:
            _, sv, vt = np.linalg.svd(rest, full_matrices=False)
            self.basis = vt[sv > 1e-9 * max(sv.max(), 1)]
        else:
            self.basis = np.zeros((0, int(self.unknown.sum())))

    def pins(self, target: np.ndarray) -> bool:
        """Whether the target form's value follows exactly from what is published."""
        t = target[self.unknown]
        if not t.any():
            return True
        residual = t - self.basis.T @ (self.basis @ t)
        return bool(np.linalg.norm(residual) < 1e-7 * np.linalg.norm(t))


def _determinable(published: list[np.ndarray], target: np.ndarray) -> bool:
    """Whether the published linear forms pin down the target form exactly."""
    return _Span(published, len(target)).pins(target)


def _figures(counts: pd.Series) -> dict[str, float]:
    n = float(sum(counts[f"score_{s}"] for s in SCORES))
    total = float(sum(s * counts[f"score_{s}"] for s in SCORES))
    agree = float(counts["score_4"] + counts["score_5"])
    out = {cell: float(counts[cell]) for cell in CELLS}
    out["n"] = n
    out["mean"] = round(total / n, 2) if n else float("nan")
    out["pct_agree"] = round(100 * agree / n, 1) if n else float("nan")
    return out


def suppress_statement(counts: pd.DataFrame, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """What may be published for one statement.

    counts: one row per group (index: group code), columns score_1..score_5 and dont_know, whole numbers.
    Returns one row per group plus an "All" row: shown (bool), n, mean, pct_agree, each count (NaN when hidden),
    and a note in words. Hidden figures are NaN, never the true value."""
    minimum = effective_min(min_group)
    table = counts.reindex(columns=list(CELLS)).fillna(0).astype(int)
    if (table.to_numpy() < 0).any():
        raise ValueError("Counts cannot be negative.")
    groups = [str(g) for g in table.index if str(g) != ALL]
    table.index = [str(g) for g in table.index]
    total = table.loc[groups].sum() if groups else pd.Series(0, index=list(CELLS))
    values = {g: _figures(table.loc[g]) for g in groups}
    values[ALL] = _figures(total)
    forms, width = _forms(groups)

    shown_rows = {who: values[who]["n"] >= minimum for who in groups + [ALL]}
    hidden_groups = [g for g in groups if not shown_rows[g]]
    residual = {cell: sum(values[g][cell] for g in hidden_groups) for cell in CELLS + ("n",)}
    if 0 < residual["n"] < minimum:
        # All groups minus the shown groups would be a figure for fewer people than the minimum.
        shown_rows[ALL] = False
    items: dict[tuple[str, str], _Item] = {}
    for who in groups + [ALL]:
        if not shown_rows[who]:
            continue
        is_all = who == ALL
        for cell in CELLS:
            v = values[who][cell]
            if is_small_count(v):
                continue
            # Sacrifice order: all-groups counts first, then other groups' smallest counts, then summaries.
            items[(who, cell)] = _Item((who, cell), v, forms[(who, cell)], (0 if is_all else 2, v, who, cell))
        for rank, name in enumerate(("pct_agree", "mean", "n")):
            items[(who, name)] = _Item((who, name), values[who][name], forms[(who, name)],
                                       (1 if is_all else 3, rank, who, name))

    protected: list[tuple[tuple[str, str], np.ndarray]] = []
    for who in groups:
        hidden_cells = [c for c in CELLS if (who, c) not in items]
        for cell in hidden_cells:
            if values[who][cell]:
                protected.append(((who, cell), forms[(who, cell)]))
        if not shown_rows[who] and values[who]["n"]:
            protected += [((who, "n"), forms[(who, "n")]), ((who, "mean"), forms[(who, "mean")])]
    if not shown_rows[ALL] and values[ALL]["n"]:
        protected.append(((ALL, "n"), forms[(ALL, "n")]))
    if len(hidden_groups) > 1:  # the hidden groups together: their small counts must not be recoverable either
        for cell in CELLS:
            if is_small_count(residual[cell]):
                protected.append(((ALL, f"rest_{cell}"), sum(forms[(g, cell)] for g in hidden_groups)))

    # Counts cannot be negative, so hidden cells whose known total is zero are known to be zero. To be safe
    # against that and similar reasoning, the check assumes an attacker knows every zero count.
    zeros = [forms[(g, c)] for g in groups for c in CELLS if values[g][c] == 0]

    def exposed(current: dict[tuple[str, str], _Item]) -> list[tuple[tuple[str, str], np.ndarray]]:
        span = _Span([i.form for i in current.values()] + zeros, width)
        return [(key, form) for key, form in protected if span.pins(form)]

    # A figure already given away by the zeros alone can only be zero itself, so there is nothing to protect.
    span_of_zeros = _Span(zeros, width)
    protected = [(key, form) for key, form in protected if not span_of_zeros.pins(form)]
    while True:
        leaks = exposed(items)
        if not leaks or not items:
            break
        target_key, target = leaks[0]
        order = sorted(items.values(), key=lambda i: i.priority)
        chosen = None
        # A group's own size, mean and % agree are tried only after every count and all-groups figure.
        quick = [i for i in order if not (i.key[0] != ALL and i.key[1] in SUMMARIES)]
        last = [i for i in order if i.key[0] != ALL and i.key[1] in SUMMARIES]
        for candidate in quick + last:
            trial = [i.form for k, i in items.items() if k != candidate.key] + zeros
            if not _determinable(trial, target):
                chosen = candidate
                break
        if chosen is None:  # no single figure suffices: widen the hidden set around the leak, counts first
            def fallback(i: _Item, leak: str = target_key[0]) -> tuple:
                who, name = i.key
                is_cell = name in CELLS
                tier = 0 if (is_cell and who == leak) else 1 if (is_cell and who == ALL) else \
                    2 if is_cell else 3 if who == ALL else 4
                return (tier, i.priority)
            chosen = min(items.values(), key=fallback)
        del items[chosen.key]

    rows = []
    for who in groups + [ALL]:
        shown = (who, "n") in items
        row = {"group_code": who, "shown": shown}
        for name in SUMMARIES + CELLS:
            row[name] = items[(who, name)].value if (who, name) in items else float("nan")
        if not shown:
            for name in SUMMARIES + CELLS:
                row[name] = float("nan")
            row["note"] = NOTE_SMALL_GROUP if not shown_rows[who] else NOTE_SECONDARY
        elif any((who, c) not in items and values[who][c] for c in CELLS):
            row["note"] = "Counts of 1 to 7 people are hidden."
        else:
            row["note"] = ""
        rows.append(row)
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS))


def suppress_round(counts: pd.DataFrame, min_group: int = MIN_GROUP_DEFAULT) -> pd.DataFrame:
    """Suppress every statement of a round.

    counts: long table with statement_code, group_code, score_1..score_5, dont_know.
    Returns the suppress_statement() rows with a statement_code column, groups in their given order."""
    if counts.empty:
        return pd.DataFrame(columns=["statement_code", *OUTPUT_COLUMNS])
    frames = []
    for code, part in counts.groupby("statement_code", sort=False):
        out = suppress_statement(part.set_index("group_code")[list(CELLS)], min_group)
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
