"""How progress is judged: the on-track rule and the trend, in plain words, the page the progress tables link to."""
import streamlit as st

from framework.core.glossary import hint
from framework.progress.rules_text import how_progress_is_judged

st.title("How progress is judged")
st.markdown(how_progress_is_judged(), help=hint("On track", "Confidence interval", "Prediction interval"))
st.page_link("pages/glossary_page.py", label="Glossary: the words in plain English", icon=":material/menu_book:")
