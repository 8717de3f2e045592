"""The "worse and getting worse" list on the progress page: measures in use where the system or one of its places
is worse than England in its latest period and its recent trend is moving the wrong way."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.foundation.indicator_text import format_value
from framework.progress.benchmarks import worse_than_england, worsening_sentence
from framework.progress.text import difference

AT_998 = {"worse": "worse too", "similar": "not at 99.8%", "not_compared": "no 99.8% interval"}


def worsening(code: str) -> None:
    """The list, with a sentence from the figures; a plain statement when nothing is on it."""
    st.header("Worse than England and getting worse")
    worse = glue.read(worse_than_england, code)
    listed = worse[worse["trend"] == "getting_worse"]
    st.markdown(glue.text(worsening_sentence(worse)))
    if listed.empty:
        return
    shown = listed.assign(
        Link=["indicators?indicator=" + c for c in listed["indicator_code"]],
        Latest=[format_value(v, u) for v, u in zip(listed["value"], listed["unit"])],
        England=[format_value(v, u) for v, u in zip(listed["england"], listed["unit"])],
        Trend=[f"{'up' if s > 0 else 'down'} {difference(s, u)} a year over {n} points"
               for s, u, n in zip(listed["trend_per_year"], listed["unit"], listed["points"])],
        **{"At 99.8%": [AT_998.get(v, "-") for v in listed["at998"]]},
    ).rename(columns={"indicator_code": "Code", "name": "Measure", "area_name": "Area", "period_label": "Period"})
    st.dataframe(shown[["Code", "Measure", "Link", "Area", "Period", "Latest", "England", "At 99.8%", "Trend"]],
                 hide_index=True, width="stretch",
                 column_config={"Link": st.column_config.LinkColumn("Open", display_text="Open", width=55)})
    st.caption("Worse than England: England's value lies outside the area's 95% confidence interval. Getting worse: "
               "over the latest five points (at least three), the chi-squared test for trend finds a trend the wrong "
               "way at 99.9% for a percentage with counts (Fingertips' recent trend), or else the straight line "
               "through them slopes the wrong way and its 95% confidence interval excludes no change.")
    st.page_link("pages/progress_rules_page.py", label="How this is judged, in plain words", icon=":material/rule:")
