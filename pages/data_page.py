"""Data: upload measurements (the app's template, its CSV, or a Fingertips export), see every problem before
anything is written, confirm, and see what the import did; the import history with undo; the Excel return."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.model import role_name
from framework.data_io import import_words as words
from framework.data_io.importers import TEMPLATE_COLUMNS, list_batches, undo_batch
from framework.data_io.importers.uploads import check_upload, import_upload, rejects_bytes, save_upload
from framework.engagement.imports import undo_engagement_batch
from framework.foundation.systems import list_systems
from pages.parts import return_builder, whole_update
from pages.parts.tables import table

UPLOAD = "data.upload"  # {"path", "name"} of the file being checked
RESULT = "data.result"  # the last import's batch summaries
CONFIRM_UNDO = "data.confirm_undo"  # the batch id waiting for confirmation
FLASH = "data.flash"  # a message to show once after a rerun
ROUND = "data.upload_round"  # part of the uploader's key, so it empties after an import
code, user = glue.page_as_user("Data in and out")
st.write(
    "Load measurements from a spreadsheet, and download the Excel return for your board. Every file is checked "
    "in full before anything is saved: one bad row means nothing is saved, unless you choose to set bad rows aside."
)
for key in (UPLOAD, RESULT, CONFIRM_UNDO, FLASH, ROUND):
    st.session_state.setdefault(key, None)

st.header("Import data")
if not can(user, "import_data"):
    st.info(f"You are viewing as {role_name(user.role)}. Partners, editors and administrators can import data.")
else:
    with st.expander("Which files can I import?"):
        st.markdown(words.files_help(TEMPLATE_COLUMNS))
    systems = glue.read(list_systems)
    names = dict(zip(systems["system_code"], systems["name"]))
    left, right = st.columns([3, 2])
    uploaded = left.file_uploader("Choose a file to check", type=["csv", "xlsx"],
                                  key=f"data.file.{st.session_state[ROUND] or 0}")
    target = right.selectbox("Put rows that do not name a system into", list(names), format_func=names.get,
                             index=list(names).index(code), key="data.system")
    skip_invalid = right.checkbox(
        "Import the valid rows and set the rejected ones aside", key="data.skip_invalid",
        help="Rejected rows, with the reason for each, can be downloaded as a CSV after the import.")
    if uploaded is not None:
        path = save_upload(uploaded.name, uploaded.getvalue())
        if (st.session_state[UPLOAD] or {}).get("path") != path:
            st.session_state[UPLOAD] = {"path": path, "name": uploaded.name}
            st.session_state[RESULT] = None

    current = st.session_state[UPLOAD]
    if current:
        with st.spinner(f"Checking {glue.text(current['name'])}..."):
            plan = glue.read(check_upload, current["path"], target, user)
        check = plan.files[0]
        st.subheader(f"Check of {glue.text(current['name'])}")
        for column, (label, value) in zip(st.columns(4), words.check_metrics(check)):
            column.metric(label, value)
        for note in words.check_notes(check, glue.text):
            st.caption(note)
        for note in check.notes:
            st.info(glue.text(note))
        if check.ok:
            st.success("No problems found. Nothing has been saved yet.")
        else:
            st.error(words.problems_sentence(check))
            st.dataframe(words.problem_table(plan), hide_index=True, width="stretch",
                         height=min(400, 38 + 35 * len(check.problems)))
        can_go = words.can_import(check, bool(skip_invalid))
        if not can_go:
            st.info(words.fix_hint(check))
        update = whole_update.changes(check, current["path"]) if can_go else None
        label = words.import_label(check) if update is None else "Apply these changes"
        if can_go and st.button(label, type="primary", key="data.confirm_import"):
            bar = st.progress(0.0, text="Starting the import")
            ok, result = glue.write(
                import_upload, current["path"], target, bool(skip_invalid),
                progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m), **(update or {}))
            bar.empty()
            whole_update.forget(current["path"])
            if ok:
                st.session_state[RESULT] = [s.__dict__ for s in result]
                st.session_state[UPLOAD] = None
                st.session_state[ROUND] = (st.session_state[ROUND] or 0) + 1  # a fresh, empty uploader
                st.rerun()

    if st.session_state[RESULT]:
        st.subheader("What the import did")
        for s in st.session_state[RESULT]:
            st.success(words.result_sentence(s, glue.text))
            data = rejects_bytes(s)
            if data:
                st.download_button("Download the rows set aside, with reasons (CSV)", data,
                                   file_name=f"{s['file_name'].rsplit('.', 1)[0]}.rejects.csv", mime="text/csv",
                                   key=f"data.rejects.{s['batch_id']}")

st.header("Import history")
if st.session_state[FLASH]:
    st.success(st.session_state[FLASH])
    st.session_state[FLASH] = None
history = glue.read(list_batches, code)
if history.empty:
    st.info("Nothing has been imported into this system yet.")
else:
    table(words.history_table(history), height=min(360, 38 + 35 * len(history)))
    files = words.undoable(history)
    formats = dict(zip(history["batch_id"], history["file_format"]))
    if can(user, "undo_import") and files:
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Undo an import", list(files), format_func=lambda b: f"Batch {b}: {files[b]}",
                                key="data.undo_choice")
        right.write("")
        if right.button("Undo this import...", key="data.undo"):
            st.session_state[CONFIRM_UNDO] = int(chosen)
        pending = st.session_state[CONFIRM_UNDO]
        if pending is not None and pending in files:
            st.warning(words.undo_warning(pending, files[pending], glue.text))
            yes, no = st.columns([1, 4])
            if yes.button(f"Yes, undo batch {pending}", type="primary", key="data.undo_yes"):
                undo = undo_engagement_batch if formats[pending] == "engagement log" else undo_batch
                ok, counts = glue.write(undo, pending)
                st.session_state[CONFIRM_UNDO] = None
                if ok:
                    st.session_state[FLASH] = (f"Batch {pending} was undone: {counts['restored']:,} values restored "
                                               f"and {counts['removed']:,} rows removed.")
                    st.rerun()
            if no.button("Cancel", key="data.undo_no"):
                st.session_state[CONFIRM_UNDO] = None
                st.rerun()
    elif not can(user, "undo_import"):
        st.caption("Editors can undo an import.")

return_builder.show(user, code)
