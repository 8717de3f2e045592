"""Engagement log: what engagement is happening, at what level, who it reaches, the volunteers involved, and the
measures derived from it. Partners and editors add to it on the Record engagement page; editors keep the
community list here."""
from datetime import date

import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.engagement.activities import activity_choices, delete_activity, list_activities
from framework.engagement.chart_data import activities_by_level, feedback_loops, reach_by_community
from framework.engagement.charts import (
    activities_by_level_chart,
    activities_by_level_sentence,
    feedback_loops_chart,
    feedback_loops_sentence,
    reach_chart,
    reach_sentence,
)
from framework.engagement.community_tags import community_tags, save_community_tags
from framework.engagement.measures import latest_measures
from framework.engagement.validation import load_context
from framework.engagement.vocab import LEVELS
from framework.progress.periods import is_running
from pages.parts.engagement_tables import activities_table, community_editor, community_list

SHORT = {"collaborate_empower": "At collaborate or empower", "core20plus5_reach": "Reach into Core20PLUS5",
         "feedback_within_3_months": "Fed back within 3 months", "volunteer_hours": "Volunteer hours"}

code, user = glue.page_as_user("Engagement log")
st.write("What engagement is happening across the system, at what level, who it reaches and the volunteers "
         "involved, and what changed because people spoke up. Insight is gathered once and used well: search what "
         "people have already said in the Insight library before asking again.")
if can(user, "log_engagement"):
    st.page_link("pages/record_engagement_page.py", label="Log an activity or a 'you said' item",
                 icon=":material/edit_note:")

ctx = glue.read(load_context, code)
tags = glue.read(community_tags, active_only=True)
tag_labels = dict(zip(tags["tag_code"], tags["label"]))
tab_list, tab_tags = st.tabs(["Activities and measures", "Community list"])

with tab_list:
    measures = glue.read(latest_measures, code)
    for col, m in zip(st.columns(len(measures)), measures.to_dict("records")):
        if m["value"] is None or m["value"] != m["value"]:
            col.metric(SHORT[m["name"]], "No data yet")
            continue
        shown = f"{m['value']:,.0f} hours" if m["unit"] == "hours" else f"{m['value']:.0f}%"
        col.metric(SHORT[m["name"]], shown,
                   help=f"{m['title']}. Calculated from the log, and fed to the progress engine as a measure "
                        f"(source log:{m['name']}).")
        so_far = " so far" if is_running(m["period_end"], date.today()) else ""
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
        st.info("No activities match. Partners and editors log them on the Record engagement page; or clear the "
                "filters.")
    else:
        shown = log.assign(
            Communities=["; ".join(tag_labels.get(t, t) for t in v) for v in log["communities"]],
            Areas=["; ".join(ctx.areas.get(a, a) for a in v) for v in log["areas"]],
            Level=log["level"].str.capitalize(),
            **{"Fed back": [f"{f} of {n}" for f, n in zip(log["items_fed_back"], log["items"])]},
        ).rename(columns={"start_date": "Start", "title": "Activity", "lead_partner": "Lead partner",
                          "method": "Method", "participants": "Participants", "volunteer_hours": "Volunteer hours"})
        activities_table(shown)
        levels, reach, loops = (glue.read(activities_by_level, code), glue.read(reach_by_community, code),
                                glue.read(feedback_loops, code))
        st.plotly_chart(activities_by_level_chart(levels), width="stretch")
        st.caption(glue.text(activities_by_level_sentence(levels)))
        st.plotly_chart(reach_chart(reach), width="stretch")
        st.caption(glue.text(reach_sentence(reach)) + " Reach counts everyone at an activity that reached the "
                   "community, so shares can add up to more than 100%. Population shares are set on the Community "
                   "list tab.")
        st.plotly_chart(feedback_loops_chart(loops), width="stretch")
        st.caption(glue.text(feedback_loops_sentence(loops)))
    if can(user, "edit_framework") and not log.empty:
        with st.expander("Remove an activity logged by mistake"):
            labels = dict(glue.read(activity_choices, code)[["activity_id", "label"]].itertuples(index=False))
            gone = st.selectbox("Activity", list(labels), format_func=labels.get, key="engagement.remove_activity")
            why = st.text_input("Why is it removed?", key="engagement.remove_reason")
            sure = st.checkbox("Yes, remove it and its 'you said' items", key="engagement.remove_confirm")
            if st.button("Remove the activity", key="engagement.remove", disabled=not sure):
                glue.write(delete_activity, code, int(gone), reason=why, success="The activity was removed.")

with tab_tags:
    st.write("The communities an activity can record as reached. Core20PLUS5 groups count towards the reach "
             "measure; a population share (%) lets the chart show reach against the community's size.")
    all_tags = glue.read(community_tags)
    if not can(user, "edit_framework"):
        community_list(all_tags)
    else:
        edited = community_editor(all_tags)
        if st.button("Save the community list", key="engagement.save_tags"):
            glue.write(save_community_tags, edited.to_dict("records"), success="The community list was saved.")
