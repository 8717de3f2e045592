"""Editing the set of measures in a table with an explicit Save. The page hands over what st.data_editor recorded
(edited_rows, added_rows, deleted_rows); each changed row is saved through indicators.save_indicator, which
validates, versions, asks for a reason when a target changes or a measure is retired, and audits. Nothing the
editor typed is lost: rows that could not be saved are carried onto the latest saved data for another try."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from framework.core.auth import require
from framework.core.db import read_df
from framework.core.errors import StaleEdit, ValidationError
from framework.core.model import User
from framework.foundation.indicators import EDITABLE, get_indicator, save_indicator

# What the table shows, in order; the other editable fields ride along unchanged.
SHOWN = ("indicator_code", "name", "status", "target_1y", "target_3y", "target_5y", "reason", "owner_partner",
         "baseline_value", "definition", "outcome_code", "kind", "unit", "direction")
LABELS = {
    "indicator_code": "Code", "name": "Measure", "definition": "Definition", "outcome_code": "Outcome",
    "kind": "Kind", "unit": "Unit", "direction": "Direction", "status": "Status", "owner_partner": "Owner",
    "baseline_value": "Baseline", "target_1y": "1-year target", "target_3y": "3-year target",
    "target_5y": "5-year target", "reason": "Reason for change", "version": "Version",
}


@dataclass
class SaveReport:
    """What one Save did: the codes saved, problems by row, and conflicts with what changed."""

    saved: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    conflicts: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def unsaved(self) -> set[str]:
        return set(self.problems) | set(self.conflicts)


def editable_frame(con, system_code: str) -> pd.DataFrame:
    """Every measure with its editable fields, its version and an empty reason, ready for st.data_editor."""
    df = read_df(
        con,
        f"SELECT indicator_code, {', '.join(EDITABLE)}, version FROM indicator WHERE system_code = ?"
        " ORDER BY indicator_code",
        [system_code],
    )
    df["reason"] = ""
    df["version"] = df["version"].astype("Int64")
    return df.reset_index(drop=True)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def pending_rows(base: pd.DataFrame, edited_rows: dict, added_rows: Iterable[dict],
                 carried: dict[str, dict] | None = None) -> list[dict[str, Any]]:
    """The rows to save: each edited or carried row overlaid with its edits, and each added row.

    `carried` maps codes of rows carried from an earlier Save to the fields the editor had changed there."""
    carried = carried or {}
    edits = {int(k): v for k, v in (edited_rows or {}).items()}
    out = []
    for pos in range(len(base)):
        row = {k: _plain(v) for k, v in base.iloc[pos].to_dict().items()}
        if pos not in edits and row["indicator_code"] not in carried:
            continue
        changed = {**carried.get(row["indicator_code"], {}), **{k: _plain(v) for k, v in edits.get(pos, {}).items()}}
        values = {**row, **changed}
        version = row.get("version")
        out.append({"code": row["indicator_code"], "values": values, "opened": row, "edited": changed,
                    "is_new": version is None, "expected_version": None if version is None else int(version),
                    "renamed_code": "indicator_code" in changed and version is not None
                    and changed["indicator_code"] != row["indicator_code"]})
    for added in added_rows or []:
        values = {k: None for k in base.columns} | {k: _plain(v) for k, v in added.items()}
        values["version"] = None
        out.append({"code": values.get("indicator_code") or "(new row)", "values": values, "opened": None,
                    "edited": dict(values), "is_new": True, "expected_version": None, "renamed_code": False})
    return out


def _day(value: Any) -> Any:
    """A timestamp at midnight as its day, so a date read two ways compares equal."""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date()
    return value


def _conflict_table(opened: dict[str, Any], saved: dict[str, Any], yours: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for name in EDITABLE:
        then, now, mine = (_day(_plain(r.get(name))) for r in (opened, saved, yours))
        if then != now or mine != then:
            mine_changed, theirs_changed = mine != then, then != now
            who = ("you and someone else" if mine_changed and theirs_changed
                   else "you" if mine_changed else "someone else")
            rows.append({"Field": LABELS.get(name, name.replace("_", " ").capitalize()), "Who changed it": who,
                         "Yours": "" if mine is None else str(mine),
                         "Saved since by someone else": "" if now is None else str(now),
                         "When you opened it": "" if then is None else str(then)})
    return pd.DataFrame(rows, columns=["Field", "Who changed it", "Yours", "Saved since by someone else",
                                       "When you opened it"])


def save_table(con, user: User, system_code: str, base: pd.DataFrame, edited_rows: dict | None,
               added_rows: list[dict] | None, deleted_rows: list[int] | None,
               carried: dict[str, dict] | None = None) -> SaveReport:
    """Save every changed row through indicators.save_indicator; report saved rows, problems and conflicts."""
    require(user, "edit_indicators")
    report = SaveReport()
    for pos in deleted_rows or []:
        code = str(base.iloc[int(pos)]["indicator_code"])
        report.problems.setdefault(code, []).append(
            "Measures are never deleted, so their history stays: set Status to retired and give a reason instead.")
    for row in pending_rows(base, edited_rows or {}, added_rows or [], carried):
        code = row["code"]
        if row["renamed_code"]:
            report.problems.setdefault(row["opened"]["indicator_code"], []).append(
                "The code of an existing measure cannot be changed; add a new row for a new measure.")
            continue
        values = {k: v for k, v in row["values"].items() if k not in ("version", "reason")}
        try:
            save_indicator(con, user, system_code, values, expected_version=row["expected_version"],
                           is_new=row["is_new"], reason=row["values"].get("reason"))
        except ValidationError as exc:
            report.problems.setdefault(code, []).extend(exc.problems)
        except StaleEdit:
            saved = get_indicator(con, system_code, code) or {}
            report.conflicts[code] = _conflict_table(row["opened"] or {}, saved, row["values"])
        else:
            report.saved.append(code)
    return report


def carry_forward(fresh: pd.DataFrame, base: pd.DataFrame, edited_rows: dict | None, added_rows: list[dict] | None,
                  unsaved: Iterable[str], carried: dict[str, dict] | None = None) -> tuple[pd.DataFrame, dict[str, dict]]:
    """The latest saved table with the editor's unsaved edits laid on top, and {code: edited fields} carried.

    Only the fields the editor changed are laid on top, so someone else's change to another field is kept."""
    unsaved = set(unsaved)
    new_base = fresh.copy()
    still: dict[str, dict] = {}
    for row in pending_rows(base, edited_rows or {}, added_rows or [], carried):
        code = row["code"] if not row["renamed_code"] else row["opened"]["indicator_code"]
        if code not in unsaved:
            continue
        match = new_base.index[new_base["indicator_code"] == code]
        if row["is_new"] or len(match) == 0:
            new_row = {k: row["values"].get(k) for k in new_base.columns}
            new_row["version"] = pd.NA
            new_base = pd.concat([new_base, pd.DataFrame([new_row])], ignore_index=True)
        else:
            for name, value in row["edited"].items():
                if name in new_base.columns and name not in ("indicator_code", "version"):
                    new_base.at[match[0], name] = value
        still[code] = {k: v for k, v in row["edited"].items() if k != "version"}
    new_base["version"] = new_base["version"].astype("Int64")
    return new_base.reset_index(drop=True), still
