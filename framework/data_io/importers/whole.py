"""A complete return, whole: reading the sheets of the system tables it carries (framework.data_io.system_tables),
saying in words what importing it would change in a system that already exists, and writing it.

A return whose system is new is written whole. A return whose system exists changes nothing until the importer
confirms the changes listed (`update`): then the system's details, vision, outcomes and indicators take the file's
values, the carried rows are matched by their key (added or changed; rows the file does not have are kept), and the
measurements are loaded, all in one transaction. The state the changes were worked out from is fingerprinted; if
the system changed before the confirmation, the update is refused in words."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_rows
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.core.problems import FileCheck, Problem
from framework.data_io.importers.read import find_sheet, sheet_rows
from framework.data_io.importers.workbook import INDICATOR_COLUMNS, VISION_KEYS
from framework.data_io.system_tables import (
    BY_TABLE,
    SYSTEM_TABLES,
    Column,
    SystemTable,
    as_text,
    columns,
    from_text,
    link_columns,
    link_parent,
    scope_sql,
)
from framework.foundation.measurements import KEY, VALUES
from framework.foundation.vision import VISION_FIELDS

SYSTEM_FIELDS = {"name": "name", "region_code": "region code", "region_name": "region name",
                 "icb_code": "ICB code", "framework_start": "framework start"}
OUTCOME_FIELDS = {"title": "title", "description": "description", "ambition_1y": "1 year ambition",
                  "ambition_3y": "3 year ambition", "ambition_5y": "5 year ambition", "principles": "principles"}
TARGET_WORDS = {"target_1y": "1-year target", "target_3y": "3-year target", "target_5y": "5-year target",
                "baseline_value": "baseline", "baseline_date": "baseline date"}
FINGERPRINTED = ("system", "vision", "outcome", "outcome_principle", "indicator", "system_area", "measurement")
LISTED = 10  # names listed in one line of the changes before "and n more"


class UpdateNotConfirmed(ValidationError):
    """A return would change a system that exists; nothing is written until the changes are confirmed."""


@dataclass
class SystemUpdate:
    """What importing a return would change in its existing system, in words, and the state that was compared."""

    system_code: str
    fingerprint: str
    lines: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.lines)


# ---------------------------------------------------------------- reading the carried sheets

def _cell(value: Any, column: Column) -> str | None:
    """A cell as the text its column's type is read from."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        integer = column.type.upper() in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT")
        return str(int(value)) if integer and value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _type_words(column: Column) -> str:
    kind = column.type.upper()
    if kind.startswith("TIMESTAMP"):
        return "a date and time, for example 2026-04-01 09:30:00"
    if kind == "DATE":
        return "a date, for example 2026-04-01"
    if kind.endswith("[]"):
        return 'a list written as JSON, for example ["a", "b"]'
    if kind in ("INTEGER", "BIGINT"):
        return "a whole number"
    if kind == "DOUBLE":
        return "a number"
    if kind == "BOOLEAN":
        return "TRUE or FALSE"
    if kind == "JSON":
        return "JSON text"
    return "text"


