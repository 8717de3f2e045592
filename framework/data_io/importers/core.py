"""Checking files before anything is written, then writing them all or nothing as audited import batches."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from framework.core import audit
from framework.core.auth import can, require
from framework.core.db import insert_returning, read_df, scalar, transaction
from framework.core.files import not_a_regular_file, too_big_file, workbook_too_big
from framework.core.model import User
from framework.core.safe_text import write_csv
from framework.data_io.importers import fingertips, whole
from framework.data_io.importers.footprint import area_parents, footprints, keep_footprint
from framework.data_io.importers.read import (
    EXPECTED_FILE,
    append_continuation,
    continuation_sheets,
    detect_format,
    find_sheet,
    load_rows_table,
    normalise_header,
    open_workbook,
    read_csv_table,
    sha256_of,
    sheet_rows,
    staging_database,
)
from framework.data_io.importers.report import (
    BatchSummary,
    FileCheck,
    ImportPlan,
    ImportRejected,
    Problem,
    Progress,
    no_progress,
)
from framework.data_io.importers.roles import as_proposed, check_may_write, limit_to_role
from framework.data_io.importers.template import REQUIRED_COLUMNS, TEMPLATE_COLUMNS
from framework.data_io.importers.validate import find_problems, load_known, prepare, settle
from framework.data_io.importers.workbook import framework_frames, read_framework
from framework.foundation.measurements import upsert_measurements
from framework.foundation.systems import insert_system, link_areas, upsert_areas


def as_arrow(rows: pd.DataFrame) -> pa.Table:
    """Checked rows as an Arrow table (without copying their Arrow-backed columns), for DuckDB to scan."""
    return pa.Table.from_pandas(rows, preserve_index=False)


def distinct(rows: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a column of checked rows, sorted, computed on its Arrow data."""
    if rows.empty:
        return []
    return sorted(str(v) for v in pd.unique(rows[column].dropna()))


def default_system(con) -> str | None:
    """The only or first system (real systems before demo ones), or None when there is none."""
    rows = read_df(con, "SELECT system_code FROM system ORDER BY is_demo, name LIMIT 1")
    return None if rows.empty else str(rows.iloc[0, 0])


def _stage_template(stage, columns: list[str], check: FileCheck) -> bool:
    """Check the template header and map table raw onto table staged; False after a header problem."""
    normalised = [normalise_header(c) for c in columns]
    for c in REQUIRED_COLUMNS:
        if c not in normalised:
            check.add(Problem(check.name, 1, c, "no such column", f"a column named {c!r} (the template's columns are "
                                                      f"{', '.join(TEMPLATE_COLUMNS)})"))
    for original, norm in zip(columns, normalised):
        if norm not in TEMPLATE_COLUMNS:
            check.add(Problem(check.name, 1, original, original,
                              f"only the template's columns: {', '.join(TEMPLATE_COLUMNS)}"))
    seen = [n for n in normalised if n in TEMPLATE_COLUMNS]
    for dup in sorted({n for n in seen if seen.count(n) > 1}):
        check.add(Problem(check.name, 1, dup, dup, "each column once"))
    if not check.ok:
        check.fatal = True
        return False
    by_norm = dict(zip(normalised, columns))
    select = ", ".join(
        (f'"{by_norm[c]}" AS {c}' if c in by_norm else f"CAST(NULL AS VARCHAR) AS {c}") for c in TEMPLATE_COLUMNS
    )
    stage.execute(f"CREATE OR REPLACE VIEW staged AS SELECT _row, {select} FROM raw")
    return True


