"""Review results: the disagreement agenda first, then the charts, the released comments and the discussion record.
Results appear only once a round has closed, and every figure has been through suppression."""
from datetime import date, timedelta

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.foundation.vision import list_outcomes
from framework.reviews import charts, discussions, results, rounds, wording
from pages.parts.tables import table as readable_table

system = glue.page("Review results")
code = system["system_code"]
editor = can(glue.current_user(), "run_reviews")

all_rounds = glue.read(rounds.list_rounds, code)
if all_rounds.empty:
    st.info("No stakeholder review has been run yet. Editors start one on the Review setup page.")
    st.stop()
round_id = glue.choose_row("Review round", all_rounds, "round_id", "title", key="reviews.round")
titles = dict(zip(all_rounds["round_id"], all_rounds["title"]))
info = glue.read(rounds.get_round, round_id)
st.caption(wording.round_caption(info))
if not results.published(info):
    st.info(f"{results.NOT_YET} This round closes on {info['closes_on']:%d %B %Y}.")
    st.stop()
table = glue.read(results.round_results, round_id)
shown_groups, sentence = wording.groups_sentence(table, info["min_group_size"])
if not shown_groups:
    st.info(f"No results can be shown: no group reached {info['min_group_size']} people for any statement.")
    st.stop()
st.markdown(sentence)
for group in sorted(set(table.loc[table["link_flag"], "group_name"])):
    st.warning(f"{group}: {results.LINK_FLAG}", icon=":material/flag:")

st.header("What to talk about first: where groups see things differently")
st.write("Statements are ranked by how far apart the groups' average scores are. Disagreement is information, not "
         "failure: it shows where people's experience differs, and that is where a facilitated discussion helps most.")
agenda = glue.read(results.divergence, round_id)
ranked = agenda[agenda["rank"].notna()]
texts, order = wording.statement_order(table, ranked)
if ranked.empty:
    st.info("Fewer than two groups have results for any statement, so there is nothing to compare yet.")
else:
    readable_table(wording.agenda_table(ranked))
    st.markdown(wording.biggest_gap(ranked.iloc[0]))
    unranked = agenda[agenda["rank"].isna()]["statement_code"].tolist()
    if unranked:
        st.caption(f"Not enough groups with results to compare: {', '.join(unranked)}.")

st.header("Charts")
heat_tab, dist_tab, change_tab = st.tabs(["Statements by group", "Answers to one statement", "Change since last round"])
with heat_tab:
    st.plotly_chart(charts.heatmap(table, info["title"]), key="reviews.heatmap")
    st.caption(glue.text(charts.heatmap_sentence(table)))
with dist_tab:
    chosen = st.selectbox("Statement", order, format_func=lambda c: f"{c}: {texts[c]}", key="reviews.statement")
    st.plotly_chart(charts.distribution(table, chosen, info["title"]), key="reviews.distribution")
    st.caption(glue.text(charts.distribution_sentence(table, chosen)))
with change_tab:
    previous = glue.read(results.previous_round_id, round_id)
    change = glue.read(results.change_since_previous, round_id)
    choices = charts.group_choices(change)
    if not choices:
        st.info("No statement has results shown in both this round and the previous one.")
    else:
        group = st.selectbox("Group", choices, key="reviews.change_group")
        before = titles.get(previous, "previous round")
        st.plotly_chart(charts.change_chart(change, group, info["title"], before), key="reviews.change")
        st.caption(glue.text(charts.change_sentence(change, group, before)))

st.header("What people said")
released = glue.read(results.released_comments, round_id)
if released.empty:
    st.info("No comments have been released for this round yet. Editors release comments after reading them, and "
            "only for groups with enough people to keep them confidential.")
for statement_code, part in released.groupby("statement_code", sort=True):
    st.markdown(f"**{statement_code}: {glue.text(texts.get(statement_code, ''))}**  \n" + wording.comment_lines(part))
