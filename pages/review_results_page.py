"""Review results: the disagreement agenda first, then the charts, the released comments and the discussion record.
Every figure here has been through suppression; small groups are hidden."""
from datetime import date, timedelta

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.foundation.vision import list_outcomes
from framework.reviews import charts, discussions, results, rounds

system = glue.page("Review results")
code = system["system_code"]
editor = can(glue.current_user(), "run_reviews")

all_rounds = glue.read(rounds.list_rounds, code)
if all_rounds.empty:
    st.info("No stakeholder review has been run yet. Editors start one on the Review setup page.")
    if editor:
        st.page_link("pages/review_setup_page.py", label="Set up a review", icon=":material/rate_review:")
    st.stop()
ids = all_rounds["round_id"].tolist()
if st.session_state.get("reviews.round") not in ids:
    st.session_state["reviews.round"] = ids[0]
titles = dict(zip(all_rounds["round_id"], all_rounds["title"]))
round_id = st.selectbox("Review round", ids, format_func=titles.get, key="reviews.round")
info = glue.read(rounds.get_round, round_id)
minimum = info["min_group_size"]
row = all_rounds.set_index("round_id").loc[round_id]
st.caption(
    f"{rounds.STATE_WORDS[info['state']]}: {info['opens_on']:%d %B %Y} to {info['closes_on']:%d %B %Y}. "
    f"{int(row['respondents'])} people answered from {int(row['groups'])} groups. To keep answers confidential, a "
    f"group's results appear only when at least {minimum} people in it rated a statement, counts of 1 to 7 people "
    "are hidden, and other figures are hidden when they would let a hidden one be worked out."
)
table = glue.read(results.round_results, round_id)
status = results.group_status(table)
shown_groups = status[status["statements_shown"] > 0]["group_name"].tolist()
hidden_groups = status[status["statements_shown"] == 0]["group_name"].tolist()
if not shown_groups:
    st.info(f"No results can be shown yet: no group has reached {minimum} people for any statement. Results appear "
            "here as soon as one does.")
    st.stop()
st.markdown(f"**Results shown for:** {', '.join(shown_groups)}."
            + (f"  \n**Still hidden** (fewer than {minimum} people so far): {', '.join(hidden_groups)}."
               if hidden_groups else ""))

st.header("What to talk about first: where groups see things differently")
st.write("Statements are ranked by how far apart the groups' average scores are. Disagreement is information, not "
         "failure: it shows where people's experience differs, and that is where a facilitated discussion helps most.")
agenda = glue.read(results.divergence, round_id)
ranked = agenda[agenda["rank"].notna()]
if ranked.empty:
    st.info("Fewer than two groups have results for any statement, so there is nothing to compare yet.")
else:
    view = ranked.assign(
        rank=ranked["rank"].astype(int),
        highest=[f"{g} ({m:.1f})" for g, m in zip(ranked["highest_group"], ranked["highest_mean"])],
        lowest=[f"{g} ({m:.1f})" for g, m in zip(ranked["lowest_group"], ranked["lowest_mean"])],
    )[["rank", "statement_code", "text", "spread", "highest", "lowest", "groups_compared"]]
    st.dataframe(view.rename(columns={
        "rank": "Rank", "statement_code": "Code", "text": "Statement", "spread": "Gap between groups (points)",
        "highest": "Most agree (mean)", "lowest": "Least agree (mean)", "groups_compared": "Groups compared"}),
        hide_index=True, width="stretch")
    top = ranked.iloc[0]
    st.markdown(f"**Biggest gap:** {top['statement_code']} \u201c{glue.text(top['text'].rstrip('.'))}\u201d. {top['highest_group']} averaged "
                f"{top['highest_mean']:.1f} and {top['lowest_group']} {top['lowest_mean']:.1f}, a gap of "
                f"{top['spread']:.1f} points on the 5-point scale.")
    unranked = agenda[agenda["rank"].isna()]["statement_code"].tolist()
    if unranked:
        st.caption(f"Not enough groups with results to compare: {', '.join(unranked)}.")

