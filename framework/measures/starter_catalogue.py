"""Choosing the first measures from a starter catalogue: NHS England's 2020/21 ICS system metrics (shipped in
data/reference/) or the indicators of a Fingertips data export the user uploads. Each adopted measure gets its
outcome, direction and targets; adopting creates the indicators all or nothing, audited, and a measure adopted
before (the same source) is never added twice."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import DIRECTIONS, User, clean_text
from framework.core.problems import Problem
from framework.core.shipped_data import DATA_DIR
from framework.foundation.indicator_text import unit_from_name
from framework.foundation.indicators import TARGETS, insert_indicators, validate_indicator

NHSE_FILE = DATA_DIR / "reference" / "nhse_ics_system_metrics_2020.csv"
NHSE_SOURCE = "NHS England ICS system metrics 2020/21"
# The published file's headers, spelling included ("Availiable", "Availibilty").
NHSE_HEADERS = ["Theme", "Metric", "Long-Term Plan priority area", "Availiable Date", "Geographical Availibilty",
                "Frequency"]
OFFER_COLUMNS = ["source_ref", "suggested_code", "name", "unit", "source", "definition", "frequency", "theme"]
MAX_BYTES = 1_000_000


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _problems(problems: list[Problem]) -> ValidationError:
    return ValidationError([p.message() for p in problems])


def read_nhse_catalogue(path: Path | str = NHSE_FILE, name: str | None = None) -> pd.DataFrame:
    """The NHS England system metrics as offers to adopt; a wrong or cut-short file raises ValidationError naming
    its file, row and column."""
    path = Path(path)
    name = name or path.name
    data = path.read_bytes()[: MAX_BYTES + 1]
    if len(data) > MAX_BYTES:
        raise _problems([Problem(name, None, None, f"a file over {MAX_BYTES:,} bytes",
                                 "the short list of NHS England's ICS system metrics")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _problems([Problem(name, None, None, "text that is not UTF-8", "a CSV file in UTF-8")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise _problems([Problem(name, None, None, "an empty file", f"a header row: {', '.join(NHSE_HEADERS)}")])
    header = [h.strip() for h in rows[0]]
    problems = [Problem(name, 1, wanted, found or None, f"the column {wanted!r}")
                for wanted, found in zip(NHSE_HEADERS, header + [""] * len(NHSE_HEADERS)) if found != wanted]
    if problems:
        raise _problems(problems)
    offers, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [c.strip() for c in row] + [""] * (len(NHSE_HEADERS) - len(row))
        for column, value in zip(NHSE_HEADERS, cells):
            if not value and column in ("Theme", "Metric", "Frequency"):
                what = "a metric's name" if column == "Metric" else f"the {column.lower()} (the row may be cut short)"
                problems.append(Problem(name, number, column, None, what))
        metric = cells[1]
        if len(metric) > 200:
            problems.append(Problem(name, number, "Metric", metric[:40] + "...", "a name of up to 200 characters"))
        ref = f"nhse-ics-2020:{_slug(metric)}"
        if metric and ref in seen:
            problems.append(Problem(name, number, "Metric", metric, "each metric once"))
        seen.add(ref)
        theme, area, available, geography, frequency = cells[0], cells[2], cells[3], cells[4], cells[5]
        offers.append({
            "source_ref": ref, "suggested_code": f"NHSE{len(offers) + 1:02d}", "name": metric,
            "unit": unit_from_name(metric), "source": NHSE_SOURCE,
            "definition": (f"{metric}. From NHS England's ICS system metrics (2020/21), under '{theme}'; Long-Term "
                           f"Plan area: {area}; available from {available or 'a date to be confirmed'}, "
                           f"at {geography or 'a level to be confirmed'}."),
            "frequency": frequency, "theme": theme,
        })
    if problems:
        raise _problems(problems)
    if not offers:
        raise _problems([Problem(name, 2, None, None, "at least one metric under the header row")])
    return pd.DataFrame(offers, columns=OFFER_COLUMNS)


def fingertips_offers(check: Any) -> pd.DataFrame:
    """The indicators a checked Fingertips export brings (ID, name, unit if any) as offers to adopt; a file that
    is not a usable Fingertips export raises ValidationError naming its file, row and column.

    check: the import check of the uploaded file (its file_format, fatal, problems and new_indicators)."""
    if check.file_format != "fingertips_csv":
        raise _problems([Problem(check.name, 1, None, "a file that is not a Fingertips data export",
                                 "a Fingertips data export, whose first row names its columns: Indicator ID, "
                                 "Indicator Name, Area Code, Time period, Value and the rest")])
    if check.fatal:
        raise _problems(list(check.problems))
    offers = [{
        "source_ref": i["source_ref"], "suggested_code": i["indicator_code"], "name": i["name"],
        "unit": i.get("unit") or "", "source": i.get("source") or "Fingertips (OHID)",
        "definition": i.get("definition"), "frequency": i.get("frequency"), "theme": None,
    } for i in check.new_indicators]
    return pd.DataFrame(offers, columns=OFFER_COLUMNS)


def already_adopted(con, system_code: str) -> set[str]:
    """The sources of the system's measures, so an offer adopted before can be shown as such."""
    return {r["source_ref"] for r in read_rows(
        con, "SELECT source_ref FROM indicator WHERE system_code = ? AND source_ref IS NOT NULL", [system_code])}