def read_sheet(con, workbook, sheet: str, spec: SystemTable, check: FileCheck) -> pd.DataFrame | None:
    """One carried sheet as exact text per column (with _row, the spreadsheet row), or None after problems."""
    cols = columns(con, spec)
    by_name = {c.name: c for c in cols}
    rows = sheet_rows(workbook, sheet)
    if not rows:
        return pd.DataFrame(columns=["_row", *by_name])
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    parts: dict[str, list[int]] = {}  # column -> the sheet columns its text is split over, in order
    for i, h in enumerate(header):
        match = re.fullmatch(r"(.+) \(part (\d+)\)", h)
        if match and match.group(1) in by_name:
            parts.setdefault(match.group(1), []).append((int(match.group(2)), i))
            header[i] = ""
    bad = False
    for h in header:
        if h and h not in by_name:
            check.refuse(Problem(check.name, 1, f"{sheet}: {h}", h, f"only the columns {', '.join(by_name)}"))
            bad = True
    for c in cols:
        if (c.required or c.name in spec.key or c.name == spec.number) and c.name not in header:
            check.refuse(Problem(check.name, 1, f"{sheet}: {c.name}", "no such column", f"a column named {c.name}"))
            bad = True
    if bad:
        return None
    where = {h: i for i, h in enumerate(header) if h}
    records = []
    for n, r in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in r):
            continue
        record = [n] + [_cell(r[where[c.name]], c) if c.name in where and where[c.name] < len(r) else None
                        for c in cols]
        for name, more in parts.items():
            k = 1 + [c.name for c in cols].index(name)
            tail = "".join(str(r[i]) for _, i in sorted(more) if i < len(r) and r[i] not in (None, ""))
            record[k] = (record[k] or "") + tail if tail else record[k]
        records.append(record)
    raw = pd.DataFrame(records, columns=["_row", *by_name], dtype=object)
    stage = duckdb.connect()
    try:
        stage.register("raw", raw)
        exact = ", ".join(f'{as_text(c, from_text(c, f"raw.{_q(c.name)}", strict=False))} AS {_q(c.name)}'
                          for c in cols)
        typed = stage.execute(f"SELECT _row, {exact} FROM raw ORDER BY _row").df().astype(object)
    finally:
        stage.close()
    typed = typed.where(typed.notna(), None)
    for c in cols:
        for row, before, after in zip(raw["_row"], raw[c.name], typed[c.name]):
            if before is not None and after is None:
                check.refuse(Problem(check.name, int(row), f"{sheet}: {c.name}", before, _type_words(c)))
            elif before is None and (c.required or c.name == spec.number):
                check.refuse(Problem(check.name, int(row), f"{sheet}: {c.name}", None, f"a value ({_type_words(c)})"))
    if spec.key:
        for row in typed["_row"][typed.duplicated(subset=list(spec.key))]:
            check.refuse(Problem(check.name, int(row), f"{sheet}: {', '.join(spec.key)}", None,
                                 "each row once: another row has the same " + ", ".join(spec.key)))
    else:  # a table of one row per system, such as its settings
        for row in typed["_row"].iloc[1:]:
            check.refuse(Problem(check.name, int(row), sheet, None, "one row: a system has one row of these"))
    return typed


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_carried(con, workbook, names: list[str], check: FileCheck) -> dict[str, pd.DataFrame]:
    """Every carried sheet the workbook has, as exact text; links to rows the file does not have are problems."""
    carried: dict[str, pd.DataFrame] = {}
    for spec in SYSTEM_TABLES:
        sheet = find_sheet(names, spec.sheet)
        if sheet is None:
            continue
        frame = read_sheet(con, workbook, sheet, spec, check)
        if frame is not None:
            carried[spec.table] = frame
    known = {t: set(f[BY_TABLE[t].number]) for t, f in carried.items() if BY_TABLE[t].number}
    for spec in SYSTEM_TABLES:
        frame = carried.get(spec.table)
        if frame is None:
            continue
        for rec in frame.to_dict("records"):
            for col in link_columns(spec):
                parent = link_parent(spec, col, rec)
                if rec.get(col) is not None and (parent is None or rec[col] not in known.get(parent, ())):
                    expected = (f"the {BY_TABLE[parent].number} of a row on the {BY_TABLE[parent].sheet} sheet"
                                if parent else "a link to a row this file carries")
                    check.refuse(Problem(check.name, int(rec["_row"]), f"{spec.sheet}: {col}", rec[col], expected))
    return carried


# ---------------------------------------------------------------- matching and writing the carried rows

