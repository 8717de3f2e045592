"""Indicators: a searchable, filterable catalogue and the detail of one indicator."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.indicators import get_indicator, latest_values, list_indicators
from framework.indicator_text import describe_targets, format_value
from framework.model import DIRECTION_WORDS, INDICATOR_STATUSES, KIND_WORDS, KINDS
from framework.vision import list_outcomes

system = glue.require_system()
code = system["system_code"]
glue.demo_banner(system)
st.title("Indicators")
st.write("Every measure in the framework. Search by name or source, or narrow the list, then open one.")

outcomes = glue.read(list_outcomes, code)
outcome_titles = dict(zip(outcomes["outcome_code"], outcomes["title"]))
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
search = c1.text_input("Search", key="indicators.search", placeholder="for example: smoking, survey, Healthwatch")
kinds = c2.multiselect("Kind", KINDS, format_func=lambda k: k.capitalize(), key="indicators.kinds")
statuses = c3.multiselect("Status", INDICATOR_STATUSES, default=["active", "proposed"],
                          format_func=str.capitalize, key="indicators.statuses")
chosen_outcomes = c4.multiselect("Outcome", list(outcome_titles), format_func=lambda c: f"{c} {outcome_titles[c]}",
                                 key="indicators.outcomes")
catalogue = glue.read(list_indicators, code, search=search, kinds=kinds, statuses=statuses, outcomes=chosen_outcomes)

st.caption(f"{len(catalogue)} measure{'s' if len(catalogue) != 1 else ''} shown.")
if catalogue.empty:
    st.info("No measures match. Clear the search or widen the filters.")
    st.stop()
shown = catalogue[["indicator_code", "name", "outcome_code", "kind", "status", "unit", "owner_partner"]].rename(
    columns={"indicator_code": "Code", "name": "Measure", "outcome_code": "Outcome", "kind": "Kind",
             "status": "Status", "unit": "Unit", "owner_partner": "Owner"})
st.dataframe(shown, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(shown)))

options = list(catalogue["indicator_code"])
names = dict(zip(catalogue["indicator_code"], catalogue["name"]))
wanted = st.query_params.get("indicator")
index = options.index(wanted) if wanted in options else 0
selected = st.selectbox("Open a measure", options, index=index, format_func=lambda c: f"{c}: {names[c]}",
                        key="indicators.selected")
st.query_params["indicator"] = selected

ind = glue.read(get_indicator, code, selected)
st.header(f"{ind['indicator_code']}: {ind['name']}")
st.write(ind["definition"] or "_No definition yet._")
left, right = st.columns(2)
left.markdown(
    f"**Outcome:** {ind['outcome_code'] or '-'} {ind['outcome_title'] or ''}  \n"
    f"**Kind:** {KIND_WORDS[ind['kind']]}  \n"
    f"**Direction:** {DIRECTION_WORDS[ind['direction']]}  \n"
    f"**Status:** {ind['status'].capitalize()} (version {ind['version']})"
)
right.markdown(
    f"**Source:** {ind['source'] or '-'} ({ind['source_ref'] or 'no reference'})  \n"
    f"**How often:** {ind['frequency'] or '-'}  \n"
    f"**Owner:** {ind['owner_partner'] or '-'}  \n"
    f"**Proposed by:** {ind['proposed_by'] or '-'}"
)
st.subheader("Baseline and targets")
st.write(describe_targets(ind, system["framework_start"]))
if ind["kind"] == "qualitative":
    st.info("This is a qualitative measure: it is followed through stories and evidence, not numbers.")
    st.stop()
st.subheader("Latest values")
latest = glue.read(latest_values, code, selected)
if latest.empty:
    st.info("No data has been loaded for this measure yet. Partners and editors can add it on the Data page.")
    st.stop()
latest = latest.assign(
    Value=[format_value(v, ind["unit"]) for v in latest["value"]],
    **{"95% interval": [
        f"{format_value(lo, ind['unit'])} to {format_value(hi, ind['unit'])}" if lo == lo and lo is not None else ""
        for lo, hi in zip(latest["lower_ci"], latest["upper_ci"])]},
)
st.dataframe(
    latest.rename(columns={"area_name": "Area", "role": "Role", "period_label": "Period", "value_note": "Note"})[
        ["Area", "Role", "Period", "Value", "95% interval", "Note"]],
    hide_index=True, width="stretch",
)
