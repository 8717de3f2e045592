"""Building benchmark databases and files. This work is not timed."""
from __future__ import annotations

import os
from pathlib import Path

from bench.scales import scales
from framework.core import db
from framework.core.model import User
from framework.demo.system import iter_demo, write_demo
from framework.foundation.measurement_order import tidy_measurements

BENCH_USER = User("bench", "Benchmark", "admin")


def database(workdir: Path, scale_name: str, quick: bool) -> Path:
    """A database holding the demo generator's data at the named scale, built once and reused."""
    path = workdir / f"{scale_name}{'-quick' if quick else ''}.duckdb"
    done = path.with_suffix(".built")
    if path.exists() and done.exists():
        return path
    for stale in (path, Path(f"{path}.wal"), done):
        if stale.exists():
            stale.unlink()
    workdir.mkdir(parents=True, exist_ok=True)
    con = db.connect(path)
    try:
        for part in iter_demo(scales(quick)[scale_name]):
            db.transaction(con, write_demo, BENCH_USER, part)
        # Stored in the order the pages read, as docs/data.md asks administrators to do after a large load.
        tidy_measurements(con, BENCH_USER)
    finally:
        con.close()
    done.write_text("built and tidied\n")
    return path


def measurement_rows(path: Path, system_code: str = "DEMO") -> int:
    """How many measurement rows a system holds."""
    con = db.connect(path, read_only=True)
    try:
        return db.scalar(con.cursor(), "SELECT count(*) FROM measurement WHERE system_code = ?", [system_code])
    finally:
        con.close()


def env_for(path: Path) -> dict[str, str]:
    """The environment that points the app at a benchmark database."""
    return {**os.environ, db.ENV_VAR: str(path)}


REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
FINGERTIPS = "fingertips_91547_smoking_prevalence_qof.csv"


def framework_only(workdir: Path, scale_name: str, quick: bool) -> Path:
    """A database with the scale's systems, areas, outcomes and indicators but no measurements: a target to import
    into."""
    from bench.scales import scales

    path = workdir / f"{scale_name}{'-quick' if quick else ''}-empty.duckdb"
    if path.exists():
        return path
    workdir.mkdir(parents=True, exist_ok=True)
    con = db.connect(path)
    try:
        for part in iter_demo(scales(quick)[scale_name]):
            part.measurements = part.measurements.iloc[0:0]
            db.transaction(con, write_demo, BENCH_USER, part)
    finally:
        con.close()
    return path


def template_select(system_code: str = "DEMO") -> str:
    """The SQL that gives a system's measurements in the import template's columns."""
    from framework.data_io.importers import TEMPLATE_COLUMNS

    cols = ", ".join(f"a.{c}" if c in ("area_name", "area_type") else f"m.{c}" for c in TEMPLATE_COLUMNS)
    return (f"SELECT {cols} FROM measurement m LEFT JOIN area a USING (area_code) WHERE m.system_code = '{system_code}'"
            " ORDER BY m.indicator_code, m.area_code, m.period_start, m.breakdown, m.breakdown_group")


def app_csv(workdir: Path, quick: bool) -> Path:
    """Every ICS-scale measurement as an app-format CSV."""
    path = workdir / f"ics{'-quick' if quick else ''}-measurements.csv"
    if not path.exists():
        con = db.connect(database(workdir, "ics", quick), read_only=True)
        try:
            con.execute(f"COPY ({template_select()}) TO '{path}' (HEADER, DELIMITER ',')")
        finally:
            con.close()
    return path


def xlsx_template(workdir: Path, quick: bool, rows: int) -> Path:
    """An app template workbook whose Measurements sheet holds the first `rows` ICS-scale measurements."""
    from openpyxl import Workbook

    path = workdir / f"ics{'-quick' if quick else ''}-template-{rows}.xlsx"
    if path.exists():
        return path
    con = db.connect(database(workdir, "ics", quick), read_only=True)
    try:
        frame = db.read_df(con, f"{template_select()} LIMIT {rows}")
    finally:
        con.close()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Measurements")
    sheet.append(list(frame.columns))
    for record in frame.itertuples(index=False):
        sheet.append([None if (isinstance(v, float) and v != v) or v is None else v for v in record])
    book.save(path)
    return path


def fingertips_copy(workdir: Path) -> Path | None:
    """A copy of the real Fingertips export beside the benchmark data (the rejects file is written beside it)."""
    source = REFERENCE / FINGERTIPS
    if not source.exists():
        return None
    target = workdir / FINGERTIPS
    if not target.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    return target
