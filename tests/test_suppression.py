"""Suppression as pure functions, attacked by an enumerating solver: for every published figure set, every table of
whole-number counts that the rules would publish the same way leaves each count with at least two possible values."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from framework.reviews.suppression import (
    ALL,
    CELLS,
    MEAN_BASES,
    MIN_GROUP_FLOOR,
    check_min_group_size,
    counts_from_answers,
    effective_min,
    publish_cells,
    rounding_range,
    suppress_round,
    suppress_statement,
)


def table(rows: dict[str, list[int]]) -> pd.DataFrame:
    """Counts per group: [strongly disagree, disagree, neither, agree, strongly agree, don't know]."""
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(CELLS))


def published(out: pd.DataFrame, group: str) -> pd.Series:
    return out.set_index("group_code").loc[group]


# ---- the attacker: knows the rules, has every published figure, enumerates every whole-number table ---------------

def signature(figures: dict[str, np.ndarray]) -> np.ndarray:
    """Everything published about each group, as one comparable row per group (NaN as -1)."""
    columns = [figures["shown"].astype(float), figures["mean_basis"].astype(float)]
    columns += [figures[name] for name in ("n", "mean", "pct_agree", *CELLS)]
    return np.nan_to_num(np.column_stack(columns), nan=-1.0)


def candidate_tables(row: pd.Series, minimum: int, hidden_bound: int) -> np.ndarray:
    """Every table the attacker must consider for one group. A shown group publishes each count rounded to 5, so
    any table consistent with it has each count within 2 of the published one: enumerating those is complete. A
    hidden group publishes nothing, so the attacker takes every table with counts up to hidden_bound."""
    if row["shown"]:
        ranges = [rounding_range(int(row[c])) for c in CELLS]
    else:
        ranges = [range(0, hidden_bound + 1)] * len(CELLS)
    grids = np.meshgrid(*[np.arange(r.start, r.stop) for r in ranges], indexing="ij")
    return np.column_stack([g.ravel() for g in grids]).astype(np.int64)


def attack_group(row: pd.Series, truth: list[int], minimum: int, hidden_bound: int = 4,
                 rule=publish_cells) -> dict[str, set[int]]:
    """Re-run the publication rule on every candidate table, keep those published exactly as the group was, and
    return the possible values of each count."""
    candidates = candidate_tables(row, minimum, hidden_bound)
    target = signature(rule(np.array([truth]), minimum))[0]
    consistent = candidates[(signature(rule(candidates, minimum)) == target).all(axis=1)]
    truth_is_there = (consistent == np.array(truth)).all(axis=1).any() or not row["shown"]
    assert truth_is_there, "the attacker's enumeration must include the true table"
    return {cell: set(consistent[:, j].tolist()) for j, cell in enumerate(CELLS)}


def assert_confidential(counts: pd.DataFrame, out: pd.DataFrame, minimum: int) -> None:
    """Every count of every group keeps two or more possible values; hidden groups add nothing to any figure."""
    for group, truth in counts.iterrows():
        row = published(out, str(group))
        possible = attack_group(row, [int(v) for v in truth], minimum)
        for cell, values in possible.items():
            assert len(values) >= 2, f"{group} {cell} is pinned to {values} by {row.to_dict()}"
    # the all-groups row is the shown groups' published counts added up, so it can reveal nothing new
    shown = out[(out["group_code"] != ALL) & out["shown"]]
    total = published(out, ALL)
    for cell in CELLS:
        assert (pd.isna(total[cell]) and shown.empty) or total[cell] == shown[cell].sum()
    # changing a hidden group's answers changes nothing that is published
    hidden = [g for g in counts.index if not published(out, str(g))["shown"]]
    if hidden:
        other = counts.copy()
        other.loc[hidden] = 0
        again = suppress_statement(other, minimum)
        keep = out["group_code"].isin([str(g) for g in counts.index if g not in hidden] + [ALL])
        pd.testing.assert_frame_equal(out[keep].reset_index(drop=True), again[keep].reset_index(drop=True))


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
    counts = table({"small": [2, 2, size - 6, 1, 1, 0], "big": [20, 20, 20, 20, 20, 0]})
    out = suppress_statement(counts, 10)
    assert bool(published(out, "small")["shown"]) is shown
    assert_confidential(counts, out, 10)


