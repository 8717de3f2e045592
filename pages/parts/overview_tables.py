"""The overview tables of Home and Progress, laid out for a laptop: the status words and the names wrap inside set
widths and come before the working figures, so nothing a reader needs is off the right edge at 1366 pixels."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from pages.parts.tables import WRAPPED_ROW, table

text = st.column_config.TextColumn
THREE_LINES = 76  # a measure's name can take three lines in its column
MEASURE_ORDER = ["Code", "Measure", "1-year", "3-year", "5-year", "Latest", "Expected by then", "Period ends", "Link"]
ACTION_ORDER = ["Action", "Status", "Due", "Owner", "Outcome"]


def outcome_words_table(frame: pd.DataFrame) -> None:
    """Each outcome's statuses in words at each horizon."""
    table(frame, row_height=WRAPPED_ROW,
          column_config={"Outcome": text(width=240), **{f"{h}-year": text(width=215) for h in (1, 3, 5)}})


def measures_table(frame: pd.DataFrame) -> None:
    """Every measure: code, name and status at each horizon first; the figures and the link to open it after."""
    table(frame[[c for c in MEASURE_ORDER if c in frame.columns]], row_height=THREE_LINES,
          column_config={"Code": text(width=112), "Measure": text(width=168),
                         **{f"{h}-year": text(width=90) for h in (1, 3, 5)},
                         "Latest": text(width=100), "Expected by then": text(width=115),
                         "Period ends": text(width=80),
                         "Link": st.column_config.LinkColumn("Open", display_text="Open", width=50)})


def open_actions_table(frame: pd.DataFrame) -> None:
    """The open actions: what, its status and when first; who and the outcome after."""
    table(frame[[c for c in ACTION_ORDER if c in frame.columns]], row_height=WRAPPED_ROW,
          column_config={"Action": text(width=300), "Status": text(width=105), "Due": text(width=165),
                         "Owner": text(width=150), "Outcome": text(width=180)})