def _free_code(wanted: str, taken: set[str]) -> str:
    code, n = wanted[:27], 2
    while code in taken:
        code, n = f"{wanted[:27]}-{n}", n + 1
    return code


def validate_choices(choices: list[dict[str, Any]], known_outcomes: set[str], taken: set[str],
                     user_name: str) -> list[dict[str, Any]]:
    """Each chosen offer with its outcome, direction and targets, checked and made into an indicator record;
    every problem names the measure."""
    problems, records = [], []
    for choice in choices:
        label = clean_text(choice.get("name")) or "A measure"
        mine: list[str] = []
        if not clean_text(choice.get("source_ref")):
            mine.append("it does not say which catalogue it came from.")
        if not clean_text(choice.get("outcome_code")):
            mine.append("choose the outcome it measures.")
        if choice.get("direction") not in DIRECTIONS:
            mine.append("choose whether higher or lower is better (or neither).")
        if all(clean_text(choice.get(t)) is None for t in TARGETS):
            mine.append("give a target for at least one horizon: 1, 3 or 5 years.")
        code = _free_code(clean_text(choice.get("suggested_code")) or "M", taken)
        values = {**choice, "indicator_code": code, "kind": "quantitative", "status": "active",
                  "direction": choice.get("direction") or "no_judgement", "proposed_by": user_name}
        try:
            record = validate_indicator(values, known_outcomes)
        except ValidationError as exc:
            mine += exc.problems
        else:
            taken.add(code)
            records.append(record)
        problems += [f"{label}: {p}" for p in dict.fromkeys(mine)]
    if problems:
        raise ValidationError(problems)
    return records


def adopt_measures(con, user: User, system_code: str, choices: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Create an indicator for each chosen offer (with its outcome, direction and targets), all or nothing and
    audited; an offer whose source the system already measures is left alone. Returns the codes added and the
    names already there."""
    require(user, "edit_indicators")
    if not choices:
        raise ValidationError(["Choose at least one measure to adopt."])
    outcomes = {r["outcome_code"] for r in read_rows(
        con, "SELECT outcome_code FROM outcome WHERE system_code = ?", [system_code])}

    def work(cur) -> dict[str, list[str]]:
        have = dict(cur.execute("SELECT source_ref, indicator_code FROM indicator WHERE system_code = ?"
                                " AND source_ref IS NOT NULL", [system_code]).fetchall())
        taken = {r[0] for r in cur.execute("SELECT indicator_code FROM indicator WHERE system_code = ?",
                                           [system_code]).fetchall()}
        fresh, already, refs = [], [], set()
        for choice in choices:
            ref = clean_text(choice.get("source_ref"))
            if ref in have or (ref and ref in refs):
                already.append(clean_text(choice.get("name")) or ref)
            else:
                refs.add(ref)
                fresh.append(choice)
        records = validate_choices(fresh, outcomes, taken, user.name)
        if records:
            insert_indicators(cur, system_code, records)
        for r in records:
            audit.record(cur, user, "create", "indicator", f"{system_code}/{r['indicator_code']}",
                         system_code=system_code, after=r, reason=f"Adopted as a first measure from {r['source']}")
        return {"added": [r["indicator_code"] for r in records], "already": already}

    return transaction(con, work)