def test_every_count_and_the_group_size_are_rounded_to_five():
    out = suppress_statement(table({"a": [0, 8, 21, 33, 44, 2]}), 10)
    row = published(out, "a")
    assert [row[c] for c in CELLS] == [0, 10, 20, 35, 45, 0]
    assert row["n"] == 105 and row["note"].startswith("Counts and the number of people are rounded")


def test_the_percent_agreeing_comes_from_the_rounded_counts():
    row = published(suppress_statement(table({"a": [3, 0, 0, 8, 0, 0]}), 10), "a")
    assert row["pct_agree"] == round(100 * 10 / 15)


def test_a_group_whose_rounded_counts_would_pin_a_count_is_hidden():
    # five counts of 2 round to 0; reaching the minimum of 10 would prove each is exactly 2
    out = suppress_statement(table({"a": [2, 2, 2, 2, 2, 0]}), 10)
    assert not published(out, "a")["shown"]
    # four counts of 3 and a size of 12 rounded to 10: "at least 3 each, at most 12 in all" pins all four
    out = suppress_statement(table({"a": [3, 3, 3, 3, 0, 0]}), 10)
    assert not published(out, "a")["shown"]


def test_the_mean_is_given_only_as_precisely_as_is_safe():
    # 9 strongly agree and 1 agree: a mean of 4.9 with these rounded counts would pin the one "agree"
    out = published(suppress_statement(table({"a": [0, 0, 0, 1, 9, 0]}), 10), "a")
    assert out["mean_basis"] != "tenth"
    basis = {published(suppress_statement(table({"a": list(c)}), 10), "a")["mean_basis"]
             for c in ([10, 10, 10, 10, 10, 0], [0, 0, 12, 14, 12, 0], [20, 20, 20, 20, 20, 0])}
    assert basis <= set(MEAN_BASES)


def test_the_two_groups_of_twelve_and_eleven_no_longer_give_their_hidden_counts_away():
    counts = table({"a": [1, 2, 3, 4, 2, 0], "b": [0, 1, 5, 3, 2, 0]})
    out = suppress_statement(counts, 10)
    assert_confidential(counts, out, 10)
    assert "14" not in out.to_string() and "23" not in out.to_string()


def test_hidden_groups_appear_in_no_total():
    counts = table({"small": [1, 1, 1, 0, 0, 0], "b": [10, 10, 10, 10, 10, 0], "c": [8, 9, 10, 11, 12, 0]})
    out = suppress_statement(counts, 10)
    total, b, c = published(out, ALL), published(out, "b"), published(out, "c")
    assert total["n"] == b["n"] + c["n"]  # all groups minus the shown groups is always zero
    assert not published(out, "small")["shown"]
    assert_confidential(counts, out, 10)


# ---- the enumerating attacker on thousands of tables --------------------------------------------------------------

def test_no_single_group_table_up_to_twelve_per_answer_can_be_pinned_down():
    """Exhaustive: every table with counts 0-12 (don't know 0-2). Each class of tables the rules publish alike must
    leave every count with two or more values. Counts up to 12 keep every class whole (8-12 all round to 10)."""
    for minimum in (5, 10):
        grid = np.indices((13, 13, 13, 13, 13, 3)).reshape(6, -1).T
        sig = signature(publish_cells(grid, minimum))
        shown = sig[:, 0] == 1
        cls = pd.DataFrame(np.rint(sig[shown] * 10).astype(np.int64)).groupby(list(range(sig.shape[1]))).ngroup()
        cls = cls.to_numpy()
        tables = grid[shown]
        low = np.full((cls.max() + 1, 6), 99)
        high = np.full((cls.max() + 1, 6), -1)
        np.minimum.at(low, cls, tables)
        np.maximum.at(high, cls, tables)
        spread = pd.DataFrame(high - low + 1, columns=list(CELLS))
        assert len(spread) > 100, "the test must see many published classes"
        assert (spread >= 2).all().all(), spread[(spread < 2).any(axis=1)].head()