def check_file(con, path: Path, *, system_code: str | None = None, name: str | None = None,
               user: User | None = None, progress: Progress = no_progress) -> FileCheck:
    """Read and check one file without writing anything; the result says what would be written by this user
    (without a user, by an editor)."""
    user_name = user.name if user else "import"
    path = Path(path)
    check = FileCheck(path=str(path), name=name or path.name)
    what = not_a_regular_file(path)
    if what:  # a pipe or a device would never end; a folder or nothing cannot be read
        check.refuse(Problem(check.name, None, None, what, "a regular file: " + EXPECTED_FILE))
        return check
    fmt = detect_format(path, check)
    if fmt is None:
        check.fatal = True
        return check
    too_big = workbook_too_big(path) if fmt == "xlsx" else too_big_file(path.stat().st_size)
    if too_big:
        check.refuse(Problem(check.name, None, None, too_big, "a file within the import limits (see docs/data.md);"
                             " split it into several files"))
        return check
    check.sha256 = sha256_of(path)
    check.file_format = fmt
    progress(0.05, f"Reading {check.name}")
    with staging_database() as stage:
        labels: dict[str, str] = {}
        framework = None
        if fmt == "xlsx":
            workbook = open_workbook(path, check)
            if workbook is None:
                check.fatal = True
                return check
            names = list(workbook.sheet_names)
            framework = read_framework(workbook, names, check)
            check.carried = whole.read_carried(con, workbook, names, check)
            sheet = find_sheet(names, "Measurements") or (names[0] if len(names) == 1 else None)
            if sheet is None:
                check.add(Problem(check.name, None, "Measurements", None,
                                  "a sheet named Measurements laid out as the import template"))
                check.fatal = True
                return check
            rows = sheet_rows(workbook, sheet)
            for more in continuation_sheets(names, sheet):  # a large return continues on Measurements 2, 3...
                if not append_continuation(rows, sheet_rows(workbook, more), more, check):
                    return check
            if not rows:
                check.add(Problem(check.name, None, None, f"an empty {sheet} sheet",
                                  "a header row and rows of measurements"))
                check.fatal = True
                return check
            columns = load_rows_table(stage, rows)
            if not _stage_template(stage, columns, check):
                return check
        else:
            columns = read_csv_table(stage, path, check)
            if columns is None:
                check.fatal = True
                return check
            if fmt == "fingertips_csv":
                labels = fingertips.LABELS
            elif not _stage_template(stage, columns, check):
                return check
        check.rows_read = int(scalar(stage, "SELECT count(*) FROM raw"))
        if check.rows_read == 0:
            check.add(Problem(check.name, 2, None, "a header row and no data", "at least one row of measurements"))
            check.fatal = True
            return check
        if framework and user is not None and not can(user, "edit_framework"):
            framework = limit_to_role(con, framework, check, user)
            if check.fatal:
                return check
        check.framework = framework
        cover_system = ((framework or {}).get("system") or {}).get("system_code")
        chosen = system_code or cover_system or default_system(con)
        systems = read_df(con, "SELECT system_code FROM system")
        indicators = read_df(con, "SELECT system_code, indicator_code, unit, source_ref FROM indicator")
        areas = read_df(con, "SELECT area_code FROM area")
        if framework:
            f_ind, f_areas = framework_frames(framework)
            if cover_system:
                systems = pd.concat([systems, pd.DataFrame({"system_code": [cover_system]})])
            indicators = pd.concat([indicators, f_ind])
            areas = pd.concat([areas, f_areas])
        if fmt == "fingertips_csv":
            mine = indicators[indicators["system_code"] == chosen]
            if fingertips.stage_fingertips(stage, columns, check, chosen, mine) is None:
                return check
            new_areas, new_indicators = fingertips.define_areas_and_indicators(
                stage, chosen, set(mine["indicator_code"]), user_name)
            check.new_indicators = new_indicators
            indicators = pd.concat([indicators, pd.DataFrame(new_indicators, columns=["system_code", "indicator_code", "unit"])])
            areas = pd.concat([areas, new_areas[["area_code"]]])
        progress(0.3, f"Checking {check.rows_read:,} rows of {check.name}")
        load_known(stage, systems, indicators, areas)
        may_link = user is None or can(user, "edit_framework")
        feet, parents = footprints(con, framework, may_link), area_parents(con, framework)
        if fmt == "fingertips_csv":  # a national export: the rows outside the footprint go before any typing
            keep_footprint(stage, check, feet, parents, written_for_system=False, table="ft")
            if check.fatal:
                return check
        prepare(stage, chosen)
        keep_footprint(stage, check, feet, parents, written_for_system=fmt != "fingertips_csv")
        if check.fatal:
            return check
        find_problems(stage, date.today())
        if fmt == "fingertips_csv":
            stage.execute("DELETE FROM problems WHERE col = 'indicator_code' AND found IS NULL"
                          " AND _row IN (SELECT _row FROM problems WHERE col = 'Indicator ID')")
        settle(stage, check, labels)
        if fmt == "fingertips_csv":
            used = set(distinct(check.rows, "area_code"))
            check.new_areas = new_areas[new_areas["area_code"].isin(used)
                                        & ~new_areas["area_code"].isin(set(read_df(con, "SELECT area_code FROM area")["area_code"]))]
            used_ind = set(distinct(check.rows, "indicator_code"))
            check.new_indicators = [i for i in new_indicators if i["indicator_code"] in used_ind]
        whole.finish_check(con, check, user, system_code)
        progress(0.6, f"Checked {check.name}")
        return check


