"""Edit measures: editors change definitions, targets, status and owners in a table with an explicit Save, record
agreed versions of the framework and compare two of them."""
from datetime import date

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.formatting import MISSING
from framework.core.model import DIRECTION_WORDS, DIRECTIONS, INDICATOR_STATUSES, KINDS
from framework.foundation.vision import list_outcomes
from framework.measures.editing import LABELS, SHOWN, carry_forward, editable_frame, save_table
from framework.measures.versions import compare_versions, list_versions, record_version
from pages.parts.gap_targets import gap_targets
from pages.parts.tables import table as readable_table

BASE, NONCE, CARRIED = "edit_indicators.base", "edit_indicators.nonce", "edit_indicators.carried"

code, user = glue.page_as_user("Edit measures", "edit_indicators",
                               "You are viewing as {role}. Only editors and administrators can edit measures; the "
                               "Indicators page shows every measure.")
st.write("Change definitions, targets, status and owners in the table, then press **Save changes**. A target change "
         "or retiring a measure needs a reason in the *Reason for change* column. Add a row at the foot of the table for a "
         "new measure.")

st.session_state.setdefault(NONCE, 0)
st.session_state.setdefault(CARRIED, {})
if st.session_state.get(BASE) is None or st.session_state.get("edit_indicators.system") != code:
    st.session_state[BASE] = editable_frame(glue.connection(), code)
    st.session_state["edit_indicators.system"] = code
    st.session_state[CARRIED] = {}
base = st.session_state[BASE]
outcomes = glue.read(list_outcomes, code)
editor_key = f"edit_indicators.table.{st.session_state[NONCE]}"

for message in st.session_state.pop("edit_indicators.messages", []):
    getattr(st, message[0])(message[1])
for row_code, table in st.session_state.get("edit_indicators.conflicts", {}).items():
    st.warning(f"**{row_code}** was saved by someone else after you opened it, so your change was not saved. "
               "Your edits are kept in the table, laid over their version; check them and press Save again.")
    st.dataframe(table, hide_index=True, width="stretch")
if st.session_state[CARRIED]:
    st.caption("Rows carrying your unsaved edits: " + ", ".join(st.session_state[CARRIED]))

c1, c2 = st.columns([1, 4])
save = c1.button("Save changes", type="primary", key="edit_indicators.save", icon=":material/save:")
with c2.popover("Discard my unsaved edits", icon=":material/undo:"):
    st.write("This throws away every change in the table that has not been saved.")
    discard = st.button("Yes, discard them", key="edit_indicators.discard")
st.data_editor(
    base, key=editor_key, num_rows="dynamic", hide_index=True, width="stretch", height=460, placeholder=MISSING,
    column_order=list(SHOWN),
    column_config={
        "indicator_code": st.column_config.TextColumn(LABELS["indicator_code"], required=True, width="small",
                                                      pinned=True),
        "name": st.column_config.TextColumn(LABELS["name"], required=True, width="medium"),
        "definition": st.column_config.TextColumn(LABELS["definition"], width="medium"),
        "outcome_code": st.column_config.SelectboxColumn(LABELS["outcome_code"], options=list(outcomes["outcome_code"])),
        "kind": st.column_config.SelectboxColumn(LABELS["kind"], options=list(KINDS), required=True,
                                             format_func=str.capitalize),
        "unit": st.column_config.TextColumn(LABELS["unit"], width="small"),
        "direction": st.column_config.SelectboxColumn(LABELS["direction"], options=list(DIRECTIONS), required=True,
                                                  format_func=DIRECTION_WORDS.get),
        "status": st.column_config.SelectboxColumn(LABELS["status"], options=list(INDICATOR_STATUSES),
                                               required=True, format_func=str.capitalize),
        "owner_partner": st.column_config.TextColumn(LABELS["owner_partner"]),
        "baseline_value": st.column_config.NumberColumn(LABELS["baseline_value"], format="localized"),
        "target_1y": st.column_config.NumberColumn(LABELS["target_1y"], format="localized"),
        "target_3y": st.column_config.NumberColumn(LABELS["target_3y"], format="localized"),
        "target_5y": st.column_config.NumberColumn(LABELS["target_5y"], format="localized"),
        "reason": st.column_config.TextColumn(LABELS["reason"], width="medium",
                                              help="Needed when a target changes or a measure is retired."),
    },
)
if discard:
    for key in (BASE, CARRIED, "edit_indicators.conflicts"):
        st.session_state.pop(key, None)
    st.session_state[NONCE] += 1
    st.rerun()
