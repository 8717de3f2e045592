"""Suppression as pure functions: minimum group size, hidden small counts, and secondary suppression that stops
a hidden figure being worked out by subtraction from totals or from the other groups."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from framework.reviews.suppression import (
    ALL,
    CELLS,
    MIN_GROUP_FLOOR,
    check_min_group_size,
    counts_from_answers,
    effective_min,
    suppress_round,
    suppress_statement,
)


def table(rows: dict[str, list[int]]) -> pd.DataFrame:
    """Counts per group: [strongly disagree, disagree, neither, agree, strongly agree, don't know]."""
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(CELLS))


def published(out: pd.DataFrame, group: str) -> pd.Series:
    return out.set_index("group_code").loc[group]


# ---- an attacker who knows the rules and has every published figure ----------------------------------------------

def attack_equations(out: pd.DataFrame, groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every published figure as a linear equation over the true counts x[group, cell]."""
    width = len(groups) * len(CELLS)
    rows, values = [], []

    def form(who: str, weights: dict[str, float]) -> np.ndarray:
        f = np.zeros(width)
        members = groups if who == ALL else [who]
        for g in members:
            for cell, w in weights.items():
                f[groups.index(g) * len(CELLS) + CELLS.index(cell)] = w
        return f

    for r in out.to_dict("records"):
        who = r["group_code"]
        for cell in CELLS:
            if not pd.isna(r[cell]):
                rows.append(form(who, {cell: 1})), values.append(r[cell])
        if not pd.isna(r["n"]):
            rows.append(form(who, {f"score_{s}": 1 for s in range(1, 6)})), values.append(r["n"])
            if not pd.isna(r["mean"]):
                rows.append(form(who, {f"score_{s}": s for s in range(1, 6)})), values.append(r["mean"] * r["n"])
            if not pd.isna(r["pct_agree"]):
                rows.append(form(who, {"score_4": 1, "score_5": 1})), values.append(r["pct_agree"] * r["n"] / 100)
    return (np.vstack(rows) if rows else np.zeros((0, width))), np.array(values)


def recoverable(a: np.ndarray, target: np.ndarray) -> bool:
    """Whether the target combination of counts is pinned down exactly by the equations."""
    if a.shape[0] == 0:
        return False
    return np.linalg.matrix_rank(np.vstack([a, target])) == np.linalg.matrix_rank(a)


def assert_confidential(counts: pd.DataFrame, out: pd.DataFrame, minimum: int) -> None:
    """The checks every published table must pass, whatever the input."""
    groups = [str(g) for g in counts.index]
    truth = counts.copy()
    truth.index = groups
    for r in out.to_dict("records"):
        if r["shown"]:
            assert r["n"] >= minimum, f"{r['group_code']} shown with only {r['n']} people"
        for cell in CELLS:
            value = r[cell]
            assert pd.isna(value) or value == 0 or value >= 8, f"{r['group_code']} {cell} shows {value}"
            if not pd.isna(value) and r["group_code"] != ALL:
                assert value == truth.loc[r["group_code"], cell], "a published count must be the true count"
    a, _ = attack_equations(out, groups)
    width = len(groups) * len(CELLS)
    # the attacker is also given every zero count: counts cannot be negative, so zeros can often be deduced
    zeros = [np.eye(width)[gi * len(CELLS) + ci] for gi, g in enumerate(groups) for ci, c in enumerate(CELLS)
             if truth.loc[g, c] == 0]
    a = np.vstack([a, *zeros]) if zeros else a
    for gi, g in enumerate(groups):
        row = published(out, g)
        n_true = int(truth.loc[g, [f"score_{s}" for s in range(1, 6)]].sum())
        for ci, cell in enumerate(CELLS):
            small = 1 <= truth.loc[g, cell] <= 7 or (not row["shown"] and truth.loc[g, cell] > 0)
            if pd.isna(row[cell]) and small:
                target = np.zeros(width)
                target[gi * len(CELLS) + ci] = 1
                assert not recoverable(a, target), f"hidden {cell} of {g} can be worked out"
        if not row["shown"] and n_true:
            target = np.zeros(width)
            target[gi * len(CELLS):gi * len(CELLS) + 5] = 1
            assert not recoverable(a, target), f"the size of hidden group {g} can be worked out"


# ---- the rules one by one ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, ok", [(10, True), (5, True), ("7", True), (4, False), (0, False), (-3, False),
                                       ("ten", False), (None, False)])
def test_minimum_group_size_is_a_whole_number_never_below_five(value, ok):
    problems = check_min_group_size(value)
    assert (problems == []) is ok
    if not ok:
        assert "Minimum group size" in problems[0]


def test_asking_for_a_minimum_below_five_still_applies_five():
    assert effective_min(2) == MIN_GROUP_FLOOR
    out = suppress_statement(table({"a": [0, 0, 4, 0, 0, 0], "b": [10, 10, 10, 10, 10, 0]}), min_group=2)
    assert not published(out, "a")["shown"]


@pytest.mark.parametrize("size, shown", [(9, False), (10, True), (11, True)])
def test_a_group_is_shown_only_from_the_minimum_size(size, shown):
    counts = table({"small": [0, 0, size, 0, 0, 0], "big": [20, 20, 20, 20, 20, 0], "other": [9, 9, 9, 9, 9, 0]})
    out = suppress_statement(counts, 10)
    assert bool(published(out, "small")["shown"]) is shown
    assert_confidential(counts, out, 10)


def test_the_default_minimum_is_ten():
    counts = table({"a": [0, 0, 9, 0, 0, 0], "b": [0, 0, 10, 0, 0, 0], "c": [0, 0, 10, 0, 0, 0]})
    out = suppress_statement(counts)
    assert [bool(x) for x in out["shown"][:3]] == [False, True, True]


def test_counts_of_one_to_seven_are_hidden_and_zero_and_eight_are_shown():
    counts = table({"a": [0, 8, 20, 30, 40, 0], "b": [0, 8, 20, 30, 40, 0]})
    out = suppress_statement(counts, 10)
    row = published(out, "a")
    assert row["score_1"] == 0 and row["score_2"] == 8 and row["score_5"] == 40
    for small in range(1, 8):
        counts = table({"a": [small, 9, 20, 30, 40, 0], "b": [10, 9, 20, 30, 40, 0]})
        out = suppress_statement(counts, 10)
        assert pd.isna(published(out, "a")["score_1"])
        assert_confidential(counts, out, 10)


# ---- subtraction attacks -----------------------------------------------------------------------------------------

def test_one_small_group_cannot_be_recovered_from_the_all_groups_total():
    counts = table({"small": [1, 1, 1, 1, 0, 0], "b": [10, 10, 10, 10, 10, 0], "c": [8, 9, 10, 11, 12, 0]})
    out = suppress_statement(counts, 10)
    total, b, c = published(out, ALL), published(out, "b"), published(out, "c")
    # the obvious attack: all groups minus the groups shown
    if not pd.isna(total["n"]):
        assert total["n"] - b["n"] - c["n"] != 4
    assert not published(out, "small")["shown"]
    assert_confidential(counts, out, 10)


def test_two_small_groups_together_under_the_minimum_hide_the_all_groups_row():
    counts = table({"s1": [0, 1, 1, 0, 0, 0], "s2": [0, 0, 1, 1, 0, 0], "b": [10, 10, 10, 10, 10, 0]})
    out = suppress_statement(counts, 10)
    assert not published(out, ALL)["shown"]
    assert_confidential(counts, out, 10)


def test_two_small_groups_together_above_the_minimum_keep_the_all_groups_row_but_not_each_group():
    counts = table({"s1": [0, 2, 2, 2, 0, 0], "s2": [1, 2, 2, 2, 0, 0], "b": [10, 10, 10, 10, 10, 0],
                    "c": [12, 11, 10, 9, 8, 0]})
    out = suppress_statement(counts, 10)
    assert published(out, ALL)["shown"]
    assert not published(out, "s1")["shown"] and not published(out, "s2")["shown"]
    assert_confidential(counts, out, 10)


def test_a_single_hidden_count_cannot_be_recovered_from_the_group_size():
    counts = table({"a": [3, 10, 10, 10, 10, 0], "b": [10, 10, 10, 10, 10, 0]})
    out = suppress_statement(counts, 10)
    a = published(out, "a")
    shown_cells = sum(a[f"score_{s}"] for s in range(1, 6) if not pd.isna(a[f"score_{s}"]))
    assert a["n"] == 43 and shown_cells < 40  # at least one more count hidden beside the 3
    assert_confidential(counts, out, 10)


def test_a_hidden_count_cannot_be_recovered_from_the_same_answer_for_all_groups():
    counts = table({"a": [2, 10, 10, 10, 10, 0], "b": [9, 10, 10, 10, 10, 0], "c": [9, 9, 9, 9, 9, 0]})
    out = suppress_statement(counts, 10)
    total = published(out, ALL)
    if not pd.isna(total["score_1"]):
        assert pd.isna(published(out, "b")["score_1"]) or pd.isna(published(out, "c")["score_1"])
    assert_confidential(counts, out, 10)


def test_the_mean_and_percent_agreeing_cannot_pin_down_hidden_counts():
    counts = table({"a": [0, 0, 0, 4, 7, 0], "b": [0, 0, 0, 6, 5, 0], "c": [10, 10, 10, 10, 10, 3]})
    out = suppress_statement(counts, 10)
    a = published(out, "a")
    assert a["shown"] and a["pct_agree"] == 100.0
    assert pd.isna(a["mean"])  # 4 agree + 7 strongly agree would follow from the mean and the 100%
    assert_confidential(counts, out, 10)


def test_random_tables_never_publish_a_small_or_recoverable_figure():
    rng = np.random.default_rng(7)
    for _case in range(60):
        groups = int(rng.integers(2, 7))
        minimum = int(rng.choice([5, 8, 10]))
        sizes = rng.integers(0, 30, size=groups)
        rows = {}
        for g, size in enumerate(sizes):
            cells = rng.multinomial(int(size), rng.dirichlet(np.ones(6)))
            rows[f"g{g}"] = [int(c) for c in cells]
        counts = table(rows)
        out = suppress_statement(counts, minimum)
        assert_confidential(counts, out, minimum)


def test_published_figures_are_the_true_figures():
    counts = table({"a": [10, 10, 10, 10, 10, 0], "b": [20, 0, 0, 0, 20, 9]})
    out = suppress_statement(counts, 10)
    a, b, total = published(out, "a"), published(out, "b"), published(out, ALL)
    assert (a["n"], a["mean"], a["pct_agree"]) == (50, 3.0, 40.0)
    assert (b["n"], b["mean"], b["pct_agree"], b["dont_know"]) == (40, 3.0, 50.0, 9)
    assert (total["n"], total["score_1"], total["score_5"]) == (90, 30, 30)


def test_a_round_is_suppressed_statement_by_statement_from_individual_answers():
    answers = pd.DataFrame({
        "statement_code": ["S1"] * 12 + ["S2"] * 3,
        "group_code": ["a"] * 12 + ["a"] * 3,
        "score": [4] * 11 + [None] + [2, 2, 2],
        "dont_know": [False] * 11 + [True] + [False] * 3,
    })
    counts = counts_from_answers(answers)
    out = suppress_round(counts, 10)
    s1 = out[(out["statement_code"] == "S1") & (out["group_code"] == "a")].iloc[0]
    s2 = out[(out["statement_code"] == "S2") & (out["group_code"] == "a")].iloc[0]
    assert s1["shown"] and s1["n"] == 11 and s1["score_4"] == 11 and pd.isna(s1["dont_know"])
    assert not s2["shown"] and pd.isna(s2["mean"])
