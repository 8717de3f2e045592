"""Board report: the paper for the ICB board for one quarter, on one page laid out for A4, to print from the browser
or download as a PDF. Everyone can make it: it holds only what the public view shows."""
from datetime import date

import streamlit as st

from framework import streamlit_glue as glue
from framework.board_report import report_periods
from framework.board_report_print import board_report_pdf, page_html
from framework.core.atomic_file import CannotWrite
from framework.progress.periods import is_running, period_words

system = glue.page("Board report")
code, user = system["system_code"], glue.current_user()
PDF_READY = "report.pdf_ready"
st.session_state.setdefault(PDF_READY, None)

st.write("A paper for the board on one quarter: the vision and outcomes, progress at 1, 3 and 5 years in words, "
         "variation and assurance, the inequality gaps, \"you said, we did\", and the latest stakeholder review's "
         "disagreement agenda with its actions. Progress is judged with the data there was at the end of the "
         "quarter. Print this page (only the report prints, on A4) or download it as a PDF.")
today = date.today()
periods = report_periods(system["framework_start"], today)
running = [is_running(p.end, today) for p in periods]  # the quarter still running is offered "so far", not first
period = st.selectbox("Quarter", periods, index=1 if len(periods) > 1 and running[0] else 0, key="report.period",
                      format_func=lambda p: period_words(p.label, p.end, today))

if st.button("Prepare the PDF", key="report.prepare_pdf", icon=":material/picture_as_pdf:"):
    st.session_state[PDF_READY] = (code, period.label)
if st.session_state[PDF_READY] == (code, period.label):
    try:
        with st.spinner("Printing the report to PDF..."):
            pdf = glue.read(board_report_pdf, user, code, period)
    except CannotWrite as exc:  # no browser on this server: said in words, the page itself still prints
        st.error(glue.text(exc))
    else:
        st.download_button("Download the board report (PDF)", pdf, type="primary", mime="application/pdf",
                           file_name=f"board-report-{code}-{period.end:%Y-%m}.pdf", key="report.download_pdf")

st.html(glue.read(page_html, user, code, period))
