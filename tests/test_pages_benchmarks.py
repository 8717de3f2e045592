"""AppTests for benchmarking: the indicator page's comparisons with England, the region and a peer group from the
address, its funnel plot, and the progress page's "worse and getting worse" list, on the demo data."""
from __future__ import annotations

import pytest

from framework.core import db
from tests.apptest_helpers import as_read, copy_db, open_app


def _markdown(at, start):
    return [as_read(m.value) for m in at.markdown if as_read(m.value).startswith(start)]


def test_the_indicator_page_says_how_the_system_compares_with_england_and_the_region(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="community", query={"indicator": "I08"})
    assert not at.exception
    # the demo gives the region values with intervals for I08, so it is compared with both
    expected = "Similar to England and similar to the North East and Yorkshire region in 2025/26, judged at 95% confidence."
    assert _markdown(at, "Similar to England") == [expected]
    summary = next(m for m in _markdown(at, "Since April 2023"))
    assert summary.endswith(expected)  # the plain-English summary says it too
    table = next(d.value for d in at.dataframe if "England" in d.value.columns)
    assert list(table.columns) == ["Period", "Value", "England", "The North East and Yorkshire region"]
    assert table.iloc[0]["England"] == "Similar · 14.5%"
    assert table.iloc[2]["England"] == "Not compared: no value for this period"


def test_a_peer_group_comes_from_the_address_and_unknown_areas_are_dropped(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer",
                  query={"indicator": "I08", "peer": ["DEMO-P01", "E99999999", "=HYPERLINK(1)"]})
    assert not at.exception
    assert at.multiselect(key="indicators.peers").value == ["DEMO-P01"]
    assert any("A peer group of one area" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "England" in d.value.columns)
    assert "The peer group (Northmoor (demo place) alone)" in table.columns
    assert at.query_params["peer"] in ("DEMO-P01", ["DEMO-P01"])


def test_choosing_peers_changes_the_comparison(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": "I05"})
    at.multiselect(key="indicators.peers").set_value(["DEMO-P02", "DEMO-P03"]).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "England" in d.value.columns)
    assert table.iloc[0]["The peer group of 2 areas"].startswith(("Better", "Similar", "Worse"))


def test_the_funnel_plot_is_drawn_with_its_sentence_and_method(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": "I09"})
    assert not at.exception
    sentence = _markdown(at, "In 2026/27 Q2, 2 of 4 places lie within the 95% limits around England")
    assert len(sentence) == 1 and "Northmoor (demo place) (1,552 per 100,000) is outside the 99.8% limits" in sentence[0]
    method = [c.value for c in at.caption if c.value.startswith("Limits for a rate")]
    assert method and "4 areas are too few to estimate it" in method[0]


@pytest.mark.parametrize("code, why", [
    ("I03", "fewer than three of these areas have a value that can be placed on it"),  # counts of people, no interval
])
def test_a_measure_that_cannot_make_a_funnel_says_why(monkeypatch, demo_db_file, code, why):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", role="viewer", query={"indicator": code})
    assert not at.exception
    assert [c.value for c in at.caption if c.value.startswith("There is no funnel plot") and why in c.value]
    assert not _markdown(at, "In 20")


def test_the_progress_page_lists_measures_worse_than_england_and_getting_worse(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="progress_page", role="viewer")
    assert not at.exception
    assert "Worse than England and getting worse" in [h.value for h in at.header]
    sentence = _markdown(at, "Worse than England and getting worse: ")
    assert sentence == ["Worse than England and getting worse: Emergency admissions for ambulatory care sensitive "
                        "conditions in Northmoor (demo place). 7 more results are worse than England without a clear "
                        "trend the wrong way (each measure counted once in each area)."]
    listed = at.dataframe[-1].value
    assert listed[["Code", "Area"]].values.tolist() == [["I09", "Northmoor (demo place)"]]
    assert listed.iloc[0]["Trend"].startswith("up ") and listed.iloc[0]["Trend"].endswith("a year over 5 points")


def test_with_every_icb_in_the_data_a_person_can_switch_the_funnel_to_icbs(monkeypatch, demo_db_file, tmp_path):
    path = copy_db(demo_db_file, tmp_path)
    con = db.connect(path)
    try:
        icbs = [r[0] for r in con.execute("SELECT area_code FROM area WHERE area_type = 'ICB' AND area_code NOT LIKE"
                                          " 'DEMO%' ORDER BY area_code LIMIT 5").fetchall()]
        con.executemany("INSERT INTO measurement (system_code, indicator_code, area_code, period_label, period_start,"
                        " period_end, value, count, denominator) VALUES ('DEMO', 'I08', ?, '2025/26', DATE"
                        " '2025-04-01', DATE '2026-03-31', ?, ?, 2000)",
                        [(code, 14.0 + i / 10, 280 + 2 * i) for i, code in enumerate(icbs)])
    finally:
        con.close()
    at = open_app(monkeypatch, path, page="indicators_page", role="viewer", query={"indicator": "I08"})
    assert not at.exception
    assert _markdown(at, "In 2025/26, 4 of 4 places lie within")
    at.radio(key="indicators.funnel_scope").set_value("icbs").run()
    assert not at.exception
    assert _markdown(at, "In 2025/26, 6 of 6 ICBs lie within the 95% limits around England")
