"""Checking engagement activities and "you said, we did" items before they are written. Each problem names the
field, the value found and what was expected; the form, the bulk loader and the direct calls share these checks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from framework.core.dates import parse_date
from framework.core.db import read_rows
from framework.core.errors import ValidationError
from framework.core.model import clean_text, is_blank
from framework.engagement.vocab import LABELS, LEVELS, METHODS, STATUSES


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field: the value found and what was expected."""

    field: str
    found: Any
    expected: str

    def sentence(self) -> str:
        found = "nothing" if self.found is None or self.found == "" else repr(self.found)
        return f"{LABELS.get(self.field, self.field)}: found {found}; expected {self.expected}."


@dataclass
class Context:
    """What a system's activities may refer to: its areas, outcomes, indicators, the principles and community tags."""

    areas: dict[str, str] = field(default_factory=dict)  # code -> name
    outcomes: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)
    principles: set[int] = field(default_factory=set)
    tags: dict[str, str] = field(default_factory=dict)  # code -> label


def load_context(con, system_code: str) -> Context:
    """The codes an activity of this system may use."""
    areas = read_rows(con, "SELECT a.area_code, a.area_name FROM system_area sa JOIN area a USING (area_code)"
                           " WHERE sa.system_code = ? AND sa.role IN ('system', 'place', 'neighbourhood')", [system_code])
    outcomes = read_rows(con, "SELECT outcome_code, title FROM outcome WHERE system_code = ?", [system_code])
    indicators = read_rows(con, "SELECT indicator_code, name FROM indicator WHERE system_code = ?", [system_code])
    principles = read_rows(con, "SELECT principle_no FROM principle")
    tags = read_rows(con, "SELECT tag_code, label FROM community_tag WHERE active")
    return Context(
        areas={r["area_code"]: r["area_name"] for r in areas},
        outcomes={r["outcome_code"]: r["title"] for r in outcomes},
        indicators={r["indicator_code"]: r["name"] for r in indicators},
        principles={int(r["principle_no"]) for r in principles},
        tags={r["tag_code"]: r["label"] for r in tags},
    )




def split_list(value: Any) -> list[str]:
    """A list from a list, or from text with items separated by semicolons or new lines."""
    if isinstance(value, (list, tuple, set)):
        items = [str(v) for v in value]
    elif is_blank(value):
        return []
    else:
        items = str(value).replace("\n", ";").split(";")
    return [i.strip() for i in items if i and i.strip()]


def _whole(problems: list[Problem], name: str, value: Any) -> int | None:
    if is_blank(value):
        return None
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        problems.append(Problem(name, value, "a whole number of 0 or more"))
        return None
    if number < 0 or number != int(number):
        problems.append(Problem(name, value, "a whole number of 0 or more"))
        return None
    return int(number)


def _codes(problems: list[Problem], name: str, value: Any, known: dict[str, str], what: str) -> list[str]:
    """Match each item by code or by name, ignoring case; report the ones that match nothing."""
    by_key = {k.lower(): k for k in known} | {v.lower(): k for k, v in known.items()}
    out, found = [], []
    for item in split_list(value):
        if item.lower() in by_key or "," not in item:
            found.append(item)
        else:  # "O1, O3": commas separate codes unless the whole text is a known name
            found += [part.strip() for part in item.split(",") if part.strip()]
    for item in found:
        code = by_key.get(item.lower())
        if code is None:
            sample = ", ".join(list(known)[:8]) + (", ..." if len(known) > 8 else "")
            problems.append(Problem(name, item, f"one of this system's {what} ({sample}), separated by semicolons"))
        elif code not in out:
            out.append(code)
    return out


