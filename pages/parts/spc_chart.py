"""The Making Data Count SPC chart on the indicator page, offered beside the progress chart: limits, marked points,
the variation and assurance icons in words and sentences from the figures; and, for editors, the dates at which
the limits start again and the system's shift and trend length."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.model import User
from framework.progress.spc import RUN_LENGTHS
from framework.progress.spc_charts import spc_chart
from framework.progress.spc_settings import list_rebases, remove_rebase, run_length, set_rebase, set_run_length
from framework.progress.spc_text import series_reading


def spc_view(code: str, selected: str, area: str, area_name: str, user: User, source: str = "") -> None:
    """A toggle under the progress chart that shows the SPC chart of the same measure and area instead."""
    if not st.toggle("Show the SPC chart (Making Data Count)", key="indicators.spc"):
        return
    reading = glue.read(series_reading, code, selected, area)
    rows = reading["rows"]
    if rows.empty:
        st.info(f"There are no figures for {area_name} up to today, so there is no SPC chart yet.")
        return
    horizon = reading["horizon"]
    st.markdown(f"**{reading['variation']}** · **{reading['assurance']}**")
    glue.chart(spc_chart(rows, title=f"{selected} in {area_name}: how it varies over time",
                         unit=reading["unit"], source=source, target=horizon[1] if horizon else None,
                         target_label=f"{horizon[0]}-year target" if horizon else "Target"),
               None, key="indicators.spc_chart")
    st.markdown(" ".join(reading["sentences"]))
    st.caption("Points are marked by shape and colour and named in the legend.")
    st.page_link("pages/progress_rules_page.py", label="How this is judged, in plain words", icon=":material/rule:")
    if can(user, "edit_indicators"):
        _settings(code, selected, rows)


def _settings(code: str, selected: str, rows) -> None:
    with st.expander("Start the limits again, or change the run length (editors)"):
        rebases = glue.read(list_rebases, code, selected)
        for r in rebases.itertuples():
            c1, c2 = st.columns([4, 1])
            c1.markdown(f"From **{r.rebase_date:%d %B %Y}**: {glue.text(r.reason)} ({glue.text(r.set_by)})")
            why = c2.text_input("Why remove it?", key=f"indicators.spc_unset_reason.{r.rebase_date}")
            if c2.button("Remove", key=f"indicators.spc_unset.{r.rebase_date}") and glue.write(
                    remove_rebase, code, selected, r.rebase_date, why, success="Removed.")[0]:
                st.rerun()
        with st.form("indicators.spc_rebase_form"):
            day = st.date_input("Limits start again from", value=rows["period_end"].iloc[-1],
                                min_value=rows["period_end"].iloc[0], max_value=rows["period_end"].iloc[-1],
                                key="indicators.spc_rebase_date", format="DD/MM/YYYY")
            reason = st.text_input("Reason (for example: the new service model began)", max_chars=1000,
                                   key="indicators.spc_rebase_reason")
            if st.form_submit_button("Start the limits again", key="indicators.spc_rebase_save") and glue.write(
                    set_rebase, code, selected, day, reason, success="Saved.")[0]:
                st.rerun()
        current = glue.read(run_length, code)
        length = st.selectbox("Points in a row that make a shift or a trend (whole system)", RUN_LENGTHS,
                              index=RUN_LENGTHS.index(current), key="indicators.spc_run_length")
        if length != current and st.button("Save the run length", key="indicators.spc_run_save") and glue.write(
                set_run_length, code, length, success="Saved.")[0]:
            st.rerun()
