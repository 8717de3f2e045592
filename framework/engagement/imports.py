"""Bulk loading the engagement log from Excel (.xlsx) or CSV, all or nothing.

A file holds activities (a sheet or CSV with Title, Start date, Lead partner, Method and Level columns) and/or
"you said, we did" items (a sheet or CSV with a You said column). Its layout is the Excel return's: the
"Engagement log" and "You said, we did" sheets, so a return is also a template. Items are linked to activities by
the Activity ID column: an ID given to an activity in the same upload, or the ID of an activity already logged.

Every problem names the file, the row (the header is row 1 unless a title sits above it), the column, the value
found and what was expected. If there is any problem, nothing is written. The problem and plan types are the
ones every bulk load shares (framework.core.problems).

A load is an import batch; undoing it removes the activities and items it added (undo_engagement_batch).
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.files import workbook_too_big
from framework.core.model import User, is_blank
from framework.core.problems import Plan, PlanRejected, Problem
from framework.engagement.activities import insert_activity
from framework.engagement.sheets import ENGAGEMENT_COLUMNS, YOU_SAID_COLUMNS
from framework.engagement.sync import after_log_change
from framework.engagement.validation import Context, load_context, validate_activity, validate_you_said
from framework.engagement.vocab import ACTIVITY_FIELDS, ITEM_FIELDS, LABELS
from framework.engagement.you_said import insert_item

ACTIVITY_ALIASES = {
    "activity_id": "ref", "activity_ref": "ref", "ref": "ref", "id": "ref",
    "title": "title", "start_date": "start_date", "date": "start_date", "start": "start_date",
    "end_date": "end_date", "end": "end_date", "lead_partner": "lead_partner", "lead": "lead_partner",
    "lead_partner_organisation": "lead_partner", "areas": "areas", "area": "areas", "method": "method",
    "level": "level", "spectrum_level": "level", "communities": "communities", "communities_reached": "communities",
    "community_tags": "communities", "participants": "participants", "volunteers": "volunteers",
    "volunteer_hours": "volunteer_hours", "hours": "volunteer_hours", "outcomes": "outcomes",
    "indicators": "indicators", "principles": "principles", "summary": "summary", "evidence_link": "evidence_url",
    "evidence_url": "evidence_url", "evidence": "evidence_url",
}
ITEM_ALIASES = {
    "activity_id": "ref", "activity_ref": "ref", "ref": "ref", "item_id": None, "activity": None,
    "you_said": "you_said", "we_did": "we_did", "status": "status", "reason": "reason",
    "feedback_date": "feedback_date", "date_fed_back": "feedback_date",
}
REQUIRED_ACTIVITY = ("title", "start_date", "lead_partner", "method", "level")


def normalise(header: Any) -> str:
    """A column heading as a key: 'Evidence link' -> 'evidence_link', "You said" -> 'you_said'."""
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower().replace("'", "")).strip("_")


@dataclass
class EngagementPlan(Plan):
    """What a bulk load of the engagement log would write, with every problem found, before anything is written."""

    activities: list[dict[str, Any]] = field(default_factory=list)  # cleaned, with 'ref'
    items: list[dict[str, Any]] = field(default_factory=list)  # cleaned, with 'ref' or 'activity_id'

    def preview(self) -> pd.DataFrame:
        """The activities that would be logged, with how many items each carries."""
        counts: dict[Any, int] = {}
        for i in self.items:
            counts[i.get("ref")] = counts.get(i.get("ref"), 0) + 1
        return pd.DataFrame([{"Title": a["title"], "Start date": a["start_date"], "Lead partner": a["lead_partner"],
                              "Level": a["level"], "Participants": a["participants"],
                              "'You said' items": counts.get(a["ref"], 0)} for a in self.activities])


class TooBig(Exception):
    """A workbook that would expand beyond the import limits."""


def _tables(name: str, data: bytes) -> list[tuple[str, pd.DataFrame]]:
    """(label, table of text with no header applied) for each sheet, or for the CSV."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        text = data.decode("utf-8-sig")
        return [(name, pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False))]
    if suffix in (".xlsx", ".xlsm"):
        too_big = workbook_too_big(data)
        if too_big:  # refused from the zip directory, before a sheet is parsed
            raise TooBig(too_big)
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object, engine="calamine")
        return [(f"{name} [{sheet}]", frame) for sheet, frame in sheets.items()]
    raise ValueError(suffix)


