"""Data quality beside each measure: a column in the indicators catalogue, and the words on one measure's page."""
import pandas as pd
import streamlit as st

from framework import streamlit_glue as glue
from framework.progress.data_quality import data_quality
from framework.progress.sql import progress_areas


def with_quality(code: str, shown: pd.DataFrame) -> pd.DataFrame:
    """The catalogue table with each measure's data quality grade and score, so the list can be sorted by them."""
    quality = glue.read(data_quality, code)[["indicator_code", "grade", "score"]].rename(
        columns={"indicator_code": "Code", "grade": "Data quality", "score": "Quality score"})
    merged = shown.merge(quality, on="Code", how="left")
    first = [c for c in ("Code", "Measure", "Data quality", "Quality score") if c in merged]
    return merged[first + [c for c in merged if c not in first]]  # beside the name, visible on a laptop


def quality_note(code: str, selected: str, area: str | None) -> None:
    """One measure's completeness and data quality in words, in the area shown."""
    own = glue.read(progress_areas, code)  # the system's own area first, as the catalogue's grades use
    shared = len(own) and own["role"].iloc[0] == "system" and own["area_code"].iloc[0] == area
    quality = glue.read(data_quality, code) if shared else glue.read(data_quality, code, area_code=area)
    row = quality[quality["indicator_code"] == selected]
    if row.empty:
        return
    st.markdown(f"**Data quality.** {glue.text(row['words'].iloc[0])}")
    st.caption("Scored on four things: the share of expected periods present, how old the latest period is, the "
               "share of values with a note, and whether percentages and rates carry intervals. Periods still "
               "running are not counted.")
    st.page_link("pages/progress_rules_page.py", label="How progress is judged", icon=":material/rule:")
