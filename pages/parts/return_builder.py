"""The Excel return on the Data page: choose the board return, the full data return or the data pack; it is built in
a worker while the page stays usable, its progress shown, and offered for download once complete. Everyone asking
for the same return at the same data shares one build."""
from __future__ import annotations

import streamlit as st

from framework import streamlit_glue as glue
from framework.board_return import current_return, start_return
from framework.core.model import User
from framework.data_io import return_jobs

JOB = "data.return_job"  # the id of the build this session asked for
KIND = "data.return_kind"
POLL_SECONDS = 1.0
CHOICES = {
    "board": "The board return (Excel): headline figures of the last three years",
    "full": "The full data return (Excel): every breakdown and period",
    "pack": "The data pack (Parquet files in a zip): everything, for analysts",
}
ABOUT = {
    "board": "A cover with caveats, the vision and outcomes, progress at each horizon in words, the measures with "
             "their targets, and each measure's headline values of its last three years for every area.",
    "full": "Everything in the board return, with every breakdown and period. Its Measurements sheet is also the "
            "import template, and an editor's full return moves the whole system to another database, or keeps "
            "it as a backup. Past a million rows it continues on sheets Measurements 2, 3...",
    "pack": "The same tables as Parquet files: far faster to build and to open than a workbook, and much smaller. "
            "Open them in R, Python, Power BI, DuckDB or Excel's Power Query. It cannot be imported back.",
}
MIME = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".zip": "application/zip"}


def _offer(user: User, job: return_jobs.Job) -> None:
    rows = f"{job.total:,} measurement rows" if job.total else "built"
    st.success(f"{job.label.capitalize()} is ready ({rows}; first asked for by {glue.text(job.requested_by)}).")
    st.download_button(
        f"Download {job.label}", return_jobs.finished_file(user, job), file_name=job.file_name, type="primary",
        mime=MIME[return_jobs.SUFFIX[job.kind]], key="data.download_return", on_click="ignore")


@st.fragment(run_every=POLL_SECONDS)
def _watch(user: User, job_id: str) -> None:
    job = return_jobs.find(job_id)
    if job is None or job.state != return_jobs.BUILDING:
        st.rerun()
    share = job.rows / job.total if job.total else 0.0
    where = f"writing {job.sheet}: {job.rows:,} of {job.total:,} rows" if job.sheet else "reading the data"
    st.progress(min(share, 1.0), text=f"Building {job.label}, {where}. You can go on using the app meanwhile.")
    if st.button("Cancel the build", key="data.cancel_return"):
        return_jobs.cancel(user, job)
        st.rerun()


def show(user: User, code: str) -> None:
    """The return section: choose, build in the background, follow, download."""
    st.header("The Excel return")
    st.write("Returns are built in the background: the page stays usable while the workbook is written, and "
             "others who ask for the same return get the same file. Analysts who want everything should take the "
             "data pack: Parquet files are built many times faster than a workbook and open in seconds.")
    kind = st.radio("What do you need?", list(CHOICES), format_func=CHOICES.get, key=KIND)
    st.caption(ABOUT[kind])
    con = glue.connection()
    plan = glue.read(return_jobs.plan, user, code, kind)
    if plan.reason:
        st.info(plan.reason)
    job = current_return(con, user, code, plan.kind)
    mine = return_jobs.find(st.session_state.get(JOB))
    if job is None and mine is not None and mine.key[1:3] == (code, plan.kind):
        if mine.state == return_jobs.FAILED:
            st.error(f"{mine.label.capitalize()} could not be built: {glue.text(mine.error)}")
        elif mine.state == return_jobs.CANCELLED:
            st.warning(f"The build of {mine.label} was cancelled. Nothing was kept.")
    if job is not None and job.state == return_jobs.DONE:
        _offer(user, job)
    elif job is not None and job.state == return_jobs.BUILDING:
        st.session_state[JOB] = job.job_id
        _watch(user, job.job_id)
    elif st.button(f"Build {return_jobs.PRODUCTS[plan.kind]}", type="primary", key="data.build_return"):
        st.session_state[JOB] = start_return(con, user, code, plan.kind).job_id
        st.rerun()