def _find_header(frame: pd.DataFrame) -> tuple[int, list[str]] | None:
    """The header row's position (0-based) and its keys, looking in the first ten rows for one that names
    activities or "you said" items."""
    for i in range(min(10, len(frame))):
        keys = [normalise(v) if not is_blank(v) else "" for v in frame.iloc[i]]
        if "you_said" in keys or ("title" in keys and ("start_date" in keys or "date" in keys)):
            return i, keys
    return None


def _cell(value: Any) -> Any:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_engagement_files(con, system_code: str, files: list[tuple[str, bytes]]) -> EngagementPlan:
    """Read and check every file without writing anything; the plan lists what would be written and every problem."""
    plan = EngagementPlan()
    for n, _ in files:
        plan.file(n)
    rows_with_problems: dict[str, set[int | None]] = {}

    def report(file: str, label: str, row: int | None, column: str | None, found: Any, expected: str) -> None:
        plan.file(file).add(Problem(label, row, column, found, expected))
        rows_with_problems.setdefault(file, set()).add(row)

    ctx = load_context(con, system_code)
    existing = {(r["title"].lower(), r["start_date"], r["lead_partner"].lower()): r["activity_id"] for r in read_rows(
        con, "SELECT activity_id, title, start_date, lead_partner FROM engagement_activity WHERE system_code = ?",
        [system_code])}
    starts = {r["activity_id"]: r["start_date"] for r in read_rows(
        con, "SELECT activity_id, start_date FROM engagement_activity WHERE system_code = ?", [system_code])}
    refs: dict[str, tuple[str, int, Any]] = {}  # ref -> file, row, start date
    seen: dict[tuple, tuple[str, int]] = {}
    raw_items: list[tuple[str, str, int, dict[str, Any], Any, dict[str, str]]] = []  # file, sheet, row, values...
    for name, data in files:
        try:
            tables = _tables(name, data)
        except TooBig as exc:
            report(name, name, None, None, str(exc), "a workbook within the import limits (see docs/data.md)")
            continue
        except ValueError:
            report(name, name, None, None, Path(name).suffix or name,
                                               "an Excel workbook (.xlsx) or a CSV file (.csv)")
            continue
        except Exception as exc:  # the file cannot be read at all
            report(name, name, None, None, type(exc).__name__,
                                               "a readable .xlsx workbook or UTF-8 CSV file")
            continue
        found_any = False
        for label, frame in tables:
            header = _find_header(frame)
            if header is None:
                continue
            found_any = True
            h, keys = header
            headings = [str(v) if not is_blank(v) else "" for v in frame.iloc[h]]
            is_items = "you_said" in keys and "title" not in keys
            aliases = ITEM_ALIASES if is_items else ACTIVITY_ALIASES
            mapping: dict[int, str] = {}
            for pos, key in enumerate(keys):
                if not key:
                    continue
                if key not in aliases:
                    known = sorted({c for c in (YOU_SAID_COLUMNS if is_items else ENGAGEMENT_COLUMNS).values()})
                    report(name, label, h + 1, headings[pos], headings[pos],
                                                       "one of the columns " + ", ".join(known))
                elif aliases[key]:
                    mapping[pos] = aliases[key]
            present = set(mapping.values())
            heading_of = {col: headings[pos] for pos, col in mapping.items()}
            needed = ("you_said", "ref") if is_items else REQUIRED_ACTIVITY
            missing = [c for c in needed if c not in present]
            for col in missing:
                report(name, label, h + 1, LABELS.get(col, "Activity ID"), None,
                                                   f"a column headed {LABELS.get(col, 'Activity ID')!r}")
            if missing:
                continue
            for i in range(h + 1, len(frame)):
                row_no = i + 1
                values = {col: _cell(frame.iat[i, pos]) for pos, col in mapping.items()}
                if all(v is None for v in values.values()):
                    continue
                ref = None if values.get("ref") is None else str(values["ref"]).strip()
                if is_items:
                    raw_items.append((name, label, row_no, values, ref, heading_of))
                    continue
                clean, problems = validate_activity(values, ctx)
                for p in problems:
                    report(name, label, row_no, heading_of.get(p.field, LABELS[p.field]),
                                                       p.found, p.expected)
                if ref is not None:
                    if ref in refs:
                        report(name, label, row_no, "Activity ID", ref,
                                                           f"an ID not already used in row {refs[ref][1]}")
                    refs[ref] = (label, row_no, clean.get("start_date"))
                key = ((clean.get("title") or "").lower(), clean.get("start_date"), (clean.get("lead_partner") or "").lower())
                if not problems:
                    if key in existing:
                        report(
                            name, label, row_no, "Title", clean["title"],
                            f"an activity not already in the log (activity {existing[key]} has the same title, start "
                            "date and lead partner)")
                    elif key in seen:
                        report(
                            name, label, row_no, "Title", clean["title"],
                            f"an activity not repeated in the upload (row {seen[key][1]} of {seen[key][0]} is the same)")
                    seen[key] = (label, row_no)
                plan.activities.append({**clean, "ref": ref if ref is not None else f"{label}#{row_no}"})
        if not found_any:
            report(name, name, None, None, None,
                                               "a header row with Title, Start date, Lead partner, Method and Level "
                                               "columns, or a You said column")
    for name, label, row_no, values, ref, heading_of in raw_items:
        target = None
        if ref is None:
            report(name, label, row_no, "Activity ID", None,
                                               "the Activity ID of the activity this item came from")
            continue
        if ref in refs:
            start = refs[ref][2]
        elif ref.isdigit() and int(ref) in starts:
            target, start = int(ref), starts[int(ref)]
        else:
            report(name, label, row_no, "Activity ID", ref,
                                               "the ID of an activity in this upload or already in the log")
            continue
        clean, problems = validate_you_said(values, start)
        for p in problems:
            report(name, label, row_no, heading_of.get(p.field, LABELS[p.field]), p.found,
                                               p.expected)
        plan.items.append({**clean, "ref": None if target else ref, "activity_id": target})
    for check in plan.files:
        check.rows_rejected = len(rows_with_problems.get(check.name, ()))
    return plan


