"""Engagement log: what engagement is happening, at what level, who it reaches, the volunteers involved, and the
measures derived from it. Partners and editors log activities, add "you said, we did" items and bulk-load files."""
from datetime import date

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.engagement.charts import activities_by_level_chart, feedback_loops_chart, reach_chart
from framework.engagement.imports import check_engagement_files, import_engagement, template_workbook
from framework.engagement.log import (
    LEVEL_WORDS,
    LEVELS,
    METHODS,
    STATUS_WORDS,
    STATUSES,
    activity_choices,
    add_you_said,
    community_tags,
    delete_activity,
    list_activities,
    load_context,
    save_activity,
    save_community_tags,
    update_you_said,
    you_said_items,
)
from framework.engagement.measures import activities_by_level, feedback_loops, latest_measures, reach_by_community

system = glue.page("Engagement log")
code = system["system_code"]
user = glue.current_user()
st.write("What engagement is happening across the system, at what level, who it reaches and the volunteers "
         "involved, and what changed because people spoke up. Insight is gathered once and used well: search what "
         "people have already said in the Insight library before asking again.")

ctx = glue.read(load_context, code)
tags = glue.read(community_tags, active_only=True)
tag_labels = dict(zip(tags["tag_code"], tags["label"]))
may_log = can(user, "log_engagement")
tab_list, tab_log, tab_said, tab_bulk, tab_tags = st.tabs(
    ["Activities and measures", "Log an activity", "You said, we did", "Bulk load", "Community list"])

with tab_list:
    measures = glue.read(latest_measures, code)
    short = {"collaborate_empower": "At collaborate or empower", "core20plus5_reach": "Reach into Core20PLUS5",
             "feedback_within_3_months": "Fed back within 3 months", "volunteer_hours": "Volunteer hours"}
    cols = st.columns(len(measures))
    for col, m in zip(cols, measures.to_dict("records")):
        if m["value"] is None or m["value"] != m["value"]:
            col.metric(short[m["name"]], "No data yet")
            continue
        shown = f"{m['value']:,.0f} hours" if m["unit"] == "hours" else f"{m['value']:.0f}%"
        col.metric(short[m["name"]], shown,
                   help=f"{m['title']}. Calculated from the log each time it changes, and fed to the progress "
                        f"engine as a measure (source log:{m['name']}).")
        so_far = " so far" if m["period_end"] is not None and m["period_end"] >= date.today() else ""
        col.caption(f"{m['period_label']}{so_far}")
    st.caption("The latest quarter of each measure derived from the log; the Indicators and Progress pages show "
               "them over time.")
    c1, c2 = st.columns(2)
    levels = c1.multiselect("Level", LEVELS, format_func=str.capitalize, key="engagement.levels")
    chosen_tags = c2.multiselect("Community reached", list(tag_labels), format_func=tag_labels.get,
                                 key="engagement.communities")
    log = glue.read(list_activities, code, levels=levels, communities=chosen_tags)
    st.caption(f"{len(log)} activit{'ies' if len(log) != 1 else 'y'} shown.")
    if log.empty:
        st.info("No activities match. Log one on the 'Log an activity' tab, or clear the filters.")
    else:
        shown = log.assign(
            Communities=["; ".join(tag_labels.get(t, t) for t in v) for v in log["communities"]],
            Areas=["; ".join(ctx.areas.get(a, a) for a in v) for v in log["areas"]],
            Level=log["level"].str.capitalize(),
            **{"Fed back": [f"{f} of {n}" for f, n in zip(log["items_fed_back"], log["items"])]},
        ).rename(columns={"start_date": "Start", "title": "Activity", "lead_partner": "Lead partner",
                          "method": "Method", "participants": "Participants", "volunteer_hours": "Volunteer hours"})
        st.dataframe(shown[["Start", "Activity", "Lead partner", "Method", "Level", "Communities", "Areas",
                            "Participants", "Volunteer hours", "Fed back"]],
                     hide_index=True, width="stretch", height=min(420, 38 + 35 * len(shown)),
                     column_config={"Start": st.column_config.DateColumn(format="D MMM YYYY")})
        st.plotly_chart(activities_by_level_chart(glue.read(activities_by_level, code)), width="stretch")
        st.plotly_chart(reach_chart(glue.read(reach_by_community, code)), width="stretch")
        st.caption("Reach counts everyone at an activity that reached the community, so shares can add up to more "
                   "than 100%. Population shares are set on the Community list tab.")
        st.plotly_chart(feedback_loops_chart(glue.read(feedback_loops, code)), width="stretch")
    if can(user, "edit_framework") and not log.empty:
        with st.expander("Remove an activity logged by mistake"):
            labels = dict(glue.read(activity_choices, code)[["activity_id", "label"]].itertuples(index=False))
            gone = st.selectbox("Activity", list(labels), format_func=labels.get, key="engagement.remove_activity")
            why = st.text_input("Why is it removed?", key="engagement.remove_reason")
            sure = st.checkbox("Yes, remove it and its 'you said' items", key="engagement.remove_confirm")
            if st.button("Remove the activity", key="engagement.remove", disabled=not sure):
                glue.write(delete_activity, code, int(gone), reason=why, success="The activity was removed.")

