"""Funnel plots: control limits against worked examples, overdispersion, the misuse cases (a denominator of 0, too few
areas, a point on a limit) and the funnel read from the store."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from framework.progress import funnel as fn


def _areas(values, sizes, counts=None, lower=None, upper=None):
    n = len(values)
    return pd.DataFrame({"area_code": [f"A{i}" for i in range(n)], "area_name": [f"Area {i}" for i in range(n)],
                         "value": values, "denominator": sizes,
                         "count": counts if counts is not None else [None if s is None else v * s / 100
                                                                   for v, s in zip(values, sizes)],
                         "lower_ci": lower or [None] * n, "upper_ci": upper or [None] * n})


def test_proportion_limits_match_the_worked_normal_approximation():
    funnel, _ = fn.build_funnel(_areas([10.0, 10.0, 10.0], [100, 200, 400]), "%", 10.0)
    assert funnel.method == "proportion"
    low, high = funnel.limits(100, fn.Z95)
    assert (round(low, 2), round(high, 2)) == (4.12, 15.88)  # 10% +/- 1.96 x sqrt(0.1 x 0.9 / 100) x 100
    low, high = funnel.limits(100, fn.Z998)
    assert (round(low, 2), round(high, 2)) == (0.73, 19.27)


def test_rate_limits_match_the_worked_poisson_approximation():
    funnel, _ = fn.build_funnel(_areas([1000.0] * 3, [100_000, 50_000, 200_000], counts=[1000, 500, 2000]),
                                "per 100,000", 1000.0)
    assert funnel.method == "rate"
    low, high = funnel.limits(100_000, fn.Z95)
    assert (round(low, 1), round(high, 1)) == (round(1000 - 1.959964 * math.sqrt(1000), 1),
                                               round(1000 + 1.959964 * math.sqrt(1000), 1))


def test_without_counts_the_funnel_uses_each_values_precision_from_its_interval():
    frame = _areas([10.0, 12.0, 30.0], [None, None, None], counts=[None] * 3, lower=[9.0, 11.0, 29.0],
                   upper=[11.0, 13.0, 31.0])
    funnel, _ = fn.build_funnel(frame, "%", 11.0)
    assert funnel.method == "precision"
    pts = funnel.points.set_index("area_code")
    assert pts.loc["A2", "position"] == "above_998" and pts.loc["A0", "position"] == "within"


@pytest.mark.parametrize("z, expected", [(0.0, "within"), (fn.Z95, "within"), (2.5, "above_95"),
                                         (-2.5, "below_95"), (fn.Z998, "above_95"), (3.2, "above_998"),
                                         (-3.2, "below_998")])
def test_a_point_on_a_limit_counts_as_within_it(z, expected):
    assert fn.position(z) == expected


def test_an_area_with_a_denominator_of_zero_is_left_out_and_named():
    frame = _areas([10.0, 11.0, 9.0, 10.0], [100, 100, 100, 0], counts=[10, 11, 9, 0])
    funnel, left_out = fn.build_funnel(frame, "%", 10.0)
    assert len(funnel.points) == 3
    assert left_out == ["Area 3: a denominator of 0"]


def test_fewer_than_three_areas_make_no_funnel():
    funnel, _ = fn.build_funnel(_areas([10.0, 12.0], [100, 100]), "%", 10.0)
    assert funnel is None


def test_without_a_comparator_the_funnel_centres_on_the_pooled_value_and_says_so():
    funnel, _ = fn.build_funnel(_areas([10.0, 20.0, 30.0], [100, 100, 200], counts=[10, 20, 60]), "%", None)
    assert funnel.target == pytest.approx(90 / 400 * 100)
    assert funnel.target_name == "the average of these areas"


def test_a_comparator_of_zero_percent_leaves_no_funnel():
    funnel, left_out = fn.build_funnel(_areas([0.0, 0.0, 0.0], [100, 100, 100]), "%", 0.0)
    assert funnel is None and "no room for chance" in left_out[-1]


def test_overdispersion_widens_the_limits_only_with_enough_areas_that_vary_beyond_chance():
    spread = [5.0, 20.0, 8.0, 17.0, 11.0, 14.0, 6.0, 19.0, 9.0, 16.0, 12.0, 13.0]
    wide, _ = fn.build_funnel(_areas(spread, [2000] * 12), "%", 12.5)
    assert wide.overdispersed and wide.tau2 > 0 and wide.phi > 1
    assert wide.limits(2000, fn.Z95)[1] - 12.5 > 1.959964 * math.sqrt(0.125 * 0.875 / 2000) * 100
    few, _ = fn.build_funnel(_areas(spread[:9], [2000] * 9), "%", 12.5)
    assert not few.overdispersed and few.tau2 == 0
    calm, _ = fn.build_funnel(_areas([12.4, 12.6, 12.5, 12.3, 12.7, 12.5, 12.6, 12.4, 12.5, 12.5], [2000] * 10),
                              "%", 12.5)
    assert not calm.overdispersed


def test_the_chi_squared_approximation_is_close_to_the_tables():
    assert fn.chi2_quantile(1.644854, 9) == pytest.approx(16.919, abs=0.05)
    assert fn.chi2_quantile(1.644854, 30) == pytest.approx(43.773, abs=0.05)


def test_the_sentence_names_who_lies_outside_and_which_way_is_worse():
    funnel, _ = fn.build_funnel(_areas([10.0, 10.5, 30.0], [1000, 1000, 1000]), "%", 10.0)
    text = fn.funnel_sentence(funnel, "lower_is_better", "places", "2024/25", "%")
    assert text.startswith("In 2024/25, 2 of 3 places lie within the 95% limits around England (10")
    assert "Area 2 (30" in text and "outside the 99.8% limits, higher than expected: worse." in text


def test_the_demo_funnel_compares_the_places_around_england(demo_con):
    assert fn.funnel_scopes(demo_con, "DEMO", "I09") == ["places"]
    result = fn.indicator_funnel(demo_con, "DEMO", "I09", "places")
    funnel = result["funnel"]
    assert funnel.method == "rate" and funnel.target_name == "England"
    assert len(funnel.points) == 4 and result["areas_word"] == "places"
    assert result["sentence"].startswith(f"In {result['period']}, ")
    assert fn.indicator_funnel(demo_con, "DEMO", "I09", "everything") is None
    assert fn.indicator_funnel(demo_con, "DEMO", "NOPE", "places") is None


def test_the_curve_holds_four_ordered_limit_lines(demo_con):
    curve = fn.indicator_funnel(demo_con, "DEMO", "I08", "places")["funnel"].curve()
    assert (curve["lower_998"] < curve["lower_95"]).all() and (curve["lower_95"] < curve["upper_95"]).all()
    assert (curve["upper_95"] < curve["upper_998"]).all()


def test_every_icb_with_data_makes_a_second_funnel_beside_the_places(demo_con):
    icbs = [r[0] for r in demo_con.execute("SELECT area_code FROM area WHERE area_type = 'ICB' AND area_code NOT LIKE"
                                           " 'DEMO%' ORDER BY area_code LIMIT 12").fetchall()]
    latest = demo_con.execute("SELECT period_label, period_start, period_end FROM measurement WHERE indicator_code ="
                              " 'I08' AND area_code = 'DEMO-ICB' ORDER BY period_end DESC LIMIT 1").fetchone()
    rows = [(code, *latest, 10.0 + i, 100 * (10 + i), 10_000) for i, code in enumerate(icbs)]
    demo_con.executemany("INSERT INTO measurement (system_code, indicator_code, area_code, period_label,"
                         " period_start, period_end, value, count, denominator) VALUES ('DEMO', 'I08', ?, ?, ?, ?, ?,"
                         " ?, ?)", rows)
    assert fn.funnel_scopes(demo_con, "DEMO", "I08") == ["places", "icbs"]
    result = fn.indicator_funnel(demo_con, "DEMO", "I08", "icbs")
    assert result["areas_word"] == "ICBs" and len(result["funnel"].points) == 13  # twelve ICBs and the system's own
    assert result["funnel"].overdispersed  # 10% to 21% on 10,000 people each is far more spread than chance
    assert "The limits are widened for overdispersion" in result["sentence"]


def test_the_sentence_names_the_furthest_five_outside_and_counts_the_rest():
    values = [10.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0]
    funnel, _ = fn.build_funnel(_areas(values, [1000] * 8), "%", 10.0)
    text = fn.funnel_sentence(funnel, "higher_is_better", "places", "2024/25", "%")
    assert "Area 7 (36%)" in text and "Area 3 (32%)" in text and "Area 2 (31%)" not in text
    assert text.endswith("2 more lie outside the limits, nearer to them.")


def test_limits_for_small_areas_stay_between_none_and_all():
    funnel, _ = fn.build_funnel(_areas([5.0, 4.0, 6.0], [20, 25, 30]), "%", 5.0)
    low, high = funnel.limits(10, fn.Z998)
    assert low == 0.0 and high < 100.0
    funnel, _ = fn.build_funnel(_areas([95.0, 96.0, 94.0], [20, 25, 30]), "%", 95.0)
    assert funnel.limits(5, fn.Z998)[1] == 100.0


def test_the_real_icbs_vary_far_beyond_chance_and_the_random_effect_takes_that_in():
    from tests.conftest import reference_file

    data = pd.read_csv(reference_file("fingertips_91547_smoking_prevalence_qof.csv"))
    data = data[data["Indicator ID"].notna() & data["Category Type"].isna() & (data["Time period"] == "2022/23")]
    icbs = data[data["Area Type"] == "ICBs"].drop_duplicates("Area Code")
    england = float(data.loc[data["Area Code"] == "E92000001", "Value"].iloc[0])
    frame = pd.DataFrame({"area_code": icbs["Area Code"], "area_name": icbs["Area Name"], "value": icbs["Value"],
                          "count": icbs["Count"], "denominator": icbs["Denominator"], "lower_ci": None,
                          "upper_ci": None})
    funnel, left_out = fn.build_funnel(frame, "%", england)
    assert len(funnel.points) == 42 and left_out == []
    assert funnel.overdispersed and round(funnel.phi) == 891 and round(funnel.tau2, 2) == 0.93
    assert (funnel.points["position"] == "within").sum() == 36
    plain = [(r.value - england) / r.se for r in funnel.points.itertuples()]
    assert sum(abs(z) > fn.Z998 for z in plain) == 39  # without the random effect, 39 of 42 would be flagged
