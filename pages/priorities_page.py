"""Priorities: editors open a prioritisation round; each stakeholder group rates how much each measure matters;
the results show the priority by group and where community and system priorities differ most."""
from datetime import date, timedelta

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.errors import ValidationError
from framework.core.glossary import hint
from framework.core.model import role_name
from framework.foundation.stakeholder_groups import stakeholder_groups
from framework.measures.priorities import (
    BALLOT_MIN_GROUP,
    SCALE,
    STATE_WORDS,
    cast_ballot,
    close_round,
    list_rounds,
    my_ballot,
    open_round,
    rateable_measures,
    results_by_group,
    results_summary,
    results_table_by_group,
)
from framework.measures.priority_charts import difference_chart, group_chart

code, user = glue.page_as_user("Which measures matter most")
st.markdown("In a prioritisation round, members of each stakeholder group rate how much each measure matters to them, "
         "from 1 (not at all) to 5 (it matters most). Each person has one ballot per round, kept under a "
         "pseudonym, and can change it until the round closes. Community members' ratings carry half the weight "
         f"of the matters score. A group's results are shown only when at least {BALLOT_MIN_GROUP} people in it "
         "rated a measure.", help=hint("Pseudonym", "Matters score"))
flash = st.session_state.pop("priorities.flash", None)
if flash:
    st.success(flash)

rounds = glue.read(list_rounds, code)
live = rounds[rounds["state"] != "closed"]

if can(user, "run_priorities"):
    with st.expander("Run prioritisation rounds", expanded=rounds.empty, icon=":material/event:"):
        if live.empty:
            with st.form("priorities.open_form"):
                title = st.text_input("Title", key="priorities.title", placeholder="for example: Spring 2026 priorities")
                c1, c2 = st.columns(2)
                opens = c1.date_input("Opens on", value=date.today(), format="DD/MM/YYYY", key="priorities.opens")
                closes = c2.date_input("Closes on", value=date.today() + timedelta(days=28), format="DD/MM/YYYY",
                                       key="priorities.closes")
                go = st.form_submit_button("Open the round", type="primary")
            if go:
                ok, _ = glue.write(open_round, code, title, opens, closes)
                if ok:
                    st.session_state["priorities.flash"] = f"The round '{title}' is set up."
                    st.rerun()
        else:
            r = live.iloc[0]
            st.write(f"**{glue.text(r['title'])}** is {STATE_WORDS[r['state']].lower()} ({r['opens_on']:%d %B} to "
                     f"{r['closes_on']:%d %B %Y}). Results appear when it closes.")
            sure = st.checkbox("I understand that closing the round ends rating for everyone", key="priorities.sure")
            if st.button("Close the round now", key="priorities.close", disabled=not sure):
                ok, _ = glue.write(close_round, code, int(r["round_id"]))
                if ok:
                    st.session_state["priorities.flash"] = f"The round '{r['title']}' is closed; its results are below."
                    st.rerun()

st.header("Your ratings" if can(user, "vote") else "Rating rounds")
open_now = rounds[rounds["state"] == "open"]
if open_now.empty:
    upcoming = rounds[rounds["state"] == "scheduled"]
    st.info("No round is open for ratings right now." + (
        f" The next one, '{upcoming.iloc[0]['title']}', opens on {upcoming.iloc[0]['opens_on']:%d %B %Y}."
        if not upcoming.empty else ""))
elif not can(user, "vote"):
    st.info(f"You are viewing as {role_name(user.role)}. Community members, partners and editors can rate measures; "
            "sign in to take part.")
