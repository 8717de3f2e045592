"""Review setup, for editors: the statement library (add, edit, retire) and review rounds with their invite links."""
from datetime import date, timedelta

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.foundation.stakeholder_groups import stakeholder_groups
from framework.foundation.vision import list_outcomes, principles
from framework.reviews import invitations, rounds
from framework.reviews import statements as lib
from framework.reviews.suppression import MIN_GROUP_DEFAULT, MIN_GROUP_FLOOR
from pages.parts.invitations import invitation_controls

system = glue.page("Set up stakeholder reviews")
code = system["system_code"]
if not can(glue.current_user(), "run_reviews"):
    st.info("Only engagement leads (editors) and administrators can set up reviews. The results are on the "
            "Review results page.")
    st.page_link("pages/review_results_page.py", label="See review results", icon=":material/insights:")
    st.stop()

NEW = "(new statement)"
st.session_state.setdefault("review_setup.theme", lib.THEMES[0])
library = glue.read(lib.list_statements, code)
principle_table = glue.read(principles)
principle_words = dict(zip(principle_table["principle_no"], principle_table["short_label"]))
outcome_table = glue.read(list_outcomes, code)
outcome_words = dict(zip(outcome_table["outcome_code"], outcome_table["title"]))

statements_tab, rounds_tab = st.tabs(["Statements", "Rounds and invitations"])

with statements_tab:
    st.write("Quality statements are what people are asked to agree or disagree with. Link each to the principles "
             "and outcomes it tests, so the results can be read against the framework.")
    if library.empty:
        st.info("The statement library is empty. Start from the starter set of about 20 statements written for "
                "working with people and communities, then edit them to suit.")
        if st.button("Add the starter set", key="review_setup.starter", type="primary"):
            glue.write(lib.add_starter_statements, code, success="The starter statements were added.")
            st.rerun()
    else:
        coverage = glue.read(lib.principle_coverage, code)
        missing = coverage[coverage["statements"] == 0]["principle_no"].tolist()
        st.caption(f"{int((library['status'] == 'active').sum())} statements in use, "
                   f"{int((library['status'] == 'retired').sum())} retired. "
                   + ("Every one of the 10 principles is covered." if not missing else
                      f"Principles not yet covered: {', '.join(map(str, missing))}."))
        table = library.assign(
            principles=[", ".join(str(p) for p in ps) for ps in library["principles"]],
            outcomes=[", ".join(os) for os in library["outcomes"]],
            status=library["status"].str.capitalize(),
        )[["statement_code", "theme", "text", "principles", "outcomes", "status"]]
        st.dataframe(table.rename(columns={"statement_code": "Code", "theme": "Theme", "text": "Statement",
                                           "principles": "Principles", "outcomes": "Outcomes", "status": "Status"}),
                     hide_index=True, width="stretch")

    def fill_statement() -> None:
        chosen = st.session_state["review_setup.edit_code"]
        row = library[library["statement_code"] == chosen]
        if row.empty:
            values = {"theme": lib.THEMES[0], "text": "", "principles": [], "outcomes": []}
        else:
            values = row.iloc[0].to_dict()
        st.session_state["review_setup.theme"] = values["theme"]
        st.session_state["review_setup.text"] = values["text"]
        st.session_state["review_setup.principles"] = [int(p) for p in values["principles"]]
        st.session_state["review_setup.outcomes"] = [o for o in values["outcomes"] if o in outcome_words]

    st.subheader("Add or edit a statement")
    st.selectbox("Statement", [NEW] + library["statement_code"].tolist(), key="review_setup.edit_code",
                 on_change=fill_statement,
                 format_func=lambda c: c if c == NEW else f"{c}: {library.set_index('statement_code').loc[c, 'text'][:70]}")
    with st.form("review_setup.statement_form"):
        st.text_input("Theme", key="review_setup.theme", help="Statements are grouped by theme on the response form.")
        st.text_area("Statement text", key="review_setup.text",
                     help="Write something a person can agree or disagree with, in plain words.")
        st.multiselect("Principles it tests", list(principle_words), key="review_setup.principles",
                       format_func=lambda p: f"{p}. {principle_words[p]}")
        st.multiselect("Outcomes it relates to", list(outcome_words), key="review_setup.outcomes",
                       format_func=lambda o: f"{o}. {outcome_words[o]}")
        if st.form_submit_button("Save statement", type="primary"):
            chosen = st.session_state["review_setup.edit_code"]
            values = {k: st.session_state[f"review_setup.{k}"] for k in ("theme", "text", "principles", "outcomes")}
            ok, saved = glue.write(lib.save_statement, code, values, statement_code=None if chosen == NEW else chosen,
                                   success="The statement was saved.")
    if not library.empty:
        st.subheader("Retire or restore a statement")
        st.caption("A retired statement stays in past rounds' results but is not offered for new rounds.")
        cols = st.columns([2, 2, 1])
        target = cols[0].selectbox("Statement to change", library["statement_code"].tolist(), key="review_setup.retire_code")
        current = library.set_index("statement_code").loc[target, "status"]
        reason = cols[1].text_input("Reason", key="review_setup.retire_reason")
        label = "Restore" if current == "retired" else "Retire"
        if cols[2].button(label, key="review_setup.retire"):
            glue.write(lib.set_statement_status, code, target, "active" if current == "retired" else "retired",
                       reason, success=f"Statement {target} was {'restored' if current == 'retired' else 'retired'}.")

