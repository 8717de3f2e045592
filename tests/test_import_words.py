"""The Data page's words: counts in sentences, button labels, and user text passed through the page's escape."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from framework import streamlit_glue as glue
from framework.data_io import import_words as words


def check(**overrides):
    values = {"rows_read": 6, "rows_valid": 1, "rows_merged": 0, "rows_rejected": 5, "problems": [1] * 5,
              "problems_total": 5, "ok": False, "fatal": False, "file_format": "app_csv", "framework": None,
              "new_areas": [], "new_indicators": []}
    return SimpleNamespace(**{**values, **overrides})


@pytest.mark.parametrize("overrides, sentence", [
    ({}, "5 problems in 5 rows. Nothing has been saved."),
    ({"problems_total": 1, "rows_rejected": 1, "problems": [1]}, "1 problem in 1 row. Nothing has been saved."),
    ({"problems_total": 2500, "rows_rejected": 1200, "problems": [1] * 1000},
     "2,500 problems in 1,200 rows (the first 1,000 are listed). Nothing has been saved."),
])
def test_the_problems_sentence_counts_problems_and_rows(overrides, sentence):
    assert words.problems_sentence(check(**overrides)) == sentence


@pytest.mark.parametrize("overrides, skip_invalid, allowed, label", [
    ({"ok": True, "rows_rejected": 0, "rows_valid": 6}, False, True, "Import 6 rows"),
    ({}, False, False, "Import 1 rows and set 5 aside"),
    ({}, True, True, "Import 1 rows and set 5 aside"),
    ({"fatal": True}, True, False, "Import 1 rows and set 5 aside"),
    ({"rows_valid": 0}, True, False, "Import 0 rows and set 5 aside"),
])
def test_a_file_with_problems_imports_only_when_bad_rows_may_be_set_aside(overrides, skip_invalid, allowed, label):
    found = check(**overrides)
    assert words.can_import(found, skip_invalid) is allowed
    assert words.import_label(found) == label


def test_new_measure_names_and_file_names_pass_through_the_pages_escape():
    found = check(new_indicators=[{"indicator_code": "F1", "name": "[x](https://evil.example)"}])
    assert words.check_notes(found, glue.text) == [
        "Read as a CSV in the app's template.",
        "It also brings 1 new proposed indicator(s): F1 \\[x\\]\\(https\\://evil\\.example\\).",
    ]
    summary = {"file_name": "# a.csv", "batch_id": 3, "rows_new": 1, "rows_changed": 0, "rows_unchanged": 0,
               "rows_merged": 0, "rows_rejected": 2, "areas_added": 0, "indicators_added": 0}
    assert words.result_sentence(summary, glue.text) == (
        "**\\# a\\.csv** saved as batch 3: 1 new, 0 changed and 0 unchanged rows; 2 rows set aside.")


def test_the_history_table_says_status_and_format_in_words_and_offers_only_real_applied_batches_for_undo():
    history = pd.DataFrame({
        "batch_id": [1, 2, 3], "imported_at": pd.to_datetime(["2026-11-01 09:30", "2026-11-02 10:00", "2026-11-03 08:00"]),
        "status": ["applied", "undone", "applied"], "file_name": ["demo", "a.csv", "b.xlsx"],
        "file_format": ["demo", "app_csv", "xlsx"], "imported_by": ["x"] * 3, "rows_new": [1] * 3,
        "rows_changed": [0] * 3, "rows_unchanged": [0] * 3, "rows_merged": [0] * 3, "rows_rejected": [0] * 3,
        "rows_read": [1] * 3})
    table = words.history_table(history)
    assert list(table.columns) == list(words.HISTORY_COLUMNS.values())
    assert list(table["Status"]) == ["Applied", "Undone", "Applied"]
    assert list(table["Format"]) == ["Demo", "CSV", "Excel"]
    assert table["When"].iloc[0] == "01 Nov 2026 09:30"
    assert words.undoable(history) == {3: "b.xlsx"}
