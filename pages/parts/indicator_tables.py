"""The indicator page's tables, laid out for a laptop: the horizons with their status beside the horizon, and every
period with its values formatted by the indicator's unit."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.parts.tables import WRAPPED_ROW, table

HORIZON_ORDER = ["Horizon", "Status", "Target", "Due", "Expected by now", "Projected at the horizon",
                 "Distance travelled"]


def horizons_table(frame: pd.DataFrame) -> None:
    """One row per horizon: the status second, so it is never off the right edge; the projection wraps."""
    text = st.column_config.TextColumn
    table(frame, column_order=[c for c in HORIZON_ORDER if c in frame.columns] +
          [c for c in frame.columns if c not in HORIZON_ORDER],
          column_config={"Horizon": text(width=75), "Status": text(width=130), "Target": text(width=90),
                         "Due": text(width=105), "Expected by now": text(width=120),
                         "Projected at the horizon": text(width=235), "Distance travelled": text(width=140)},
          row_height=WRAPPED_ROW)


def periods_table(frame: pd.DataFrame, unit: str | None) -> None:
    """Every period: values and limits in the indicator's unit, counts with thousands separators, dates in words."""
    units = {c: unit for c in ("Value", "Lower 95% limit", "Upper 95% limit", "Expected by then")}
    units.update({"Count": "count", "Denominator": "count"})
    table(frame, units=units, height=260)