st.header("Charts")
heat_tab, dist_tab, change_tab = st.tabs(["Statements by group", "Answers to one statement", "Change since last round"])
with heat_tab:
    st.plotly_chart(charts.heatmap(table, info["title"]), key="reviews.heatmap")
with dist_tab:
    texts = dict(zip(table["statement_code"], table["text"]))
    order = ranked["statement_code"].tolist() + [c for c in texts if c not in set(ranked["statement_code"])]
    chosen = st.selectbox("Statement", order, format_func=lambda c: f"{c}: {texts[c]}", key="reviews.statement")
    st.plotly_chart(charts.distribution(table, chosen, info["title"]), key="reviews.distribution")
with change_tab:
    previous = glue.read(results.previous_round_id, round_id)
    if previous is None:
        st.info("This is the first round, so there is nothing to compare with yet.")
    else:
        change = glue.read(results.change_since_previous, round_id)
        choices = charts.group_choices(change)
        if not choices:
            st.info("No statement has results shown in both this round and the previous one.")
        else:
            group = st.selectbox("Group", choices, key="reviews.change_group")
            st.plotly_chart(charts.change_chart(change, group, info["title"], titles.get(previous, "previous round")),
                            key="reviews.change")

st.header("What people said")
released = glue.read(results.released_comments, round_id)
if released.empty:
    st.info("No comments have been released for this round yet. Editors release comments after reading them, and "
            "only for groups with enough people to keep them confidential.")
for statement_code, part in released.groupby("statement_code", sort=True):
    st.markdown(f"**{statement_code}: {glue.text(texts.get(statement_code, ''))}**")
    st.markdown("\n".join(f"- \u201c{glue.text(t)}\u201d ({g}{', edited to remove details' if r else ''})"
                          for t, g, r in zip(part["released_text"], part["group_name"], part["redacted"])))
if editor:
    with st.expander("Release comments (editors)"):
        pending = results.comments_to_review(glue.connection(), glue.current_user(), round_id)
        if pending.empty:
            st.info("There are no comments from groups above the minimum size.")
        else:
            keys = pending["comment_key"].tolist()
            label = {k: f"{s} · {g} · {'released' if isinstance(rel, str) else 'not released'}: {c[:60]}"
                     for k, s, g, rel, c in zip(keys, pending["statement_code"], pending["group_name"],
                                                pending["released_text"], pending["comment"])}
            key = st.selectbox("Comment", keys, format_func=label.get, key="reviews.comment_key")
            original = pending.set_index("comment_key").loc[key, "comment"]
            st.markdown(f"Original comment: \u201c{glue.text(original)}\u201d")
            with st.form("reviews.release_form"):
                text = st.text_area("Text to release (remove names or anything that could identify someone)",
                                    value=original, key=f"reviews.release_text.{key}")
                reason = st.text_input("Reason for any change (recorded in the audit trail)", key="reviews.release_reason")
                if st.form_submit_button("Release this comment"):
                    glue.write(results.release_comment, round_id, key, text, reason, success="The comment was released.")
            if isinstance(pending.set_index("comment_key").loc[key, "released_text"], str):
                with st.popover("Withdraw this comment from the results"):
                    why = st.text_input("Why is it withdrawn?", key="reviews.withdraw_reason")
                    if st.button("Withdraw", key="reviews.withdraw_comment"):
                        glue.write(results.withdraw_comment, round_id, key, why, success="The comment was withdrawn.")

st.header("Discussion record")
notes = glue.read(discussions.discussion_notes, round_id)
actions = glue.read(discussions.list_actions, code, round_id)
if notes.empty and actions.empty:
    st.info("No discussion has been recorded for this round yet.")
for n in notes.itertuples():
    st.markdown(f"**{n.statement_code}: {glue.text(texts.get(n.statement_code, ''))}**  \n{glue.text(n.notes)}")
