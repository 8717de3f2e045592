"""Glossary: the words of health and care planning that the app uses, in plain English, with a search."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core import glossary

st.title("Glossary")
st.write("The words used in Shared Measures, in plain English. Where one of them appears on a page, hover over the "
         "small question mark beside it to read its meaning there.")
query = st.text_input("Find a word", key="glossary.search", max_chars=glossary.MAX_QUERY,
                      placeholder="for example: ICB, interval, deprived")
found = glossary.search(query)
if not found:
    st.info(f"No word in the glossary matches \"{glue.text(query.strip())}\". Try a shorter word, or clear the search "
            "to see them all.")
for e in found:
    also = f" ({glue.text(e['stands_for'])})" if e["stands_for"] else ""
    st.markdown(f"**{glue.text(e['term'])}**{also}  \n{glue.text(e['meaning'])}")
st.page_link("pages/progress_rules_page.py", label="How progress is judged", icon=":material/rule:")
