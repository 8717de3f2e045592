"""Period labels and dates in the forms real data uses."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from framework.data_io.importers.periods import parse_date, parse_period


@pytest.mark.parametrize("label, expected", [
    ("2013/14", ("2013/14", date(2013, 4, 1), date(2014, 3, 31))),
    ("1999/00", ("1999/00", date(1999, 4, 1), date(2000, 3, 31))),
    ("2021", ("2021", date(2021, 1, 1), date(2021, 12, 31))),
    ("2022 Q1", ("2022 Q1", date(2022, 1, 1), date(2022, 3, 31))),
    ("Q4 2022", ("Q4 2022", date(2022, 10, 1), date(2022, 12, 31))),
    ("2022/23 Q1", ("2022/23 Q1", date(2022, 4, 1), date(2022, 6, 30))),
    ("2022/23 Q4", ("2022/23 Q4", date(2023, 1, 1), date(2023, 3, 31))),
    ("Apr 2022", ("Apr 2022", date(2022, 4, 1), date(2022, 4, 30))),
    ("February 2024", ("February 2024", date(2024, 2, 1), date(2024, 2, 29))),
    ("Apr 2022 - Mar 2023", ("Apr 2022 - Mar 2023", date(2022, 4, 1), date(2023, 3, 31))),
    ("Apr  2022 -  Mar 2023", ("Apr 2022 - Mar 2023", date(2022, 4, 1), date(2023, 3, 31))),
    ("2017 - 19", ("2017 - 19", date(2017, 1, 1), date(2019, 12, 31))),
    ("2016/17 - 18/19", ("2016/17 - 18/19", date(2016, 4, 1), date(2019, 3, 31))),
    ("44652", ("2022-04-01", date(2022, 4, 1), date(2022, 4, 1))),
    (44652.0, ("2022-04-01", date(2022, 4, 1), date(2022, 4, 1))),
    (date(2022, 4, 1), ("2022-04-01", date(2022, 4, 1), date(2022, 4, 1))),
    ("2022-04-01", ("2022-04-01", date(2022, 4, 1), date(2022, 4, 1))),
    ("N/A", None), ("Spring 2022", None), ("2022/24", None), ("Mar 2023 - Apr 2022", None), ("2022 Q5", None),
    ("", None), (None, None), ("Smarch 2022", None),
])
def test_a_period_label_gives_the_dates_it_means_or_none(label, expected):
    assert parse_period(label) == expected


@pytest.mark.parametrize("value, expected", [
    ("2022-04-01", date(2022, 4, 1)), ("01/04/2022", date(2022, 4, 1)), ("44652", date(2022, 4, 1)),
    (44652, date(2022, 4, 1)), (datetime(2022, 4, 1, 0, 0), date(2022, 4, 1)), ("2022-04-01T00:00:00", date(2022, 4, 1)),
    ("31/02/2022", None), ("tomorrow", None), ("0", None), (True, None), ("", None),
])
def test_a_date_is_read_from_iso_text_uk_text_or_an_excel_serial(value, expected):
    assert parse_date(value) == expected