pending = results.comments_to_review(glue.connection(), glue.current_user(), round_id) if editor else None
if pending is not None:
    with st.expander("Release comments (editors)"):
        if pending.empty:
            st.info("There are no comments from groups whose results are shown.")
        else:
            labels = wording.comment_labels(pending)
            key = st.selectbox("Comment", list(labels), format_func=labels.get, key="reviews.comment_key")
            original = pending.set_index("comment_key").loc[key, "comment"]
            with st.form("reviews.release_form"):
                text = st.text_area(f"Original: \u201c{glue.text(original)}\u201d. Text to release (remove names or anything that "
                                    "could identify someone)", value=original, key=f"reviews.release_text.{key}")
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
    readable_table(wording.actions_table(actions))
if not editor:
    st.stop()
outcome_words = dict(glue.read(list_outcomes, code)[["outcome_code", "title"]].itertuples(index=False))
pick = {"format_func": lambda c: f"{c}: {texts[c][:80]}"}
with st.expander("Record the discussion (editors)"):
    with st.form("reviews.notes_form"):
        statement = st.selectbox("Statement", order, key="reviews.notes_statement", **pick)
        st.text_area("Notes from the discussion", key="reviews.notes_text")
        if st.form_submit_button("Save notes"):
            glue.write(discussions.save_notes, round_id, statement, st.session_state["reviews.notes_text"],
                       success="The notes were saved.")
    with st.form("reviews.action_form"):
        action = {"statement_code": st.selectbox("Add an agreed action on", order, key="reviews.action_statement", **pick),
                  "action_text": st.text_input("Action", key="reviews.action_text")}
        cols = st.columns(3)
        action["owner"] = cols[0].text_input("Owner", key="reviews.action_owner")
        action["due_on"] = cols[1].date_input("Due", value=date.today() + timedelta(days=90), key="reviews.action_due",
                                              format="DD/MM/YYYY")
        action["outcome_code"] = cols[2].selectbox(
            "Outcome", [None] + list(outcome_words), key="reviews.action_outcome",
            format_func=lambda o: "(none)" if o is None else f"{o}. {outcome_words[o]}")
        if st.form_submit_button("Add action"):
            glue.write(discussions.add_action, code, action, round_id, success="The action was added.")
    if not actions.empty:
        with st.form("reviews.status_form"):
            words = dict(zip(actions["action_id"], actions["action_text"]))
            action_id = st.selectbox("Update an action's status", list(words), format_func=lambda a: words[a][:90],
                                     key="reviews.status_action")
            status = st.selectbox("Status", discussions.ACTION_STATUSES, format_func=discussions.STATUS_WORDS.get,
                                  key="reviews.status_value")
            why = st.text_input("Reason (needed to drop an action)", key="reviews.status_reason")
            if st.form_submit_button("Save status"):
                glue.write(discussions.set_action_status, action_id, status, why, success="The status was saved.")

st.header("Perception measures")
st.caption("A closed round's results can feed a perception measure (one measurement a round); hidden results never do.")
readable_table(glue.read(results.indicator_feeds, code).rename(columns=results.FEED_COLUMNS), width="content")
with st.form("reviews.feed_form"):
    cols = st.columns(3)
    f_code = cols[0].text_input("Measure code", key="reviews.feed_code", placeholder="For example R02")
    f_statement = cols[1].selectbox("Statement", list(texts), key="reviews.feed_statement")
    group_names = dict(zip(table["group_code"], table["group_name"]))
    f_group = cols[2].selectbox("Group", list(group_names), format_func=group_names.get, key="reviews.feed_group")
    if st.form_submit_button("Link measure"):
        glue.write(results.link_indicator, code, f_code, f_statement, f_group, success="The measure is linked.")
if st.button("Add this round's results to the linked measures", key="reviews.feed"):
    ok, outcome = glue.write(results.feed_indicators, round_id)
    if ok:
        st.markdown("\n".join(f"- {k}: {v}" for k, v in outcome.items()) or "No measures are linked yet.")
