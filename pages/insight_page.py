"""The insight library: search what people have already told us, across activity summaries and "you said, we did"
items, before planning new engagement, so people are not asked to retell their stories again and again."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.engagement.community_tags import community_tags
from framework.engagement.insight_search import search_insight
from framework.engagement.validation import load_context
from framework.engagement.vocab import STATUS_WORDS

SHOWN = 50
system = glue.page("Insight library")
code = system["system_code"]
st.write("Before planning new engagement, see what people have already said. Search summaries of what was heard "
         "and the 'you said, we did' items; every word you type must appear.")

ctx = glue.read(load_context, code)
tags = glue.read(community_tags)
tag_labels = dict(zip(tags["tag_code"], tags["label"]))
query = st.text_input("Search what people said", key="insight.query",
                      placeholder="for example: interpreter, GP phone, young carers")
c1, c2, c3 = st.columns(3)
communities = c1.multiselect("Community", list(tag_labels), format_func=tag_labels.get, key="insight.communities")
areas = c2.multiselect("Area", list(ctx.areas), format_func=ctx.areas.get, key="insight.areas")
outcomes = c3.multiselect("Outcome", list(ctx.outcomes), format_func=lambda c: f"{c}. {ctx.outcomes[c]}",
                          key="insight.outcomes")
c1, c2, c3 = st.columns(3)
date_from = c1.date_input("From", value=None, key="insight.from", format="DD/MM/YYYY")
date_to = c2.date_input("To", value=None, key="insight.to", format="DD/MM/YYYY")
kinds = c3.multiselect("Look in", ["activity", "you_said"], default=["activity", "you_said"],
                       format_func={"activity": "Summaries of what was heard", "you_said": "You said, we did"}.get,
                       key="insight.kinds")
results = glue.read(search_insight, code, query, communities=communities, areas=areas, outcomes=outcomes,
                    date_from=date_from, date_to=date_to, kinds=kinds or ["activity", "you_said"])
st.caption(f"{len(results)} result{'s' if len(results) != 1 else ''}"
           + (f"; the best {SHOWN} are shown." if len(results) > SHOWN else "."))
if results.empty:
    st.info("Nothing matches. Try fewer or shorter words, or clear the filters. If nobody has been asked yet, "
            "that is worth knowing too.")
    st.stop()
for r in results.head(SHOWN).to_dict("records"):
    with st.container(border=True):
        kind = "You said" if r["kind"] == "you_said" else "What was heard"
        st.markdown(f"**{kind}:** {glue.text(r['text']) or '_No summary recorded._'}")
        if r["kind"] == "you_said":
            extra = f"**We did:** {glue.text(r['we_did'])}  \n" if isinstance(r["we_did"], str) and r["we_did"] else ""
            st.markdown(f"{extra}Status: **{STATUS_WORDS.get(r['status'], r['status'])}**")
        who = "; ".join(tag_labels.get(t, t) for t in r["communities"])
        st.caption(f"{glue.text(r['title'])} · {glue.text(r['lead_partner'])} · {r['start_date']:%d %B %Y} · "
                   f"{r['level'].capitalize()} · {who or 'no community recorded'}")
