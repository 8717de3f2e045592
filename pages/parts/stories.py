"""The story behind the curve on the indicator page: the narratives told for one measure, withdrawing one, and
the form for those who may write one."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.model import User
from framework.progress.narratives import (
    add_narrative,
    list_narratives,
    may_withdraw,
    narrative_periods,
    withdraw_narrative,
)


def stories(code: str, selected: str, user: User) -> None:
    """The story behind the curve: narratives for this measure, and a form for those who may write one."""
    st.markdown("#### The story behind the curve")
    if st.session_state.pop("indicators.story_saved", False):
        st.success("Saved. Thank you for telling the story.")
    if st.session_state.pop("indicators.story_withdrawn", False):
        st.success("The story was withdrawn. It stays in the audit trail with the reason.")
    narratives = glue.read(list_narratives, code, selected)
    if narratives.empty:
        st.caption("No one has told the story behind these figures yet.")
    for n in narratives.itertuples():
        with st.container(border=True):
            st.markdown(f"**{n.period_label}** · {glue.text(n.author_name)} ({n.author_role}) · {n.created_at:%d %B %Y}")
            st.markdown(f"**What is happening:** {glue.text(n.happening)}")
            if n.learning:
                st.markdown(f"**What we are learning:** {glue.text(n.learning)}")
            if n.next_steps:
                st.markdown(f"**What we will do:** {glue.text(n.next_steps)}")
            if may_withdraw(user, n.author_id):
                with st.popover("Withdraw this story"):
                    why = st.text_input("Why is it withdrawn?", key=f"indicators.withdraw_reason.{n.narrative_id}")
                    withdraw = st.button("Withdraw", key=f"indicators.withdraw.{n.narrative_id}")
                    if withdraw and glue.write(withdraw_narrative, int(n.narrative_id), why)[0]:
                        st.session_state["indicators.story_withdrawn"] = True
                        st.rerun()
    if not can(user, "write_narrative"):
        return
    periods = list(glue.read(narrative_periods, code, selected)["period_label"])
    with st.expander("Add the story for a period"):
        if not periods:
            st.caption("Stories are written for a period with data; there is none yet.")
            return
        with st.form("indicators.narrative_form", clear_on_submit=True):
            period = st.selectbox("Period", periods, key="indicators.narrative_period")
            happening = st.text_area("What is happening", key="indicators.narrative_happening", max_chars=2000)
            learning = st.text_area("What we are learning", key="indicators.narrative_learning", max_chars=2000)
            next_steps = st.text_area("What we will do", key="indicators.narrative_next", max_chars=2000)
            if st.form_submit_button("Save the story", key="indicators.narrative_save"):
                saved, _ = glue.write(add_narrative, code, selected,
                                      {"period_label": period, "happening": happening, "learning": learning,
                                       "next_steps": next_steps})
                if saved:
                    st.session_state["indicators.story_saved"] = True
                    st.rerun()
