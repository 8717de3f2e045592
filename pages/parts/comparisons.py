"""Comparisons on the indicator page: each period of one area against England, the NHS England region and a peer
group the user picks (kept in the address, so a view can be shared), in words, the way Fingertips judges them."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.progress.benchmarks import benchmark_sentence, comparison_table, indicator_comparisons, peer_choices

PEERS = "indicators.peers"


def comparisons(code: str, selected: str, area: str, unit: str) -> None:
    """The comparisons section for one measure in one area."""
    st.markdown("#### Compared with England, the region and a peer group")
    choices = glue.read(peer_choices, code, selected)
    names = dict(zip(choices["area_code"], choices["area_name"]))
    if st.session_state.get(f"{PEERS}.for") != (code, selected):  # settle the peers from the address once per measure
        st.session_state[f"{PEERS}.for"] = (code, selected)
        st.session_state[PEERS] = [p for p in st.query_params.get_all("peer") if p in names]
    st.session_state[PEERS] = [p for p in st.session_state.get(PEERS, []) if p in names]
    peers = st.multiselect("Peer group: areas to compare with", list(names), format_func=names.get, key=PEERS,
                           placeholder="Choose areas with data for this measure")
    st.query_params["peer"] = peers
    table = glue.read(indicator_comparisons, code, selected, area, tuple(peers))
    if table.empty:
        st.info("There are no values for this area to compare yet.")
        return
    st.markdown(glue.text(benchmark_sentence(table)) or "Nothing could be compared: a value needs a 95% confidence interval "
                                             "and the comparator needs a value for the same period.")
    if len(peers) == 1:
        st.caption("A peer group of one area is a comparison with that area alone.")
    st.dataframe(comparison_table(table, unit), hide_index=True, width="stretch")
    st.caption("Better, similar or worse: whether the comparator's value lies outside this area's 95% confidence "
               "interval (Fingertips' method); 'also at 99.8%' when it lies outside the wider 99.8% interval too. A "
               "value exactly on the edge counts as similar. A peer group's value pools its counts and "
               "denominators.")
    st.page_link("pages/progress_rules_page.py", label="How this is judged, in plain words", icon=":material/rule:")