def sync_carried(cur, code: str, carried: dict[str, pd.DataFrame], *, write: bool) -> dict[str, tuple[int, int]]:
    """Match the file's carried rows with the system's by key; with write, add the new ones and change the changed
    ones. Return (added, changed) per table."""
    numbers: dict[str, dict[str, str]] = {}
    counts: dict[str, tuple[int, int]] = {}
    for spec in SYSTEM_TABLES:
        numbers[spec.table] = {}
        frame = carried.get(spec.table)
        if frame is None or frame.empty:
            continue
        cols = columns(cur, spec)
        text = ", ".join(f"{as_text(c)} AS {_q(c.name)}" for c in cols)
        existing = read_rows(cur, f"SELECT {text} FROM {spec.source or spec.table} WHERE {scope_sql(spec)}", [code])
        compared = [c for c in cols if c.name != spec.number]
        if spec.replaces:
            counts[spec.table] = _replace(cur, code, spec, compared, frame, numbers, existing, write)
            continue
        index = {tuple(r[k] for k in spec.key): r for r in existing}
        added = changed = 0
        for rec in frame.to_dict("records"):
            values = _translated(spec, {c.name: rec.get(c.name) for c in cols}, numbers)
            match = index.get(tuple(values[k] for k in spec.key))
            if match is None:
                added += 1
                number = _insert(cur, code, spec, compared, values) if write else f"new:{rec.get(spec.number)}"
            else:
                if any(match[c.name] != values[c.name] for c in compared):
                    changed += 1
                    if write:
                        _update(cur, code, spec, compared, values, match)
                number = match.get(spec.number) if spec.number else None
            if spec.number:
                numbers[spec.table][rec[spec.number]] = number
        counts[spec.table] = (added, changed)
    return counts


def _translated(spec: SystemTable, rec: dict[str, Any], numbers: dict[str, dict[str, str]]) -> dict[str, Any]:
    values = dict(rec)
    for col in link_columns(spec):
        if values.get(col) is not None:
            parent = link_parent(spec, col, values)
            values[col] = numbers.get(parent, {}).get(values[col], f"new:{values[col]}")
    return values


def _replace(cur, code: str, spec: SystemTable, cols: list[Column], frame: pd.DataFrame,
             numbers: dict[str, dict[str, str]], existing: list[dict[str, Any]], write: bool) -> tuple[int, int]:
    """Rows derived from others (the search words of an activity): the file's replace the system's for each parent
    the file has. Return (rows added, rows taken away)."""
    incoming = [_translated(spec, rec, numbers) for rec in frame.to_dict("records")]
    parents = {r[spec.replaces] for r in incoming}
    names = [c.name for c in cols]
    new = {tuple(r[n] for n in names) for r in incoming}
    old = {tuple(r[n] for n in names) for r in existing if r[spec.replaces] in parents}
    if write:
        known = sorted(p for p in parents if not str(p).startswith("new:"))
        if known:
            cur.execute(f"DELETE FROM {spec.table} WHERE {scope_sql(spec)} AND CAST({spec.replaces} AS VARCHAR) IN"
                        f" ({', '.join('?' * len(known))})", [code, *known])
        for values in incoming:
            _insert(cur, code, spec, cols, values)
    return len(new - old), len(old - new)


def _insert(cur, code: str, spec: SystemTable, cols: list[Column], values: dict[str, Any]) -> str | None:
    names = ([] if spec.scope else ["system_code"]) + [c.name for c in cols] + list(spec.fresh)
    params = ([] if spec.scope else ["?"]) + [from_text(c, "?") for c in cols] + list(spec.fresh.values())
    returning = f" RETURNING CAST({spec.number} AS VARCHAR)" if spec.number else ""
    sql = f"INSERT INTO {spec.table} ({', '.join(map(_q, names))}) VALUES ({', '.join(params)}){returning}"
    args = ([] if spec.scope else [code]) + [values[c.name] for c in cols]
    if spec.number:
        return str(insert_returning(cur, sql, args))
    cur.execute(sql, args)
    return None


