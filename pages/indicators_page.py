"""Indicators: a searchable, filterable catalogue and the detail of one indicator: its progress chart, the gap
between groups, a plain-English summary, the period table to download and the story behind the curve."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.model import DIRECTION_WORDS, INDICATOR_STATUSES, KIND_WORDS, KINDS
from framework.foundation.indicator_text import describe_targets, format_value
from framework.foundation.indicators import get_indicator, latest_values, list_indicators
from framework.foundation.vision import list_outcomes
from framework.measures.history import target_annotations
from framework.progress.detail import describe_latest, detail_chart, horizon_table, indicator_progress, period_csv
from framework.progress.periods import label_periods
from framework.progress.sql import progress_areas
from pages.parts.comparisons import comparisons
from pages.parts.data_quality import quality_note, with_quality
from pages.parts.former_icbs import former_icb_names, former_icbs
from pages.parts.funnel import funnel
from pages.parts.indicator_tables import horizons_table, periods_table
from pages.parts.inequalities import inequalities
from pages.parts.spc_chart import spc_view
from pages.parts.stories import stories
from pages.parts.tables import table as catalogue_table

system = glue.page("Indicators")
code = system["system_code"]
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
shown = with_quality(code, shown.fillna(""))
catalogue_table(shown, height=min(420, 38 + 35 * len(shown)),
                column_config={"Code": st.column_config.TextColumn(width=110)})

options = list(catalogue["indicator_code"])
names = dict(zip(catalogue["indicator_code"], catalogue["name"]))
wanted = st.query_params.get("indicator")
index = options.index(wanted) if wanted in options else 0
selected = st.selectbox("Open a measure", options, index=index, format_func=lambda c: f"{c}: {names[c]}",
                        key="indicators.selected")
st.query_params["indicator"] = selected

ind = glue.read(get_indicator, code, selected)
st.header(f"{ind['indicator_code']}: {glue.text(ind['name'])}")
st.markdown(glue.text(ind["definition"]) or "_No definition yet._")
left, right = st.columns(2)
left.markdown(
    f"**Outcome:** {ind['outcome_code'] or '-'} {glue.text(ind['outcome_title'])}  \n"
    f"**Kind:** {KIND_WORDS[ind['kind']]}  \n"
    f"**Direction:** {DIRECTION_WORDS[ind['direction']]}  \n"
    f"**Status:** {ind['status'].capitalize()} (version {ind['version']})"
)
right.markdown(
    f"**Source:** {glue.text(ind['source']) or '-'} ({glue.text(ind['source_ref']) or 'no reference'})  \n"
    f"**How often:** {glue.text(ind['frequency']) or '-'}  \n"
    f"**Owner:** {glue.text(ind['owner_partner']) or '-'}  \n"
    f"**Proposed by:** {glue.text(ind['proposed_by']) or '-'}"
)
st.subheader("Baseline and targets")
st.write(describe_targets(ind, system["framework_start"]))


user = glue.current_user()
if ind["kind"] == "qualitative":
    st.info("This is a qualitative measure: it is followed through stories and evidence, not numbers.")
    stories(code, selected, user)
    st.stop()
latest = glue.read(latest_values, code, selected)
if latest.empty:
    st.info("No data has been loaded for this measure yet. Partners and editors can add it on the Data page.")
    stories(code, selected, user)
    st.stop()

st.subheader("Progress")
areas = glue.read(progress_areas, code)
area_names = dict(zip(areas["area_code"], areas["area_name"])) | former_icb_names(code, selected)
if st.session_state.get("indicators.area") not in area_names:
    st.session_state.pop("indicators.area", None)  # left over from another system
area = st.selectbox("Area", list(area_names), format_func=area_names.get, key="indicators.area")
detail = glue.read(indicator_progress, code, selected, area)
chart_col, story_col = st.columns([5, 2])
with chart_col:
    if detail["points"].dropna(subset=["value"]).empty:
        st.info(f"There is no data for this measure in {area_names.get(area, area)} yet. Choose another area.")
    else:
        st.plotly_chart(detail_chart(detail, glue.read(target_annotations, code, selected)), width="stretch",
                        config={"displaylogo": False},
                        key="indicators.progress_chart")
        st.caption(describe_latest(detail))
        spc_view(code, selected, area, area_names.get(area, area), user, ind["source"] or "")
with story_col:
    stories(code, selected, user)
quality_note(code, selected, area)
former_icbs(code, selected, area, ind)
st.markdown("#### In plain English")
st.markdown(" ".join(detail["summary"]))
if detail["rows"].empty or detail["rows"]["target"].isna().all():
    st.info("No targets have been set for this measure yet, so there is no expected path and no status. Editors "
            "can set targets for 1, 3 and 5 years on the Edit measures page.")
else:
    horizons_table(horizon_table(detail))
    st.caption("How the status is judged, and the tolerance it allows, is explained in docs/progress.md: on track "
               "means within a tenth of the planned change of the expected path, or the expected value is inside "
               "the 95% confidence interval.")
inequalities(code, selected, area, detail)
st.markdown("#### Every period")
periods_table(detail["period_table"], ind["unit"])
st.download_button("Download the period table (CSV)", period_csv(detail),
                   file_name=f"{code}-{selected}-{area}-periods.csv", mime="text/csv", key="indicators.download")
comparisons(code, selected, area, ind["unit"])
funnel(code, selected, ind)

st.subheader("Latest values")
latest = label_periods(latest, detail["today"]).assign(
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
