"""Start a new system: pick today's ICB footprint, name the system, choose its places, then open its Framework."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.foundation.geography import places_of, todays_icbs
from framework.foundation.starting import LOAD_AUTHORITIES, PLACE_CHOICES, start_system

user = glue.current_user()
st.title("Start a new system")
if not glue.may_start_system(user):
    st.info("Only an administrator can start a new system. Ask yours, or read the systems already here.")
    st.stop()

icbs = glue.read(todays_icbs)
st.markdown("A system is your Integrated Care System's partnership on its ICB footprint. Choose the footprint from "
            f"the {len(icbs)} ICBs in force today, name the system, and choose its places. England and your "
            "NHS England region are added as comparators, and the former ICBs of your footprint are linked so "
            "that data still published on their codes belongs to your system.")
labels = {r.icb_code: f"{r.icb_name} · {r.region_name} · {r.icb_code}" for r in icbs.itertuples()}
footprint = st.selectbox("ICB footprint", list(labels), format_func=labels.get, index=None, key="start.footprint",
                         placeholder="Choose today's ICB", help="Listed by region, then by name.")
if footprint is None:
    st.caption("Choose your ICB to see its places.")
    st.stop()

places = glue.read(places_of, footprint)
choices = list(PLACE_CHOICES) if not places["lad"].empty else ["sicbl"]
place_choice = st.radio("Places", choices, format_func=PLACE_CHOICES.get, key="start.places", horizontal=True)
if places["lad"].empty:
    st.caption(LOAD_AUTHORITIES)
for kind in ("sicbl", "lad"):
    if place_choice in (kind, "both") and not places[kind].empty:
        st.caption(f"{PLACE_CHOICES[kind]} ({len(places[kind])}): "
                   + glue.text(", ".join(places[kind]["area_name"])))

with st.form("start.form", border=True):
    name = st.text_input("System name", key="start.name", max_chars=200,
                         placeholder="e.g. South Yorkshire Integrated Care System")
    code = st.text_input("Short code", key="start.code", max_chars=30, placeholder="e.g. SYICS",
                         help="Letters, digits, '-' and '_'. It names the system in files and on the command line.")
    submitted = st.form_submit_button("Start this system", type="primary", key="start.submit")
if submitted:
    ok, done = glue.write(start_system, code, name, footprint, place_choice)
    if ok:
        st.session_state[glue.SYSTEM] = done["system_code"]
        st.switch_page("pages/framework_page.py")