def check_files(con, paths: list[Path], *, system_code: str | None = None, names: list[str] | None = None,
                user: User | None = None, progress: Progress = no_progress) -> ImportPlan:
    """Check every file; nothing is written."""
    plan = ImportPlan()
    names = names or [None] * len(paths)
    for i, (path, name) in enumerate(zip(paths, names)):
        def part(fraction: float, message: str, i: int = i) -> None:
            progress((i + fraction * 0.5) / len(paths), message)

        plan.files.append(check_file(con, path, system_code=system_code, name=name, user=user, progress=part))
    return plan


def rejects_path(path: Path) -> Path:
    """Where the rejected rows of a file go: beside it, named <name>.rejects.csv."""
    path = Path(path)
    return path.with_name(path.stem + ".rejects.csv")


def write_rejects(check: FileCheck, target: Path | None = None) -> Path | None:
    """Write a file's rejected rows, with their reasons, to a CSV beside the source; return its path."""
    if check.rejects.empty:
        return None
    target = Path(target) if target else rejects_path(Path(check.path))
    return write_csv(check.rejects.rename(columns={"_row": "row"}), target)


def _write_framework(cur, user: User, framework: dict[str, Any], check: FileCheck) -> tuple[int, int]:
    """Create the return's system, vision, outcomes and indicators when the system is new; add missing areas
    and indicators when it exists. For someone who may not edit the framework, only areas and proposed indicators
    (see roles.py). Return (areas added, indicators added)."""
    from framework.foundation.indicators import insert_indicators

    require(user, "import_data")
    may_edit = check_may_write(cur, user, framework)
    areas = pd.DataFrame(framework["areas"], columns=["area_code", "area_name", "area_type", "parent_code", "role"])
    added_areas = upsert_areas(cur, areas, f"Excel return {check.name}") if not areas.empty else 0
    system = framework.get("system")
    if not system:
        return added_areas, 0
    code = system["system_code"]
    exists = scalar(cur, "SELECT count(*) FROM system WHERE system_code = ?", [code])
    if not exists:  # only an editor gets here: check_may_write refuses anyone else
        insert_system(cur, user, system)
        if framework["vision"]:
            v = framework["vision"]
            cols = [k for k in v if v[k] is not None]
            cur.execute(f"INSERT INTO vision (system_code, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
                        [code, *[v[c] for c in cols]])
            audit.record(cur, user, "create", "vision", code, system_code=code, after=v,
                         reason=f"Imported from {check.name}")
        for n, o in enumerate(framework["outcomes"], start=1):
            cur.execute(
                "INSERT INTO outcome (system_code, outcome_code, title, description, ambition_1y, ambition_3y,"
                " ambition_5y, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [code, o["outcome_code"], o["title"], o["description"], o["ambition_1y"], o["ambition_3y"],
                 o["ambition_5y"], n],
            )
            if o["principles"]:
                cur.executemany("INSERT INTO outcome_principle VALUES (?, ?, ?)",
                                [(code, o["outcome_code"], p) for p in o["principles"]])
            audit.record(cur, user, "create", "outcome", f"{code}/{o['outcome_code']}", system_code=code, after=o,
                         reason=f"Imported from {check.name}")
    if may_edit:
        links = [(a["area_code"], a["role"]) for a in framework["areas"]
                 if a.get("role") in ("system", "place", "neighbourhood", "comparator", "predecessor")]
        link_areas(cur, code, links)
    known = {r[0] for r in cur.execute("SELECT indicator_code FROM indicator WHERE system_code = ?", [code]).fetchall()}
    new = [i if may_edit else as_proposed(i, user) for i in framework["indicators"] if i["indicator_code"] not in known]
    if new:
        insert_indicators(cur, code, new)
        for i in new:
            audit.record(cur, user, "create" if may_edit else "propose", "indicator", f"{code}/{i['indicator_code']}",
                         system_code=code, after=i,
                         reason=f"{'Imported' if may_edit else 'Proposed by the import of'} {check.name}")
    return added_areas, len(new)