with rounds_tab:
    active = library[library["status"] == "active"] if not library.empty else library
    groups = glue.read(stakeholder_groups)
    group_words = dict(zip(groups["group_code"], groups["name"]))
    st.subheader("Start a new round")
    if active.empty:
        st.info("Add statements to the library first.")
    else:
        with st.form("review_setup.round_form"):
            st.text_input("Title", key="review_setup.round_title", placeholder="For example: Spring partnership review")
            cols = st.columns(3)
            opens = cols[0].date_input("Opens on", value=date.today(), key="review_setup.opens", format="DD/MM/YYYY")
            closes = cols[1].date_input("Closes on", value=date.today() + timedelta(days=28), key="review_setup.closes",
                                        format="DD/MM/YYYY")
            minimum = cols[2].number_input("Minimum group size for results", min_value=MIN_GROUP_FLOOR,
                                           value=MIN_GROUP_DEFAULT, step=1, key="review_setup.min_group",
                                           help="A group's results appear only when at least this many people in it "
                                                f"answered. Never below {MIN_GROUP_FLOOR}.")
            chosen = st.multiselect("Statements", active["statement_code"].tolist(),
                                    default=active["statement_code"].tolist(), key="review_setup.round_statements")
            invited = st.multiselect("Groups invited (each gets a shared link; make personal codes below)",
                                     list(group_words), default=list(group_words), format_func=group_words.get,
                                     key="review_setup.round_groups")
            if st.form_submit_button("Create round and invite links", type="primary"):
                ok, new_id = glue.write(rounds.create_round, code, {
                    "title": st.session_state["review_setup.round_title"], "opens_on": opens, "closes_on": closes,
                    "statements": chosen, "groups": invited, "min_group_size": minimum},
                    success="The round was created. Share each group's link below.")
                if ok:
                    st.session_state["review_setup.round"] = new_id

    st.subheader("Rounds")
    all_rounds = glue.read(rounds.list_rounds, code)
    if all_rounds.empty:
        st.info("No review rounds yet.")
        st.stop()
    st.dataframe(all_rounds[list(invitations.ROUND_COLUMNS)].rename(columns=invitations.ROUND_COLUMNS),
                 hide_index=True, width="stretch", column_config={
                     day: st.column_config.DateColumn(format="D MMM YYYY") for day in ("Opens", "Closes")})
    round_id = glue.choose_row("Round", all_rounds, "round_id", "title", key="review_setup.round")
    titles = dict(zip(all_rounds["round_id"], all_rounds["title"]))
    links = glue.read(rounds.invites, round_id)
    invitation_controls(round_id, titles[round_id], links)
    state = all_rounds.set_index("round_id").loc[round_id, "state"]
    if state != "Closed":
        confirm = st.checkbox("I understand that closing stops anyone sending or changing answers.",
                              key="review_setup.confirm_close")
        if st.button("Close this round now", key="review_setup.close", disabled=not confirm):
            glue.write(rounds.close_round, round_id, success="The round is closed.")
