"""The Making Data Count summary matrix on the Progress page: for every measure in use, the kind of variation its
latest point shows against the assurance that it will meet its next target."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.progress.spc_text import spc_matrix, spc_summary, too_few_codes


def spc_matrix_view(code: str, area: str | None, area_label: str) -> None:
    """The variation against assurance matrix for one area, with the measures in each cell."""
    st.header("Variation and assurance (Making Data Count)")
    summary = glue.read(spc_summary, code, area)
    if summary.empty:
        st.info(f"No measure in use has headline figures for {area_label} yet.")
        return
    st.write(
        f"Each measure in {area_label} by its SPC chart: whether its latest point shows common cause or special "
        "cause variation (an improvement or a concern), and whether its process limits say it will meet the "
        "target of the next horizon (pass), miss it (fail) or sometimes meet it (hit and miss). A measure needs "
        "15 points before it is judged this way. Open a measure to see its SPC chart."
    )
    st.dataframe(spc_matrix(summary, too_few=False), hide_index=True, width="stretch",
                 column_config={"Variation": st.column_config.TextColumn(width=200)})
    few = too_few_codes(summary)
    if few:
        st.caption(f"Fewer than 15 points so far, so no icons yet ({len(few)}): {glue.text(', '.join(few))}.")
    st.caption("Codes are listed in each cell; the table above names each measure.")
