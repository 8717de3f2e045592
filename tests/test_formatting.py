"""Numbers and dates by unit, in one place: rounded, with thousands separators, counts never read as years, dates in
words, field names as words, nothing missing shown as None or nan; and counts and words that agree across pages."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from framework.core.formatting import (
    MISSING,
    by_unit,
    column_format,
    count,
    day,
    decimals,
    fields_in_words,
    header,
    moment,
    number,
    percent,
)
from framework.foundation.indicator_text import format_value
from framework.progress.text import judged_note
from framework.reviews.results import mean_words


@pytest.mark.parametrize("value, unit, shown", [
    (33.33333, "%", "33.3%"), (1484.5619, "per 100,000", "1,485 per 100,000"), (27.8498, "per 100,000",
                                                                                 "27.8 per 100,000"),
    (2028, "people", "2,028 people"), (190.4, "groups", "190 groups"), (2028, "count", "2,028 count"),
    (12.0, "%", "12%"), (5600, "hours", "5,600 hours"), (12.5, "£", "£12.50"), (1484.56, "£", "£1,485"),
    (None, "%", MISSING), (float("nan"), "people", MISSING), (pd.NA, "", MISSING), (pd.NaT, "", MISSING),
    (-3.25, "", "-3.2"), (0, "%", "0%"),
])
def test_values_are_rounded_and_separated_by_their_unit(value, unit, shown):
    assert by_unit(value, unit) == shown


@pytest.mark.parametrize("fn, value, shown", [
    (count, 2028, "2,028"), (count, 2028.4, "2,028"), (count, None, MISSING), (number, 1484.5619, "1,484.6"),
    (number, 33.0, "33"), (number, float("inf"), MISSING), (percent, 33.3333, "33.3%"), (percent, None, MISSING),
])
def test_counts_numbers_and_percentages_read_as_people_write_them(fn, value, shown):
    assert fn(value) == shown


def test_a_count_that_looks_like_a_year_is_written_with_a_separator():
    assert count(2028) == "2,028" and "2028" not in by_unit(2028, "people")


@pytest.mark.parametrize("value, shown", [
    (date(2026, 6, 30), "30 Jun 2026"), (datetime(2026, 6, 30, 0, 0), "30 Jun 2026"),
    (pd.Timestamp("2026-06-30 00:00:00"), "30 Jun 2026"), ("2026-06-30", "30 Jun 2026"), (None, MISSING),
    (pd.NaT, MISSING), ("not a date", "not a date"),
])
def test_dates_are_written_in_words_without_a_time(value, shown):
    assert day(value) == shown


def test_a_moment_keeps_its_time_but_never_its_seconds():
    assert moment(pd.Timestamp("2026-11-30 14:05:09")) == "30 Nov 2026, 14:05"
    assert moment(None) == MISSING


@pytest.mark.parametrize("field, words", [
    ("framework_start", "framework start"), ("icb_code", "ICB code"), ("is_core20plus5", "Core20PLUS5"),
    ("target_1y", "1-year target"), ("population_share", "population share"), ("lower_ci", "lower 95% limit"),
])
def test_field_names_are_turned_into_words(field, words):
    assert header(field) == words[0].upper() + words[1:]
    assert "_" not in fields_in_words(field)


def test_a_list_of_changed_fields_reads_as_words():
    assert fields_in_words("framework_start, icb_code, is_demo") == "framework start, ICB code, demo flag"
    assert fields_in_words(None) == MISSING and fields_in_words("") == MISSING


def test_table_formats_follow_the_unit():
    assert column_format("%") == "%.1f%%" and column_format("per 100,000") == "localized"
    assert decimals("people") == 0 and decimals("%") == 1 and decimals(None) == 1


def test_the_indicator_wording_uses_the_same_rounding_and_says_when_there_is_no_value():
    assert format_value(1484.5619, "per 100,000") == by_unit(1484.5619, "per 100,000")
    assert format_value(None, "%") == "no value"


@pytest.mark.parametrize("mean", [2.45, 2.46, 2.5, 2.54])
def test_two_means_shown_alike_read_alike_in_words(mean):
    assert f"{mean:.1f}" == "2.5"
    assert mean_words(mean) == "Neither agree nor disagree"


def test_means_either_side_of_a_shown_boundary_read_as_their_shown_value():
    assert mean_words(2.44) == "Disagree" and mean_words(4.46) == "Strongly agree" and mean_words(None) == "Hidden"


@pytest.mark.parametrize("in_use, qualitative, judged, words", [
    (27, 2, 25, "Of the 27 measures in use, 25 have numbers and are judged here; 2 qualitative measures are "
                "followed through their stories instead."),
    (27, 2, 24, "Of the 27 measures in use, 24 have numbers and are judged here; 2 qualitative measures are "
                "followed through their stories instead and 1 has no numbers for this area yet."),
    (2, 1, 1, "Of the 2 measures in use, 1 has numbers and is judged here; 1 qualitative measure is followed "
              "through its stories instead."),
    (3, 0, 3, "All 3 measures in use have numbers and are judged here."),
    (0, 0, 0, "No measures are in use yet."),
])
def test_the_progress_pages_say_why_fewer_measures_are_judged_than_are_in_use(in_use, qualitative, judged, words):
    assert judged_note(in_use, qualitative, judged) == words


def test_a_readable_table_rounds_by_unit_and_shows_dates_in_words():
    from pages.parts.tables import readable

    frame = pd.DataFrame({"Value": [33.33333, None], "People": [2028.0, 3.0], "Rate": [1484.5619, 2.25],
                          "When": [date(2026, 6, 30), None], "Flag": [True, False], "Name": ["a", None]})
    shown, config = readable(frame, {"Value": "%", "Rate": "per 100,000"})
    assert shown["Value"].iloc[0] == 33.3 and shown["Rate"].iloc[0] == 1484.6 and shown["People"].iloc[0] == 2028
    assert config["Value"]["type_config"]["format"] == "%.1f%%"
    assert config["People"]["type_config"]["format"] == "localized"  # shown as 2,028
    assert (config["When"]["type_config"]["type"], config["When"]["type_config"]["format"]) == ("date", "D MMM YYYY")
    assert pd.api.types.is_datetime64_any_dtype(shown["When"])
    assert "Flag" not in config and "Name" not in config
    assert frame["Value"].iloc[0] == 33.33333  # the caller's frame is left as it was


@pytest.mark.parametrize("column", [[None, None], [float("inf"), 1.0], ["2026-06-30", date(2026, 6, 30)], []])
def test_a_readable_table_copes_with_empty_infinite_and_mixed_columns(column):
    from pages.parts.tables import readable

    shown, _ = readable(pd.DataFrame({"x": column}))
    assert len(shown) == len(column)
