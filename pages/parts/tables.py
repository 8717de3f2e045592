"""Tables that read well on a laptop: numbers rounded and formatted by unit, dates in words, nothing missing shown as
"None", key columns first with set widths and long text wrapped, and no index column."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from framework.core.formatting import MISSING, column_format, decimals

DATE_FORMAT = "D MMM YYYY"
WRAPPED_ROW = 66
"""A row height that holds two lines: above 64 pixels Streamlit wraps long text instead of cutting it off."""


def _is_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    present = values.dropna()
    return values.dtype == object and len(present) > 0 and all(isinstance(v, date) for v in present.head(50))


def readable(frame: pd.DataFrame, units: dict[str, str | None] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame with numbers rounded by unit, and the column settings that show them with thousands separators
    and dates in words. `units` gives a column's unit ("%", "per 100,000", "people"...); a column without one is a
    count when it holds whole numbers and a number to one decimal place otherwise."""
    units = units or {}
    frame = frame.copy()
    config: dict[str, Any] = {}
    for name in frame.columns:
        values = frame[name]
        if isinstance(values, pd.DataFrame) or pd.api.types.is_bool_dtype(values):
            continue
        if _is_dates(values):
            if not pd.api.types.is_datetime64_any_dtype(values):
                frame[name] = pd.to_datetime(values)
            config[name] = st.column_config.DateColumn(format=DATE_FORMAT)
        elif pd.api.types.is_numeric_dtype(values):
            unit = units.get(name)
            whole = unit is None and (values.dropna() == values.dropna().round()).all()
            frame[name] = values.astype("Float64").round(0 if whole else decimals(unit))
            config[name] = st.column_config.NumberColumn(format=column_format(unit))
    return frame, config


def table(frame: pd.DataFrame, *, units: dict[str, str | None] | None = None,
          column_config: dict[str, Any] | None = None, **options: Any) -> Any:
    """Show a frame as a readable table (see readable()); column_config entries override the automatic ones."""
    shown, config = readable(frame, units)
    config.update(column_config or {})
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    return st.dataframe(shown, column_config=config, placeholder=MISSING, **options)
