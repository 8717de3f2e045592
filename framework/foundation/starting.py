"""Starting a new system on an ICB footprint of today's geography: one function serves the command line and the
"Start a new system" page. The system gets its ICB, its NHS England region and England as comparators, its places
(sub-ICB locations, local authorities or both) and the former ICBs of its footprint, so that data still arriving on
2022 or 2023 codes belongs to it."""
from __future__ import annotations

from datetime import date
from typing import Any

from framework.core import audit
from framework.core.auth import require
from framework.core.db import transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text
from framework.foundation.geography import ENGLAND, predecessors_of
from framework.foundation.systems import insert_system, link_areas

PLACE_CHOICES = {
    "sicbl": "Sub-ICB locations",
    "lad": "Local authorities",
    "both": "Both sub-ICB locations and local authorities",
}
LOAD_AUTHORITIES = ("No local authorities are known yet. Load them from the ONS lookup \"LSOA (2021) to SICBL to "
                    "ICB to NHSER to LAD (April 2026)\" with `python -m framework geography FILE`, or choose "
                    "sub-ICB locations.")


def financial_year_start(today: date | None = None) -> date:
    """1 April of the financial year that contains today: where a new framework's horizons count from."""
    today = today or date.today()
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _footprint(cur, footprint: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The footprint ICB with its region, or the problems saying why it cannot be used."""
    rows = cur.execute(
        "SELECT i.area_code, i.area_name, i.in_force_to, r.area_code, r.area_name FROM area i "
        "LEFT JOIN area r ON r.area_code = i.parent_code WHERE i.area_code = ? AND i.area_type = 'ICB'",
        [footprint]).fetchall()
    if not rows:
        return None, [f"There is no ICB {footprint!r}. Choose one of today's ICBs, for example E54000061 "
                      "(NHS South Yorkshire); the Start a new system page lists them all."]
    code, name, ended, region, region_name = rows[0]
    if ended is not None:
        later = cur.execute("SELECT x.new_code, a.area_name, x.share, x.part_name FROM area_successor x "
                            "JOIN area a ON a.area_code = x.new_code WHERE x.old_code = ? ORDER BY x.new_code",
                            [code]).fetchall()
        named = "; ".join(f"{c} ({n}{f': the {p} part' if s == 'part' and p else ''})" for c, n, s, p in later)
        return None, [f"{code} ({name}) was abolished: it was in force until {ended:%-d %B %Y}. "
                      + (f"Its area is now in {named}." if later else "No successor is recorded for it.")]
    return {"icb_code": code, "icb_name": name, "region_code": region, "region_name": region_name}, []


def _places(cur, footprint: str, places: str) -> tuple[list[str], list[str]]:
    """The place codes to link for a choice of places, or the problems saying why there are none."""
    codes: list[str] = []
    if places in ("sicbl", "both"):
        codes += [r[0] for r in cur.execute(
            "SELECT area_code FROM area WHERE area_type = 'Sub-ICB location' AND parent_code = ? "
            "AND in_force_to IS NULL ORDER BY area_code", [footprint]).fetchall()]
    if places in ("lad", "both"):
        authorities = [r[0] for r in cur.execute(
            "SELECT o.area_code FROM area_overlap o JOIN area a USING (area_code) "
            "WHERE o.icb_code = ? AND a.area_type = 'Local authority' ORDER BY o.area_code", [footprint]).fetchall()]
        if not authorities:
            return [], [LOAD_AUTHORITIES]
        codes += authorities
    return codes, []


def _start(cur, user: User, code: str, name: str, footprint: str, places: str,
           framework_start: date) -> dict[str, Any]:
    problems: list[str] = []
    if cur.execute("SELECT 1 FROM system WHERE system_code = ?", [code]).fetchall():
        problems.append(f"System code {code!r} is already used by another system; choose another.")
    where, found = _footprint(cur, footprint)
    problems += found
    place_codes: list[str] = []
    if where:
        place_codes, found = _places(cur, footprint, places)
        problems += found
    if problems:
        raise ValidationError(problems)
    system = {"system_code": code, "name": name, "icb_code": footprint, "region_code": where["region_code"],
              "region_name": where["region_name"], "framework_start": framework_start}
    insert_system(cur, user, system)
    former = predecessors_of(cur, footprint)
    links = ([(footprint, "system"), (ENGLAND[0], "comparator")]
             + ([(where["region_code"], "comparator")] if where["region_code"] else [])
             + [(p, "place") for p in place_codes] + [(p, "predecessor") for p in former])
    link_areas(cur, code, links)
    summary = {"system_code": code, "footprint": footprint, "footprint_name": where["icb_name"],
               "region_code": where["region_code"], "region_name": where["region_name"], "places": place_codes,
               "predecessors": former}
    audit.record(cur, user, "link", "system_area", code, system_code=code, after=summary)
    return summary


def start_system(con, user: User, code: str, name: str, footprint: str, places: str = "sicbl",
                 framework_start: date | None = None) -> dict[str, Any]:
    """Create a system on an ICB footprint of today's geography with its comparators, places and former ICBs, all
    or nothing (editors and admins). Returns what was linked."""
    require(user, "edit_framework")
    problems = []
    code_text = clean_text(code) or ""
    if not code_text:
        problems.append("System code is required, for example SYICS.")
    elif not code_text.replace("-", "").replace("_", "").isalnum() or not code_text.isascii():
        problems.append(f"System code {code_text!r} may use only letters, digits, '-' and '_' (no spaces).")
    elif len(code_text) > 30:
        problems.append(f"System code is {len(code_text)} characters long; keep it to 30.")
    name_text = clean_text(name)
    if not name_text:
        problems.append("System name is required, for example 'South Yorkshire Integrated Care System'.")
    elif len(name_text) > 200:
        problems.append(f"System name is {len(name_text):,} characters long; keep it to 200.")
    footprint_text = (clean_text(footprint) or "").upper()
    if not footprint_text:
        problems.append("Footprint is required: the code of one of today's ICBs, for example E54000061.")
    if places not in PLACE_CHOICES:
        problems.append(f"Places {places!r} is not a choice; expected one of {', '.join(PLACE_CHOICES)}.")
    if problems:
        raise ValidationError(problems)
    return transaction(con, _start, user, code_text, name_text, footprint_text, places,
                       framework_start or financial_year_start())