def _update(cur, code: str, spec: SystemTable, cols: list[Column], values: dict[str, Any],
            match: dict[str, Any]) -> None:
    sets = ", ".join(f"{_q(c.name)} = {from_text(c, '?')}" for c in cols)
    if spec.number:
        where, params = f"{spec.number} = CAST(? AS BIGINT)", [match[spec.number]]
    else:
        by = {c.name: c for c in cols}
        where = " AND ".join([scope_sql(spec)] + [f"{as_text(by[k])} = ?" for k in spec.key])
        params = [code] + [match[k] for k in spec.key]
    cur.execute(f"UPDATE {spec.table} SET {sets} WHERE {where}", [values[c.name] for c in cols] + params)


def write_carried(cur, user: User, code: str, carried: dict[str, pd.DataFrame], file_name: str) -> int:
    """Write the carried rows inside the caller's transaction, one audit row per table changed; return rows written."""
    require(user, "edit_framework")
    counts = sync_carried(cur, code, carried, write=True)
    for table, (added, changed) in counts.items():
        if added or changed:
            audit.record(cur, user, "import", table, code, system_code=code,
                         after={"added": added, "changed": changed}, reason=f"Imported from {file_name}")
    return sum(a + c for a, c in counts.values())


# ---------------------------------------------------------------- what an update would change

def fingerprint(cur, code: str) -> str:
    """A digest of everything the system is, so a confirmation can tell whether it changed since."""
    parts = []
    for table in FINGERPRINTED:
        parts.append(cur.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {table} t WHERE system_code = ?",
                                 [code]).fetchall()[0])
    for spec in SYSTEM_TABLES:
        parts.append(cur.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {spec.table} t WHERE {scope_sql(spec, 't')}",
                                 [code]).fetchall()[0])
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    if isinstance(a, datetime):
        a = a.date()
    if isinstance(b, datetime):
        b = b.date()
    return (None if a == "" else a) == (None if b == "" else b)


def _shown(value: Any) -> str:
    if value is None:
        return "blank"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else many or one + 's'}"


def _listed(items: list[str]) -> str:
    return ", ".join(items[:LISTED]) + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


def framework_changes(cur, framework: dict[str, Any]) -> dict[str, Any]:
    """The system details, vision fields, outcomes and indicators a return would change, field by field."""
    system = framework["system"]
    code = system["system_code"]
    old = read_rows(cur, "SELECT * FROM system WHERE system_code = ?", [code])[0]
    out: dict[str, Any] = {"system": {k: (old[k], system.get(k)) for k in SYSTEM_FIELDS
                                      if not _same(old[k], system.get(k))}}
    vision = read_rows(cur, "SELECT * FROM vision WHERE system_code = ?", [code])
    new_vision = framework.get("vision") or {}
    out["vision"] = {k: ((vision[0][k] if vision else None), new_vision.get(k)) for k in VISION_KEYS
                     if new_vision and not _same(vision[0][k] if vision else None, new_vision.get(k))}
    outcomes = {r["outcome_code"]: r for r in read_rows(
        cur, "SELECT o.*, list(op.principle_no ORDER BY op.principle_no) FILTER (WHERE op.principle_no IS NOT NULL)"
             " AS principles FROM outcome o LEFT JOIN outcome_principle op USING (system_code, outcome_code)"
             " WHERE o.system_code = ? GROUP BY ALL", [code])}
    out["outcomes_added"] = [o for o in framework["outcomes"] if o["outcome_code"] not in outcomes]
    out["outcomes_changed"] = {}
    for o in framework["outcomes"]:
        was = outcomes.get(o["outcome_code"])
        if was is not None:
            was = {**was, "principles": sorted(was["principles"] or [])}
            diff = {k: (was[k], sorted(o[k]) if k == "principles" else o.get(k)) for k in OUTCOME_FIELDS
                    if not _same(was[k], sorted(o[k]) if k == "principles" else o.get(k))}
            if diff:
                out["outcomes_changed"][o["outcome_code"]] = diff
    indicators = {r["indicator_code"]: r for r in read_rows(
        cur, "SELECT * FROM indicator WHERE system_code = ?", [code])}
    out["indicators_changed"] = {}
    for i in framework["indicators"]:
        was = indicators.get(i["indicator_code"])
        if was is not None:
            diff = {k: (was[k], i.get(k)) for k in INDICATOR_COLUMNS[1:] if not _same(was[k], i.get(k))}
            if diff:
                out["indicators_changed"][i["indicator_code"]] = diff
    out["indicators_added"] = [i["indicator_code"] for i in framework["indicators"]
                               if i["indicator_code"] not in indicators]
    return out


