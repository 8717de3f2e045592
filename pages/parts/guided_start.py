"""The guided start on the Framework page: for a system with no vision or few answers, one step at a time through
the vision statement, the seven starter questions and a first outcome, to choosing the first measures. Each step
saves as you go; whatever was typed stays in its box after a problem and when moving between steps."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.errors import StaleEdit
from framework.core.model import User
from framework.foundation.starter_questions import guide_status, list_questions, save_answers
from framework.foundation.vision import get_vision, list_outcomes, save_outcome, save_vision
from pages.parts.first_measures import first_measures
from pages.parts.question_wording import reword

OPEN_OF = "framework.guide.open."  # + system: None, decide from how far it has come; True or False, the user chose
STEP_OF = "framework.guide.step."  # + system: the step shown
DRAFT = "framework.guide.draft."  # + field: what was typed, kept while moving between steps
VERSION = "framework.guide.version."  # + question key: the answer's version when it was opened


def _draft(name: str, saved: str | None) -> str:
    return st.session_state.get(DRAFT + name, saved or "")


def _nav(step: int, last: int) -> tuple[bool, bool, bool]:
    """The step's buttons inside its form: back, skip, save and continue."""
    back_col, skip_col, save_col = st.columns([1, 1, 2])
    back = back_col.form_submit_button("Back", disabled=step == 0)
    skip = skip_col.form_submit_button("Skip for now", disabled=step == last)
    save = save_col.form_submit_button("Save and continue", type="primary")
    return back, skip, save


def _move(step: int, by: int) -> None:
    st.session_state[STEP_OF + st.session_state["framework.guide.system"]] = step + by
    st.rerun()


def _vision_step(code: str, step: int, last: int) -> None:
    vision = glue.read(get_vision, code) or {}
    st.session_state.setdefault(VERSION + "vision", vision.get("version"))
    st.markdown("**Start with the vision**: in a sentence or two, what do people and communities want working "
                "together to achieve here? Write it in their words.")
    with st.form("framework.guide.vision_form"):
        statement = st.text_area("Vision statement", value=_draft("statement", vision.get("statement")),
                                 key="framework.guide.statement")
        agreed_with = st.text_input("Agreed with (who shaped it)", value=_draft("agreed_with", vision.get("agreed_with")),
                                    key="framework.guide.agreed_with")
        back, skip, save = _nav(step, last)
    if back or skip or save:
        st.session_state[DRAFT + "statement"], st.session_state[DRAFT + "agreed_with"] = statement, agreed_with
    if save:
        values = {"statement": statement, "agreed_with": agreed_with, "agreed_on": vision.get("agreed_on")}
        ok, result = glue.write(save_vision, code, values, expected_version=st.session_state[VERSION + "vision"])
        if ok:
            st.session_state[VERSION + "vision"] = result
            _move(step, 1)
        elif isinstance(result, StaleEdit):
            st.cache_data.clear()
            st.session_state[VERSION + "vision"] = (glue.read(get_vision, code) or {}).get("version")
    elif skip:
        _move(step, 1)


def _question_step(code: str, question: dict, step: int, last: int) -> None:
    key = question["question_key"]
    st.session_state.setdefault(VERSION + key, int(question["answer_version"]))
    st.markdown(f"**Question {question['position']} of 7.** {glue.text(question['wording'])}")
    if question["position"] == 2:
        st.caption("What we are seeking to achieve in 1, 3 and 5 years comes after the questions, as outcomes.")
    with st.form(f"framework.guide.form.{key}"):
        answer = st.text_area("Your answer, in the words people used", value=_draft(key, question["answer"]),
                              key=f"framework.guide.answer.{key}", height=160)
        back, skip, save = _nav(step, last)
    if back or skip or save:
        st.session_state[DRAFT + key] = answer
    if save:
        ok, result = glue.write(save_answers, code, {key: answer},
                                expected_versions={key: st.session_state[VERSION + key]})
        if ok:
            st.session_state[VERSION + key] = result[key]
            _move(step, 1)
        elif isinstance(result, StaleEdit):  # keep their text; the next save replaces the other change
            st.cache_data.clear()
            fresh = glue.read(list_questions, code).set_index("question_key")
            st.session_state[VERSION + key] = int(fresh.loc[key, "answer_version"])
    elif back or skip:
        _move(step, -1 if back else 1)
    reword(code, question, "framework.guide")


def _outcome_step(code: str, step: int, last: int) -> None:
    outcomes = glue.read(list_outcomes, code)
    st.markdown("**What are we seeking to achieve in 1, 3 and 5 years?** Name an outcome and its ambitions. "
                "Add more later on the full page.")
    for o in outcomes.itertuples():
        st.markdown(f"- {glue.text(o.outcome_code)}. {glue.text(o.title)}")
    with st.form("framework.guide.outcome_form"):
        values = {"outcome_code": st.text_input("Outcome code (for example O1)", key="framework.guide.o_code"),
                  "title": st.text_input("Title", key="framework.guide.o_title")}
        for h in (1, 3, 5):
            values[f"ambition_{h}y"] = st.text_input(f"Ambition at {h} year{'s' if h > 1 else ''}",
                                                     key=f"framework.guide.o_{h}y")
        back, skip, save = _nav(step, last)
    if save and not any(str(v).strip() for v in values.values()) and not outcomes.empty:
        _move(step, 1)
    elif save:
        ok, _ = glue.write(save_outcome, code, values, is_new=True, success="The outcome was added.")
        if ok:
            _move(step, 1)
    elif back or skip:
        _move(step, -1 if back else 1)


def offer_guided_start(code: str, editable: bool) -> None:
    """A button that opens the guided start again, at its first step."""
    if editable and st.button("Walk me through the starter questions and first measures", key="framework.guide.reopen"):
        st.session_state[OPEN_OF + code], st.session_state[STEP_OF + code] = True, 0
        st.rerun()


def guided_start(code: str, user: User, editable: bool) -> bool:
    """Draw the guided start when it is open for this system; return whether it was drawn."""
    OPEN, STEP = OPEN_OF + code, STEP_OF + code
    st.session_state["framework.guide.system"] = code
    status = glue.read(guide_status, code)
    if st.session_state.get(OPEN) is None:
        st.session_state[OPEN] = editable and status["needs_guide"]
    if not editable or not st.session_state[OPEN]:
        return False
    questions = glue.read(list_questions, code).to_dict("records")
    titles = ["The vision", *(f"Question {q['position']}" for q in questions), "A first outcome", "First measures"]
    step = min(max(int(st.session_state.get(STEP) or 0), 0), len(titles) - 1)
    st.header("A guided start")
    st.progress((step + 1) / len(titles), text=f"Step {step + 1} of {len(titles)}: {titles[step]}")
    st.caption(f"Vision {'written' if status['has_vision'] else 'not written yet'} · {status['answered']} of "
               f"{status['questions']} questions answered · {status['measures']} measures. Each step is saved as "
               "you go; come back to any step.")
    last = len(titles) - 1
    if step == 0:
        _vision_step(code, step, last)
    elif step <= len(questions):
        _question_step(code, questions[step - 1], step, last)
    elif step == last - 1:
        _outcome_step(code, step, last)
    else:
        if st.button("Back to the outcome", key="framework.guide.back_from_measures"):
            _move(step, -1)
        first_measures(code, user)
    if st.button("Leave the guided start and show the whole page", key="framework.guide.leave"):
        st.session_state[OPEN] = False
        st.rerun()
    return True
