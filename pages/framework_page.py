"""Framework: the vision, its starter questions and the outcomes with their 1, 3 and 5 year ambitions.
Editors change them here; every save is validated and audited. A system with no vision or few answers opens on a
guided start."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.foundation.vision import (
    OUTCOME_FIELDS,
    STATEMENT_FIELDS,
    VISION_FIELDS,
    get_vision,
    list_outcomes,
    principles,
    save_outcome,
    save_vision,
)
from pages.parts.guided_start import guided_start, offer_guided_start
from pages.parts.question_wording import questions_section

code, user = glue.page_as_user("Vision and outcomes")
editable = can(user, "edit_framework")
st.write(
    "The vision and outcomes are co-created with people and communities. Seven starter questions keep the "
    "conversation honest: how well we work together now, who else to involve, the difference it makes and the "
    "inequalities to address, the tensions to resolve, the assets we have, and how we will know."
)
if not editable:
    st.info(f"You are viewing as {user.role}. Only editors can change the vision and outcomes.")
if guided_start(code, user, editable):
    st.stop()

vision = glue.read(get_vision, code) or {}
st.session_state.setdefault("framework.vision_version", vision.get("version"))
st.header("The vision")
with st.form("framework.vision_form"):
    values = {}
    for name in STATEMENT_FIELDS:
        label = VISION_FIELDS[name]
        widget = st.text_input if name == "agreed_with" else st.text_area
        values[name] = widget(label, value=vision.get(name) or "", key=f"framework.vision.{name}", disabled=not editable)
    values["agreed_on"] = st.date_input("Agreed on", value=vision.get("agreed_on"), key="framework.vision.agreed_on",
                                        disabled=not editable, format="DD/MM/YYYY")
    saved = st.form_submit_button("Save the vision", disabled=not editable, type="primary")
if saved:
    ok, result = glue.write(save_vision, code, values, expected_version=st.session_state["framework.vision_version"],
                            success="The vision was saved, and the change is in the audit log.")
    if ok:
        st.session_state["framework.vision_version"] = result
    elif hasattr(result, "changes"):
        st.session_state["framework.vision_version"] = glue.read(get_vision, code)["version"]
questions_section(code, editable)
offer_guided_start(code, editable)

st.header("Outcomes")
outcomes = glue.read(list_outcomes, code)
prin = glue.read(principles)
prin_labels = dict(zip(prin["principle_no"], prin["short_label"]))
NEW = "new"
choices = list(outcomes["outcome_code"]) + ([NEW] if editable else [])
titles = dict(zip(outcomes["outcome_code"], outcomes["title"]))
if not choices:
    st.info("There are no outcomes yet.")
    st.stop()
choice = st.selectbox("Outcome", choices, key="framework.outcome_choice",
                      format_func=lambda c: "Add a new outcome" if c == NEW else f"{c}. {titles[c]}")
current = {} if choice == NEW else outcomes[outcomes["outcome_code"] == choice].iloc[0].to_dict()
version_key = f"framework.outcome_version.{choice}"
st.session_state.setdefault(version_key, current.get("version"))
with st.form(f"framework.outcome_form.{choice}"):
    values = {}
    for name, label in OUTCOME_FIELDS.items():
        widget = st.text_area if name in ("description",) or name.startswith("ambition") else st.text_input
        values[name] = widget(label, value=current.get(name) or "", key=f"framework.outcome.{choice}.{name}",
                              disabled=not editable or (name == "outcome_code" and choice != NEW))
    values["principles"] = st.multiselect(
        "Principles this outcome serves", list(prin_labels), default=[int(p) for p in current.get("principles", [])],
        format_func=lambda p: f"{p}. {prin_labels[p]}", key=f"framework.outcome.{choice}.principles",
        disabled=not editable)
    saved = st.form_submit_button("Add the outcome" if choice == NEW else "Save the outcome", disabled=not editable,
                                  type="primary")
if saved:
    ok, result = glue.write(save_outcome, code, values, is_new=(choice == NEW),
                            expected_version=st.session_state.get(version_key),
                            success="The outcome was saved, and the change is in the audit log.")
    if ok and choice != NEW:
        st.session_state[version_key] = result
