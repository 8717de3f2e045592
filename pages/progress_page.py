"""Progress overview: for each outcome and horizon, how many measures are ahead, on track, behind or without
enough data, in words, in a table and in a chart. The filters live in the address, so a view can be shared."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.model import KINDS
from framework.foundation.indicator_text import format_value
from framework.foundation.vision import list_outcomes
from framework.progress.charts import overview_chart
from framework.progress.engine import status_label
from framework.progress.sql import area_progress, progress_areas
from framework.progress.text import overview_sentence, words_by_outcome
from pages.parts.measure_counts import judged_caption
from pages.parts.overview_tables import measures_table, outcome_words_table
from pages.parts.spc_matrix import spc_matrix_view
from pages.parts.worsening import worsening

system = glue.page("Progress at 1, 3 and 5 years")
code = system["system_code"]
st.write(
    "Where each measure stands against the ambitions for 1, 3 and 5 years from "
    f"{system['framework_start']:%B %Y}. A measure is **on track** when its latest value is close to where we "
    "expected it to be by then (or the expected value lies inside its 95% confidence interval), **ahead** or "
    "**behind** when it is clearly past or short of it. Once a horizon's date has passed, the measure is judged "
    "against that horizon's target. Open a measure to see its chart, its trend and the story behind it."
)
st.page_link("pages/progress_rules_page.py", label="How progress is judged", icon=":material/rule:")

outcomes = glue.read(list_outcomes, code)
titles = dict(zip(outcomes["outcome_code"], outcomes["title"]))
areas = glue.read(progress_areas, code)
area_names = dict(zip(areas["area_code"], areas["area_name"]))
numeric_kinds = [k for k in KINDS if k != "qualitative"]

# Settle the filters from the address before their widgets are drawn, dropping any left from another system.
if st.session_state.get("progress.area") not in area_names:
    st.session_state.pop("progress.area", None)
for key, allowed in (("progress.outcomes", titles), ("progress.kinds", numeric_kinds)):
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in allowed]
if "progress.outcomes" not in st.session_state:
    st.session_state["progress.outcomes"] = [o for o in st.query_params.get_all("outcome") if o in titles]
if "progress.area" not in st.session_state:
    wanted = st.query_params.get("area")
    st.session_state["progress.area"] = wanted if wanted in area_names else (next(iter(area_names), None))
if "progress.kinds" not in st.session_state:
    st.session_state["progress.kinds"] = [k for k in st.query_params.get_all("kind") if k in numeric_kinds]

c1, c2, c3 = st.columns([3, 2, 2])
chosen_outcomes = c1.multiselect("Outcome", list(titles), format_func=lambda c: f"{c} {titles[c]}",
                                 key="progress.outcomes", placeholder="All outcomes")
area = c2.selectbox("Area", list(area_names), format_func=area_names.get, key="progress.area")
chosen_kinds = c3.multiselect("Kind of measure", numeric_kinds, format_func=str.capitalize, key="progress.kinds",
                              placeholder="All kinds")
st.query_params["outcome"] = chosen_outcomes
st.query_params["kind"] = chosen_kinds
if area:
    st.query_params["area"] = area

counts, measures = glue.read(area_progress, code, area_code=area, outcomes=chosen_outcomes, kinds=chosen_kinds)
if counts.empty:
    st.info("No measures in use match these filters, or none has numeric data yet. Widen the filters, or add "
            "measures and data on the Indicators page.")
    st.stop()

st.header("In words")
for horizon in (1, 3, 5):
    st.markdown(f"- {overview_sentence(counts, horizon)}")
judged_caption(code, counts, outcomes=chosen_outcomes, kinds=chosen_kinds)
outcome_words_table(words_by_outcome(counts))

st.header("As a chart")
area_label = area_names.get(area, area)
glue.chart(
    overview_chart(counts, title=f"Measures by status, outcome and horizon: {area_label}",
                   source="Statuses are judged at each measure's latest period. Source: Shared Measures progress "
                          "engine"),
    "The chart shows the counts given in words and in the table above, by outcome and horizon. Each status has its "
    "own pattern as well as its own colour, and the legend names it in words.",
    key="progress.overview",
)

st.header("Every measure")
shown = measures.assign(
    Link=["indicators?indicator=" + c for c in measures["indicator_code"]],
    Latest=[format_value(v, u) for v, u in zip(measures["latest_value"], measures["unit"])],
    Expected=[format_value(v, u) for v, u in zip(measures["expected_now"], measures["unit"])],
    Period=[f"{d:%b %Y}" if d is not None and d == d else "-" for d in measures["latest_period_end"]],
    **{f"{h}-year": [status_label(s) for s in measures[f"status_{h}y"]] for h in (1, 3, 5)},
).rename(columns={"indicator_code": "Code", "name": "Measure", "outcome_code": "Outcome",
                  "Period": "Period ends", "Expected": "Expected by then"})
measures_table(shown)
spc_matrix_view(code, area, area_label)
st.page_link("pages/indicators_page.py", label="Open a measure's chart and story", icon=":material/monitoring:")
worsening(code)
