"""The inequality part of the indicator page: for each breakdown, the chart of its groups with the gap, the gap in
words, the gap as a measure with its targets and status, the slope index of inequality and, for ethnicity, how
complete recording is."""
from typing import Any

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.glossary import hint_for
from framework.progress.detail import detail_breakdown_chart, horizon_table
from framework.progress.gap_detail import inequality_detail
from framework.progress.gaps import gap_unit


def inequalities(code: str, selected: str, area: str, detail: dict[str, Any]) -> None:
    """Every breakdown of one measure in one area, as charts, tables and words."""
    found = glue.read(inequality_detail, code, selected, area)
    for item in found["items"]:
        st.markdown(f"#### Inequality gap by {glue.text(item['breakdown'].lower())}")
        if item["disadvantaged"] is not None:
            glue.chart(detail_breakdown_chart(detail, item), None, key=f"indicators.breakdown_{item['breakdown']}")
        st.markdown(glue.text(item["sentence"]), help=hint_for(item["sentence"]))
        if item["measure_words"]:
            st.markdown(glue.text(item["measure_words"]))
        rows = item["rows"]
        if not rows.empty and rows["target"].notna().any():
            unit = gap_unit(detail["indicator"]["unit"])
            table = horizon_table({"indicator": {**detail["indicator"], "unit": unit}, "rows": rows})
            table = table.rename(columns={"Target": "Gap target", "Expected by now": "Gap expected by now"})
            st.dataframe(table[["Horizon", "Due", "Gap target", "Gap expected by now", "Status", "Distance travelled",
                                "Projected at the horizon"]], hide_index=True, width="stretch")
        for words in (item["sii_words"], item["completeness_words"]):
            if words:
                st.markdown(glue.text(words))
        if not item["completeness"].empty:
            shown = item["completeness"][["period_label", "not_stated", "records", "share"]].rename(columns={
                "period_label": "Period", "not_stated": "Not stated or unknown", "records": "Records",
                "share": "Share not stated (%)"})
            st.dataframe(shown.round({"Share not stated (%)": 1}), hide_index=True, width="stretch", height=180)
