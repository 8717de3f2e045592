"""Record engagement: partners and editors log an activity, add "you said, we did" items and record what was done,
or bulk-load a file. A partner changes only what their own account logged; editors change any."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.engagement.activities import activity_choices, save_activity
from framework.engagement.community_tags import community_tags
from framework.engagement.imports import check_engagement_files, import_engagement, template_workbook
from framework.engagement.validation import load_context
from framework.engagement.vocab import STATUS_WORDS, STATUSES
from framework.engagement.you_said import add_you_said, update_you_said, you_said_items
from pages.parts.activity_form import activity_fields

code, user = glue.page_as_user("Record engagement", "log_engagement", "Partners, editors and administrators "
                               "record engagement here. Everyone can read the Engagement log.")
ctx = glue.read(load_context, code)
tags = glue.read(community_tags, active_only=True)
tag_labels = dict(zip(tags["tag_code"], tags["label"]))


def you_said_inputs(key: str) -> dict:
    """The inputs of one "you said" item, each widget's key starting with `key`; returns the item as entered."""
    said = st.text_area("You said", key=f"{key}said")
    did = st.text_area("We did", key=f"{key}did")
    c1, c2, c3 = st.columns(3)
    status = c1.selectbox("Status", STATUSES, format_func=STATUS_WORDS.get, key=f"{key}status")
    reason = c2.text_input("Reason (if it cannot be done)", key=f"{key}reason")
    fed_back = c3.date_input("Feedback given on", value=None, key=f"{key}fed_back", format="DD/MM/YYYY")
    return {"you_said": said, "we_did": did, "status": status, "reason": reason, "feedback_date": fed_back}


tab_log, tab_said, tab_bulk = st.tabs(["Log an activity", "You said, we did", "Bulk load"])

with tab_log, st.form("record.log_form", clear_on_submit=False):
    values = activity_fields("record.", ctx, tag_labels)
    st.markdown("**You said, we did** (optional: add more on the next tab)")
    item = you_said_inputs("record.")
    if st.form_submit_button("Log the activity", type="primary"):
        glue.write(save_activity, code, values, items=[item],
                   success=f"The activity '{glue.text(values['title'])}' was logged. It is now in the Insight library.")

with tab_said:
    choices = glue.read(activity_choices, code, user)
    if choices.empty:
        st.info("Log an activity first; its 'you said' items are added here. A partner adds items to the "
                "activities their own account logged.")
    else:
        labels = dict(zip(choices["activity_id"], choices["label"]))
        with st.form("record.said_form", clear_on_submit=True):
            st.subheader("Add a 'you said' item")
            activity = st.selectbox("Activity", list(labels), format_func=labels.get, key="record.said_activity")
            item = you_said_inputs("record.add_")
            if st.form_submit_button("Add the item"):
                glue.write(add_you_said, code, activity, item, success="The item was added.")
    items = glue.read(you_said_items, code, user)
    if not items.empty:
        st.subheader("Record what was done and when people were told")
        item_labels = dict(zip(items["item_id"], items["label"]))
        chosen = st.selectbox("Item", list(item_labels), format_func=item_labels.get, key="record.item")
        row = items[items["item_id"] == chosen].iloc[0]
        with st.form(f"record.update_form.{chosen}"):
            did = st.text_area("We did", value=row["we_did"] if isinstance(row["we_did"], str) else "",
                               key=f"record.upd_did.{chosen}")
            c1, c2, c3 = st.columns(3)
            status = c1.selectbox("Status", STATUSES, index=STATUSES.index(row["status"]),
                                  format_func=STATUS_WORDS.get, key=f"record.upd_status.{chosen}")
            reason = c2.text_input("Reason (if it cannot be done)",
                                   value=row["reason"] if isinstance(row["reason"], str) else "",
                                   key=f"record.upd_reason.{chosen}")
            current = row["feedback_date"]
            fed_back = c3.date_input("Feedback given on", value=None if current != current or current is None
                                     else current, format="DD/MM/YYYY", key=f"record.upd_fed.{chosen}")
            if st.form_submit_button("Save the item"):
                glue.write(update_you_said, code, int(chosen),
                           {"you_said": row["you_said"], "we_did": did, "status": status, "reason": reason,
                            "feedback_date": fed_back}, success="The item was updated.")

with tab_bulk:
    st.write("Load many activities and 'you said, we did' items at once from Excel or CSV. The layout is the "
             "Excel return's 'Engagement log' and 'You said, we did' sheets; items link to activities by "
             "Activity ID. If any row has a problem, nothing is loaded, and every problem is listed.")
    st.download_button("Download the template (.xlsx)", glue.read(template_workbook, code),
                       file_name="engagement-log-template.xlsx", key="record.template")
    uploads = st.file_uploader("Files to load", type=["xlsx", "csv"], accept_multiple_files=True, key="record.uploads")
    if uploads:
        files = tuple((f.name, f.getvalue()) for f in uploads)
        plan = glue.read(check_engagement_files, code, files)
        if not plan.ok:
            st.error(f"Nothing can be loaded yet: {plan.problems_total:,} problem{'s' if plan.problems_total != 1 else ''}"
                     " to fix. Fix them in the file and upload it again.")
            st.dataframe(plan.problem_table(), hide_index=True, width="stretch")
        else:
            st.success(f"Ready to load {len(plan.activities)} activities and {len(plan.items)} items.")
            st.dataframe(plan.preview(), hide_index=True, width="stretch")
            if st.button("Load them into the log", type="primary", key="record.load"):
                ok, result = glue.write(import_engagement, code, list(files))
                if ok:
                    st.success(f"Loaded {result['activities']} activities and {result['items']} items "
                               f"(batch {result['batch_id']}).")
