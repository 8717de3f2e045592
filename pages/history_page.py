"""History: the audit log of every change, filtered by who, what kind of record, which measure and which dates."""
from datetime import date, timedelta

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.formatting import MISSING, fields_in_words, moment
from framework.foundation.indicators import list_indicators
from framework.measures.history import ENTITY_WORDS, audit_history, entities, people, target_changes

code, user = glue.page_as_user("History of changes", "view_history",
                               "You are viewing as {role}. The full history is open to editors and administrators; "
                               "what happened to each proposed measure is public on the Proposed measures page.")
st.write("Every change is recorded: who made it, in what role, when, what changed and why. Ballots appear only "
         "under pseudonyms.")

catalogue = glue.read(list_indicators, code, statuses=["proposed", "active", "retired"])
measure_names = dict(zip(catalogue["indicator_code"], catalogue["name"]))
c1, c2, c3, c4 = st.columns([2, 2, 3, 3])
who = c1.selectbox("Who", glue.read(people, code), index=None, placeholder="Anyone", key="history.who")
entity = c2.selectbox("What", glue.read(entities, code), index=None, placeholder="Any record", key="history.entity",
                      format_func=lambda e: ENTITY_WORDS.get(e, e.replace("_", " ").capitalize()))
indicator = c3.selectbox("Measure", list(measure_names), index=None, placeholder="Any measure", key="history.indicator",
                         format_func=lambda c: f"{c}: {measure_names[c]}")
dates = c4.date_input("Dates", value=(date.today() - timedelta(days=365), date.today()), format="DD/MM/YYYY",
                      key="history.dates")
since, until = (dates + (None, None))[:2] if isinstance(dates, tuple) else (dates, None)
log = glue.read(audit_history, code, who=who, entity=entity, indicator=indicator, since=since, until=until)
st.caption(f"{len(log)} change{'s' if len(log) != 1 else ''} shown.")
if log.empty:
    st.info("No changes match these filters. Widen the dates or clear a filter.")
    st.stop()
st.dataframe(
    log.assign(when=log["changed_at"].map(moment), fields=log["fields"].map(fields_in_words))[
        ["when", "user_id", "user_role", "action", "what", "record", "fields", "reason"]].rename(columns={
        "when": "When", "user_id": "Who", "user_role": "Role", "action": "Action", "what": "What",
        "record": "Record", "fields": "Fields changed", "reason": "Reason"}),
    hide_index=True, width="stretch", height=min(520, 38 + 35 * len(log)), placeholder=MISSING,
)
if indicator:
    st.subheader(f"Target changes for {indicator}")
    changes = glue.read(target_changes, code, indicator)
    if changes.empty:
        st.info("The targets of this measure have not changed since it was set up.")
    else:
        st.dataframe(changes.rename(columns={"date": "Date", "field": "Target", "old": "Was", "new": "Now",
                                             "reason": "Reason", "changed_by": "Who"}), hide_index=True, width="stretch",
                     placeholder=MISSING)
