"""The invitations of one review round on the Review setup page: personal codes made for a group (shown once,
with a mail-merge file) and the shared group links with their caps."""
import pandas as pd
import streamlit as st

from framework import streamlit_glue as glue
from framework.reviews import invitations, rounds


def invitation_controls(round_id: int, title: str, links: pd.DataFrame) -> None:
    """Make personal codes for a group, and set each shared link's cap."""
    group_names = dict(zip(links["group_code"], links["group_name"]))
    st.markdown("**Personal invitations (recommended).** Make one code for each person you invite: each works once, "
                "so nobody can answer twice. Send them yourself, or download a mail-merge file.")
    with st.form("review_setup.codes_form"):
        cols = st.columns([2, 1])
        code_group = cols[0].selectbox("Group", list(group_names), format_func=group_names.get,
                                       key="review_setup.code_group")
        how_many = cols[1].number_input("People to invite", min_value=1, max_value=invitations.MAX_CODES_AT_ONCE,
                                        value=10, step=1, key="review_setup.code_count")
        if st.form_submit_button("Make personal codes"):
            ok, made = glue.write(invitations.issue_personal_codes, round_id, code_group, int(how_many),
                                  success="The codes are below. They are shown only now: download them.")
            if ok:
                st.session_state["review_setup.codes"] = (round_id, group_names[code_group], made)
    base, where = glue.public_url()
    made = st.session_state.get("review_setup.codes")
    if made and made[0] == round_id:
        st.code("\n".join(made[2]), language=None)
        st.download_button("Download the mail-merge file (CSV)", key="review_setup.codes_csv", mime="text/csv",
                           data=invitations.personal_codes_csv(title, made[1], made[2], base),
                           file_name=f"invitations-{made[1]}.csv".replace(" ", "-"))
    st.markdown("**Shared group links.** A link sets the group, so people never say who they are. Each link has a cap: "
                "the number of people it was sent to. Use past the cap is flagged in the results.")
    st.dataframe(invitations.links_table(links, base), hide_index=True, width="stretch",
                 column_config={"Link": st.column_config.LinkColumn()})
    if base:
        st.caption(f"Links start with {glue.text(base)} ({where}).")
    else:
        st.warning(f"Links are shown without the app's address: {where}.")
    cols = st.columns([2, 1, 1])
    cap_group = cols[0].selectbox("Group link", list(group_names), format_func=group_names.get, key="review_setup.cap_group")
    cap = cols[1].number_input("Cap", min_value=1, max_value=10_000, value=rounds.LINK_CAP_DEFAULT, key="review_setup.cap")
    if cols[2].button("Set the cap", key="review_setup.set_cap"):
        glue.write(invitations.set_link_cap, round_id, cap_group, int(cap), success="The cap was saved.")