with tab_log:
    if not may_log:
        st.info("Partners, editors and administrators can log engagement activities.")
    else:
        with st.form("engagement.log_form", clear_on_submit=False):
            title = st.text_input("Title", key="engagement.title")
            c1, c2, c3 = st.columns(3)
            start = c1.date_input("Start date", value=None, key="engagement.start", format="DD/MM/YYYY")
            end = c2.date_input("End date (blank if one day)", value=None, key="engagement.end", format="DD/MM/YYYY")
            lead = c3.text_input("Lead partner organisation", key="engagement.lead")
            c1, c2 = st.columns(2)
            method = c1.selectbox("Method", METHODS, index=None, format_func=str.capitalize, key="engagement.method")
            level = c2.selectbox("Level on the spectrum", LEVELS, index=None, format_func=LEVEL_WORDS.get,
                                 key="engagement.level")
            areas = st.multiselect("Areas covered", list(ctx.areas), format_func=ctx.areas.get, key="engagement.areas")
            communities = st.multiselect("Communities reached", list(tag_labels), format_func=tag_labels.get,
                                         key="engagement.tags")
            c1, c2, c3 = st.columns(3)
            participants = c1.number_input("Participants", min_value=0, value=None, step=1, key="engagement.people")
            volunteers = c2.number_input("Volunteers", min_value=0, value=None, step=1, key="engagement.volunteers")
            hours = c3.number_input("Volunteer hours", min_value=0.0, value=None, step=1.0, key="engagement.hours")
            outcomes = st.multiselect("Outcomes served", list(ctx.outcomes),
                                      format_func=lambda c: f"{c}. {ctx.outcomes[c]}", key="engagement.outcomes")
            indicators = st.multiselect("Indicators served", list(ctx.indicators),
                                        format_func=lambda c: f"{c}: {ctx.indicators[c]}", key="engagement.indicators")
            principles = st.multiselect("Principles served", sorted(ctx.principles), key="engagement.principles")
            summary = st.text_area("Summary of what was heard", key="engagement.summary")
            evidence = st.text_input("Link to the evidence", placeholder="https://", key="engagement.evidence")
            st.markdown("**You said, we did** (optional: add more on the next tab)")
            said = st.text_area("You said", key="engagement.said")
            did = st.text_area("We did", key="engagement.did")
            c1, c2, c3 = st.columns(3)
            status = c1.selectbox("Status", STATUSES, format_func=STATUS_WORDS.get, key="engagement.status")
            reason = c2.text_input("Reason (if it cannot be done)", key="engagement.reason")
            fed_back = c3.date_input("Feedback given on", value=None, key="engagement.fed_back", format="DD/MM/YYYY")
            submitted = st.form_submit_button("Log the activity", type="primary")
        if submitted:
            values = {"title": title, "start_date": start, "end_date": end, "lead_partner": lead, "method": method,
                      "level": level, "areas": areas, "communities": communities, "participants": participants,
                      "volunteers": volunteers, "volunteer_hours": hours, "outcomes": outcomes,
                      "indicators": indicators, "principles": principles, "summary": summary,
                      "evidence_url": evidence}
            item = {"you_said": said, "we_did": did, "status": status, "reason": reason, "feedback_date": fed_back}
            glue.write(save_activity, code, values, items=[item],
                       success=f"The activity '{title}' was logged. It is now in the Insight library.")

