"""The engagement log's tables, laid out for a laptop: what was done, at what level and whom it reached come first,
long titles wrap, and counts have thousands separators; the community list in words for those who read it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from framework.core.formatting import MISSING
from pages.parts.tables import table

TALL_ROW = 84  # four lines: an activity can reach several communities and areas

ACTIVITY_ORDER = ["Activity", "Level", "Communities", "Areas", "Participants", "Volunteer hours", "Fed back", "Start",
                  "Lead partner", "Method"]
TAG_COLUMNS = {"label": "Community", "is_core20plus5": "Core20PLUS5", "population_share": "Population share (%)",
               "description": "Description", "active": "In use"}


def activities_table(shown: pd.DataFrame) -> None:
    """The log, one activity a row, the columns a reader needs first."""
    text = st.column_config.TextColumn
    number = st.column_config.NumberColumn
    table(shown[ACTIVITY_ORDER], units={"Participants": "people", "Volunteer hours": "hours"},
          height=min(460, 38 + TALL_ROW * len(shown)), row_height=TALL_ROW,
          column_config={"Activity": text(width=220), "Level": text(width=90), "Communities": text(width=170),
                         "Areas": text(width=130), "Participants": number(width=95, format="localized"),
                         "Volunteer hours": number(width=120, format="localized"), "Fed back": text(width=75), "Start": st.column_config.DateColumn(format="D MMM YYYY")})


def community_list(tags: pd.DataFrame) -> None:
    """The community list for those who read it: labels in words, the codes left out."""
    shown = tags[[c for c in TAG_COLUMNS if c in tags.columns]].rename(columns=TAG_COLUMNS)
    table(shown, units={"Population share (%)": "%"},
          column_config={"Core20PLUS5": st.column_config.CheckboxColumn(),
                         "In use": st.column_config.CheckboxColumn()})


def community_editor(tags: pd.DataFrame) -> pd.DataFrame:
    """The community list to edit (editors); the code is the key each activity records."""
    return st.data_editor(
        tags, key="engagement.tag_editor", num_rows="dynamic", hide_index=True, width="stretch",
        placeholder=MISSING,
        column_config={
            "tag_code": st.column_config.TextColumn("Code", required=True),
            "label": st.column_config.TextColumn("Community", required=True),
            "is_core20plus5": st.column_config.CheckboxColumn("Core20PLUS5"),
            "population_share": st.column_config.NumberColumn("Population share (%)", min_value=0, max_value=100,
                                                              format="%.1f%%"),
            "description": st.column_config.TextColumn("Description"),
            "active": st.column_config.CheckboxColumn("In use"),
        })