if not actions.empty:
    st.subheader("Agreed actions")
    st.dataframe(actions[["statement_code", "action_text", "owner", "due_on", "status_words", "outcome_title"]].rename(
        columns={"statement_code": "Statement", "action_text": "Action", "owner": "Owner", "due_on": "Due",
                 "status_words": "Status", "outcome_title": "Outcome"}), hide_index=True, width="stretch")
if editor:
    outcomes = glue.read(list_outcomes, code)
    outcome_words = dict(zip(outcomes["outcome_code"], outcomes["title"]))
    with st.expander("Record the discussion (editors)"):
        with st.form("reviews.notes_form"):
            statement = st.selectbox("Statement", order, format_func=lambda c: f"{c}: {texts[c][:80]}",
                                     key="reviews.notes_statement")
            st.text_area("Notes from the discussion", key="reviews.notes_text")
            if st.form_submit_button("Save notes"):
                glue.write(discussions.save_notes, round_id, statement, st.session_state["reviews.notes_text"],
                           success="The notes were saved.")
        with st.form("reviews.action_form"):
            st.markdown("**Add an agreed action**")
            a_statement = st.selectbox("Statement", order, format_func=lambda c: f"{c}: {texts[c][:80]}",
                                       key="reviews.action_statement")
            a_text = st.text_input("Action", key="reviews.action_text")
            cols = st.columns(3)
            a_owner = cols[0].text_input("Owner", key="reviews.action_owner")
            a_due = cols[1].date_input("Due", value=date.today() + timedelta(days=90), key="reviews.action_due",
                                       format="DD/MM/YYYY")
            a_outcome = cols[2].selectbox("Outcome", [None] + list(outcome_words), key="reviews.action_outcome",
                                          format_func=lambda o: "(none)" if o is None else f"{o}. {outcome_words[o]}")
            if st.form_submit_button("Add action"):
                glue.write(discussions.add_action, code, {"statement_code": a_statement, "action_text": a_text,
                                                          "owner": a_owner, "due_on": a_due, "outcome_code": a_outcome},
                           round_id, success="The action was added.")
        if not actions.empty:
            with st.form("reviews.status_form"):
                st.markdown("**Update an action's status**")
                words = dict(zip(actions["action_id"], actions["action_text"]))
                action_id = st.selectbox("Action", list(words), format_func=lambda a: words[a][:90],
                                         key="reviews.status_action")
                status = st.selectbox("Status", discussions.ACTION_STATUSES, format_func=discussions.STATUS_WORDS.get,
                                      key="reviews.status_value")
                why = st.text_input("Reason (needed to drop an action)", key="reviews.status_reason")
                if st.form_submit_button("Save status"):
                    glue.write(discussions.set_action_status, action_id, status, why, success="The status was saved.")

    st.header("Perception measures")
    feeds = glue.read(results.indicator_feeds, code)
    st.write("A round's results can feed a perception measure, such as the share of community members who agree "
             "with a statement. Each round adds one measurement, so progress tracks perceptions too. Hidden results "
             "are never added.")
    if not feeds.empty:
        st.dataframe(feeds.rename(columns={"indicator_code": "Measure", "indicator_name": "Name",
                                           "statement_code": "Statement", "group_code": "Group"}),
                     hide_index=True, width="stretch")
    with st.form("reviews.feed_form"):
        cols = st.columns(3)
        f_code = cols[0].text_input("Measure code", key="reviews.feed_code", placeholder="For example R02")
        f_statement = cols[1].selectbox("Statement", list(texts), key="reviews.feed_statement")
        group_names = dict(zip(table["group_code"], table["group_name"]))
        f_group = cols[2].selectbox("Group", list(group_names), format_func=group_names.get, key="reviews.feed_group")
        if st.form_submit_button("Link measure"):
            glue.write(results.link_indicator, code, f_code, f_statement, f_group, success="The measure is linked.")
    if st.button("Add this round's results to the linked measures", key="reviews.feed",
                 disabled=info["state"] != "closed", help="Available once the round has closed."):
        ok, outcome = glue.write(results.feed_indicators, round_id)
        if ok:
            st.markdown("\n".join(f"- {k}: {v}" for k, v in outcome.items()) or "No measures are linked yet.")