def test_thousands_of_random_small_tables_leave_every_count_open_to_the_attacker():
    rng = np.random.default_rng(20261130)
    with_small_counts = attacked = 0
    for case in range(1000):
        minimum = int(rng.choice([5, 8, 10, 12]))
        sizes = rng.integers(0, 26, size=int(rng.integers(1, 4)))
        tables = np.array([rng.multinomial(int(n), rng.dirichlet(np.ones(6) * 0.7)) for n in sizes])
        figures = publish_cells(tables, minimum)
        for g, truth in enumerate(tables):
            if not figures["shown"][g]:
                continue  # a hidden group publishes nothing; assert_confidential covers hidden groups below
            row = pd.Series({"shown": True, **{c: figures[c][g] for c in CELLS}})
            possible = attack_group(row, truth.tolist(), minimum)
            assert all(len(v) >= 2 for v in possible.values()), (truth.tolist(), minimum, possible)
            attacked += 1
            with_small_counts += int(((truth >= 1) & (truth <= 7)).any())
        if case < 30:
            counts = table({f"g{g}": t.tolist() for g, t in enumerate(tables)})
            assert_confidential(counts, suppress_statement(counts, minimum), minimum)
    assert attacked > 700 and with_small_counts > 300, "the attacker must see many shown groups with small counts"


def test_the_attacker_recovers_a_hidden_count_from_exact_size_mean_and_percent():
    """The attacker is strong enough to break the old kind of publication: exact size, mean to 2 dp, % agree to
    1 dp and the counts of 8 or more, with counts of 1 to 7 hidden."""
    def old_rule(cells, minimum):
        cells = np.atleast_2d(cells)
        scores, n = cells[:, :5], np.maximum(cells[:, :5].sum(axis=1), 1)
        out = {"shown": n >= minimum, "mean_basis": np.zeros(len(cells)), "n": n.astype(float),
               "mean": np.round((scores * np.arange(1, 6)).sum(axis=1) / n, 2),
               "pct_agree": np.round(100 * (cells[:, 3] + cells[:, 4]) / n, 1)}
        out.update({c: np.where((cells[:, j] >= 1) & (cells[:, j] <= 7), np.nan, cells[:, j])
                    for j, c in enumerate(CELLS)})
        return out

    truth = [1, 2, 0, 9, 0, 0]  # 12 people: two small counts hidden, the rest published
    row = pd.Series({"shown": False})  # enumerate widely: counts 0 to 9 each
    possible = attack_group(row, truth, 10, hidden_bound=9, rule=old_rule)
    assert possible["score_1"] == {1} and possible["score_2"] == {2}


def test_a_round_is_suppressed_statement_by_statement_from_individual_answers():
    answers = pd.DataFrame({
        "statement_code": ["S1"] * 13 + ["S2"] * 3,
        "group_code": ["a"] * 13 + ["a"] * 3,
        "score": [4] * 6 + [5] * 6 + [None] + [2, 2, 2],
        "dont_know": [False] * 12 + [True] + [False] * 3,
    })
    counts = counts_from_answers(answers)
    out = suppress_round(counts, 10)
    s1 = out[(out["statement_code"] == "S1") & (out["group_code"] == "a")].iloc[0]
    s2 = out[(out["statement_code"] == "S2") & (out["group_code"] == "a")].iloc[0]
    assert s1["shown"] and s1["n"] == 10 and s1["score_4"] == 5 and s1["dont_know"] == 0
    assert not s2["shown"] and pd.isna(s2["mean"])