def measurement_changes(cur, rows: pd.DataFrame) -> tuple[int, int]:
    """(added, changed) measurements if these checked rows were loaded."""
    if rows.empty:
        return 0, 0
    stage = rows[[c for c in KEY + VALUES if c in rows.columns]]
    cur.register("incoming_check", stage)
    try:
        join = " AND ".join(f"m.{k} = CAST(i.{k} AS {'DATE' if k.startswith('period_') else 'VARCHAR'})"
                            for k in KEY)
        same = " AND ".join(f"m.{v} IS NOT DISTINCT FROM CAST(i.{v} AS {_measure_type(v)})"
                            for v in VALUES if v in stage.columns)
        added, changed = cur.execute(
            f"SELECT count(*) FILTER (WHERE m.system_code IS NULL),"
            f" count(*) FILTER (WHERE m.system_code IS NOT NULL AND NOT ({same}))"
            f" FROM incoming_check i LEFT JOIN measurement m ON {join}").fetchall()[0]
    finally:
        cur.unregister("incoming_check")
    return int(added), int(changed)


def _measure_type(column: str) -> str:
    return "VARCHAR" if column in ("period_label", "value_note", "comparison") else "DOUBLE"


def describe_update(cur, check: FileCheck) -> SystemUpdate:
    """What importing this checked return would change in its existing system, in words."""
    framework = check.framework
    code = framework["system"]["system_code"]
    update = SystemUpdate(code, fingerprint(cur, code))
    lines = update.lines
    f = framework_changes(cur, framework)
    if f["system"]:
        lines.append("System details changed: " + "; ".join(
            f"{SYSTEM_FIELDS[k]} {_shown(a)} -> {_shown(b)}" for k, (a, b) in f["system"].items()))
    if f["vision"]:
        lines.append("Vision changed: " + "; ".join(
            f"{VISION_FIELDS.get(k, 'agreed on').rstrip('?')} ({_shown(a)} -> {_shown(b)})"
            for k, (a, b) in f["vision"].items()))
    if f["outcomes_added"]:
        lines.append(f"{_count(len(f['outcomes_added']), 'outcome')} added: "
                     + _listed([o["outcome_code"] for o in f["outcomes_added"]]))
    if f["outcomes_changed"]:
        lines.append(f"{_count(len(f['outcomes_changed']), 'outcome')} changed: " + _listed(
            [f"{c} ({', '.join(OUTCOME_FIELDS[k] for k in d)})" for c, d in f["outcomes_changed"].items()]))
    targets = [f"{c} {TARGET_WORDS[k]} {_shown(a)} -> {_shown(b)}" for c, d in f["indicators_changed"].items()
               for k, (a, b) in d.items() if k in TARGET_WORDS]
    if targets:
        lines.append(f"{_count(len(targets), 'target or baseline', 'targets and baselines')} changed: "
                     + _listed(targets))
    others = [f"{c} ({', '.join(k for k in d if k not in TARGET_WORDS)})" for c, d in f["indicators_changed"].items()
              if any(k not in TARGET_WORDS for k in d)]
    if others:
        lines.append(f"{_count(len(others), 'indicator')} changed: " + _listed(others))
    if f["indicators_added"]:
        lines.append(f"{_count(len(f['indicators_added']), 'indicator')} added: " + _listed(f["indicators_added"]))
    added, changed = measurement_changes(cur, check.rows)
    if added or changed:
        lines.append(" and ".join(t for n, t in ((added, f"{_count(added, 'measurement')} added"),
                                                 (changed, f"{_count(changed, 'measurement')} changed")) if n))
    for table, (a, c) in sync_carried(cur, code, check.carried or {}, write=False).items():
        if a or c:
            lines.append(f"{BY_TABLE[table].sheet}: {a:,} added and {c:,} "
                         + ("taken away" if BY_TABLE[table].replaces else "changed"))
    return update


