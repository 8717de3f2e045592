"""Reads that serve a page in one run of a query give what the separate reads give."""
from __future__ import annotations

import pandas as pd

from framework.progress.sql import area_progress, progress_list, status_counts


def test_one_read_of_an_area_gives_the_status_counts_and_the_measure_list_the_separate_reads_give(demo_con):
    for options in ({}, {"area_code": "DEMO-P01", "kinds": ["perception"]}, {"outcomes": ["O3"]}):
        counts, listed = area_progress(demo_con, "DEMO", **options)
        pd.testing.assert_frame_equal(counts, status_counts(demo_con, "DEMO", **options))
        pd.testing.assert_frame_equal(listed, progress_list(demo_con, "DEMO", **options))
        assert len(listed) and counts["n"].sum() == 3 * len(listed)


def test_an_area_with_no_measures_in_use_gives_two_empty_tables_with_their_columns(demo_con):
    counts, listed = area_progress(demo_con, "DEMO", outcomes=["no such outcome"])
    assert counts.empty and list(counts.columns) == ["outcome_code", "outcome_title", "horizon_years", "status", "n"]
    assert listed.empty and "status_5y" in listed.columns