if save:
    state = st.session_state.get(editor_key, {})
    edited, added, deleted = state.get("edited_rows", {}), state.get("added_rows", []), state.get("deleted_rows", [])
    if not (edited or added or deleted or st.session_state[CARRIED]):
        st.info("There is nothing to save: change a cell first.")
    else:
        ok, report = glue.write(save_table, code, base, edited, added, deleted, st.session_state[CARRIED])
        if ok:
            fresh = editable_frame(glue.connection(), code)
            new_base, carried = carry_forward(fresh, base, edited, added, report.unsaved, st.session_state[CARRIED])
            messages = []
            if report.saved:
                messages.append(("success", f"Saved {len(report.saved)} measure{'s' if len(report.saved) != 1 else ''}"
                                            f": {', '.join(report.saved)}. Each change is in the History."))
            for row_code, problems in report.problems.items():
                messages.append(("error", f"**{row_code}** was not saved. Please fix:\n"
                                 + "\n".join(f"- {p}" for p in problems)))
            st.session_state["edit_indicators.messages"] = messages
            st.session_state["edit_indicators.conflicts"] = report.conflicts
            st.session_state[BASE], st.session_state[CARRIED] = new_base, carried
            st.session_state[NONCE] += 1
            st.rerun()

gap_targets(code)

st.header("Agreed versions of the framework")
st.write("When a board or partnership group agrees the framework, record it here. Each version keeps the vision, "
         "outcomes and measures as they stood, so any two can be compared.")
with st.form("edit_indicators.version_form"):
    c1, c2, c3 = st.columns([2, 1, 2])
    label = c1.text_input("Version name", placeholder="for example: Framework 2026/27")
    agreed_on = c2.date_input("Agreed on", value=date.today(), format="DD/MM/YYYY")
    approved_by = c3.text_input("Approved by", placeholder="for example: ICB Board, 12 March 2026")
    notes = st.text_input("Notes (optional)")
    record = st.form_submit_button("Record this version")
if record:
    glue.write(record_version, code, label, agreed_on, approved_by, notes,
               success=f"Recorded '{label}', agreed on {agreed_on:%d %B %Y} by {approved_by}.")
versions = glue.read(list_versions, code)
if versions.empty:
    st.info("No agreed version has been recorded yet.")
    st.stop()
readable_table(versions[["version_id", "label", "agreed_on", "approved_by", "measures", "notes"]].rename(columns={
    "version_id": "No.", "label": "Version", "agreed_on": "Agreed on", "approved_by": "Approved by",
    "measures": "Measures", "notes": "Notes"}))
if len(versions) < 2:
    st.info("Record a second version to compare two.")
    st.stop()
names = dict(zip(versions["version_id"], versions["label"]))
c1, c2 = st.columns(2)
older = c1.selectbox("Compare", list(names), index=1, format_func=names.get, key="edit_indicators.older")
newer = c2.selectbox("with", list(names), index=0, format_func=names.get, key="edit_indicators.newer")
diff = glue.read(compare_versions, code, int(older), int(newer))
if diff.empty:
    st.info("These two versions are the same.")
else:
    st.dataframe(diff.rename(columns={"part": "Part", "code": "Code", "field": "Field", "change": "Change",
                                      "before": names[older], "after": names[newer]}),
                 hide_index=True, width="stretch")