def update_framework(cur, user: User, framework: dict[str, Any], file_name: str) -> None:
    """Give an existing system the return's details, vision, outcomes and indicators (new indicators are added by
    the import as before), with an audit row for each change, inside the caller's transaction."""
    require(user, "edit_framework")
    code = framework["system"]["system_code"]
    f = framework_changes(cur, framework)
    reason = f"Updated from {file_name}"
    if f["system"]:
        cur.execute(f"UPDATE system SET {', '.join(f'{k} = ?' for k in f['system'])} WHERE system_code = ?",
                    [b for _, b in f["system"].values()] + [code])
        audit.record(cur, user, "update", "system", code, system_code=code,
                     before={k: a for k, (a, _) in f["system"].items()},
                     after={k: b for k, (_, b) in f["system"].items()}, reason=reason)
    if f["vision"]:
        new = framework["vision"]
        if cur.execute("SELECT 1 FROM vision WHERE system_code = ?", [code]).fetchall():
            cur.execute(f"UPDATE vision SET {', '.join(f'{k} = ?' for k in VISION_KEYS)}, version = version + 1,"
                        " updated_at = current_timestamp WHERE system_code = ?",
                        [new.get(k) for k in VISION_KEYS] + [code])
        else:
            cur.execute(f"INSERT INTO vision (system_code, {', '.join(VISION_KEYS)}) VALUES (?{', ?' * len(VISION_KEYS)})",
                        [code, *[new.get(k) for k in VISION_KEYS]])
        audit.record(cur, user, "update", "vision", code, system_code=code,
                     before={k: a for k, (a, _) in f["vision"].items()},
                     after={k: b for k, (_, b) in f["vision"].items()}, reason=reason)
    by_code = {o["outcome_code"]: o for o in framework["outcomes"]}
    for o in f["outcomes_added"]:
        cur.execute("INSERT INTO outcome (system_code, outcome_code, title, description, ambition_1y, ambition_3y,"
                    " ambition_5y, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(sort_order), 0) + 1"
                    " FROM outcome WHERE system_code = ?))",
                    [code, o["outcome_code"], o["title"], o["description"], o["ambition_1y"], o["ambition_3y"],
                     o["ambition_5y"], code])
        f["outcomes_changed"].setdefault(o["outcome_code"], {})["principles"] = ([], o["principles"])
        audit.record(cur, user, "create", "outcome", f"{code}/{o['outcome_code']}", system_code=code, after=o,
                     reason=reason)
    for oc, diff in f["outcomes_changed"].items():
        o = by_code[oc]
        fields = [k for k in diff if k != "principles"]
        if fields:
            cur.execute(f"UPDATE outcome SET {', '.join(f'{k} = ?' for k in fields)}, version = version + 1"
                        " WHERE system_code = ? AND outcome_code = ?", [o.get(k) for k in fields] + [code, oc])
        if "principles" in diff:
            cur.execute("DELETE FROM outcome_principle WHERE system_code = ? AND outcome_code = ?", [code, oc])
            if o["principles"]:
                cur.executemany("INSERT INTO outcome_principle VALUES (?, ?, ?)",
                                [(code, oc, p) for p in o["principles"]])
        if oc not in {x["outcome_code"] for x in f["outcomes_added"]}:
            audit.record(cur, user, "update", "outcome", f"{code}/{oc}", system_code=code,
                         before={k: a for k, (a, _) in diff.items()}, after={k: b for k, (_, b) in diff.items()},
                         reason=reason)
    new_ind = {i["indicator_code"]: i for i in framework["indicators"]}
    for ic, diff in f["indicators_changed"].items():
        cur.execute(f"UPDATE indicator SET {', '.join(f'{k} = ?' for k in diff)}, version = version + 1,"
                    " updated_at = current_timestamp WHERE system_code = ? AND indicator_code = ?",
                    [new_ind[ic].get(k) for k in diff] + [code, ic])
        audit.record(cur, user, "update", "indicator", f"{code}/{ic}", system_code=code,
                     before={k: a for k, (a, _) in diff.items()}, after={k: b for k, (_, b) in diff.items()},
                     reason=reason)