def import_engagement(con, user: User, system_code: str, files: list[tuple[str, bytes]]) -> dict[str, int]:
    """Check the files and, when every row is good, log all their activities and items in one transaction;
    otherwise raise ValidationError listing every problem, having written nothing."""
    require(user, "log_engagement")
    if not files:
        raise ValidationError(["Choose at least one .xlsx or .csv file to load."])
    plan = check_engagement_files(con, system_code, files)
    if not plan.activities and not plan.items and plan.ok:
        raise ValidationError([f"{', '.join(f.name for f in plan.files)}: found no rows; expected at least one activity or item."])
    if not plan.ok:
        raise PlanRejected(plan)
    names = [f.name for f in plan.files]

    def work(cur) -> dict[str, int]:
        batch_id = insert_returning(
            cur,
            "INSERT INTO import_batch (system_code, file_name, sha256, file_format, imported_by, rows_new)"
            " VALUES (?, ?, ?, 'engagement log', ?, ?) RETURNING batch_id",
            [system_code, ", ".join(names)[:500], hashlib.sha256(b"".join(d for _, d in files)).hexdigest(),
             user.user_id, len(plan.activities) + len(plan.items)],
        )
        ids: dict[str, int] = {}
        for a in plan.activities:
            ids[a["ref"]] = insert_activity(cur, user, system_code, {k: a[k] for k in ACTIVITY_FIELDS}, batch_id)
        touched = set(ids.values())
        for item in plan.items:
            activity_id = item["activity_id"] or ids[item["ref"]]
            item_id = insert_item(cur, user, system_code, activity_id, {k: item[k] for k in ITEM_FIELDS})
            cur.execute("INSERT INTO import_batch_item (batch_id, item_id) VALUES (?, ?)", [batch_id, item_id])
            touched.add(activity_id)
        audit.record(cur, user, "import", "engagement_activity", f"batch {batch_id}", system_code=system_code,
                     after={"files": names, "activities": len(plan.activities), "items": len(plan.items)})
        after_log_change(cur, system_code, sorted(touched))
        return {"batch_id": int(batch_id), "activities": len(plan.activities), "items": len(plan.items)}

    return transaction(con, work)


