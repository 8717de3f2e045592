"""The progress engine's pure functions, as tables: expected path, status, projection, distance travelled,
Fingertips-style comparisons, the inequality gap and the plain-English summary."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.progress import engine as pg
from framework.progress import text as pt

START = date(2023, 4, 1)
Y1, Y3, Y5 = date(2024, 3, 31), date(2026, 3, 31), date(2028, 3, 31)


@pytest.mark.parametrize("start, years, due", [
    (date(2023, 4, 1), 1, date(2024, 3, 31)),
    (date(2023, 4, 1), 5, date(2028, 3, 31)),
    (date(2024, 2, 29), 1, date(2025, 2, 27)),
])
def test_a_horizon_falls_due_the_day_before_the_anniversary_of_the_framework_start(start, years, due):
    assert pg.horizon_dates(start)[years] == due


@pytest.mark.parametrize("baseline, targets, when, expected", [
    (40, {1: 45, 3: 55, 5: 60}, date(2023, 1, 1), 40),  # before the start: the baseline
    (40, {1: 45, 3: 55, 5: 60}, START, 40),
    (40, {1: 45, 3: 55, 5: 60}, Y1, 45),
    (40, {1: 45, 3: 55, 5: 60}, date(2025, 3, 31), 45 + 10 * 365 / 730),  # between 1y and 3y
    (40, {1: 45, 3: 55, 5: 60}, date(2030, 1, 1), 60),  # after the last target: the last target
    (40, {1: None, 3: 52, 5: None}, Y1, 40 + 12 * 365 / 1095),  # 1-year target missing: straight to the 3-year one
    (40, {1: None, 3: 52, 5: None}, date(2027, 1, 1), 52),  # only a 3-year target: flat after it
    (16.4, {1: 15.8, 3: 14.5, 5: 13.0}, Y3, 14.5),  # lower is better: the path falls
    (40, {1: None, 3: None, 5: None}, Y3, 40),  # no targets: the baseline stays
    (None, {1: 45, 3: 55, 5: 60}, Y1, None),  # no baseline: no path
    (40, {1: 45, 3: 55, 5: 60}, None, None),  # no date: no answer
])
def test_the_expected_path_runs_straight_from_the_baseline_through_each_target_that_is_set(
        baseline, targets, when, expected):
    result = pg.expected_at(START, baseline, targets, when)
    assert result == pytest.approx(expected) if expected is not None else result is None


@pytest.mark.parametrize("direction, value, reference, lower, upper, baseline, target, status", [
    ("higher_is_better", 50, 45, None, None, 40, 60, "ahead"),
    ("higher_is_better", 40, 45, None, None, 40, 60, "behind"),
    ("higher_is_better", 46.9, 45, None, None, 40, 60, "on_track"),  # within a tenth of the planned change (2)
    ("higher_is_better", 47.1, 45, None, None, 40, 60, "ahead"),  # just beyond it
    ("higher_is_better", 41, 45, 38, 46, 40, 60, "on_track"),  # the reference is inside the 95% interval
    ("higher_is_better", 41, 45, 38, 44, 40, 60, "behind"),  # the interval misses the reference
    ("higher_is_better", 41, 45, 38, None, 40, 60, "behind"),  # half an interval is no interval
    ("lower_is_better", 14.0, 15.0, None, None, 16.4, 13.0, "ahead"),
    ("lower_is_better", 16.2, 15.0, None, None, 16.4, 13.0, "behind"),
    ("lower_is_better", 16.2, 15.0, 14.8, 17.6, 16.4, 13.0, "on_track"),
    ("higher_is_better", 50.9, 50, None, None, 50, 50, "on_track"),  # hold steady: within 2% of the baseline
    ("higher_is_better", 48.5, 50, None, None, 50, 50, "behind"),
    ("no_judgement", 50, 45, None, None, 40, 60, "no_target"),
    ("higher_is_better", 50, 45, None, None, 40, None, "no_target"),
    ("higher_is_better", None, 45, None, None, 40, 60, "not_enough_data"),
    ("higher_is_better", 50, 45, None, None, None, 60, "not_enough_data"),
    ("higher_is_better", float("nan"), 45, None, None, 40, 60, "not_enough_data"),
])
def test_a_value_is_judged_against_its_reference_with_direction_tolerance_and_interval(
        direction, value, reference, lower, upper, baseline, target, status):
    assert pg.judge(direction, value, reference, baseline=baseline, target=target, lower=lower, upper=upper) == status


TARGETS = {1: 45, 3: 55, 5: 60}


@pytest.mark.parametrize("horizon, latest, latest_end, as_of, status", [
    (3, 49.0, date(2025, 3, 31), None, "on_track"),  # expected 50 then; 1 short is within the tolerance of 1.5
    (3, 47.0, date(2025, 3, 31), None, "behind"),
    (3, 53.0, date(2025, 3, 31), None, "ahead"),
    (1, 45.4, date(2025, 3, 31), None, "on_track"),  # the 1-year date has passed: judged against its target 45
    (1, 46.0, date(2025, 3, 31), None, "ahead"),  # tolerance 0.5 there
    (1, 40.0, date(2025, 3, 31), None, "behind"),
    (5, 49.0, date(2025, 3, 31), None, "on_track"),  # same path; the 5-year tolerance is 2
    (3, 49.0, date(2025, 3, 31), date(2026, 3, 31), "behind"),  # judged later, against the 3-year target itself
    (3, 41.0, date(2023, 3, 31), None, "not_enough_data"),  # no data since the framework started
    (3, None, None, None, "not_enough_data"),
])
def test_the_status_at_each_horizon_uses_the_path_until_it_falls_due_and_the_target_after(
        horizon, latest, latest_end, as_of, status):
    assert pg.horizon_status("higher_is_better", START, 40, TARGETS, horizon, latest, latest_end, as_of=as_of) == status


def _points(values, start=date(2023, 6, 30), step_months=3):
    dates = pd.date_range(start, periods=len(values), freq=f"{step_months}ME").date
    return list(zip(dates, values))


@pytest.mark.parametrize("values, n, slope_sign", [
    ([41, 42, 43, 44, 45], 5, 1),
    ([50, 49, 48, 47], 4, -1),
    ([44, 44, 44, 44], 4, 0),  # a flat series
    ([41, None, 43, float("nan"), 45], 3, 1),  # gaps are skipped
])
def test_a_trend_is_fitted_to_three_or_more_recent_points(values, n, slope_sign):
    trend = pg.fit_trend(_points(values), START)
    assert trend.n == n
    assert (trend.slope > 1e-9) - (trend.slope < -1e-9) == slope_sign


@pytest.mark.parametrize("points", [
    [],
    _points([41, 42]),
    _points([41, None, None, 44]),
    [(date(2024, 3, 31), 41), (date(2024, 3, 31), 42), (date(2024, 3, 31), 43)],  # all on one date
])
def test_no_projection_is_made_from_fewer_than_three_points_or_a_single_date(points):
    assert pg.fit_trend(points, START) is None


def test_a_perfect_line_projects_exactly_and_a_noisy_one_widens_its_prediction_interval():
    days = [date.fromordinal(START.toordinal() + 73 * i) for i in range(8)]  # five points a year, evenly
    line = pg.fit_trend(zip(days, [40 + i for i in range(8)]), START)
    centre, low, high = line.at(Y5)
    assert line.slope == pytest.approx(365.25 / 73)
    assert low == pytest.approx(centre) and high == pytest.approx(centre)
    noisy = pg.fit_trend(_points([40, 42, 41, 44, 43, 46, 45, 48]), START)
    c, lo, hi = noisy.at(Y5)
    assert lo < c < hi
    assert (hi - lo) > (noisy.at(Y3)[2] - noisy.at(Y3)[1])  # further ahead, wider


def test_the_trend_window_keeps_only_the_three_years_up_to_the_latest_point():
    old = [(date(2015, 3, 31), 100.0), (date(2016, 3, 31), 100.0)]
    trend = pg.fit_trend(old + _points([41, 42, 43]), START)
    assert trend.n == 3 and trend.slope > 0


@pytest.mark.parametrize("values, target, direction, expect", [
    ([41, 42, 43, 44], 48, "higher_is_better", "future"),
    ([44, 43, 42, 41], 48, "higher_is_better", None),  # heading away
    ([44, 44, 44, 44], 48, "higher_is_better", None),  # flat
    ([44, 43, 42, 41], 38, "lower_is_better", "future"),
    ([41, 42, 43, 44], 42, "higher_is_better", "already"),
])
def test_the_trend_says_when_it_would_reach_a_target_or_that_it_would_not(values, target, direction, expect):
    trend = pg.fit_trend(_points(values), START)
    reached = trend.reaches(target, direction)
    if expect is None:
        assert reached is None
    elif expect == "already":
        assert reached == trend.last_date
    else:
        assert reached > trend.last_date
        assert trend.at(reached)[0] == pytest.approx(target, abs=0.05)


@pytest.mark.parametrize("df, t", [(1, 12.706), (2, 4.303), (10, 2.228), (30, 2.042), (60, 1.96 + 2.5 / 60)])
def test_student_t_quantiles_for_the_prediction_interval(df, t):
    assert pg.t_quantile(df) == pytest.approx(t)


@pytest.mark.parametrize("baseline, latest, target, share", [
    (40, 50, 60, 0.5), (40, 40, 60, 0.0), (40, 35, 60, -0.25), (16.4, 14.5, 13.0, 1.9 / 3.4),
    (40, 50, 40, None), (None, 50, 60, None), (40, None, 60, None), (40, 50, None, None),
])
def test_distance_travelled_is_the_share_of_the_way_from_baseline_to_target(baseline, latest, target, share):
    result = pg.distance_travelled(baseline, latest, target)
    assert result == pytest.approx(share) if share is not None else result is None


@pytest.mark.parametrize("value, lower, upper, benchmark, direction, verdict", [
    (50, 48, 52, 45, "higher_is_better", "better"),
    (50, 48, 52, 45, "lower_is_better", "worse"),
    (50, 48, 52, 49, "higher_is_better", "similar"),
    (40, 38, 42, 45, "higher_is_better", "worse"),
    (50, 48, 52, 45, "no_judgement", "higher"),
    (40, 38, 42, 45, "no_judgement", "lower"),
    (50, None, None, 45, "higher_is_better", "not_compared"),
])
def test_a_value_is_compared_with_a_benchmark_the_way_fingertips_does(value, lower, upper, benchmark, direction, verdict):
    assert pg.compare_with_benchmark(value, lower, upper, benchmark, direction) == verdict


@pytest.mark.parametrize("now, then, direction, verdict", [
    ((47, 45.5, 48.5), (41, 39.5, 42.5), "higher_is_better", "better"),
    ((47, 45.5, 48.5), (41, 39.5, 42.5), "lower_is_better", "worse"),
    ((43, 41.5, 44.5), (41, 39.5, 42.5), "higher_is_better", "similar"),  # the intervals overlap
    ((37, 35.5, 38.5), (41, 39.5, 42.5), "no_judgement", "lower"),
    ((47, None, None), (41, 39.5, 42.5), "higher_is_better", "not_compared"),
])
def test_a_change_counts_only_when_the_two_intervals_do_not_overlap(now, then, direction, verdict):
    assert pg.compare_intervals(*now, *then, direction) == verdict


QUINTILES = ["Quintile 1 (most deprived)", "Quintile 2", "Quintile 3", "Quintile 4", "Quintile 5 (least deprived)"]


@pytest.mark.parametrize("groups, latest, direction, pair", [
    (QUINTILES, {}, "higher_is_better", ("Quintile 1 (most deprived)", "Quintile 5 (least deprived)")),
    (QUINTILES, {}, "lower_is_better", ("Quintile 1 (most deprived)", "Quintile 5 (least deprived)")),
    (["Asian", "Black", "White"], {"Asian": 40, "Black": 35, "White": 50}, "higher_is_better", ("Black", "White")),
    (["Asian", "Black", "White"], {"Asian": 40, "Black": 35, "White": 50}, "lower_is_better", ("White", "Black")),
    (["Asian", "Black"], {"Asian": 40}, "higher_is_better", None),  # one group with data is no gap
])
def test_the_gap_compares_the_least_with_the_most_advantaged_group(groups, latest, direction, pair):
    assert pg.gap_groups(groups, latest, direction) == pair


def _gap_frame(gaps, direction="higher_is_better"):
    rows = []
    for i, g in enumerate(gaps):
        end = date(2023, 6, 30) + pd.DateOffset(months=3 * i)
        sign = 1 if direction == "higher_is_better" else -1
        rows += [{"period_end": end.date(), "breakdown_group": "Q1", "value": 50.0},
                 {"period_end": end.date(), "breakdown_group": "Q5", "value": 50.0 + sign * g}]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("gaps, direction, verdict", [
    ([10, 9.5, 9, 8.5, 8], "higher_is_better", "narrowing"),
    ([8, 8.5, 9, 9.5, 10], "higher_is_better", "widening"),
    ([10, 9.5, 9, 8.5, 8], "lower_is_better", "narrowing"),  # lower is better: Q5's lower value is the advantage
    ([9, 9.1, 8.9, 9.0, 9.05], "higher_is_better", "stable"),
    ([9, 8], "higher_is_better", "not_enough_data"),
])
def test_the_gap_trend_says_whether_it_is_narrowing_widening_or_stable(gaps, direction, verdict):
    series = pg.gap_series(_gap_frame(gaps, direction), "Q1", "Q5", direction)
    assert list(series["gap"]) == pytest.approx(gaps)
    assert pg.gap_trend(series, START)["verdict"] == verdict


def test_the_gap_sentence_names_both_groups_the_sizes_and_the_trend():
    series = pg.gap_series(_gap_frame([10, 9.5, 9, 8.5, 8]), "Q1", "Q5", "higher_is_better")
    text = pt.gap_sentence("Deprivation", "Q1", "Q5", series, pg.gap_trend(series, START), "%")
    assert text.startswith("The gap between Q1 and Q5 was 10 percentage points in June 2023 and is 8 percentage "
                           "points in June 2024.")
    assert "the trend is narrowing, by about 2 percentage points a year" in text


def _rows(expected, judged_at, targets, baseline=41.0):
    return pd.DataFrame([{"horizon_years": h, "target": t, "expected_now": expected, "judged_at": judged_at,
                          "baseline": baseline, "status": "on_track"} for h, t in targets.items()])


def test_the_summary_says_where_it_started_where_it_is_what_we_expected_and_when_the_trend_arrives():
    dates = [date(2023, 3, 31), date(2023, 9, 30), date(2024, 3, 31), date(2024, 9, 30), date(2025, 3, 31)]
    values = [41.0, 42.5, 44.0, 45.5, 47.0]  # 3 points a year
    points = pd.DataFrame({"period_label": [f"P{i}" for i in range(5)], "period_end": dates, "value": values,
                           "lower_ci": [v - 3 for v in values], "upper_ci": [v + 3 for v in values]})
    trend = pg.fit_trend(zip(dates, values), START)
    indicator = {"unit": "%", "direction": "higher_is_better", "kind": "perception"}
    text = " ".join(pt.summary(indicator, START, _rows(45.0, date(2025, 3, 31), {1: None, 3: 55, 5: None}),
                               points, trend))
    assert "Since April 2023 this has risen from 41% to 47% (latest: P4)." in text
    assert "By March 2025 we expected 45%." in text
    assert "On the current trend the 3-year ambition of 55% would be reached in 2027" in text
    assert "within the uncertainty" in text  # 41 +/- 3 and 47 +/- 3 overlap


@pytest.mark.parametrize("values, targets, direction, phrase", [
    ([47.0], {1: None, 3: 55, 5: None}, "higher_is_better", "There is only one value so far"),
    ([47.0], {1: None, 3: 55, 5: None}, "higher_is_better", "not yet enough recent points to project"),
    ([41.0, 42.0, 43.0], {1: None, 3: None, 5: None}, "higher_is_better", "No targets have been set"),
    ([41.0, 42.0, 43.0], {1: None, 3: 55, 5: None}, "no_judgement", "do not judge a rise or fall"),
    ([45.0, 44.0, 43.0], {1: None, 3: 55, 5: None}, "higher_is_better", "would not be reached"),
    ([41.0, 50.0, 56.0], {1: None, 3: 55, 5: None}, "higher_is_better", "already meets the 3-year ambition"),
    ([41.0, 41.0, 41.0], {1: None, 3: 55, 5: None}, "higher_is_better", "stayed at about 41%"),
])
def test_sparse_flat_untargeted_and_unjudged_series_get_honest_sentences(values, targets, direction, phrase):
    dates = [date(2023, 3, 31), date(2023, 9, 30), date(2024, 3, 31)][-len(values):]
    points = pd.DataFrame({"period_label": ["a", "b", "c"][-len(values):], "period_end": dates, "value": values,
                           "lower_ci": None, "upper_ci": None})
    trend = pg.fit_trend(zip(dates, values), START)
    indicator = {"unit": "%", "direction": direction, "kind": "quantitative"}
    text = " ".join(pt.summary(indicator, START, _rows(44.0, dates[-1], targets), points, trend))
    assert phrase in text


def test_a_series_with_no_data_says_progress_cannot_be_judged():
    empty = pd.DataFrame(columns=["period_label", "period_end", "value", "lower_ci", "upper_ci"])
    text = pt.summary({"unit": "%", "direction": "higher_is_better"}, START, pd.DataFrame(), empty, None)
    assert text == ["There is no data for this measure here yet, so progress cannot be judged."]


def test_the_overview_sentence_counts_each_status_in_words():
    counts = pd.DataFrame({"outcome_code": ["O1", "O1", "O2", "O2"], "outcome_title": ["A", "A", "B", "B"],
                           "horizon_years": [3, 3, 3, 1], "status": ["ahead", "behind", "behind", "on_track"],
                           "n": [2, 1, 3, 4]})
    assert pt.overview_sentence(counts, 3) == "At the 3-year horizon: 2 ahead and 4 behind (6 measures)."
    assert pt.overview_sentence(counts, 5) == "At the 5-year horizon there are no measures to judge."
    table = pt.words_by_outcome(counts)
    assert table.to_dict("records")[0] == {"Outcome": "O1 A", "1-year": "-", "3-year": "2 ahead, 1 behind",
                                           "5-year": "-"}


@pytest.mark.parametrize("status, label", [("ahead", "▲ Ahead"), ("on_track", "● On track"), ("behind", "▼ Behind"),
                                           ("not_enough_data", "… Not enough data"), ("no_target", "– No target")])
def test_every_status_is_written_in_words_with_an_icon(status, label):
    assert pg.status_label(status) == label


def _chart(**extra):
    from framework.progress.charts import progress_chart

    dates = [date(2023, 3, 31), date(2023, 9, 30), date(2024, 3, 31), date(2024, 9, 30)]
    points = pd.DataFrame({"period_label": ["a", "b", "c", "2024/25 Q2"], "period_end": dates,
                           "value": [41.0, 42.0, 43.5, 44.0], "lower_ci": [39.0, 40.0, 41.5, 42.0],
                           "upper_ci": [43.0, 44.0, 45.5, 46.0]})
    trend = pg.fit_trend(zip(dates, points["value"]), START)
    return progress_chart(title="Residents who feel heard", unit="%", start=START, points=points, baseline=41.0,
                          targets={1: 43.0, 3: 50.0, 5: None}, trend=trend, source="Residents' survey", **extra)


def test_the_progress_chart_shows_every_layer_named_in_words_with_units_period_and_source():
    fig = _chart(comparator=pd.DataFrame({"period_end": [date(2024, 3, 31)], "value": [45.0]}))
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert {"Actual value", "95% confidence interval", "Baseline 41%", "Expected path", "Target at each horizon",
            "Projection from recent trend", "Projection: 95% prediction interval", "England"} <= names
    assert fig.layout.yaxis.title.text == "Per cent (%)" and fig.layout.xaxis.title.text == "Period ending"
    assert "Latest data 2024/25 Q2. Source: Residents' survey" in fig.layout.title.text
    assert [a.text for a in fig.layout.annotations] == ["1-year target 43%", "3-year target 50%"]
    colours = {t.line.color for t in fig.data if t.mode and "lines" in t.mode and t.line.color}
    assert colours <= {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"}


def test_the_progress_chart_marks_dated_events_such_as_target_changes():
    fig = _chart(annotations=[(date(2024, 6, 1), "3-year target changed")])
    assert "3-year target changed" in [a.text for a in fig.layout.annotations]
    assert any(s.x0 == date(2024, 6, 1) and s.yref == "paper" for s in fig.layout.shapes)


def test_the_overview_chart_names_each_status_in_the_legend_and_on_the_bars():
    from framework.progress.charts import overview_chart

    counts = pd.DataFrame({"outcome_code": ["O1", "O1", "O1"], "outcome_title": ["Voices"] * 3,
                           "horizon_years": [1, 3, 5], "status": ["ahead", "behind", "not_enough_data"], "n": [2, 1, 3]})
    fig = overview_chart(counts, title="Measures by status")
    assert [t.name for t in fig.data if t.showlegend] == ["▲ Ahead", "▼ Behind", "… Not enough data"]
    assert [list(t.text) for t in fig.data] == [["2 ahead"], ["1 behind"], ["3 not enough data"]]
    assert len({t.marker.pattern.shape for t in fig.data}) == 3  # a pattern as well as a colour
