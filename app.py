"""Shared Measures: the frame. Page config, who the user is, the pages for their role, and the shared sidebar."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can

glue.use_navigation_only()
st.set_page_config(page_title="Shared Measures", page_icon=":material/diversity_3:", layout="wide")
glue.init_state()
user = glue.current_user()
opens_on_start = glue.may_start_system(user) and glue.current_system() is None  # an empty database starts there


def if_allowed(permission: str, path: str, **options) -> list:
    """The page, in a list to unpack into its section, when the user has the permission; else no page."""
    return [st.Page(path, **options)] if can(user, permission) else []


sections = {
    "Our framework": [
        st.Page("pages/home_page.py", title="Home", icon=":material/home:", default=not opens_on_start),
        st.Page("pages/progress_page.py", title="Progress", icon=":material/trending_up:", url_path="progress"),
        st.Page("pages/indicators_page.py", title="Indicators", icon=":material/monitoring:", url_path="indicators"),
        st.Page("pages/board_report_page.py", title="Board report", icon=":material/description:",
                url_path="board-report"),
        st.Page("pages/framework_page.py", title="Framework", icon=":material/flag:", url_path="framework"),
    ],
    "Measures that matter": [
        st.Page("pages/proposals_page.py", title="Proposed measures", icon=":material/lightbulb:",
                url_path="proposals"),
        st.Page("pages/priorities_page.py", title="Priorities", icon=":material/how_to_vote:", url_path="priorities"),
    ],
    "Engagement": [
        st.Page("pages/engagement_page.py", title="Engagement log", icon=":material/groups:", url_path="engagement"),
        *if_allowed("log_engagement", "pages/record_engagement_page.py", title="Record engagement",
                    icon=":material/edit_note:", url_path="record-engagement"),
        st.Page("pages/you_said_page.py", title="You said, we did", icon=":material/forum:",
                url_path="you-said-we-did"),
        st.Page("pages/insight_page.py", title="Insight library", icon=":material/manage_search:",
                url_path="insight-library"),
    ],
    "Stakeholder reviews": [
        st.Page("pages/respond_page.py", title="Answer a review", icon=":material/rate_review:", url_path="respond"),
        st.Page("pages/review_results_page.py", title="Review results", icon=":material/insights:",
                url_path="review-results"),
        *if_allowed("run_reviews", "pages/review_setup_page.py", title="Review setup", icon=":material/checklist:",
                    url_path="review-setup"),
    ],
    "Manage": [
        *([st.Page(glue.START_PAGE, title="Start a new system", icon=":material/add_circle:", url_path="start",
                   default=opens_on_start)] if glue.may_start_system(user) else []),
        *if_allowed("import_data", "pages/data_page.py", title="Data in and out", icon=":material/upload_file:",
                    url_path="data"),
        *if_allowed("edit_indicators", "pages/edit_indicators_page.py", title="Edit measures",
                    icon=":material/edit_note:", url_path="edit-measures"),
        *if_allowed("view_history", "pages/history_page.py", title="History", icon=":material/history:",
                    url_path="history"),
    ],
}
page = st.navigation({name: found for name, found in sections.items() if found}, expanded=True)
glue.sidebar(user)
page.run()
