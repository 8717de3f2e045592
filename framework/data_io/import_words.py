"""The words of the Data page: what a check of a file found, what an import did, and the import history as a
table. Plain functions over the importers' results. File and measure names are user text: they pass through
`text`, which a page sets to its Markdown escape."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

FORMAT_WORDS = {"xlsx": "Excel", "app_csv": "CSV", "fingertips_csv": "Fingertips", "demo": "Demo"}
FILE_KINDS = {"xlsx": "an Excel workbook", "app_csv": "a CSV in the app's template",
              "fingertips_csv": "a Fingertips data export"}
PROBLEM_COLUMNS = {"file": "File", "row": "Row", "column": "Column", "found": "Value found",
                   "expected": "What was expected"}
HISTORY_COLUMNS = {"batch_id": "Batch", "imported_at": "When", "status": "Status", "file_name": "File",
                   "file_format": "Format", "imported_by": "Who", "rows_new": "New", "rows_changed": "Changed",
                   "rows_unchanged": "Unchanged", "rows_merged": "Repeats merged", "rows_rejected": "Rejected",
                   "rows_read": "Rows read"}
Text = Callable[[Any], str]


def files_help(template_columns) -> str:
    """Which files can be imported, as Markdown."""
    return (
        "- **An Excel return or template (.xlsx)** from this app: its *Measurements* sheet is the template. "
        "A complete return also brings its system, vision, outcomes and indicators, and an editor's brings "
        "everything else: statements, stories, proposals, rounds, versions and the engagement log. Into a system "
        "that already exists, you see what it would change before anything is saved.\n"
        "- **A CSV with the template's columns:** " + ", ".join(f"`{c}`" for c in template_columns) + ". "
        "Only `indicator_code`, `area_code`, `period_label` and `value` are required.\n"
        "- **A Fingertips data export (.csv)** from OHID. A new Fingertips indicator arrives as a *proposed* "
        "measure for editors to review.\n\n"
        "Periods can be written as 2013/14, 2021, 2022 Q1, Apr 2022, Apr 2022 - Mar 2023, or as dates."
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def check_metrics(check) -> list[tuple[str, str]]:
    """The four counts of a file check, as (label, value)."""
    return [("Rows read", f"{check.rows_read:,}"), ("Rows ready to import", f"{check.rows_valid:,}"),
            ("Exact repeats merged", f"{check.rows_merged:,}"), ("Rows with problems", f"{check.rows_rejected:,}")]


def check_notes(check, text: Text = str) -> list[str]:
    """Sentences on how the file was read and what else it brings besides measurements."""
    notes = [f"Read as {FILE_KINDS[check.file_format]}."] if check.file_format in FILE_KINDS else []
    extras = []
    if check.framework and check.framework.get("system"):
        extras.append(f"the framework of system {text(check.framework['system']['system_code'])}")
    if len(check.new_areas):
        extras.append(f"{len(check.new_areas):,} new areas")
    if check.new_indicators:
        extras.append(f"{len(check.new_indicators)} new proposed indicator(s): "
                      + ", ".join(f"{text(i['indicator_code'])} {text(i['name'])}" for i in check.new_indicators))
    if extras:
        notes.append("It also brings " + "; ".join(extras) + ".")
    return notes


def problems_sentence(check) -> str:
    """How many problems in how many rows, and that nothing was saved."""
    listed = len(check.problems)
    return (f"{_plural(check.problems_total, 'problem')} in {_plural(check.rows_rejected, 'row')}"
            + (f" (the first {listed:,} are listed)" if listed < check.problems_total else "")
            + ". Nothing has been saved.")


def problem_table(plan) -> pd.DataFrame:
    """The problems of a check, one row each, with headings in words."""
    return plan.problem_table().fillna({"found": "(blank)"}).rename(columns=PROBLEM_COLUMNS)


def can_import(check, skip_invalid: bool) -> bool:
    """Whether the file may be imported: no problems, or bad rows set aside and some good rows left."""
    return check.ok or (skip_invalid and not check.fatal and check.rows_valid > 0)


def fix_hint(check) -> str:
    """What to do about a file that cannot be imported as it is."""
    return ("Fix the rows listed above and upload the file again"
            + ("." if check.fatal else ", or tick *Import the valid rows and set the rejected ones aside*."))


def import_label(check) -> str:
    """The words on the button that imports a checked file."""
    return (f"Import {check.rows_valid:,} rows"
            + (f" and set {check.rows_rejected:,} aside" if check.rows_rejected else ""))


def result_sentence(s: dict[str, Any], text: Text = str) -> str:
    """What one import did, from its batch summary."""
    return (f"**{text(s['file_name'])}** saved as batch {s['batch_id']}: {s['rows_new']:,} new, "
            f"{s['rows_changed']:,} changed and {s['rows_unchanged']:,} unchanged rows"
            + (f"; {s['rows_merged']:,} exact repeats merged" if s["rows_merged"] else "")
            + (f"; {s['rows_rejected']:,} rows set aside" if s["rows_rejected"] else "")
            + (f"; {s['areas_added']:,} new areas" if s["areas_added"] else "")
            + (f"; {s['indicators_added']:,} new indicators" if s["indicators_added"] else "") + "."
            + "".join(f" {text(note)}" for note in s.get("notes") or ()))


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """The import history with its statuses, times and formats in words and its headings for people."""
    return history.assign(
        status=history["status"].map({"applied": "Applied", "undone": "Undone"}),
        imported_at=history["imported_at"].dt.strftime("%d %b %Y %H:%M"),
        file_format=history["file_format"].map(FORMAT_WORDS).fillna(history["file_format"]),
    )[list(HISTORY_COLUMNS)].rename(columns=HISTORY_COLUMNS)


def undoable(history: pd.DataFrame) -> dict[int, str]:
    """The batches that can still be undone (applied, and not the demo's own), as {batch id: file name}."""
    applied = history[(history["status"] == "applied") & (history["file_format"] != "demo")]
    return dict(zip(applied["batch_id"], applied["file_name"]))


def undo_warning(batch_id: int, file_name: str, text: Text = str) -> str:
    """What undoing a batch will do, asked as a question."""
    return (f"Undo batch {batch_id} ({text(file_name)})? The values it replaced are restored and the rows it added "
            "are removed, as if it had never been imported. If a later import holds any of the same rows, undo that one "
            "first. The undo is recorded in the audit log.")
