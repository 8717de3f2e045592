"""On the Answer page of the demo only: the open demo review's invite codes, so a newcomer can try answering."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.reviews.invitations import demo_invites


def offer_demo_invites() -> None:
    """List the demo's open invite codes (nothing at all for a real system)."""
    offered = glue.read(demo_invites)
    if not offered:
        return
    st.info(f"This is the fictional demo system. To try answering **{glue.text(offered[0]['title'])}**, use the "
            "invite code of any group below. In a real system invite codes reach people only in their invitation.",
            icon=":material/science:")
    st.table({"Group": [o["group_name"] for o in offered], "Invite code": [o["invite_code"] for o in offered]})
