"""Data: upload measurements (the app's template, its CSV, or a Fingertips export), see every problem before
anything is written, confirm, and see what the import did; the import history with undo; the Excel return."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.board_return import return_bytes
from framework.core.auth import can
from framework.data_io.importers import TEMPLATE_COLUMNS, list_batches, undo_batch
from framework.data_io.importers.uploads import check_upload, import_upload, rejects_bytes, save_upload
from framework.engagement.imports import undo_engagement_batch
from framework.foundation.systems import list_systems

UPLOAD = "data.upload"  # {"path", "name"} of the file being checked
RESULT = "data.result"  # the last import's batch summaries
CONFIRM_UNDO = "data.confirm_undo"  # the batch id waiting for confirmation
RETURN_READY = "data.return_ready"
FLASH = "data.flash"  # a message to show once after a rerun
FORMAT_WORDS = {"xlsx": "Excel", "app_csv": "CSV", "fingertips_csv": "Fingertips", "demo": "Demo"}
ROUND = "data.upload_round"  # part of the uploader's key, so it empties after an import

system = glue.page("Data in and out")
code = system["system_code"]
user = glue.current_user()
st.write(
    "Load measurements from a spreadsheet, and download the Excel return for your board. Every file is checked "
    "in full before anything is saved: one bad row means nothing is saved, unless you choose to set bad rows aside."
)
for key in (UPLOAD, RESULT, CONFIRM_UNDO, RETURN_READY, FLASH, ROUND):
    st.session_state.setdefault(key, None)

may_import = can(user, "import_data")
may_undo = can(user, "undo_import")

st.header("Import data")
if not may_import:
    st.info(f"You are viewing as {user.role}. Partners, editors and administrators can import data.")
else:
    with st.expander("Which files can I import?"):
        st.markdown(
            "- **An Excel return or template (.xlsx)** from this app: its *Measurements* sheet is the template. "
            "A complete return also brings its system, vision, outcomes and indicators.\n"
            "- **A CSV with the template's columns:** " + ", ".join(f"`{c}`" for c in TEMPLATE_COLUMNS) + ". "
            "Only `indicator_code`, `area_code`, `period_label` and `value` are required.\n"
            "- **A Fingertips data export (.csv)** from OHID. A new Fingertips indicator arrives as a *proposed* "
            "measure for editors to review.\n\n"
            "Periods can be written as 2013/14, 2021, 2022 Q1, Apr 2022, Apr 2022 - Mar 2023, or as dates."
        )
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
        with st.spinner(f"Checking {current['name']}..."):
            plan = glue.read(check_upload, current["path"], target, user)
        check = plan.files[0]
        st.subheader(f"Check of {current['name']}")
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Rows read", f"{check.rows_read:,}")
        c2.metric("Rows ready to import", f"{check.rows_valid:,}")
        c3.metric("Exact repeats merged", f"{check.rows_merged:,}")
        c4.metric("Rows with problems", f"{check.rows_rejected:,}")
        kind = {"xlsx": "an Excel workbook", "app_csv": "a CSV in the app's template",
                "fingertips_csv": "a Fingertips data export"}.get(check.file_format)
        if kind:
            st.caption(f"Read as {kind}.")
        extras = []
        if check.framework and check.framework.get("system"):
            extras.append(f"the framework of system {check.framework['system']['system_code']}")
        if len(check.new_areas):
            extras.append(f"{len(check.new_areas):,} new areas")
        if check.new_indicators:
            extras.append(f"{len(check.new_indicators)} new proposed indicator(s): "
                          + ", ".join(f"{i['indicator_code']} {i['name']}" for i in check.new_indicators))
        if extras:
            st.caption("It also brings " + "; ".join(extras) + ".")
        for note in check.notes:
            st.info(note)
        if check.ok:
            st.success("No problems found. Nothing has been saved yet.")
        else:
            shown = len(check.problems)
            st.error(
                f"{check.problems_total:,} problem{'s' if check.problems_total != 1 else ''} in "
                f"{check.rows_rejected:,} row{'s' if check.rows_rejected != 1 else ''}"
                + (f" (the first {shown:,} are listed)" if shown < check.problems_total else "")
                + ". Nothing has been saved."
            )
            st.dataframe(
                plan.problem_table().fillna({"found": "(blank)"}).rename(columns={"file": "File", "row": "Row", "column": "Column",
                                                     "found": "Value found", "expected": "What was expected"}),
                hide_index=True, width="stretch", height=min(400, 38 + 35 * shown),
            )
        can_go = check.ok or (skip_invalid and not check.fatal and check.rows_valid > 0)
        if not check.ok and not can_go:
            st.info("Fix the rows listed above and upload the file again"
                    + ("." if check.fatal else ", or tick *Import the valid rows and set the rejected ones aside*."))
        label = (f"Import {check.rows_valid:,} rows" + (f" and set {check.rows_rejected:,} aside"
                                                          if check.rows_rejected else ""))
        if can_go and st.button(label, type="primary", key="data.confirm_import"):
            bar = st.progress(0.0, text="Starting the import")
            ok, result = glue.write(
                import_upload, current["path"], target, bool(skip_invalid),
                progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
            bar.empty()
            if ok:
                st.session_state[RESULT] = [s.__dict__ for s in result]
                st.session_state[UPLOAD] = None
                st.session_state[ROUND] = (st.session_state[ROUND] or 0) + 1  # a fresh, empty uploader
                st.rerun()

    if st.session_state[RESULT]:
        st.subheader("What the import did")
        for s in st.session_state[RESULT]:
            st.success(
                f"**{s['file_name']}** saved as batch {s['batch_id']}: {s['rows_new']:,} new, "
                f"{s['rows_changed']:,} changed and {s['rows_unchanged']:,} unchanged rows"
                + (f"; {s['rows_merged']:,} exact repeats merged" if s["rows_merged"] else "")
                + (f"; {s['rows_rejected']:,} rows set aside" if s["rows_rejected"] else "")
                + (f"; {s['areas_added']:,} new areas" if s["areas_added"] else "")
                + (f"; {s['indicators_added']:,} new indicators" if s["indicators_added"] else "") + "."
                + "".join(f" {note}" for note in s.get("notes") or ())
            )
            data = s.get("rejects_data") or rejects_bytes(s["rejects_file"])
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
    shown = history.assign(
        status=history["status"].map({"applied": "Applied", "undone": "Undone"}),
        imported_at=history["imported_at"].dt.strftime("%d %b %Y %H:%M"),
        file_format=history["file_format"].map(FORMAT_WORDS).fillna(history["file_format"]),
    )[["batch_id", "imported_at", "status", "file_name", "file_format", "imported_by", "rows_new",
       "rows_changed", "rows_unchanged", "rows_merged", "rows_rejected", "rows_read"]]
    st.dataframe(
        shown.rename(columns={"batch_id": "Batch", "imported_at": "When", "file_name": "File",
                              "file_format": "Format", "imported_by": "Who", "rows_read": "Rows read",
                              "rows_new": "New", "rows_changed": "Changed", "rows_unchanged": "Unchanged",
                              "rows_merged": "Repeats merged", "rows_rejected": "Rejected", "status": "Status"}),
        hide_index=True, width="stretch", height=min(360, 38 + 35 * len(shown)),
    )
    applied = history[(history["status"] == "applied") & (history["file_format"] != "demo")]
    if may_undo and not applied.empty:
        files = dict(zip(applied["batch_id"], applied["file_name"]))
        formats = dict(zip(applied["batch_id"], applied["file_format"]))
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Undo an import", list(files), format_func=lambda b: f"Batch {b}: {files[b]}",
                                key="data.undo_choice")
        right.write("")
        if right.button("Undo this import...", key="data.undo"):
            st.session_state[CONFIRM_UNDO] = int(chosen)
        pending = st.session_state[CONFIRM_UNDO]
        if pending is not None and pending in files:
            st.warning(f"Undo batch {pending} ({files[pending]})? The values it replaced are restored and the rows "
                       "it added are removed, as if it had never been imported. If a later import holds any of the same rows, "
                       "undo that one first. "
                       "The undo is recorded in the audit log.")
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
    elif not may_undo:
        st.caption("Editors can undo an import.")

st.header("The Excel return")
st.write(
    "One workbook for the board: a cover with caveats, the vision and outcomes, progress at each horizon in words, "
    "the indicators with their targets, and every measurement. The Measurements sheet is also the import template, "
    "and a complete return moves the whole framework to another database."
)
if st.button("Prepare the Excel return", key="data.prepare_return"):
    st.session_state[RETURN_READY] = code
if st.session_state[RETURN_READY] == code:
    with st.spinner("Writing the workbook..."):
        workbook = glue.read(return_bytes, user, code)
    st.download_button(
        "Download the Excel return", workbook, file_name=f"shared-measures-return-{code}.xlsx", type="primary",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="data.download_return",
    )
