"""Home: the vision, the outcomes with their ambitions, and the indicators by kind and status."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.model import KIND_WORDS
from framework.foundation.vision import get_vision, list_outcomes, principles
from pages.parts.measure_counts import home_metrics, judged_caption
from pages.parts.overview_tables import open_actions_table

system = glue.page(lambda s: s["name"])
st.caption(f"Framework started {system['framework_start']:%d %B %Y}. Horizons are counted from that date.")

vision = glue.read(get_vision, system["system_code"])
st.header("Our vision")
if vision:
    with st.container(border=True):
        st.markdown(f"#### {glue.text(vision['statement'])}")
    if vision.get("agreed_with"):
        agreed = f" on {vision['agreed_on']:%d %B %Y}" if vision.get("agreed_on") else ""
        st.caption(f"Agreed{agreed} with {glue.text(vision['agreed_with'])}.")
    if vision.get("ultimate_outcome"):
        st.markdown(f"**The ultimate outcome we are aiming for:** {glue.text(vision['ultimate_outcome'])}")
else:
    st.info("No vision has been written yet. Editors can write one on the Framework page.")
    st.page_link("pages/framework_page.py", label="Write the vision", icon=":material/edit:")

st.header("Outcomes and what we aim to achieve")
outcomes = glue.read(list_outcomes, system["system_code"])
labels = dict(zip(glue.read(principles)["principle_no"], glue.read(principles)["short_label"]))
if outcomes.empty:
    st.info("No outcomes yet. Editors can add them on the Framework page.")
for o in outcomes.itertuples():
    with st.container(border=True):
        st.subheader(f"{o.outcome_code}. {glue.text(o.title)}")
        if o.description:
            st.markdown(glue.text(o.description))
        cols = st.columns(3)
        for col, years, text in zip(cols, (1, 3, 5), (o.ambition_1y, o.ambition_3y, o.ambition_5y)):
            col.markdown(f"**In {years} year{'s' if years > 1 else ''}**  \n{glue.text(text) or '_Not set yet_'}")
        if len(o.principles):
            st.caption("Principles: " + "; ".join(f"{p} {glue.text(labels.get(p, ''))}" for p in o.principles))

st.header("Measures")
counts = home_metrics(system["system_code"])
table = counts.rename(index=KIND_WORDS, columns=str.capitalize).rename_axis("Kind of measure").reset_index()
st.dataframe(table, hide_index=True, width="stretch")
st.page_link("pages/indicators_page.py", label="Explore every measure", icon=":material/monitoring:")

st.header("Progress")
from framework.progress.sql import status_counts  # noqa: E402  (progress at 1, 3 and 5 years)
from framework.progress.text import overview_sentence  # noqa: E402

home_progress = glue.read(status_counts, system["system_code"])
for horizon in (1, 3, 5):
    st.markdown(f"- {overview_sentence(home_progress, horizon)}")
judged_caption(system["system_code"], home_progress)
st.page_link("pages/progress_page.py", label="See progress at 1, 3 and 5 years", icon=":material/trending_up:")

st.header("Open actions from stakeholder reviews")
from framework.reviews.discussions import open_actions  # noqa: E402  (stakeholder reviews)

review_actions = glue.read(open_actions, system["system_code"])
if review_actions.empty:
    st.info("No open actions. Actions agreed in review discussions appear here until they are done.")
else:
    open_actions_table(review_actions.rename(columns={"action_text": "Action", "owner": "Owner", "when": "Due",
                                                      "status_words": "Status", "outcome_title": "Outcome"}))
st.page_link("pages/review_results_page.py", label="Review results and discussion", icon=":material/insights:")
