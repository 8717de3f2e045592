"""Respond: answer a stakeholder review in confidence. Reached with an invite link (/respond?code=...), which sets
the respondent's group; no sign-in is needed and no identity is kept with the answers."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.errors import ValidationError
from framework.reviews import rounds
from pages.parts.demo_invite import offer_demo_invites

SCORE_WORDS = {**{s: f"{s} {w}" for s, w in rounds.SCALE.items()}, rounds.DONT_KNOW: "Don't know"}
OPTIONS = [1, 2, 3, 4, 5, rounds.DONT_KNOW]
st.session_state.setdefault("respond.return_code", None)
st.session_state.setdefault("respond.token", "")

st.title("Answer a review in confidence")
code = st.query_params.get("code", "")
if not code:
    st.write("Enter the invite code from your invitation. It looks like `ABCD-EFGH-JKLM`.")
    offer_demo_invites()
    typed = st.text_input("Invite code", key="respond.code_input")
    if not typed:
        st.stop()
    code = typed
info = glue.read(rounds.invite_info, rounds.normalise_code(code))
if info is None:
    st.error("That invite code was not recognised. Check it against your invitation, or ask the person who sent it.")
    st.stop()

if st.session_state.get("respond.for_code") != rounds.normalise_code(code):  # a new invitation starts afresh
    st.session_state["respond.for_code"] = rounds.normalise_code(code)
    st.session_state["respond.return_code"] = None
    st.session_state["respond.token"] = ""
st.markdown(f"**{glue.text(info['title'])}** for {glue.text(info['system_name'])}")
st.markdown(f"You are answering as one of: **{info['group_name']}**. Your invitation sets this group.")
st.info(
    "Your answers are confidential. We do not ask for your name or email, and nothing you send is linked to you. "
    "Results are published only after the review closes, only for groups where enough people answered, and with "
    "every count rounded to the nearest 5. "
    "Comments are read by the review team, who may remove names or other details before anyone else sees them.",
    icon=":material/lock:",
)
if info["state"] == "not_open_yet":
    st.info(f"This review opens on {info['opens_on']:%d %B %Y}. Please come back then.")
    st.stop()
if info["state"] == "closed":
    st.info("This review has closed, so answers can no longer be sent or changed. Thank you for your interest.")
    st.stop()
st.caption(f"Open until {info['closes_on']:%d %B %Y}. You can come back with your return code to change your answers "
           "until then.")

returned = st.session_state["respond.return_code"]
if info["personal"] and info["used"] and not returned and not st.session_state["respond.token"]:
    st.info("This personal invitation has already been used. To change those answers, open *Answered before?* and "
            "enter the return code you were given.")
if returned:
    st.success("Thank you: your answers were saved.")
    st.markdown("**Your return code** (keep it somewhere safe; it is shown only once):")
    st.code(returned, language=None)
    st.caption("With this code and your invite link you can change your answers while the review is open. "
               "We keep only a scrambled form of it, so we cannot find it for you if it is lost.")


def load_answers() -> None:
    """Fill the form with a returning respondent's own answers."""
    token = st.session_state.get("respond.token_input", "")
    answers = rounds.answers_for_token(glue.connection(), code, token)
    if answers is None:
        st.session_state["respond.load_error"] = True
        return
    st.session_state["respond.load_error"] = False
    st.session_state["respond.token"] = rounds.normalise_code(token)
    for statement in info["statements"]:
        saved = answers.get(statement["statement_code"], {})
        st.session_state[f"respond.score.{statement['statement_code']}"] = saved.get("score")
        st.session_state[f"respond.comment.{statement['statement_code']}"] = saved.get("comment") or ""


with st.expander("Answered before? Change your answers", expanded=bool(st.session_state["respond.token"])):
    st.text_input("Your return code", key="respond.token_input", help="The code you were given when you first answered.")
    st.button("Load my answers", key="respond.load", on_click=load_answers)
    if st.session_state.get("respond.load_error"):
        st.error("That return code was not recognised for this invitation. Check it, or answer as a new person.")
    elif st.session_state["respond.token"]:
        st.caption("Your earlier answers are filled in below. Sending replaces them.")

st.markdown("For each statement, choose how far you agree, from **1 Strongly disagree** to **5 Strongly agree**, or "
            "**Don't know**. You can skip a statement. Use Tab to move between questions and the arrow keys to choose.")
with st.form("respond.form"):
    theme = None
    for number, statement in enumerate(info["statements"], start=1):
        if statement["theme"] != theme:
            theme = statement["theme"]
            st.subheader(glue.text(theme))
        key = statement["statement_code"]
        st.radio(f"{number}. {glue.text(statement['text'])}", OPTIONS, format_func=SCORE_WORDS.get, index=None, horizontal=True,
                 key=f"respond.score.{key}")
        st.text_area(f"Comment on statement {number} (optional)", key=f"respond.comment.{key}", height=68,
                     max_chars=rounds.COMMENT_MAX, placeholder="Anything you want to add. Please do not name people.")
    sent = st.form_submit_button("Send my answers", type="primary")

if sent:
    answers = {
        s["statement_code"]: {"score": st.session_state.get(f"respond.score.{s['statement_code']}"),
                              "comment": st.session_state.get(f"respond.comment.{s['statement_code']}")}
        for s in info["statements"]
    }
    try:
        token = rounds.submit_answers(glue.connection(), code, answers, st.session_state["respond.token"] or None)
    except ValidationError as exc:
        st.error("Your answers were not sent. Please fix:\n" + "\n".join(f"- {p}" for p in exc.problems))
    else:
        st.cache_data.clear()
        st.session_state["respond.return_code"] = token
        st.session_state["respond.token"] = token
        st.rerun()
