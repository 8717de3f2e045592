"""Change or remove an engagement activity from the Engagement log: a partner organisation sees only the
activities their own account logged, engagement leads and administrators see all. Removing asks for a reason and a
confirmation first."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.model import User
from framework.engagement.activities import activity_choices, delete_activity, get_activity, save_activity
from pages.parts.activity_form import activity_fields


def activity_controls(code: str, user: User, ctx, tag_labels: dict[str, str]) -> None:
    """The change and remove controls for the activities this user may change; nothing for other roles."""
    if not can(user, "log_engagement"):
        return
    choices = glue.read(activity_choices, code, user)
    if choices.empty:
        return
    labels = dict(zip(choices["activity_id"], choices["label"]))
    whose = "any activity" if can(user, "edit_framework") else "the activities your account logged"
    with st.expander("Change or remove an activity"):
        st.caption(f"You can change or remove {whose}. Every change is kept in the History.")
        chosen = st.selectbox("Activity", list(labels), format_func=labels.get, key="engagement.change_activity")
        current = glue.read(get_activity, code, int(chosen))
        if current is None:
            st.info("That activity has just been removed. Choose another.")
            return
        change, remove = st.tabs(["Change it", "Remove it"])
        with change, st.form(f"engagement.change_form.{chosen}"):
            values = activity_fields(f"engagement.change.{chosen}.", ctx, tag_labels, current)
            if st.form_submit_button("Save the changes", type="primary"):
                glue.write(save_activity, code, values, activity_id=int(chosen),
                           success="The activity was changed, and the change is in the History.")
        with remove:
            st.warning("Removing an activity also removes its 'you said, we did' items, and the measures drawn from "
                       "the log are worked out again. The History keeps a record that it was removed.")
            why = st.text_input("Why is it removed?", key="engagement.remove_reason")
            sure = st.checkbox("Yes, remove it and its 'you said' items", key=f"engagement.remove_confirm.{chosen}")
            if st.button("Remove the activity", key="engagement.remove", disabled=not sure):
                ok, _ = glue.write(delete_activity, code, int(chosen), reason=why)
                if ok:
                    st.session_state["engagement.flash"] = "The activity was removed."
                    st.rerun()