def apply_plan(con, user: User, plan: ImportPlan, *, skip_invalid: bool = False,
               rejects_files: dict[str, str] | None = None, progress: Progress = no_progress,
               update: bool = False) -> list[BatchSummary]:
    """Write every checked file in one transaction, one batch per file; refuse when any file has problems,
    unless skip_invalid, when only its valid rows are written. A complete return that would change its existing
    system is written only with update (whole.py)."""
    require(user, "import_data")
    if not plan.ok and (not skip_invalid or any(f.fatal for f in plan.files)):
        raise ImportRejected(plan)
    whole.refuse_unconfirmed(user, plan, update)
    rejects_files = rejects_files or {}
    total_rows = max(1, sum(f.rows_valid for f in plan.files))

    def work(cur) -> list[BatchSummary]:
        summaries = []
        done = 0
        for check in plan.files:
            areas_added = indicators_added = 0
            whole.before_framework(cur, user, check)
            if check.framework:
                areas_added, indicators_added = _write_framework(cur, user, check.framework, check)
            whole.after_framework(cur, user, check)
            if not check.new_areas.empty:
                areas_added += upsert_areas(cur, check.new_areas, f"Fingertips export {check.name}")
            if check.new_indicators:
                from framework.foundation.indicators import insert_indicators

                by_system: dict[str, list[dict]] = {}
                for ind in check.new_indicators:
                    by_system.setdefault(ind["system_code"], []).append(ind)
                for code, records in by_system.items():
                    insert_indicators(cur, code, records)
                    for ind in records:
                        audit.record(cur, user, "create", "indicator", f"{code}/{ind['indicator_code']}",
                                     system_code=code, after=ind, reason=f"Proposed by the import of {check.name}")
                indicators_added += len(check.new_indicators)
            systems = distinct(check.rows, "system_code")
            system_code = systems[0] if len(systems) == 1 else None
            batch_id = insert_returning(
                cur,
                "INSERT INTO import_batch (system_code, file_name, sha256, file_format, imported_by, rows_rejected)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING batch_id",
                [system_code, check.name, check.sha256, check.file_format, user.user_id, check.rows_rejected],
            )
            progress(0.5 + 0.5 * done / total_rows, f"Writing {len(check.rows):,} rows of {check.name}")
            counts = upsert_measurements(cur, as_arrow(check.rows), batch_id)
            new, changed, unchanged = counts.new, counts.changed, counts.unchanged
            done += len(check.rows)
            progress(0.5 + 0.5 * done / total_rows, f"Written {done:,} of {total_rows:,} rows")
            cur.execute("UPDATE import_batch SET rows_new = ?, rows_changed = ?, rows_unchanged = ? WHERE batch_id = ?",
                        [new, changed, unchanged, batch_id])
            rejects = rejects_files.get(check.path)
            cur.execute(
                "INSERT INTO import_batch_detail (batch_id, rows_read, rows_merged, areas_added, indicators_added,"
                " rejects_file) VALUES (?, ?, ?, ?, ?, ?)",
                [batch_id, check.rows_read, check.rows_merged, areas_added, indicators_added, rejects],
            )
            summary = BatchSummary(int(batch_id), check.name, check.file_format, system_code, check.rows_read, new,
                                   changed, unchanged, check.rows_merged, check.rows_rejected, areas_added,
                                   indicators_added, rejects, tuple(check.notes), rows_outside=check.rows_outside)
            audit.record(cur, user, "import", "import_batch", str(batch_id), system_code=system_code,
                         after={"file": check.name, "sha256": check.sha256, "format": check.file_format,
                                "rows_read": check.rows_read, "outside_footprint": check.rows_outside,
                                "new": new, "changed": changed,
                                "unchanged": unchanged, "merged": check.rows_merged,
                                "rejected": check.rows_rejected})
            summaries.append(summary)
        return summaries

    return transaction(con, work)


def import_files(con, user: User, paths: list[Path], *, system_code: str | None = None, skip_invalid: bool = False,
                 names: list[str] | None = None, progress: Progress = no_progress, update: bool = False,
                 seen: str | None = None) -> list[BatchSummary]:
    """Check then import files. All or nothing by default: any problem raises ImportRejected and nothing is
    written. With skip_invalid, valid rows are imported and rejected rows go to <name>.rejects.csv beside each file.
    A complete return that would change its existing system needs update; seen is the state the importer saw the
    changes worked out from (whole.py), refused if the system has changed since."""
    require(user, "import_data")
    plan = check_files(con, [Path(p) for p in paths], system_code=system_code, names=names, user=user,
                       progress=progress)
    if not plan.ok and (not skip_invalid or any(f.fatal for f in plan.files)):
        raise ImportRejected(plan)
    whole.as_seen(plan, seen)
    rejects = {}
    try:
        if skip_invalid:
            for check in plan.files:
                written = write_rejects(check)
                if written:
                    rejects[check.path] = str(written)
        return apply_plan(con, user, plan, skip_invalid=skip_invalid, rejects_files=rejects, progress=progress,
                          update=update)
    except BaseException:  # nothing was imported, so no rejects file may say otherwise
        for written in rejects.values():
            Path(written).unlink(missing_ok=True)
        raise