def validate_activity(values: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], list[Problem]]:
    """Check one activity; return it cleaned and the problems found (an empty list when it is good)."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, max_len in (("title", 200), ("lead_partner", 200), ("summary", 20000), ("evidence_url", 1000)):
        text = clean_text(values.get(name)) if not is_blank(values.get(name)) else None
        if text and len(text) > max_len:
            problems.append(Problem(name, text[:40] + "...", f"at most {max_len:,} characters"))
        clean[name] = text
    for name, what in (("title", "a short title"), ("lead_partner", "the lead partner organisation's name")):
        if not clean[name]:
            problems.append(Problem(name, values.get(name), what))
    if clean["evidence_url"] and not clean["evidence_url"].lower().startswith(("http://", "https://")):
        problems.append(Problem("evidence_url", clean["evidence_url"], "a web link starting with https://"))
    for name in ("start_date", "end_date"):
        try:
            clean[name] = parse_date(values.get(name), strict=True)
        except ValueError:
            problems.append(Problem(name, values.get(name), "a date as YYYY-MM-DD or DD/MM/YYYY"))
            clean[name] = None
    if clean["start_date"] is None and not any(p.field == "start_date" for p in problems):
        problems.append(Problem("start_date", values.get("start_date"), "the date the activity started"))
    if clean["end_date"] is None and clean["start_date"] and not any(p.field == "end_date" for p in problems):
        clean["end_date"] = clean["start_date"]
    if clean["start_date"] and clean["end_date"] and clean["end_date"] < clean["start_date"]:
        problems.append(Problem("end_date", clean["end_date"].isoformat(),
                                f"a date on or after the start date {clean['start_date'].isoformat()}"))
    for name, allowed in (("method", METHODS), ("level", LEVELS)):
        raw = values.get(name)
        text = (str(raw).strip().lower().replace("\u2019", "'") if not is_blank(raw) else "")
        text = {"citizens panel": "citizens' panel", "co-design": "co-design group", "codesign group": "co-design group"
                }.get(text, text)
        if text not in allowed:
            problems.append(Problem(name, raw, "one of " + ", ".join(allowed)))
        clean[name] = text
    clean["areas"] = _codes(problems, "areas", values.get("areas"), ctx.areas, "areas")
    clean["communities"] = _codes(problems, "communities", values.get("communities"), ctx.tags, "community tags")
    clean["outcomes"] = _codes(problems, "outcomes", values.get("outcomes"), ctx.outcomes, "outcomes")
    clean["indicators"] = _codes(problems, "indicators", values.get("indicators"), ctx.indicators, "indicators")
    principles = []
    for item in [p.strip() for i in split_list(values.get("principles")) for p in i.split(",") if p.strip()]:
        try:
            number = int(float(item))
        except ValueError:
            number = -1
        if number not in ctx.principles:
            problems.append(Problem("principles", item, "a principle number from 1 to 10"))
        elif number not in principles:
            principles.append(number)
    clean["principles"] = sorted(principles)
    for name in ("participants", "volunteers"):
        clean[name] = _whole(problems, name, values.get(name))
    hours = values.get("volunteer_hours")
    clean["volunteer_hours"] = None
    if not is_blank(hours):
        try:
            clean["volunteer_hours"] = float(hours)
            if clean["volunteer_hours"] < 0 or clean["volunteer_hours"] != clean["volunteer_hours"]:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(Problem("volunteer_hours", hours, "a number of hours, 0 or more"))
            clean["volunteer_hours"] = None
    if clean["volunteer_hours"] and not clean["volunteers"] and not any(p.field == "volunteers" for p in problems):
        problems.append(Problem("volunteers", values.get("volunteers"),
                                "the number of volunteers (1 or more) when volunteer hours are given"))
    return clean, problems


def validate_you_said(values: dict[str, Any], activity_start: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Check one "you said, we did" item; return it cleaned and the problems found."""
    problems: list[Problem] = []
    clean = {n: (clean_text(values.get(n)) if not is_blank(values.get(n)) else None) for n in ("you_said", "we_did", "reason")}
    if not clean["you_said"]:
        problems.append(Problem("you_said", values.get("you_said"), "what people told us, in their words"))
    for name in ("you_said", "we_did", "reason"):
        if clean[name] and len(clean[name]) > 4000:
            problems.append(Problem(name, clean[name][:40] + "...", "at most 4,000 characters"))
    raw = values.get("status")
    status = "planned" if is_blank(raw) else str(raw).strip().lower().replace("_", " ")
    status = {"cannot": "cannot be done", "can't be done": "cannot be done", "not possible": "cannot be done"}.get(
        status, status)
    if status not in STATUSES:
        problems.append(Problem("status", raw, "one of planned, done, cannot be done"))
    clean["status"] = status
    if status == "done" and not clean["we_did"]:
        problems.append(Problem("we_did", values.get("we_did"), "what was done, when the status is done"))
    if status == "cannot be done" and not clean["reason"]:
        problems.append(Problem("reason", values.get("reason"), "the reason why it cannot be done"))
    try:
        clean["feedback_date"] = parse_date(values.get("feedback_date"), strict=True)
    except ValueError:
        problems.append(Problem("feedback_date", values.get("feedback_date"), "a date as YYYY-MM-DD or DD/MM/YYYY"))
        clean["feedback_date"] = None
    if clean["feedback_date"] and activity_start and clean["feedback_date"] < activity_start:
        problems.append(Problem("feedback_date", clean["feedback_date"].isoformat(),
                                f"a date on or after the activity started ({activity_start.isoformat()})"))
    return clean, problems


def raise_problems(problems: list[Problem], prefix: str = "") -> None:
    """Raise ValidationError with every problem as a sentence, or do nothing when there are none."""
    if problems:
        raise ValidationError([prefix + p.sentence() for p in problems])
