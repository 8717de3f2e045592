"""In Chromium at 1366x768 with the sidebar open: the key columns of the indicator's horizon table, the Progress
tables, Home's open actions and the engagement log are drawn without scrolling sideways. The data grid draws only
the columns in view, so a key column missing from its header row is off the right edge. Screenshots go to
tests/screenshots/ for a person to judge."""
from __future__ import annotations

import pytest

from tests.browser import SCREENSHOTS, app_opened_at, browser_page, wait_for_app  # noqa: F401  (fixture)
from tests.full_demo import full_demo_db_file  # noqa: F401  (fixture)

TABLES = [  # page, a column that identifies the table, its key columns, whether every column fits
    ("", "Action", ["Action", "Status", "Due", "Owner", "Outcome"], True, "home-open-actions"),
    ("progress", "Outcome", ["Outcome", "1-year", "3-year", "5-year"], True, "progress-in-words"),
    ("progress", "Code", ["Code", "Measure", "1-year", "3-year", "5-year", "Latest", "Expected by then"], True,
     "progress-every-measure"),
    ("indicators?indicator=I08", "Horizon", ["Horizon", "Status", "Target", "Due", "Expected by now",
                                             "Projected at the horizon", "Distance travelled"], True,
     "indicator-horizons"),
    ("engagement", "Activity", ["Activity", "Level", "Communities", "Areas", "Participants", "Volunteer hours",
                                "Fed back"], False, "engagement-log"),
]


def _grid(page, first_column: str):
    grids = page.locator("[data-testid='stDataFrame']")
    for i in range(grids.count()):
        grid = grids.nth(i)
        headers = [h.strip() for h in grid.locator("th").all_inner_texts()]
        if headers and headers[0] == first_column:
            return grid, headers
    raise AssertionError(f"No table starting with the column {first_column!r}.")


@pytest.mark.parametrize("path, first, key_columns, fits, shot", TABLES, ids=[t[4] for t in TABLES])
def test_key_columns_are_visible_at_laptop_size_without_scrolling_sideways(browser_page, full_demo_db_file,
                                                                            tmp_path, path, first, key_columns,
                                                                            fits, shot):
    page = browser_page
    with app_opened_at(page, full_demo_db_file, tmp_path, path):
        wait_for_app(page)
        page.locator("[data-testid='stDataFrame'] th").first.wait_for(state="attached")
        grid, headers = _grid(page, first)
        grid.scroll_into_view_if_needed()
        missing = [c for c in key_columns if c not in headers]
        assert missing == [], f"{shot}: off the right edge at 1366x768: {missing} (drawn: {headers})"
        if fits:
            scroll, client = grid.evaluate(
                "el => { const s = el.querySelector('.dvn-scroller'); return [s.scrollWidth, s.clientWidth]; }")
            assert scroll <= client + 2, f"{shot}: the table scrolls sideways ({scroll} px in {client} px)"
        grid.screenshot(path=str(SCREENSHOTS / f"tables-{shot}.png"))
