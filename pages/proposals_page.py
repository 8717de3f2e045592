"""Proposed measures: community members, partners and editors propose a measure; editors accept, merge or decline
it; everyone sees what happened to each proposal ("you said, we did")."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.model import DIRECTION_WORDS, DIRECTIONS, KIND_WORDS, KINDS
from framework.foundation.indicators import list_indicators
from framework.foundation.vision import list_outcomes
from framework.measures.proposals import (
    STATUS_WORDS,
    accept_proposal,
    decline_proposal,
    list_proposals,
    merge_proposal,
    propose_measure,
    suggest_indicator_code,
)
from pages.parts.measure_counts import planned_note

code, user = glue.page_as_user("Proposed measures")
st.write("What do people and communities want to see measured? Anyone taking part can propose a measure. The "
         "engagement team reviews every proposal and says publicly what it did: you said, we did.")

outcomes = glue.read(list_outcomes, code)
titles = dict(zip(outcomes["outcome_code"], outcomes["title"]))
flash = st.session_state.pop("proposals.flash", None)
if flash:
    st.success(flash)

if can(user, "propose_measure"):
    n = st.session_state.setdefault("proposals.form_no", 0)  # a fresh, empty form after each proposal
    with st.expander("Propose a measure", expanded=flash is None, icon=":material/add_comment:"):
        with st.form(f"proposals.form.{n}"):
            values = {
                "name": st.text_input("Name of the measure", key=f"proposals.name.{n}",
                                      placeholder="for example: People who feel listened to by their GP practice"),
                "why_it_matters": st.text_area("Why it matters", key=f"proposals.why.{n}", height=90),
                "who_it_matters_to": st.text_input("Who it matters to", key=f"proposals.who.{n}",
                                                   placeholder="for example: carers, young people in Eastbrook"),
                "how_measured": st.text_area("How it might be measured", key=f"proposals.how.{n}", height=90),
                "outcome_code": st.selectbox("Which outcome it serves", list(titles), index=None,
                                             format_func=lambda c: f"{c}. {titles[c]}", key=f"proposals.outcome.{n}",
                                             placeholder="Choose an outcome"),
                "proposer_named": st.checkbox("Show my name with this proposal in public", value=False,
                                              key=f"proposals.named.{n}",
                                              help="Otherwise the public see only your role, such as a community "
                                                   "member. The engagement team always sees who proposed it."),
            }
            sent = st.form_submit_button("Send the proposal", type="primary")
        if sent:
            ok, number = glue.write(propose_measure, code, values)
            if ok:
                st.session_state["proposals.flash"] = (
                    f"Thank you. Your proposal (number {number}) is with the engagement team, and what they decide "
                    "will be shown below.")
                st.session_state["proposals.form_no"] = n + 1
                st.rerun()
else:
    st.info(f"You are viewing as {user.role}. Community members, partners and editors can propose measures.")

proposals = list_proposals(glue.connection(), code, reviewer=user)

if can(user, "review_proposals"):
    st.header("Review proposals")
    waiting = proposals[proposals["status"] == "open"]
    if waiting.empty:
        st.info("There are no proposals waiting for review.")
    else:
        names = dict(zip(waiting["proposal_id"], waiting["name"]))
        chosen = st.selectbox("Proposal to review", list(names), key="proposals.review",
                              format_func=lambda i: f"{i}. {names[i]}")
        p = waiting[waiting["proposal_id"] == chosen].iloc[0].to_dict()
        st.markdown(
            f"**{glue.text(p['name'])}** proposed by {glue.text(p['proposed_by_name'])} ({p['proposed_by_role']})  \n"
            f"**Why it matters:** {glue.text(p['why_it_matters'])}  \n**Who it matters to:** "
            f"{glue.text(p['who_it_matters_to'])}  \n**How it might be measured:** {glue.text(p['how_measured'])}  \n"
            f"**Outcome:** {p['outcome_code']}. {glue.text(p['outcome_title'])}")
        decision = st.radio("Decision", ["accept", "merge", "decline"], horizontal=True, key="proposals.decision",
                            format_func={"accept": "Accept as a new measure", "merge": "Merge into an existing measure",
                                         "decline": "Decline with a reason"}.get)
        if decision == "accept":
            with st.form(f"proposals.accept.{chosen}"):
                c1, c2 = st.columns([1, 3])
                ind = {
                    "indicator_code": c1.text_input("Code", value=glue.read(suggest_indicator_code, code)),
                    "name": c2.text_input("Measure name", value=p["name"]),
                    "definition": st.text_area("Definition", value=p["how_measured"],
                                               help="Exactly what is counted or asked, so anyone can check it."),
                }
                c1, c2, c3, c4 = st.columns(4)
                ind["outcome_code"] = c1.selectbox("Outcome", list(titles), index=list(titles).index(p["outcome_code"])
                                                   if p["outcome_code"] in titles else 0)
                ind["kind"] = c2.selectbox("Kind", KINDS, format_func=lambda k: KIND_WORDS[k].split(" (")[0])
                ind["direction"] = c3.selectbox("Direction", DIRECTIONS, format_func=DIRECTION_WORDS.get)
                ind["unit"] = c4.text_input("Unit", value="%")
                c1, c2, c3, c4 = st.columns(4)
                ind["baseline_value"] = c1.number_input("Baseline", value=None)
                ind["target_1y"] = c2.number_input("1-year target", value=None)
                ind["target_3y"] = c3.number_input("3-year target", value=None)
                ind["target_5y"] = c4.number_input("5-year target", value=None)
                ind["owner_partner"] = st.text_input("Owner (partner organisation)")
                reason = st.text_input("Note for the proposer (optional)")
                go = st.form_submit_button("Accept and create the measure", type="primary")
            if go:
                ok, new_code = glue.write(accept_proposal, code, int(chosen), ind, reason=reason,
                                          expected_version=int(p["version"]))
                if ok:
                    st.session_state["proposals.flash"] = (
                        f"Accepted: {p['name']} is now measure {new_code}. "
                        f"[See it in the Indicators catalogue](/indicators?indicator={new_code}).")
                    st.rerun()
        elif decision == "merge":
            catalogue = glue.read(list_indicators, code, statuses=["active", "proposed"])
            existing = dict(zip(catalogue["indicator_code"], catalogue["name"]))
            with st.form(f"proposals.merge.{chosen}"):
                target = st.selectbox("Existing measure", list(existing), format_func=lambda c: f"{c}: {existing[c]}")
                reason = st.text_area("How the existing measure covers it (shown publicly)")
                go = st.form_submit_button("Merge", type="primary")
            if go:
                ok, _ = glue.write(merge_proposal, code, int(chosen), target, reason, expected_version=int(p["version"]))
                if ok:
                    st.session_state["proposals.flash"] = f"Merged: {p['name']} is covered by measure {target}."
                    st.rerun()
        else:
            with st.form(f"proposals.decline.{chosen}"):
                reason = st.text_area("Why it is not being taken forward (shown publicly)")
                go = st.form_submit_button("Decline", type="primary")
            if go:
                ok, _ = glue.write(decline_proposal, code, int(chosen), reason, expected_version=int(p["version"]))
                if ok:
                    st.session_state["proposals.flash"] = f"Declined: {p['name']}. The reason is shown below."
                    st.rerun()

st.header("You said, we did")
if proposals.empty:
    st.info("No one has sent a proposal here yet." + (" Be the first: use the form above."
                                                       if can(user, "propose_measure") else "")
            + planned_note(code))
    st.stop()
counts = proposals["status"].value_counts()
st.caption(" · ".join(f"{STATUS_WORDS[s]}: {int(counts.get(s, 0))}" for s in STATUS_WORDS))
shown = proposals.assign(
    proposed=proposals["proposed_at"].dt.strftime("%d %b %Y"),
    by=proposals["proposed_by"],
    status_words=proposals["status"].map(STATUS_WORDS),
)[["proposal_id", "name", "status_words", "what_happened", "by", "proposed", "who_it_matters_to", "outcome_code"]]
st.dataframe(
    shown.rename(columns={"proposal_id": "No.", "name": "Proposed measure", "who_it_matters_to": "Matters to",
                          "outcome_code": "Outcome", "by": "Proposed by", "proposed": "Proposed on",
                          "status_words": "Status", "what_happened": "What we did"}),
    hide_index=True, width="stretch",
    column_config={"What we did": st.column_config.TextColumn(width="large"),
                   "Proposed measure": st.column_config.TextColumn(width="medium")},
)