else:
    rnd = open_now.iloc[0]
    round_id = int(rnd["round_id"])
    try:
        mine = my_ballot(glue.connection(), user, code, round_id)
    except ValidationError as exc:
        st.error(" ".join(exc.problems))
        st.stop()
    measures = glue.read(rateable_measures, code)
    groups = glue.read(stakeholder_groups)
    group_names = dict(zip(groups["group_code"], groups["name"]))
    st.write(f"**{glue.text(rnd['title'])}** is open until {rnd['closes_on']:%d %B %Y}. "
             + ("You have rated already; change any rating and save again." if mine else
                "Rate as many measures as you like; leave the rest blank."))
    default_group = (mine or {}).get("group_code") or user.group_code or (
        "community" if user.role == "community" else None)
    with st.form(f"priorities.ballot.{round_id}"):
        group = st.selectbox("I am rating as a member of", list(group_names), format_func=group_names.get,
                             index=list(group_names).index(default_group) if default_group in group_names else None,
                             placeholder="Choose your stakeholder group", disabled=bool(user.group_code),
                             key=f"priorities.group.{round_id}")
        scores = {}
        options = list(SCALE)
        for outcome, part in measures.groupby("outcome_code", sort=False, dropna=False):
            st.markdown(f"**{outcome}. {glue.text(part['outcome_title'].iloc[0])}**" if outcome == outcome else "**Other**")
            for m in part.to_dict("records"):
                previous = (mine or {}).get("scores", {}).get(m["indicator_code"])
                scores[m["indicator_code"]] = st.radio(
                    f"{m['indicator_code']}: {glue.text(m['name'])}" + (" (proposed)" if m["status"] == "proposed" else ""),
                    options, index=options.index(previous) if previous in options else None, horizontal=True,
                    format_func=lambda s: f"{s} {SCALE[s].lower()}", key=f"priorities.score.{round_id}.{m['indicator_code']}")
        sent = st.form_submit_button("Save my ratings", type="primary")
    if sent:
        ok, n = glue.write(cast_ballot, code, round_id, group or user.group_code or "", scores)
        if ok:
            st.session_state["priorities.flash"] = (f"Your ratings of {n} measure{'s' if n != 1 else ''} are saved. "
                                                    "You can change them until the round closes.")
            st.rerun()

st.header("Results")
closed = rounds[rounds["state"] == "closed"]
if closed.empty:
    st.info("No round has closed yet, so there are no results to show. Results appear when a round closes.")
    st.stop()
titles = dict(zip(closed["round_id"], closed["title"]))
chosen = st.selectbox("Round", list(titles), format_func=titles.get, key="priorities.results_round")
rnd = closed[closed["round_id"] == chosen].iloc[0]
round_title = f"{rnd['title']} (closed {rnd['closes_on']:%d %B %Y})"
summary = glue.read(results_summary, code, int(chosen))
if summary.empty:
    st.info(f"No group had {BALLOT_MIN_GROUP} or more people rating a measure in '{glue.text(rnd['title'])}', so no results can "
            "be shown without giving someone's ratings away.")
    st.stop()
by_group = glue.read(results_by_group, code, int(chosen))

st.subheader("Where community and system priorities differ")
if summary["difference"].notna().any():
    glue.chart(difference_chart(summary, round_title), "Diamonds show community members' mean rating; circles show the mean of the ICB, councils, NHS "
               "providers and primary care. The number beside each diamond is community minus system. "
               f"Source: ballots in this round, from groups of {BALLOT_MIN_GROUP} or more.", key="priorities.difference")
else:
    st.info("Community members and system bodies did not both rate any measure in this round, so there is no "
            "difference to show.")

st.subheader("What matters most, community-weighted")
table = summary.assign(
    matters=summary["matters_score"].round(1), community=summary["community_mean"].round(1),
    system=summary["system_mean"].round(1), diff=summary["difference"].round(1),
)[["indicator_code", "indicator_name", "matters", "community", "system", "diff", "difference_words"]]
st.dataframe(table.rename(columns={
    "indicator_code": "Code", "indicator_name": "Measure", "matters": "Matters score (1-5)",
    "community": "Community members", "system": "System bodies", "diff": "Community minus system",
    "difference_words": "In words"}), hide_index=True, width="stretch")

st.subheader("Priority by stakeholder group", help=hint("VCSE", "Healthwatch", "ICB"))
glue.chart(group_chart(by_group, round_title), None, key="priorities.by_group")
wide = glue.read(results_table_by_group, code, int(chosen))
st.dataframe(wide.rename(columns={"indicator_code": "Code", "indicator_name": "Measure"}), hide_index=True,
             width="stretch")
