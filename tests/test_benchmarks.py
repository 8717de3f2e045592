"""Benchmarking in words: Fingertips-style comparisons with England, the region and a peer group, checked against
worked examples and against Fingertips' own judgements on a real export; and the "worse and getting worse" list."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.progress import benchmarks as bm
from tests.conftest import reference_file

FINGERTIPS = "fingertips_91547_smoking_prevalence_qof.csv"


@pytest.mark.parametrize("row, benchmark, direction, expected", [
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 15, "lower_is_better", ("worse", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 15, "higher_is_better", ("better", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 25, "lower_is_better", ("better", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 21, "lower_is_better", ("similar", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 18, "lower_is_better", ("similar", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 22, "higher_is_better", ("similar", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, 15, "no_judgement", ("higher", "not_compared")),
    ({"value": 20, "lower_ci": None, "upper_ci": None}, 15, "lower_is_better", ("not_compared", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22}, None, "lower_is_better", ("not_compared", "not_compared")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22, "lower_ci_998": 16, "upper_ci_998": 24}, 17, "lower_is_better",
     ("worse", "similar")),
    ({"value": 20, "lower_ci": 18, "upper_ci": 22, "lower_ci_998": 16, "upper_ci_998": 24}, 15, "lower_is_better",
     ("worse", "worse")),
])
def test_a_value_is_judged_against_a_benchmark_at_95_and_99_8_percent(row, benchmark, direction, expected):
    assert bm.verdicts(row, benchmark, direction) == expected


def test_a_benchmark_exactly_on_the_interval_edge_counts_as_similar_at_both_levels():
    row = {"value": 20.0, "lower_ci": 18.0, "upper_ci": 22.0, "lower_ci_998": 17.0, "upper_ci_998": 23.0}
    assert bm.verdicts(row, 17.0, "lower_is_better") == ("worse", "similar")
    assert bm.verdicts(row, 18.0, "lower_is_better") == ("similar", "similar")


def test_wilson_interval_matches_newcombes_worked_example():
    low, high = bm.wilson(81, 263, bm.Z95, scale=1.0)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize("count, denominator", [(5, 0), (None, 10), (11, 10), (-1, 10), (5, None)])
def test_wilson_refuses_a_denominator_of_zero_or_an_impossible_count(count, denominator):
    assert bm.wilson(count, denominator, bm.Z95) is None


def test_the_99_8_interval_comes_from_count_and_denominator_only_when_they_match_a_percentage():
    row = {"value": 30.0, "count": 30, "denominator": 100}
    low, high = bm.interval_998(row, "%")
    assert low < 30 < high and high - low > 25
    assert bm.interval_998({**row, "value": 45.0}, "%") == (None, None)
    assert bm.interval_998(row, "per 100,000") == (None, None)
    assert bm.interval_998({**row, "denominator": 0}, "%") == (None, None)


@pytest.mark.parametrize("unit, scale", [("%", 100.0), ("per 100,000", 100000.0), ("per 1,000 births", 1000.0),
                                         ("people", None), ("", None), (None, None)])
def test_the_scale_of_a_value_is_read_from_its_unit(unit, scale):
    assert bm.unit_scale(unit) == scale


def _fingertips_rows() -> pd.DataFrame:
    data = pd.read_csv(reference_file(FINGERTIPS))
    data = data[data["Indicator ID"].notna() & data["Category Type"].isna()]
    england = data[data["Area Code"] == "E92000001"].groupby("Time period")["Value"].first()
    data = data[data["Area Code"] != "E92000001"].copy()
    data["england"] = data["Time period"].map(england)
    return data


def test_our_verdicts_agree_with_fingertips_own_on_every_real_row_of_the_export():
    data = _fingertips_rows()
    words = {"better": "Better", "worse": "Worse", "similar": "Similar", "not_compared": "Not compared"}
    ours = [words[bm.verdicts({"value": r.Value, "lower_ci": r._14, "upper_ci": r._15}, r.england,
                              "lower_is_better")[0]] for r in data.itertuples()]
    theirs = data["Compared to England value or percentiles"].tolist()
    assert len(ours) > 11_000
    assert [(o, t) for o, t in zip(ours, theirs) if o != t] == []
    assert {"Better", "Worse", "Similar", "Not compared"} <= set(theirs)


def test_wilson_intervals_reproduce_fingertips_published_limits_from_count_and_denominator():
    data = pd.read_csv(reference_file(FINGERTIPS))
    data = data.dropna(subset=["Lower CI 99.8 limit", "Count", "Denominator"])
    assert len(data) > 6000
    worst = 0.0
    for r in data.itertuples():
        low, high = bm.wilson(r.Count, r.Denominator, bm.Z998)
        worst = max(worst, abs(low - r._16), abs(high - r._17))
    assert worst < 1e-4


def _frame(rows):
    cols = ["area_code", "period_label", "period_start", "period_end", "value", "lower_ci", "upper_ci",
            "lower_ci_998", "upper_ci_998", "count", "denominator"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)


Y1 = ("2023/24", date(2023, 4, 1), date(2024, 3, 31))
Y2 = ("2024/25", date(2024, 4, 1), date(2025, 3, 31))
COMPARATORS = [bm.Comparator("england", "England", ("E92000001",)),
               bm.Comparator("region", "the North West region", ("E40000010",))]


def test_each_period_is_compared_and_a_missing_comparator_value_is_said_not_guessed():
    frame = _frame([
        ("A", *Y1, 20, 18, 22, None, None, None, None), ("A", *Y2, 21, 19, 23, None, None, None, None),
        ("E92000001", *Y1, 15, None, None, None, None, None, None),
        ("E92000001", *Y2, 16, None, None, None, None, None, None),
        ("E40000010", *Y2, 22, None, None, None, None, None, None),
    ])
    table = bm.compare_periods(frame, "A", COMPARATORS, "lower_is_better", "%")
    latest = table[table["period_label"] == "2024/25"].set_index("comparator")
    assert latest.loc["england", "at95"] == "worse" and latest.loc["region", "at95"] == "similar"
    older = table[table["period_label"] == "2023/24"].set_index("comparator")
    assert older.loc["region", "at95"] == "not_compared"
    assert older.loc["region", "reason"] == "no value for the North West region in 2023/24"
    assert bm.benchmark_sentence(table) == ("Worse than England and similar to the North West region in 2024/25, "
                                            "judged at 95% confidence.")


def test_a_value_without_an_interval_is_not_compared_and_the_sentence_says_why():
    frame = _frame([("A", *Y2, 21, None, None, None, None, None, None),
                    ("E92000001", *Y2, 16, None, None, None, None, None, None)])
    table = bm.compare_periods(frame, "A", COMPARATORS[:1], "lower_is_better")
    assert table["at95"].tolist() == ["not_compared"]
    assert table["reason"].tolist() == ["no confidence interval for this value"]
    assert bm.benchmark_sentence(table) is None


def test_a_peer_group_is_pooled_from_counts_and_denominators_and_needs_every_peer():
    frame = _frame([
        ("A", *Y2, 30, 25, 35, None, None, 30, 100),
        ("P1", *Y2, 10, None, None, None, None, 10, 100), ("P2", *Y2, 40, None, None, None, None, 120, 300),
        ("A", *Y1, 30, 25, 35, None, None, 30, 100), ("P1", *Y1, 10, None, None, None, None, 10, 100),
    ])
    peers = [bm.Comparator("peers", "the peer group of 2 areas", ("P1", "P2"))]
    table = bm.compare_periods(frame, "A", peers, "higher_is_better", "%").set_index("period_label")
    assert table.loc["2024/25", "benchmark"] == pytest.approx(130 / 400 * 100)
    assert table.loc["2024/25", "at95"] == "similar"
    assert table.loc["2023/24", "at95"] == "not_compared"
    assert table.loc["2023/24", "reason"] == "no value for 1 of 2 peer areas in 2023/24"
    cells = bm.comparison_table(table.reset_index(), "%").set_index("Period")
    assert cells.loc["2023/24", "The peer group of 2 areas"] == "Not compared: no value for 1 of 2 peer areas"


def test_a_peer_group_without_counts_uses_the_mean_of_its_values():
    rows = _frame([("P1", *Y2, 10, None, None, None, None, None, None),
                   ("P2", *Y2, 20, None, None, None, None, None, None)])
    assert bm.peer_value(rows.to_dict("records"), 100.0) == 15.0
    assert bm.peer_value([], 100.0) is None
    assert bm.peer_value([{"value": 10.0}, {"value": None}], 100.0) is None


def test_a_peer_group_of_one_area_is_named_as_that_area_and_the_area_itself_is_left_out(demo_con):
    comps = bm.comparators_of(demo_con, "DEMO", ["DEMO-P01", "DEMO-ICB"], area_code="DEMO-ICB")
    peers = [c for c in comps if c.key == "peers"][0]
    assert peers.codes == ("DEMO-P01",)
    assert peers.name == "the peer group (Northmoor (demo place) alone)"
    assert [c.key for c in bm.comparators_of(demo_con, "DEMO", ["DEMO-ICB"], area_code="DEMO-ICB")] == [
        "england", "region"]


def test_the_indicator_page_comparisons_name_the_systems_region_compare_with_it_and_say_where_it_has_no_data(demo_con):
    table = bm.indicator_comparisons(demo_con, "DEMO", "I08", "DEMO-ICB", ["DEMO-P01", "DEMO-P02"])
    assert set(table["comparator"]) == {"england", "region", "peers"}
    region = table[table["comparator"] == "region"]
    assert region["comparator_name"].iloc[0] == "the North East and Yorkshire region"
    assert (region["at95"] != "not_compared").any()  # the demo gives the region values with intervals for I08
    elsewhere = bm.indicator_comparisons(demo_con, "DEMO", "I01", "DEMO-ICB")
    no_region = elsewhere[elsewhere["comparator"] == "region"]
    assert (no_region["at95"] == "not_compared").all()  # and none for I01
    assert no_region["reason"].iloc[0].startswith("no value for the North East and Yorkshire region in ")
    england = table[(table["comparator"] == "england") & (table["period_label"] == "2023/24")]
    assert england["reason"].iloc[0] == "no value for England in 2023/24"


def _series(values, start_year=2020):
    return pd.DataFrame({"period_end": [date(start_year + i, 3, 31) for i in range(len(values))],
                         "value": values})


@pytest.mark.parametrize("values, direction, expected", [
    ([10, 11, 12, 13, 14], "lower_is_better", "getting_worse"),
    ([10, 11, 12, 13, 14], "higher_is_better", "getting_better"),
    ([1, 2, 3, 10, 11.2, 11.9, 13.1, 14], "lower_is_better", "getting_worse"),
    ([10, 14, 9, 13, 10], "lower_is_better", "no_clear_change"),
    ([10, 11, 12, 13, 14], "no_judgement", "no_clear_change"),
    ([10, 11], "lower_is_better", "not_enough_data"),
])
def test_the_recent_trend_uses_the_latest_five_points_and_needs_a_clear_slope(values, direction, expected):
    assert bm.recent_trend(_series(values), direction)["trend"] == expected


def test_worse_and_getting_worse_lists_a_place_worse_than_england_and_moving_the_wrong_way(demo_con):
    demo_con.execute("DELETE FROM measurement WHERE indicator_code = 'I12'")
    demo_con.execute("UPDATE indicator SET status = 'active' WHERE indicator_code = 'I12'")
    rows = []
    for i, year in enumerate(range(2021, 2026)):
        label, start, end = f"{year}/{str(year + 1)[2:]}", date(year, 4, 1), date(year + 1, 3, 31)
        rows.append(("DEMO-P01", label, start, end, 20 + i, 19 + i, 21 + i))   # worse and rising
        rows.append(("DEMO-P02", label, start, end, 24 - i, 23 - i, 25 - i))  # worse but falling
        rows.append(("E92000001", label, start, end, 15.0, 14.9, 15.1))
    demo_con.executemany(
        "INSERT INTO measurement (system_code, indicator_code, area_code, period_label, period_start, period_end,"
        " value, lower_ci, upper_ci) VALUES ('DEMO', 'I12', ?, ?, ?, ?, ?, ?, ?)", rows)
    table = bm.worse_than_england(demo_con, "DEMO")
    mine = table[table["indicator_code"] == "I12"].set_index("area_code")
    assert mine.loc["DEMO-P01", "trend"] == "getting_worse"
    assert mine.loc["DEMO-P02", "trend"] == "getting_better"
    assert mine.loc["DEMO-P01", "england"] == 15.0 and mine.loc["DEMO-P01", "points"] == 5
    demo_con.execute("UPDATE indicator SET status = 'proposed' WHERE indicator_code = 'I12'")
    assert bm.worse_than_england(demo_con, "DEMO").query("indicator_code == 'I12'").empty  # only measures in use


def test_worse_and_getting_worse_ignores_a_latest_period_england_has_no_value_for(demo_con):
    demo_con.execute("DELETE FROM measurement WHERE indicator_code = 'I12'")
    demo_con.execute("UPDATE indicator SET status = 'active' WHERE indicator_code = 'I12'")
    demo_con.executemany(
        "INSERT INTO measurement (system_code, indicator_code, area_code, period_label, period_start, period_end,"
        " value, lower_ci, upper_ci) VALUES ('DEMO', 'I12', ?, ?, ?, ?, ?, ?, ?)",
        [("DEMO-P01", f"{y}/{y + 1}", date(y, 4, 1), date(y + 1, 3, 31), 20 + y - 2021, 19, 30)
         for y in range(2021, 2026)] + [("E92000001", "2021/2022", date(2021, 4, 1), date(2022, 3, 31), 1, 0.9, 1.1)])
    table = bm.worse_than_england(demo_con, "DEMO")
    assert table[table["indicator_code"] == "I12"].empty


def test_an_area_name_with_markdown_is_shown_as_written_in_the_summary(demo_con):
    demo_con.execute("UPDATE area SET area_name = 'North *East* [link](http://x)' WHERE area_code = 'E40000012'")
    demo_con.execute("DELETE FROM measurement WHERE indicator_code = 'I08' AND area_code = 'E40000012'")
    demo_con.execute("UPDATE measurement SET area_code = 'E40000012' WHERE indicator_code = 'I08'"
                     " AND area_code = 'E92000001'")
    sentences = bm.summary_sentences(demo_con, "DEMO", "I08", "DEMO-ICB")
    assert len(sentences) == 1 and "\\*East\\*" in sentences[0] and "\\[link\\]" in sentences[0]
    assert "Not compared with England" in sentences[0]


def test_the_chi_squared_for_trend_matches_a_worked_example():
    chi2, t_stat = bm.chi2_for_trend([10, 20, 30], [100, 100, 100])
    assert chi2 == pytest.approx(400 / 32) and t_stat == pytest.approx(20)  # pooled 0.2, T = 20, V = 0.16 x 200


def test_a_percentage_with_counts_uses_the_chi_squared_test_for_trend():
    series = _series([10.0, 10.5, 11.0, 11.5, 12.0]).assign(count=[1000, 1050, 1100, 1150, 1200],
                                                            denominator=[10_000] * 5)
    found = bm.recent_trend(series, "lower_is_better", "%")
    assert found["method"] == "chi_squared_for_trend" and found["trend"] == "getting_worse"
    small = series.assign(count=[10, 10.5, 11, 11.5, 12], denominator=[100] * 5)
    assert bm.recent_trend(small, "lower_is_better", "%")["trend"] == "no_clear_change"  # too few people to tell
    assert bm.recent_trend(series, "lower_is_better", "per 100,000")["method"] == "least_squares"


def test_our_recent_trend_agrees_with_fingertips_on_the_real_export_but_for_two_districts():
    data = pd.read_csv(reference_file(FINGERTIPS))
    data = data[data["Indicator ID"].notna() & data["Category Type"].isna()].drop_duplicates(["Area Code",
                                                                                              "Time period"])
    judged = data[data["Recent Trend"].isin(["Decreasing and getting better", "No significant change"])]
    words = {"getting_better": "Decreasing and getting better", "no_clear_change": "No significant change"}
    differ = []
    for row in judged.itertuples():
        series = data[(data["Area Code"] == row._5) & (data["Time period"] <= row._12)].sort_values("Time period")
        series = pd.DataFrame({"period_end": [date(int(p[:4]) + 1, 3, 31) for p in series["Time period"]],
                               "value": series["Value"], "count": series["Count"],
                               "denominator": series["Denominator"]})
        ours = bm.recent_trend(series, "lower_is_better", "%")
        if words.get(ours["trend"]) != row._21:
            differ.append(row._5)
    assert len(judged) == 319
    assert sorted(differ) == ["E07000084", "E07000123"]  # Fingertips says no significant change; both move clearly


def test_the_comparison_table_says_each_verdict_its_strength_and_the_comparators_value():
    frame = _frame([
        ("A", *Y1, 20, 18, 22, 17, 23, None, None), ("A", *Y2, 21, None, None, None, None, None, None),
        ("E92000001", *Y1, 17.5, None, None, None, None, None, None),
        ("E92000001", *Y2, 16.0, None, None, None, None, None, None),
        ("E40000010", *Y1, 10.0, None, None, None, None, None, None),
    ])
    table = bm.comparison_table(bm.compare_periods(frame, "A", COMPARATORS, "lower_is_better", "%"), "%")
    assert table.to_dict("records") == [
        {"Period": "2024/25", "Value": "21%", "England": "Not compared: no interval",
         "The North West region": "Not compared: no value for this period"},
        {"Period": "2023/24", "Value": "20%", "England": "Worse (at 95% only) · 17.5%",
         "The North West region": "Worse (also at 99.8%) · 10%"},
    ]


def test_the_worsening_sentence_names_what_is_listed_and_counts_the_rest():
    rows = pd.DataFrame({"name": ["Smoking", "Admissions", "Decay"], "area_name": ["Riverside", "Northmoor", "Vale"],
                         "trend": ["getting_worse", "getting_worse", "no_clear_change"]})
    assert bm.worsening_sentence(rows) == (
        "Worse than England and getting worse: Smoking in Riverside; Admissions in Northmoor. 1 more result is worse "
        "than England without a clear trend the wrong way (each measure counted once in each area).")
    assert bm.worsening_sentence(rows, most=1).startswith("Worse than England and getting worse: Smoking in "
                                                          "Riverside, and 1 more. ")
    assert bm.worsening_sentence(rows.iloc[:0]) == ("No measure is both worse than England and getting worse, in the "
                                                    "system or any of its places.")


def test_an_unknown_measure_or_an_area_without_data_gives_an_empty_comparison(demo_con):
    assert bm.indicator_comparisons(demo_con, "DEMO", "NOPE", "DEMO-ICB").empty
    assert bm.indicator_comparisons(demo_con, "DEMO", "I08", "E99999999").empty
    assert bm.indicator_comparisons(demo_con, "NOPE", "I08", "DEMO-ICB").empty


def test_after_a_real_import_the_comparisons_agree_with_fingertips_and_the_places_funnel_says_what_it_did(
        con, editor, tmp_path):
    import shutil

    from framework.data_io.importers import import_files
    from framework.foundation.starting import start_system
    from framework.progress.funnel import indicator_funnel

    start_system(con, editor, "NENC", "North East and North Cumbria", "E54000050")
    source = tmp_path / FINGERTIPS
    shutil.copy(reference_file(FINGERTIPS), source)
    import_files(con, editor, [source], skip_invalid=True)
    con.execute("UPDATE indicator SET direction = 'lower_is_better' WHERE indicator_code = 'FT91547'")
    stored = con.execute("SELECT area_code, period_label, lower(comparison) FROM measurement WHERE value IS NOT NULL"
                         " AND breakdown = 'All' AND area_code <> 'E92000001'").fetchall()
    ours = {}
    for area in {r[0] for r in stored}:
        table = bm.indicator_comparisons(con, "NENC", "FT91547", area)
        ours.update({(area, r.period_label): r.at95 for r in table[table["comparator"] == "england"].itertuples()})
    assert len({r[0] for r in stored}) == 10  # the ICB, its eight sub-ICB locations and the region
    assert [r for r in stored if ours[(r[0], r[1])] != r[2].replace(" ", "_")] == []
    table = bm.indicator_comparisons(con, "NENC", "FT91547", "E54000050")
    assert bm.benchmark_sentence(table) == ("Worse than England and better than the North East and Yorkshire region "
                                            "in 2022/23, judged at 95% confidence.")
    places = indicator_funnel(con, "NENC", "FT91547", "places")
    funnel = places["funnel"]
    assert (places["period"], len(funnel.points), funnel.method) == ("2022/23", 8, "proportion")
    assert funnel.phi > 100 and not funnel.overdispersed  # far beyond chance, but eight places are too few to adjust
    assert places["sentence"].startswith("In 2022/23, 0 of 8 places lie within the 95% limits around England (14.7%).")