def confirm_unchanged(cur, update: SystemUpdate) -> None:
    """Refuse, in words, when the system changed after its changes were worked out."""
    if fingerprint(cur, update.system_code) != update.fingerprint:
        raise ValidationError([f"System {update.system_code} changed after the changes this return would make were"
                               " worked out (someone else saved something meanwhile). Nothing was written: check"
                               " the file again to see what it would change now, then confirm."])


# ---------------------------------------------------------------- the steps of an import (importers/core.py)

def finish_check(con, check: FileCheck, user: User | None, chosen: str | None) -> None:
    """After a file is checked: say where a complete return goes, leave out what this user may not write, and work
    out what it would change in its system when that exists."""
    from framework.core.auth import can

    code = ((check.framework or {}).get("system") or {}).get("system_code")
    editor = user is None or can(user, "edit_framework")
    if check.carried and (not code or not editor):
        check.notes.append("The sheets of statements, stories, proposals, rounds, versions and the engagement log"
                           " are left out: " + ("only a complete return, with its Cover, carries them." if not code
                                                else "an engagement lead (editor) imports them."))
        check.carried = {}
    if not code:
        return
    exists = bool(read_rows(con, "SELECT 1 FROM system WHERE system_code = ?", [code]))
    if chosen and chosen != code:
        if exists:
            check.refuse(Problem(check.name, None, "Cover: System code", code,
                                 f"a return of system {chosen}, the system you are importing into: this is a return"
                                 f" of system {code}. To update {code}, import it into {code}"))
            return
        check.notes.append(f"This is a complete return of system {code}, which is not in this database yet:"
                           f" importing it creates system {code} with everything the return carries.")
    if exists and editor and not check.fatal:  # also when rows are set aside: the rest still needs confirming
        check.update = describe_update(con.cursor(), check)


def as_seen(plan, seen: str | None) -> None:
    """Compare the system, at the moment of writing, with the state the importer saw the changes for."""
    for check in plan.files:
        if seen and check.update is not None:
            check.update.fingerprint = seen


def refuse_unconfirmed(user: User, plan, update: bool) -> None:
    """Raise UpdateNotConfirmed, listing the changes, when a return would change an existing system unconfirmed."""
    for check in plan.files:
        if check.update is not None and check.update.changes:
            require(user, "edit_framework")
            if not update:
                raise UpdateNotConfirmed(
                    [f"{check.name} would change system {check.update.system_code}:"]
                    + [f"  {line}" for line in check.update.lines]
                    + ["Nothing was written. Confirm these changes to apply them (on the command line: run the same"
                       " import with --update)."])


def before_framework(cur, user: User, check: FileCheck) -> None:
    """Inside the import's transaction: refuse a stale confirmation, then update an existing system's framework."""
    if check.update is None:
        return
    confirm_unchanged(cur, check.update)
    if check.update.changes:
        update_framework(cur, user, check.framework, check.name)


def after_framework(cur, user: User, check: FileCheck) -> None:
    """Inside the import's transaction, once the framework is written: write the carried tables."""
    code = ((check.framework or {}).get("system") or {}).get("system_code")
    if code and check.carried:
        write_carried(cur, user, code, check.carried, check.name)
