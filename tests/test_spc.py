"""Making Data Count SPC as pure functions: worked series for each rule with exact limits and marked points, on
both sides of the centre and for both directions, ties, broken runs, the minimum of 15 points, a rebase, and the
assurance icon against the nearest target still to come."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from framework.progress import spc

TODAY = date(2026, 11, 30)


def dated(values, start=date(2020, 1, 31)):
    """Monthly points ending a day apart enough to keep order; the dates do not enter the sums."""
    return [(start + timedelta(days=31 * i), v) for i, v in enumerate(values)]


def read(values, direction="higher_is_better", **kw):
    return spc.spc_series(dated(values), direction=direction, today=TODAY, **kw)


def marked(result) -> dict[int, str]:
    """Point number (from 1) -> its rules, for the points that any rule marks."""
    return {i + 1: p["rules"] for i, p in enumerate(result["points"]) if p["rules"]}


def flip(values, sign):
    return [sign * v for v in values]


# Each worked series: the values, the exact centre and mean moving range, and the points each rule marks.
# Rule 1: 7 pairs of +1/-1 then +20, -20. Sum 0, so the centre is 0; moving ranges 13 x 2, 21 and 40 over 15.
ASTRONOMICAL = [1, -1] * 7 + [20, -20]
# Rule 2: +3/-3 four times, then seven points of 2. Centre 14/15; moving ranges 7 x 6, 5 and six 0s over 14.
SHIFT = [3, -3] * 4 + [2] * 7
# Rule 3: -5/+5 four times, then -3, -2, -1, 0, 1, 2, 3. Centre 0; moving ranges 7 x 10, 8 and six 1s over 14.
TREND = [-5, 5] * 4 + [-3, -2, -1, 0, 1, 2, 3]
# Rule 4: ten pairs of +1/-1, then 6, 1, 6 and -13. Centre 0; moving ranges 19 x 2, 7, 5, 5 and 19 over 23.
TWO_OF_THREE = [1, -1] * 10 + [6, 1, 6, -13]


@pytest.mark.parametrize("sign", [1, -1], ids=["as written", "mirrored"])
def test_a_point_beyond_a_process_limit_is_marked_by_rule_one_with_exact_limits(sign):
    result = read(flip(ASTRONOMICAL, sign))
    mr_bar = (13 * 2 + 21 + 40) / 15
    first = result["points"][0]
    assert first["centre"] == pytest.approx(0, abs=1e-12)
    assert first["upper_limit"] == pytest.approx(2.66 * mr_bar) and first["lower_limit"] == pytest.approx(-2.66 * mr_bar)
    assert first["upper_2s"] == pytest.approx(2.66 * 2 / 3 * mr_bar)
    assert marked(result) == {15: "1", 16: "1"}
    types = [p["point_type"] for p in result["points"]]
    high, low = ("improvement", "concern") if sign == 1 else ("concern", "improvement")
    assert types[14:] == [high, low] and set(types[:14]) == {"common_cause"}
    assert result["variation"] == low


@pytest.mark.parametrize("direction, expected", [("higher_is_better", "concern"), ("lower_is_better", "improvement"),
                                                 ("no_judgement", "neutral")])
def test_the_meaning_of_a_marked_point_follows_the_direction_of_the_measure(direction, expected):
    result = read(ASTRONOMICAL, direction)
    assert result["points"][-1]["point_type"] == expected
    assert result["variation"] == expected


@pytest.mark.parametrize("sign", [1, -1], ids=["above", "below"])
def test_seven_points_on_one_side_of_the_centre_are_a_shift_and_only_they_are_marked(sign):
    result = read(flip(SHIFT, sign))
    assert result["points"][0]["centre"] == pytest.approx(sign * 14 / 15)
    assert result["points"][0]["upper_limit"] - result["points"][0]["centre"] == pytest.approx(2.66 * 47 / 14)
    assert marked(result) == {i: "2" for i in range(9, 16)}
    assert {p["point_type"] for p in result["points"][8:]} == {"improvement" if sign == 1 else "concern"}


@pytest.mark.parametrize("length, shift_marked", [(6, True), (7, True), (8, False)])
def test_the_shift_length_set_for_the_system_decides_whether_seven_points_are_a_shift(length, shift_marked):
    assert bool(marked(read(SHIFT, run_length=length))) is shift_marked


def test_a_point_exactly_on_the_centre_breaks_a_shift():
    # Nine base points summing 3, then 2, 2, 2, 1, 2, 2, 2: sixteen points summing 16, so the centre is exactly 1.
    on_centre = [4, -2, 4, -2, 4, -2, 4, -2, -5, 2, 2, 2, 1, 2, 2, 2]
    result = read(on_centre)
    assert result["points"][0]["centre"] == 1
    assert marked(result) == {}
    unbroken = on_centre[:12] + [2] + on_centre[13:]  # the same with 2 in place of the 1: seven above in a row
    assert marked(read(unbroken)) == {i: "2" for i in range(10, 17)}


@pytest.mark.parametrize("sign, direction, expected", [
    (1, "higher_is_better", "improvement"), (1, "lower_is_better", "concern"),
    (-1, "higher_is_better", "concern"), (-1, "lower_is_better", "improvement")])
def test_seven_points_each_higher_than_the_one_before_are_a_trend_marked_by_rule_three(sign, direction, expected):
    result = read(flip(TREND, sign), direction)
    assert result["points"][0]["centre"] == pytest.approx(0, abs=1e-12)
    assert result["points"][0]["upper_limit"] == pytest.approx(2.66 * 84 / 14)
    assert marked(result) == {i: "3" for i in range(9, 16)}
    assert {p["point_type"] for p in result["points"][8:]} == {expected}


def test_an_equal_value_breaks_a_trend():
    tied = [-5, 5] * 4 + [-3, -2, -1, 0, 0, 2, 3]
    assert marked(read(tied)) == {}
    assert marked(read(tied, run_length=6)) == {}  # runs of four and three points either side of the tie


@pytest.mark.parametrize("sign", [1, -1], ids=["above", "below"])
def test_two_of_three_points_beyond_a_two_sigma_line_mark_only_the_two_beyond(sign):
    result = read(flip(TWO_OF_THREE, sign))
    mr_bar = (19 * 2 + 7 + 5 + 5 + 19) / 23
    assert result["points"][0]["upper_2s"] == pytest.approx(2.66 * 2 / 3 * mr_bar)  # 5.705: the 6s lie beyond
    assert result["points"][0]["upper_limit"] == pytest.approx(2.66 * mr_bar)  # 8.558: but not beyond this
    assert marked(result) == {21: "4", 23: "4", 24: "1"}
    types = [p["point_type"] for p in result["points"]]
    assert types[20] == types[22] == ("improvement" if sign == 1 else "concern")
    assert types[21] == "common_cause"


def test_two_points_beyond_two_sigma_do_not_count_when_the_third_lies_across_the_centre():
    values = [1, -1] * 10 + [6, -1, 6, -13]  # the middle point is below the centre
    assert 4 not in {int(r) for rules in marked(read(values)).values() for r in rules.split(",")}


def test_where_rules_disagree_the_highest_numbered_rule_gives_the_meaning():
    # A rising trend from below the centre: its early points are low (a shift) and rising (a trend) at once.
    values = [40, 0] * 4 + [5, 6, 7, 8, 9, 10, 11]  # centre 14.4, limits far off: no rule 1 or 4
    result = read(values)
    first_of_trend = result["points"][8]
    assert first_of_trend["rules"] == "2,3"
    assert first_of_trend["point_type"] == "improvement"  # rule 3 (rising) outranks rule 2 (below the centre)
    assert spc.point_type({2: -1, 3: 1}, "higher_is_better") == "improvement"
    assert spc.point_type({3: 1, 4: -1}, "higher_is_better") == "concern"


def test_at_a_turn_the_trend_that_starts_at_the_point_gives_its_meaning():
    values = [0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 0, 3, 3]
    marks = spc.rule_marks(values, spc.limits(values))
    assert marks[6][3] == -1  # the peak ends the rise and starts the fall; the fall is the later trend


def test_a_series_of_exactly_fifteen_points_has_limits_and_fourteen_has_none():
    fifteen = read(SHIFT)
    assert len(fifteen["points"]) == 15 and fifteen["points"][0]["centre"] is not None
    fourteen = read(SHIFT[1:], target=5)
    assert {p["point_type"] for p in fourteen["points"]} == {"too_few_points"}
    assert all(p["centre"] is None and p["upper_limit"] is None and p["rules"] == "" for p in fourteen["points"])
    assert fourteen["variation"] == "too_few_points" and fourteen["assurance"] == "too_few_points"


def test_a_rebase_draws_the_limits_of_each_part_from_its_own_points():
    values = [1, -1] * 7 + [0] + [11, 9] * 7 + [10]  # fifteen points around 0, then fifteen around 10
    points = dated(values)
    whole = spc.spc_series(points, direction="higher_is_better", today=TODAY)
    assert marked(whole)  # drawn across the change, the step shows as special cause
    rebased = spc.spc_series(points, direction="higher_is_better", today=TODAY, rebase_dates=[points[15][0]])
    assert [p["part"] for p in rebased["points"]] == [0] * 15 + [1] * 15
    assert rebased["points"][0]["centre"] == pytest.approx(0, abs=1e-12)
    assert rebased["points"][15]["centre"] == pytest.approx(10)
    assert rebased["points"][15]["upper_limit"] == pytest.approx(10 + 2.66 * 27 / 14)
    assert marked(rebased) == {}
    short = spc.spc_series(points, direction="higher_is_better", today=TODAY, rebase_dates=[points[20][0]])
    assert short["points"][-1]["point_type"] == "too_few_points"  # ten points after the rebase: a run chart
    assert short["assurance"] == "too_few_points"


def test_a_constant_series_has_its_limits_on_the_centre_and_no_special_cause():
    result = read([5.0] * 15, target=5.0)
    assert {(p["centre"], p["lower_limit"], p["upper_limit"]) for p in result["points"]} == {(5.0, 5.0, 5.0)}
    assert marked(result) == {} and result["variation"] == "common_cause"
    assert result["assurance"] == "hit_and_miss"
    assert read([5.0] * 15, target=6.0)["assurance"] == "fail"


def test_missing_nan_infinite_and_still_running_points_are_left_out():
    points = dated(SHIFT) + [(TODAY + timedelta(days=1), 100.0)]
    points.insert(3, (points[3][0] - timedelta(days=1), float("nan")))
    points.insert(5, (points[5][0] - timedelta(days=1), None))
    points.insert(7, (points[7][0] - timedelta(days=1), float("inf")))
    result = spc.spc_series(points, direction="higher_is_better", today=TODAY)
    assert [p["value"] for p in result["points"]] == SHIFT
    assert marked(result) == {i: "2" for i in range(9, 16)}


@pytest.mark.parametrize("direction, target, expected", [
    ("higher_is_better", -20, "pass"), ("higher_is_better", 20, "fail"), ("higher_is_better", 0, "hit_and_miss"),
    ("lower_is_better", -20, "fail"), ("lower_is_better", 20, "pass"), ("lower_is_better", 3, "hit_and_miss"),
    ("higher_is_better", None, "none"), ("no_judgement", 20, "none"),
    ("higher_is_better", 2.66 * 87 / 15, "hit_and_miss")])  # exactly on the upper limit is not beyond it
def test_assurance_compares_the_target_with_the_process_limits(direction, target, expected):
    assert read(ASTRONOMICAL, direction, target=target)["assurance"] == expected


def test_assurance_judges_against_the_nearest_horizon_still_to_come_that_has_a_target():
    start = date(2023, 4, 1)  # horizons fall due on 31 March 2024, 2026 and 2028
    assert spc.assurance_target(start, {1: 10, 3: 20, 5: 30}, date(2025, 1, 1)) == 20
    assert spc.assurance_target(start, {1: 10, 3: 20, 5: 30}, TODAY) == 30
    assert spc.assurance_target(start, {1: 10, 3: None, 5: 30}, date(2025, 1, 1)) == 30
    assert spc.assurance_target(start, {1: 10, 3: 20, 5: None}, TODAY) is None
    assert spc.assurance_target(start, {1: 10, 3: 20, 5: 30}, date(2026, 3, 31)) == 20  # due today: still to come


@pytest.mark.parametrize("length", [5, 9, 0, "7", 7.0, True, None])
def test_a_run_length_other_than_six_seven_or_eight_is_refused(length):
    with pytest.raises(ValueError, match="6, 7 or 8"):
        read(SHIFT, run_length=length)


def test_the_variation_icon_in_words_says_whether_the_special_cause_is_high_or_low():
    assert spc.variation_words("concern", "higher_is_better") == "Special cause: concern (lower)"
    assert spc.variation_words("concern", "lower_is_better") == "Special cause: concern (higher)"
    assert spc.variation_words("improvement", "higher_is_better") == "Special cause: improvement (higher)"
    assert spc.variation_words("common_cause", "higher_is_better") == "Common cause"
