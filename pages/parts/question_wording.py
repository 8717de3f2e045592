"""The starter questions on the Framework page: every answer in one form, and each question's wording, which
editors may change for their system."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.errors import StaleEdit
from framework.foundation.starter_questions import list_questions, save_answers, save_wording

ANSWER_VERSIONS = "framework.answer_versions"  # {question key: answer version when the form was opened}
REWORDED = "framework.reworded"  # the number of the question whose wording was just saved


def reword(code: str, question: dict, prefix: str) -> None:
    """An expander with a small form to change one question's wording."""
    key = question["question_key"]
    version_key = f"{prefix}.wording_version.{key}"
    st.session_state.setdefault(version_key, int(question["wording_version"]))
    if st.session_state.get(REWORDED) == question["position"]:
        st.success(f"The wording of question {st.session_state.pop(REWORDED)} was saved, and the change is in the "
                   "audit log.")
    with st.expander(f"Change the wording of question {question['position']}"), \
            st.form(f"{prefix}.wording_form.{key}"):
        wording = st.text_area("Wording", value=question["wording"], key=f"{prefix}.wording.{key}")
        saved = st.form_submit_button("Save the wording")
    if saved:
        ok, result = glue.write(save_wording, code, key, wording, expected_version=st.session_state[version_key])
        if ok:  # draw the page again, so the question reads in its new words everywhere
            st.session_state[version_key], st.session_state[REWORDED] = result, question["position"]
            st.rerun()
        elif isinstance(result, StaleEdit):
            st.cache_data.clear()
            fresh = glue.read(list_questions, code).set_index("question_key")
            st.session_state[version_key] = int(fresh.loc[key, "wording_version"])


def questions_section(code: str, editable: bool) -> None:
    """The seven starter questions with their answers, saved together; each question's wording below."""
    st.header("Starter questions")
    st.write("Seven questions to answer with people and communities as you co-create the vision.")
    questions = glue.read(list_questions, code).to_dict("records")
    versions = st.session_state.setdefault(ANSWER_VERSIONS, {q["question_key"]: int(q["answer_version"])
                                                              for q in questions})
    with st.form("framework.questions_form"):
        answers = {q["question_key"]: st.text_area(
            f"{q['position']}. {glue.text(q['wording'])}", value=q["answer"] or "", key=f"framework.answer.{q['question_key']}",
            disabled=not editable) for q in questions}
        saved = st.form_submit_button("Save the answers", disabled=not editable, type="primary")
    if saved:
        ok, result = glue.write(save_answers, code, answers, expected_versions=versions,
                                success="The answers were saved, and each change is in the audit log.")
        if ok:
            st.session_state[ANSWER_VERSIONS] = {**versions, **result}
        elif isinstance(result, StaleEdit):
            st.cache_data.clear()
            fresh = glue.read(list_questions, code)
            st.session_state[ANSWER_VERSIONS] = dict(zip(fresh["question_key"], fresh["answer_version"].astype(int)))
    if editable:
        for q in questions:
            reword(code, q, "framework")
