"""The measurement upsert: new, changed and unchanged rows on the natural key."""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.core.db import transaction
from framework.foundation.measurements import upsert_measurements


def rows(values):
    return pd.DataFrame([
        {"system_code": "S", "indicator_code": "I1", "area_code": "E92000001", "period_label": f"{y}",
         "period_start": date(y, 1, 1), "period_end": date(y, 12, 31), "value": v, "value_note": None}
        for y, v in values
    ])


def test_upsert_counts_new_changed_and_unchanged_rows_and_keeps_one_row_per_key(con):
    first = transaction(con, upsert_measurements, rows([(2021, 1.0), (2022, 2.0)]), 1)
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    second = transaction(con, upsert_measurements, rows([(2021, 1.0), (2022, 2.5), (2023, 3.0)]), 2)
    assert (second.new, second.changed, second.unchanged) == (1, 1, 1)
    stored = con.execute("SELECT period_label, value, batch_id, breakdown FROM measurement ORDER BY 1").fetchall()
    assert stored == [("2021", 1.0, 1, "All"), ("2022", 2.5, 2, "All"), ("2023", 3.0, 2, "All")]


def test_an_empty_frame_writes_nothing(con):
    counts = transaction(con, upsert_measurements, rows([]), 1)
    assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 0)
    assert con.execute("SELECT count(*) FROM measurement").fetchall() == [(0,)]
