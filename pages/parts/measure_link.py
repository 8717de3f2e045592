"""Which measure the Indicators page opens: the one a shared link names (?indicator=CODE), or the reader's choice.
A link to a measure that is not there says so at the top of the page and opens nothing, rather than showing another
measure."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.foundation.indicators import get_indicator

KEY = "indicators.selected"


def _linked() -> str | None:
    """The measure a shared link names, while the reader has not chosen one on the page yet."""
    return st.query_params.get("indicator") if st.session_state.get(KEY) is None else None


def missing_measure_notice(code: str) -> None:
    """At the top of the page: say when the link names a measure this system does not have."""
    wanted = _linked()
    if wanted is not None and glue.read(get_indicator, code, wanted) is None:
        st.warning(f"The measure **{glue.text(wanted[:40])}** in this link was not found in this system. Choose a "
                   "measure from the list below.", icon=":material/link_off:")


def opened_measure(code: str, options: list[str], names: dict[str, str]) -> str:
    """The code of the measure to open, kept in the address so the page can be shared; stops the page when a link
    names a measure that is not in the list."""
    wanted = _linked()
    broken = wanted is not None and wanted not in options
    if broken:
        found = glue.read(get_indicator, code, wanted)
        if found is not None:
            st.warning(f"The measure **{glue.text(wanted[:40])}** in this link is hidden by the search or the filters "
                       f"above (it is {found['status']}). Clear the search or widen the filters to open it.",
                       icon=":material/filter_alt:")
    index = options.index(wanted) if wanted in options else (None if broken else 0)
    selected = st.selectbox("Open a measure", options, index=index, format_func=lambda c: f"{c}: {names[c]}",
                            key=KEY, placeholder="Choose a measure")
    if selected is None:
        st.stop()
    st.query_params["indicator"] = selected
    return selected
