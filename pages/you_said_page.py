"""You said, we did: what people told us and what changed because of it, by outcome and by community. Public: it
is how the partnership feeds back how people's views influenced decisions (principle 3)."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.engagement.vocab import STATUS_WORDS, STATUSES
from framework.engagement.you_said import you_said_by

system = glue.page("You said, we did")
code = system["system_code"]
st.write("What people told us when we asked, and what we did about it. Where something cannot be done, we say "
         "why. This is how we feed back how your views shaped decisions.")

c1, c2 = st.columns([1, 2])
by = c1.radio("Show by", ["outcome", "community"], format_func=lambda b: f"By {b}", horizontal=True,
              key="you_said.by")
statuses = c2.multiselect("Status", STATUSES, default=list(STATUSES), format_func=STATUS_WORDS.get,
                          key="you_said.statuses")
items = glue.read(you_said_by, code, by)
if items.empty:
    st.info("Nothing has been recorded yet. When partners log what people told us, it appears here with what we did.")
    st.stop()
unique = items.drop_duplicates("item_id")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Things you told us", len(unique))
m2.metric("Done", int((unique["status"] == "done").sum()))
m3.metric("Planned", int((unique["status"] == "planned").sum()))
m4.metric("Fed back to you", int(unique["feedback_date"].notna().sum()))
shown = items[items["status"].isin(statuses)]
if shown.empty:
    st.info("No items have the chosen status. Choose another status above.")
    st.stop()
for n, (group, rows) in enumerate(shown.groupby("grp", sort=False)):
    with st.expander(f"{glue.text(group)} ({len(rows)} item{'s' if len(rows) != 1 else ''})", expanded=n == 0):
        for r in rows.to_dict("records"):
            when = f"{r['end_date']:%B %Y}" if r["end_date"] == r["end_date"] else ""
            status = STATUS_WORDS[r["status"]]
            lines = [f"**You said:** {glue.text(r['you_said'])}"]
            if isinstance(r["we_did"], str) and r["we_did"]:
                lines.append(f"**{'What we plan' if r['status'] == 'planned' else 'We did'}:** {glue.text(r['we_did'])}")
            if r["status"] == "cannot be done" and isinstance(r["reason"], str) and r["reason"]:
                lines.append(f"**Why not:** {glue.text(r['reason'])}")
            fed = (f"fed back {r['feedback_date']:%d %B %Y}" if r["feedback_date"] == r["feedback_date"]
                   and r["feedback_date"] is not None else "not yet fed back")
            lines.append(f"Status: **{status}** · {fed} · from *{glue.text(r['activity_title'])}*, {glue.text(r['lead_partner'])}, {when}")
            st.markdown("  \n".join(lines))
            st.divider()