with tab_said:
    choices = glue.read(activity_choices, code)
    if not may_log:
        st.info("Partners, editors and administrators can add 'you said, we did' items and record what was done.")
    elif choices.empty:
        st.info("Log an activity first; its 'you said' items are added here.")
    else:
        labels = dict(zip(choices["activity_id"], choices["label"]))
        with st.form("engagement.said_form", clear_on_submit=True):
            st.subheader("Add a 'you said' item")
            activity = st.selectbox("Activity", list(labels), format_func=labels.get, key="engagement.said_activity")
            said = st.text_area("You said", key="engagement.add_said")
            did = st.text_area("We did", key="engagement.add_did")
            c1, c2, c3 = st.columns(3)
            status = c1.selectbox("Status", STATUSES, format_func=STATUS_WORDS.get, key="engagement.add_status")
            reason = c2.text_input("Reason (if it cannot be done)", key="engagement.add_reason")
            fed_back = c3.date_input("Feedback given on", value=None, key="engagement.add_fed_back",
                                     format="DD/MM/YYYY")
            if st.form_submit_button("Add the item"):
                glue.write(add_you_said, code, activity, {"you_said": said, "we_did": did, "status": status,
                                                          "reason": reason, "feedback_date": fed_back},
                           success="The item was added.")
        items = glue.read(you_said_items, code)
        if not items.empty:
            st.subheader("Record what was done and when people were told")
            item_labels = {r["item_id"]: f"{r['you_said'][:70]} ({r['activity_title'][:40]}, "
                                         f"{r['end_date']:%b %Y}; item {r['item_id']})"
                           for r in items.to_dict("records")}
            chosen = st.selectbox("Item", list(item_labels), format_func=item_labels.get, key="engagement.item")
            row = items[items["item_id"] == chosen].iloc[0]
            with st.form(f"engagement.update_form.{chosen}"):
                did = st.text_area("We did", value=row["we_did"] if isinstance(row["we_did"], str) else "",
                                   key=f"engagement.upd_did.{chosen}")
                c1, c2, c3 = st.columns(3)
                status = c1.selectbox("Status", STATUSES, index=STATUSES.index(row["status"]),
                                      format_func=STATUS_WORDS.get, key=f"engagement.upd_status.{chosen}")
                reason = c2.text_input("Reason (if it cannot be done)",
                                       value=row["reason"] if isinstance(row["reason"], str) else "",
                                       key=f"engagement.upd_reason.{chosen}")
                current = row["feedback_date"]
                fed_back = c3.date_input("Feedback given on", value=None if current != current or current is None
                                         else current, format="DD/MM/YYYY", key=f"engagement.upd_fed.{chosen}")
                if st.form_submit_button("Save the item"):
                    glue.write(update_you_said, code, int(chosen),
                               {"you_said": row["you_said"], "we_did": did, "status": status, "reason": reason,
                                "feedback_date": fed_back}, success="The item was updated.")

with tab_bulk:
    if not may_log:
        st.info("Partners, editors and administrators can bulk-load engagement activities.")
    else:
        st.write("Load many activities and 'you said, we did' items at once from Excel or CSV. The layout is the "
                 "Excel return's 'Engagement log' and 'You said, we did' sheets; items link to activities by "
                 "Activity ID. If any row has a problem, nothing is loaded, and every problem is listed.")
        st.download_button("Download the template (.xlsx)", glue.read(template_workbook, code),
                           file_name="engagement-log-template.xlsx", key="engagement.template")
        uploads = st.file_uploader("Files to load", type=["xlsx", "csv"], accept_multiple_files=True,
                                   key="engagement.uploads")
        if uploads:
            files = tuple((f.name, f.getvalue()) for f in uploads)
            plan = glue.read(check_engagement_files, code, files)
            if not plan.ok:
                st.error(f"Nothing can be loaded yet: {len(plan.problems)} problem"
                         f"{'s' if len(plan.problems) != 1 else ''} to fix. Fix them in the file and upload it again.")
                st.dataframe(plan.problem_table(), hide_index=True, width="stretch")
            else:
                st.success(f"Ready to load {len(plan.activities)} activities and {len(plan.items)} items.")
                st.dataframe(plan.preview(), hide_index=True, width="stretch")
                if st.button("Load them into the log", type="primary", key="engagement.load"):
                    ok, result = glue.write(import_engagement, code, list(files))
                    if ok:
                        st.success(f"Loaded {result['activities']} activities and {result['items']} items "
                                   f"(batch {result['batch_id']}).")

with tab_tags:
    st.write("The communities an activity can record as reached. Core20PLUS5 groups count towards the reach "
             "measure; a population share (%) lets the chart show reach against the community's size.")
    all_tags = glue.read(community_tags)
    if not can(user, "edit_framework"):
        st.dataframe(all_tags, hide_index=True, width="stretch")
    else:
        edited = st.data_editor(
            all_tags, key="engagement.tag_editor", num_rows="dynamic", hide_index=True, width="stretch",
            column_config={
                "tag_code": st.column_config.TextColumn("Code", required=True),
                "label": st.column_config.TextColumn("Community", required=True),
                "is_core20plus5": st.column_config.CheckboxColumn("Core20PLUS5"),
                "population_share": st.column_config.NumberColumn("Population share (%)", min_value=0, max_value=100),
                "description": st.column_config.TextColumn("Description"),
                "active": st.column_config.CheckboxColumn("In use"),
            })
        if st.button("Save the community list", key="engagement.save_tags"):
            glue.write(save_community_tags, edited.to_dict("records"), success="The community list was saved.")
