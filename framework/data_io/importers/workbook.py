"""Reading the framework sheets of a complete Excel return (Cover, Vision and outcomes, Indicators, Areas), so
importing one return into an empty database recreates the system, its vision, outcomes, indicators with targets,
areas and measurements."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core.errors import ValidationError
from framework.core.model import AREA_TYPES
from framework.data_io.importers.periods import parse_date
from framework.data_io.importers.read import cell_text, find_sheet, normalise_header, sheet_rows
from framework.data_io.importers.report import FileCheck, Problem
from framework.foundation.indicators import EDITABLE, validate_indicator

COVER_FIELDS = {
    "system_code": "System code", "name": "System name", "region_code": "Region code",
    "region_name": "Region name", "icb_code": "ICB code", "framework_start": "Framework start",
}
VISION_KEYS = ("statement", "agreed_on", "agreed_with", "ultimate_outcome", "who_else_to_involve",
               "challenges_and_tensions", "assets", "how_we_will_know")
VO_HEADERS = ["Item", "Code", "Title", "Description", "1 year ambition", "3 year ambition", "5 year ambition",
              "Principles"]
AREA_COLUMNS = ["area_code", "area_name", "area_type", "parent_code", "role"]
INDICATOR_COLUMNS = ["indicator_code"] + list(EDITABLE)


def _table(rows: list[list[Any]]) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header (normalised) and (spreadsheet row, record) pairs for a sheet whose first row is its header."""
    if not rows:
        return [], []
    header = [normalise_header(cell_text(h) or "") for h in rows[0]]
    out = []
    for i, r in enumerate(rows[1:], start=2):
        if all(c in (None, "") for c in r):
            continue
        out.append((i, {h: (r[j] if j < len(r) else None) for j, h in enumerate(header) if h}))
    return header, out


def read_cover(workbook, names: list[str]) -> dict[str, Any] | None:
    """The system described on the Cover sheet, or None when there is no Cover with a system code."""
    sheet = find_sheet(names, "Cover")
    if not sheet:
        return None
    fields = {}
    labels = {v.lower(): k for k, v in COVER_FIELDS.items()}
    for r in sheet_rows(workbook, sheet):
        if len(r) >= 2 and isinstance(r[0], str) and r[0].strip().lower() in labels:
            fields[labels[r[0].strip().lower()]] = r[1]
    code = cell_text(fields.get("system_code"))
    if not code:
        return None
    system = {k: cell_text(v) for k, v in fields.items() if k != "framework_start"}
    system["framework_start"] = parse_date(fields.get("framework_start"))
    system["is_demo"] = any(isinstance(r[0], str) and r[0].strip().lower() == "demo data"
                            for r in sheet_rows(workbook, sheet) if r)
    return system


def read_framework(workbook, names: list[str], check: FileCheck) -> dict[str, Any] | None:
    """System, vision, outcomes, indicators and areas of a complete return; problems are added to check."""
    system = read_cover(workbook, names)
    framework: dict[str, Any] = {"system": system, "vision": None, "outcomes": [], "indicators": [], "areas": []}
    sheet = find_sheet(names, "Areas")
    if sheet:
        _, records = _table(sheet_rows(workbook, sheet))
        for row, rec in records:
            area = {c: cell_text(rec.get(c)) for c in AREA_COLUMNS}
            if not area["area_code"]:
                continue
            if area["area_type"] not in AREA_TYPES:
                check.add(Problem(check.name, row, "Areas: area_type", area["area_type"],
                                  f"one of {', '.join(AREA_TYPES)}"))
                continue
            area["area_name"] = area["area_name"] or area["area_code"]
            framework["areas"].append(area)
    if system is None:
        return framework if framework["areas"] else None
    if system["framework_start"] is None:
        check.add(Problem(check.name, None, "Cover: Framework start", None,
                          "the date the framework started, for example 2023-04-01"))
    sheet = find_sheet(names, "Vision and outcomes")
    outcome_codes: set[str] = set()
    if sheet:
        _, records = _table(sheet_rows(workbook, sheet))
        vision: dict[str, Any] = {}
        for row, rec in records:
            item = (cell_text(rec.get("item")) or "").lower()
            if item == "vision":
                key = cell_text(rec.get("code"))
                if key in VISION_KEYS:
                    vision[key] = rec.get("description")
            elif item == "outcome":
                code = cell_text(rec.get("code"))
                title = cell_text(rec.get("title"))
                if not code or not title:
                    check.add(Problem(check.name, row, "Vision and outcomes: Code and Title", code or title,
                                      "an outcome code and a title on every outcome row"))
                    continue
                principles = [int(p) for p in str(cell_text(rec.get("principles")) or "").replace(";", ",").split(",")
                              if p.strip().isdigit()]
                outcome_codes.add(code)
                framework["outcomes"].append({
                    "outcome_code": code, "title": title, "description": cell_text(rec.get("description")),
                    "ambition_1y": cell_text(rec.get("1_year_ambition")),
                    "ambition_3y": cell_text(rec.get("3_year_ambition")),
                    "ambition_5y": cell_text(rec.get("5_year_ambition")),
                    "principles": [p for p in principles if 1 <= p <= 10],
                })
        if vision.get("statement"):
            vision = {k: (parse_date(v) if k == "agreed_on" else cell_text(v)) for k, v in vision.items()}
            framework["vision"] = vision
    sheet = find_sheet(names, "Indicators")
    if sheet:
        _, records = _table(sheet_rows(workbook, sheet))
        for row, rec in records:
            values = {c: rec.get(c) for c in INDICATOR_COLUMNS}
            values = {k: (v if isinstance(v, (int, float)) and not isinstance(v, bool) else cell_text(v))
                      for k, v in values.items()}
            if values.get("baseline_date"):
                values["baseline_date"] = parse_date(values["baseline_date"])
            try:
                framework["indicators"].append(validate_indicator(values, outcome_codes))
            except ValidationError as exc:
                for p in exc.problems:
                    check.add(Problem(check.name, row, "Indicators", values.get("indicator_code"),
                                      f"a valid indicator: {p}"))
    return framework


def framework_frames(framework: dict[str, Any] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators as system_code, indicator_code, unit) and (areas as area_code) that a return defines."""
    if not framework:
        return (pd.DataFrame(columns=["system_code", "indicator_code", "unit"]), pd.DataFrame(columns=["area_code"]))
    code = (framework.get("system") or {}).get("system_code")
    ind = pd.DataFrame([{"system_code": code, "indicator_code": i["indicator_code"], "unit": i["unit"]}
                        for i in framework["indicators"]], columns=["system_code", "indicator_code", "unit"])
    areas = pd.DataFrame([{"area_code": a["area_code"]} for a in framework["areas"]], columns=["area_code"])
    return ind, areas
