"""Former ICBs on the indicator page: the area picker names each former ICB of the footprint that has data for the
measure, with its years; and for the system's ICB or a former ICB, a chart of the footprint and the former ICBs
before it, each its own series with the break marked, and words saying the figures are not combined."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.progress.lineage import in_force_words, lineage, lineage_sentence, predecessors
from framework.progress.lineage_chart import lineage_chart


def former_icb_names(code: str, selected: str) -> dict[str, str]:
    """The former ICBs with data for this measure, for the area picker: code -> 'Former ICB: name (code), years'."""
    return {p["area_code"]: p["label"] for p in glue.read(predecessors, code, selected) if p["periods"]}


def former_icbs(code: str, selected: str, area: str, ind: dict) -> None:
    """The footprint beside its former ICBs, when the chosen area is one of them and former data exists."""
    found = glue.read(lineage, code, selected)
    items = found["predecessors"]
    if not items or area not in {found["footprint_code"], *(p["area_code"] for p in items)}:
        return
    st.markdown(f"#### {glue.text(found['footprint_name'])} and the former ICBs before it")
    chosen = next((p for p in items if p["area_code"] == area), None)
    if chosen is not None:
        st.info(f"{glue.text(chosen['name'])} ({chosen['area_code']}) is a former ICB, {in_force_words(chosen)}. "
                f"The figures above are its own, kept apart from {glue.text(found['footprint_name'])}.")
    st.plotly_chart(lineage_chart(found, measure=ind["name"], unit=ind["unit"], source=ind["source"] or ""),
                    width="stretch", config={"displaylogo": False}, key="indicators.lineage_chart")
    st.caption(glue.text(lineage_sentence(found)))
    st.markdown("\n".join(f"- {glue.text(p['words'])}." for p in items))

