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


def test_a_code_holding_quotes_finds_no_gaps_and_cannot_change_the_query(demo_con):
    from framework.progress.gap_targets import gap_measures
    from framework.progress.sql import progress_table

    for code in ("DEMO' OR '1'='1", "DEMO'; DROP TABLE measurement; --", "O'Brien"):
        assert progress_table(demo_con, code, gaps=True).empty
        assert gap_measures(demo_con, code).empty
        assert progress_table(demo_con, "DEMO", gaps=True, gaps_of=code).empty
    assert len(progress_table(demo_con, "DEMO", gaps=True)) > 0  # the table is still there, the gaps still found