def undo_engagement_batch(con, user: User, batch_id: int, reason: str | None = None) -> dict[str, int]:
    """Undo a bulk load of the engagement log: remove the activities and "you said" items it added, keep the search
    and the derived measures in step, and audit it; refuse, in words, when items were added to its activities
    afterwards (they would be lost)."""
    require(user, "undo_import")
    rows = read_rows(con, "SELECT * FROM import_batch WHERE batch_id = ?", [batch_id])
    if not rows:
        raise ValidationError([f"Batch {batch_id} does not exist; choose a batch from the import history."])
    batch = rows[0]
    if batch["file_format"] != "engagement log":
        raise ValidationError([f"Batch {batch_id} ({batch['file_name']}) did not load the engagement log; undo it"
                               " as an import of measurements."])
    if batch["status"] != "applied":
        raise ValidationError([f"Batch {batch_id} ({batch['file_name']}) was already undone."])
    system_code = batch["system_code"]

    def work(cur) -> dict[str, int]:
        activities = {a: t for a, t in cur.execute(
            "SELECT activity_id, title FROM engagement_activity WHERE batch_id = ? ORDER BY activity_id",
            [batch_id]).fetchall()}
        items = [r[0] for r in cur.execute("SELECT item_id FROM import_batch_item WHERE batch_id = ?",
                                           [batch_id]).fetchall()]
        marks = ", ".join("?" * len(items)) or "NULL"  # IN (NULL) matches nothing
        acts = ", ".join("?" * len(activities)) or "NULL"
        theirs = f" AND item_id NOT IN ({marks})" if items else ""  # NOT IN (NULL) would match nothing either
        others = cur.execute(
            f"SELECT activity_id, string_agg(CAST(item_id AS VARCHAR), ', ' ORDER BY item_id) FROM you_said"
            f" WHERE activity_id IN ({acts}){theirs} GROUP BY activity_id ORDER BY activity_id",
            [*activities, *(items if items else [])]).fetchall()
        if others:
            raise ValidationError([
                f"Batch {batch_id} ({batch['file_name']}) cannot be undone: activity {a} ({activities[a]}) has"
                f" \"you said\" items added after the import (items {ids}). Delete or move them first, then undo"
                f" batch {batch_id}." for a, ids in others])
        parents = [r[0] for r in cur.execute(f"SELECT DISTINCT activity_id FROM you_said WHERE item_id IN ({marks})",
                                             items).fetchall()]
        cur.execute(f"DELETE FROM you_said WHERE item_id IN ({marks})", items)
        cur.execute("DELETE FROM engagement_activity WHERE batch_id = ?", [batch_id])
        cur.execute("UPDATE import_batch SET status = 'undone' WHERE batch_id = ?", [batch_id])
        counts = {"activities_removed": len(activities), "items_removed": len(items)}
        cur.execute(
            "INSERT INTO import_batch_detail (batch_id, undone_at, undone_by, rows_restored, rows_removed)"
            " VALUES (?, current_timestamp, ?, 0, ?) ON CONFLICT (batch_id) DO UPDATE SET"
            " undone_at = excluded.undone_at, undone_by = excluded.undone_by,"
            " rows_restored = excluded.rows_restored, rows_removed = excluded.rows_removed",
            [batch_id, user.user_id, len(activities) + len(items)],
        )
        audit.record(cur, user, "undo", "import_batch", str(batch_id), system_code=system_code,
                     before={"status": "applied", "file": batch["file_name"], "activities": sorted(activities),
                             "items": sorted(items)},
                     after={"status": "undone", **counts}, reason=reason or "Engagement log import undone")
        after_log_change(cur, system_code, sorted(set(activities) | set(parents)))
        return {"restored": 0, "removed": len(activities) + len(items), **counts}

    return transaction(con, work)


def template_workbook(con, system_code: str) -> bytes:
    """An .xlsx template in the Excel return's layout, with one example activity and item, and the codes to use."""
    from framework.core.safe_workbook import workbook_bytes
    from framework.engagement.community_tags import community_tags

    ctx: Context = load_context(con, system_code)
    example = {
        "Activity ID": "A1", "Title": "Listening event on GP access", "Start date": "2026-05-14",
        "End date": "2026-05-14", "Lead partner": "Healthwatch", "Areas": "; ".join(list(ctx.areas)[:1]),
        "Method": "event", "Level": "consult", "Communities": "core20; older_people", "Participants": 40,
        "Volunteers": 3, "Volunteer hours": 12, "Outcomes": "; ".join(list(ctx.outcomes)[:1]), "Indicators": "",
        "Principles": "2; 4", "Summary": "What people told us, in their words.", "Evidence link": "https://example.org/engagement/report",
    }
    item = {"Item ID": "", "Activity ID": "A1", "Activity": "Listening event on GP access",
            "You said": "We cannot get through on the phone at 8am.", "We did": "", "Status": "planned",
            "Reason": "", "Feedback date": ""}
    codes = pd.concat([
        pd.DataFrame({"Column": "Areas", "Code": list(ctx.areas), "Meaning": list(ctx.areas.values())}),
        pd.DataFrame({"Column": "Outcomes", "Code": list(ctx.outcomes), "Meaning": list(ctx.outcomes.values())}),
        pd.DataFrame({"Column": "Indicators", "Code": list(ctx.indicators), "Meaning": list(ctx.indicators.values())}),
        community_tags(con, active_only=True).rename(columns={"tag_code": "Code", "label": "Meaning"})
        .assign(Column="Communities")[["Column", "Code", "Meaning"]],
    ], ignore_index=True)
    return workbook_bytes({"Engagement log": pd.DataFrame([example]), "You said, we did": pd.DataFrame([item]),
                           "Codes": codes})
