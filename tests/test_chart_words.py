"""Every engagement and review chart says what it shows in a sentence worked out from its own figures, and its labels
fit a laptop screen: titles not cut off, the heatmap a screen high with group names on top, legends clear of axis
titles, counts in whole steps."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.engagement.charts import (
    activities_by_level_chart,
    activities_by_level_sentence,
    feedback_loops_chart,
    feedback_loops_sentence,
    reach_chart,
    reach_sentence,
)
from framework.progress.charts import overview_chart
from framework.reviews.charts import (
    HEATMAP_MOST,
    change_chart,
    change_sentence,
    distribution,
    distribution_sentence,
    heatmap,
    heatmap_height,
    heatmap_sentence,
)
from framework.reviews.suppression import CELLS

Q1, Q2 = (date(2026, 4, 1), "2026/27 Q1"), (date(2026, 7, 1), "2026/27 Q2")


def levels(*rows: tuple) -> pd.DataFrame:
    """Rows of (quarter, level, activities)."""
    return pd.DataFrame([(q[0], q[1], lvl, n) for q, lvl, n in rows],
                        columns=["quarter_start", "period_label", "level", "activities"])


def loops(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([(q[0], q[1], loop, n) for q, loop, n in rows],
                        columns=["quarter_start", "period_label", "loop", "items"])


def reach(*rows: tuple) -> pd.DataFrame:
    """Rows of (label, participants, reach share %, population share % or None)."""
    return pd.DataFrame([(label.lower(), label, False, 1, p, r, pop) for label, p, r, pop in rows],
                        columns=["tag_code", "label", "is_core20plus5", "activities", "participants", "reach_share",
                                 "population_share"])


# ---- engagement: sentences ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("frame", "expected"), [
    (levels(), "No engagement activities have been logged yet."),
    (levels((Q1, "consult", 1)), "In 2026/27 Q1, 1 activity started: 1 consult. The commonest level was consult, "
                                 "with 1 activity. 1 activity started in the latest quarter, 2026/27 Q1."),
    (levels((Q1, "involve", 2), (Q1, "inform", 1), (Q2, "empower", 3)),
     "From 2026/27 Q1 to 2026/27 Q2, 6 activities started: 1 inform, 2 involve and 3 empower. The commonest level "
     "was empower, with 3 activities. 3 activities started in the latest quarter, 2026/27 Q2."),
    (levels((Q1, "involve", 2), (Q2, "consult", 2)),
     "From 2026/27 Q1 to 2026/27 Q2, 4 activities started: 2 consult and 2 involve. The commonest levels were "
     "consult and involve, with 2 activities each. 2 activities started in the latest quarter, 2026/27 Q2."),
])
def test_the_activities_chart_says_how_many_started_at_each_level_in_spectrum_order(frame, expected):
    assert activities_by_level_sentence(frame) == expected


@pytest.mark.parametrize(("frame", "expected"), [
    (reach(), "No participants have been logged yet, so nobody's reach can be shown."),
    (reach(("Carers", 0, None, 10.0)), "No participants have been logged yet, so nobody's reach can be shown."),
    (reach(("Carers", 30, 60.0, None), ("Young people", 20, 40.0, None)),
     "The community reached most was Carers, with 60.0% of participants. No community has a population share set, "
     "so reach cannot be compared with size."),
    (reach(("Carers", 50, 50.0, 10.0), ("Young people", 50, 50.0, 50.0)),
     "The communities reached most were Carers and Young people, with 50.0% of participants each. Every community "
     "with a known population share was reached at least in proportion to it."),
    (reach(("Older people", 80, 80.0, 20.0), ("Young people", 10, 10.0, 25.0), ("Carers", 4, 4.0, 5.0),
           ("Coastal", 3, 3.0, 8.0), ("Deaf people", 3, 3.0, 4.0)),
     "The community reached most was Older people, with 80.0% of participants. Furthest below their share of the "
     "population: Young people (10.0% of participants, 25.0% of the population), Coastal (3.0% of participants, "
     "8.0% of the population), Carers (4.0% of participants, 5.0% of the population) and 1 other community."),
])
def test_the_reach_chart_names_the_community_reached_most_and_those_furthest_below_their_share(frame, expected):
    assert reach_sentence(frame) == expected


def test_a_community_reached_by_nobody_counts_as_no_reach_below_its_share():
    frame = reach(("Carers", 10, 100.0, 30.0), ("Travellers", 0, None, 2.0))
    assert reach_sentence(frame).endswith("Furthest below their share of the population: Travellers (0.0% of "
                                          "participants, 2.0% of the population).")


@pytest.mark.parametrize(("frame", "expected"), [
    (loops(), "No 'you said' items have been recorded yet."),
    (loops((Q1, "fed back within 3 months", 1)),
     "1 of 1 'you said' item has been fed back (100%): 1 within 3 months of the activity ending and 0 later. 0 are "
     "awaiting feedback and 0 are overdue (no feedback 3 months after the activity ended)."),
    (loops((Q1, "fed back within 3 months", 2), (Q1, "fed back later", 1), (Q1, "overdue", 1),
           (Q2, "awaiting feedback", 4)),
     "3 of 8 'you said' items have been fed back (38%): 2 within 3 months of the activity ending and 1 later. 4 are "
     "awaiting feedback and 1 is overdue (no feedback 3 months after the activity ended)."),
])
def test_the_feedback_chart_says_how_many_items_were_fed_back_and_how_many_wait(frame, expected):
    assert feedback_loops_sentence(frame) == expected


# ---- engagement: layout -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("chart", "frame"), [
    (activities_by_level_chart, levels((Q1, "involve", 2), (Q2, "consult", 1))),
    (feedback_loops_chart, loops((Q1, "overdue", 3))),
    (activities_by_level_chart, levels()),
])
def test_counts_of_activities_and_items_step_in_whole_numbers(chart, frame):
    fig = chart(frame)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"


def test_a_count_axis_above_ten_keeps_plotly_steps_but_whole_numbers():
    fig = activities_by_level_chart(levels((Q1, "involve", 40)))
    assert fig.layout.yaxis.dtick is None and fig.layout.yaxis.tickformat == ",d"


@pytest.mark.parametrize("fig", [
    activities_by_level_chart(levels((Q1, "involve", 2))), feedback_loops_chart(loops((Q1, "overdue", 3))),
    reach_chart(reach(("Carers", 10, 100.0, 30.0))),
])
def test_engagement_titles_keep_their_place_in_the_top_margin_and_the_legend_reads_in_order(fig):
    # a title pinned to the very top of the figure loses the top of its first line
    assert fig.layout.title.y is None and fig.layout.title.yanchor is None
    assert fig.layout.margin.t >= 100
    assert fig.layout.legend.traceorder == "normal"


def test_the_levels_legend_runs_along_the_spectrum_from_inform_to_empower():
    fig = activities_by_level_chart(levels((Q1, "empower", 1), (Q1, "inform", 1)))
    assert [bar.name for bar in fig.data] == ["Inform", "Consult", "Involve", "Collaborate", "Empower"]


# ---- reviews: a small closed round --------------------------------------------------------------------------------

def result(statement: str, group: str, mean: float | None, cells=(0, 0, 0, 0, 0, 0), shown: bool = True) -> dict:
    names = {"community": "Community members", "vcse": "VCSE", "icb": "ICB", "All": "All groups shown"}
    return {"statement_code": statement, "group_code": group, "group_name": names[group], "shown": shown,
            "mean": mean, "text": f"Statement {statement} text.", **dict(zip(CELLS, cells if shown else [None] * 6))}


def round_results(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


TWO_STATEMENTS = round_results(
    result("S01", "community", 2.0, (5, 10, 5, 0, 0, 5)), result("S01", "vcse", 3.0, (0, 5, 10, 5, 0, 0)),
    result("S01", "icb", None, shown=False), result("S01", "All", 2.5, (5, 15, 15, 5, 0, 5)),
    result("S02", "community", 4.0, (0, 0, 5, 10, 5, 0)), result("S02", "vcse", 4.5, (0, 0, 0, 10, 10, 0)),
    result("S02", "icb", None, shown=False), result("S02", "All", 4.2, (0, 0, 5, 20, 15, 0)),
)


@pytest.mark.parametrize(("results", "expected"), [
    (pd.DataFrame(), "No results to show yet."),
    (round_results(result("S01", "community", None, shown=False), result("S01", "All", None, shown=False)),
     "Every group's results are hidden, because too few people in each group answered to show them safely."),
    (TWO_STATEMENTS,
     "On average VCSE rated the statements highest (3.8, agree) and Community members lowest (3.0, neither agree "
     "nor disagree). All groups shown together rated S02 highest (4.2) and S01 lowest (2.5). Hidden, because too "
     "few people answered to show them safely: ICB."),
    (round_results(result("S01", "community", 3.0, (0, 0, 5, 0, 0, 0)), result("S01", "vcse", 3.0, (0, 0, 5, 0, 0, 0)),
                   result("S01", "All", 3.0, (0, 0, 10, 0, 0, 0))),
     "The groups shown rated the statements the same on average, 3.0 (neither agree nor disagree)."),
    (round_results(result("S01", "community", 2.0, (0, 5, 0, 0, 0, 0)), result("S01", "vcse", 4.0, (0, 0, 0, 5, 0, 0)),
                   result("S01", "icb", 4.0, (0, 0, 0, 5, 0, 0)), result("S02", "community", 2.0, (0, 5, 0, 0, 0, 0)),
                   result("S02", "vcse", 4.0, (0, 0, 0, 5, 0, 0)), result("S02", "icb", None, shown=False)),
     "On average VCSE and ICB rated the statements highest (4.0, agree) and Community members lowest (2.0, "
     "disagree). Partly hidden: ICB on 1 of 2 statements."),
    (round_results(result("S01", "vcse", 4.0, (0, 0, 0, 5, 0, 0)), result("S01", "icb", None, shown=False)),
     "Only VCSE has results shown, averaging 4.0 (agree). Hidden, because too few people answered to show them "
     "safely: ICB."),
])
def test_the_heatmap_says_which_groups_and_statements_rated_highest_and_lowest_and_which_are_hidden(results,
                                                                                                     expected):
    assert heatmap_sentence(results) == expected


@pytest.mark.parametrize(("statement", "expected"), [
    ("S09", "This statement was not part of the round."),
    ("S01", "Of about 45 answers from the groups shown, about 5 agreed or strongly agreed, about 20 disagreed or "
            "strongly disagreed, about 15 neither agreed nor disagreed and about 5 did not know. Commonest answer: "
            "Community members disagree; VCSE neither agree nor disagree. Hidden, because too few people answered "
            "to show them safely: ICB."),
    ("S02", "Of about 40 answers from the groups shown, about 35 agreed or strongly agreed, about 0 disagreed or "
            "strongly disagreed, about 5 neither agreed nor disagreed and about 0 did not know. Commonest answer: "
            "Community members agree; VCSE agree and strongly agree equally. Hidden, because too few people "
            "answered to show them safely: ICB."),
])
def test_the_answers_chart_adds_up_the_shown_groups_and_names_each_groups_commonest_answer(statement, expected):
    assert distribution_sentence(TWO_STATEMENTS, statement) == expected


def test_a_three_way_tie_is_called_no_single_answer_and_all_rounded_to_zero_says_so():
    tie = round_results(result("S01", "vcse", 3.0, (5, 0, 5, 5, 0, 0)), result("S01", "All", 3.0, (5, 0, 5, 5, 0, 0)))
    assert "Commonest answer: VCSE no single answer." in distribution_sentence(tie, "S01")
    zeros = round_results(result("S01", "vcse", 3.0, (0, 0, 0, 0, 0, 0)), result("S01", "All", 3.0))
    assert distribution_sentence(zeros, "S01") == ("No counts can be shown for this statement: no group had enough "
                                                   "people to show them safely.")


def changes(*rows: tuple) -> pd.DataFrame:
    """Rows of (statement, group name, before, now)."""
    frame = pd.DataFrame([(s, f"Statement {s}.", g.lower(), g, b, n) for s, g, b, n in rows],
                         columns=["statement_code", "text", "group_code", "group_name", "mean_before", "mean_now"])
    frame["change"] = (frame["mean_now"] - frame["mean_before"]).round(2)
    frame["change_words"] = ["Up" if c > 0 else "Down" for c in frame["change"]]
    return frame


@pytest.mark.parametrize(("frame", "expected"), [
    (changes(), "No statement has results for VCSE in both this round and Spring 2025."),
    (changes(("S01", "VCSE", 3.0, 3.5), ("S02", "VCSE", 3.0, 3.5), ("S03", "VCSE", 4.0, 3.2), ("S04", "VCSE", 3.0,
                                                                                             3.04)),
     "Since Spring 2025, the mean score of VCSE rose on 2, fell on 1 and stayed the same on 1 of 4 statements. "
     "Biggest rise: S01 and S02, up 0.5 points. Biggest fall: S03, down 0.8 points."),
    (changes(("S01", "VCSE", 3.0, 3.0)),
     "Since Spring 2025, the mean score of VCSE rose on 0, fell on 0 and stayed the same on 1 of 1 statement."),
])
def test_the_change_chart_counts_rises_and_falls_and_names_the_biggest_of_each(frame, expected):
    assert change_sentence(frame, "VCSE", "Spring 2025") == expected


# ---- reviews: layout ----------------------------------------------------------------------------------------------

def twenty_statements() -> pd.DataFrame:
    rows = []
    for i in range(1, 21):
        code = f"S{i:02d}"
        rows += [result(code, "community", 2.5), result(code, "vcse", 4.5), result(code, "icb", None, shown=False),
                 result(code, "All", 3.5)]
    return round_results(*rows)


def test_the_heatmap_of_twenty_statements_fits_a_laptop_screen_with_group_names_on_top():
    fig = heatmap(twenty_statements(), "Spring 2026")
    assert fig.layout.height <= HEATMAP_MOST
    assert fig.layout.xaxis.side == "top"
    assert list(fig.data[0].x) == ["Community<br>members", "VCSE", "ICB", "All groups<br>shown"]
    assert fig.data[0].text[0] == ["2.5 Neither", "4.5 Str. agree", "Hidden", "3.5 Agree"]


def test_the_heatmap_only_grows_past_a_screen_when_rows_would_become_too_small_to_read():
    assert heatmap_height(20) <= HEATMAP_MOST < heatmap_height(40)
    assert (heatmap_height(40) - 135) / 40 >= 20


def test_the_answers_legend_sits_at_the_foot_of_the_figure_under_the_axis_title_with_room_for_labels():
    fig = distribution(TWO_STATEMENTS, "S01", "Spring 2026")
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0
    assert fig.layout.margin.b >= 100
    assert fig.layout.xaxis.range[1] > 15  # the longest bar (15) leaves room for its "about 15"


def test_a_fall_is_written_right_of_the_earlier_circle_not_over_it():
    fig = change_chart(changes(("S01", "VCSE", 4.0, 3.2)), "VCSE", "Spring 2026", "Spring 2025")
    words = [t for t in fig.data if t.mode == "text"][0]
    assert list(words.text) == ["Down"] and words.x[0] > 4.0


def test_overview_bar_words_stay_level_and_pale_bars_carry_a_faint_pattern_under_their_words():
    counts = pd.DataFrame({"outcome_code": ["O1", "O1"], "outcome_title": ["Voices"] * 2, "horizon_years": [1, 1],
                           "status": ["ahead", "no_target"], "n": [3, 1]})
    fig = overview_chart(counts, title="Measures by status")
    assert all(bar.textangle == 0 for bar in fig.data)
    no_target = [bar for bar in fig.data if list(bar.text) == ["1 no target"]][0]
    assert no_target.marker.pattern.shape != "-" and no_target.marker.pattern.solidity <= 0.2


def test_a_long_group_name_wraps_onto_more_lines_and_the_top_margin_makes_room_for_it():
    rows = twenty_statements()
    rows.loc[rows["group_code"] == "vcse", "group_name"] = "Voluntary, community and social enterprise sector partners"
    short, long = heatmap(twenty_statements(), "Spring 2026"), heatmap(rows, "Spring 2026")
    assert long.data[0].x[1].count("<br>") >= 4
    assert long.layout.margin.t >= short.layout.margin.t + 45
    assert long.layout.height <= HEATMAP_MOST


# ---- misuse: what people typed, and what is hidden ---------------------------------------------------------------

def test_markdown_in_a_community_name_reaches_the_sentence_as_typed_and_is_escaped_for_the_page():
    from framework.core.safe_text import markdown_text

    sentence = reach_sentence(reach(("[Click](https://evil.example) **now**", 10, 100.0, None)))
    assert "[Click](https://evil.example) **now**" in sentence  # plain text, exactly as typed
    shown = markdown_text(sentence)
    assert "](https" not in shown.replace("\\]", "") and "**now**" not in shown


def test_a_hidden_group_adds_nothing_to_any_sentence_even_if_figures_were_left_on_its_row():
    rows = TWO_STATEMENTS.copy()
    hidden = rows["group_code"] == "icb"
    rows.loc[hidden, "mean"] = 1.0
    rows.loc[hidden, list(CELLS)] = 50
    assert distribution_sentence(rows, "S01") == distribution_sentence(TWO_STATEMENTS, "S01")
    assert heatmap_sentence(rows) == heatmap_sentence(TWO_STATEMENTS)
