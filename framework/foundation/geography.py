"""Today's geography and the older vintages: reading an ONS lookup (the shipped ICB 2026 list, the LOC/ICB/NHSER
lookup, or the full "LSOA (2021) to SICBL to ICB to NHSER to LAD" lookup), checking every row, and applying it to
the areas all or nothing, reporting what was added, renamed and moved.

Every area keeps its code for good: an area of an older vintage stays, marked with the years it was in force
(`in_force_from`, `in_force_to`, the last day; blank while in force) and its `vintage` (the year of the newest
lookup that placed it). An abolished ICB is linked to the ICB(s) that took over its area in `area_successor`
(`share` 'whole' or 'part'). Local authorities are placed in the ICBs their LSOAs fall in (`area_overlap`), and
under the ICB that holds most of them.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import read_df, transaction
from framework.core.errors import ValidationError
from framework.core.files import limits, not_a_regular_file, too_big_file
from framework.core.model import User
from framework.core.problems import MAX_LISTED, Problem

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"
ICB26_FILE = REFERENCE / "nhs_icb26_codes_and_predecessors.csv"
ENGLAND = ("E92000001", "England")
GEOGRAPHY_2026 = date(2026, 4, 1)

# Where an ICB split, its sub-ICB locations follow the former clinical commissioning group each one was (the ODS
# code ending the location's name); only where that group lies wholly inside one part. Frimley's one location
# (D4U1Y) spans three new ICBs and is left where it was.
SPLIT_LOCATIONS = {
    "06K": "E54000065",  # East and North Hertfordshire: Hertfordshire, to Central East
    "06N": "E54000065",  # Herts Valleys: Hertfordshire, to Central East
    "07H": "E54000066",  # West Essex, to Essex
    "06T": "E54000066",  # North East Essex, to Essex
    "06L": "E54000068",  # Ipswich and East Suffolk, to Norfolk and Suffolk
    "07K": "E54000068",  # West Suffolk, to Norfolk and Suffolk
}

CODE_PATTERNS = {
    "LSOA": (r"[EW]01\d{6}", "an LSOA code such as E01000001"),
    "Sub-ICB location": (r"E38\d{6}", "a sub-ICB location code such as E38000006"),
    "ICB": (r"E54\d{6}", "an ICB code such as E54000061"),
    "NHS region": (r"E40\d{6}", "an NHS England region code such as E40000012"),
    "Local authority": (r"E0[6789]\d{6}", "a local authority code such as E08000016"),
}
LSOA_HEADER = "LSOA21CD, SICBL26CD, SICBL26NM, ICB26CD, ICB26NM, NHSER26CD, NHSER26NM, LAD26CD, LAD26NM"
SUB_ICB_HEADER = "LOC22CD, LOC22NM, ICB22CD, ICB22NM, NHSER22CD, NHSER22NM"
ICB_HEADER = "ICB26CD, ICB26NM, NHSER26CD, NHSER26NM"


@dataclass
class Lookup:
    """A lookup read and checked: the areas it places, the successions it records and the LSOA counts that place
    local authorities, ready to apply."""

    name: str
    kind: str  # 'lsoa', 'sub-icb' or 'icb'
    year: int
    rows: int = 0
    duplicates: int = 0
    areas: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)  # code: (name, type, parent)
    successors: list[tuple[str, str, str, str | None, date]] = field(default_factory=list)
    former: dict[str, tuple[str, str, str | None, date, date, int]] = field(default_factory=dict)
    overlaps: dict[tuple[str, str], int] = field(default_factory=dict)  # (area, ICB): LSOAs

    @property
    def in_force_from(self) -> date:
        return date(2022, 7, 1) if self.year == 2022 else date(self.year, 4, 1)


@dataclass
class GeographyChanges:
    """What applying a lookup changed, for the command line and the audit row."""

    file: str
    added: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, type
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, was, now
    moved: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # code, from, to
    ended: list[str] = field(default_factory=list)
    successions: int = 0
    unchanged: int = 0
    kept_newer: int = 0
    duplicates: int = 0

    def sentences(self) -> list[str]:
        """The changes in words, one line each, the totals first."""
        types: dict[str, int] = {}
        for _code, _name, kind in self.added:
            types[kind] = types.get(kind, 0) + 1
        added = ", ".join(f"{n} {kind}" for kind, n in sorted(types.items())) or "none"
        lines = [f"{self.file}: {len(self.added)} areas added ({added}), {len(self.renamed)} renamed, "
                 f"{len(self.moved)} moved to another parent, {self.unchanged} unchanged."]
        if self.successions:
            lines.append(f"{self.successions} links from former ICBs to their successors recorded.")
        if self.ended:
            lines.append(f"No longer in force: {', '.join(self.ended)}.")
        if self.duplicates:
            lines.append(f"{self.duplicates:,} rows repeated an LSOA already listed, placing it the same way; "
                         "each was read once.")
        if self.kept_newer:
            lines.append(f"{self.kept_newer} areas already placed by a newer lookup were left as they are.")
        lines += [f"Renamed {code}: {was!r} is now {now!r}." for code, was, now in self.renamed[:50]]
        lines += [f"Moved {code}: from {was or 'no parent'} to {now or 'no parent'}." for code, was, now in self.moved[:50]]
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "added": len(self.added), "renamed": len(self.renamed), "moved": len(self.moved),
                "ended": self.ended, "successions": self.successions, "unchanged": self.unchanged,
                "duplicates": self.duplicates}


# ---------------------------------------------------------------- reading a lookup

def _columns(header: list[str]) -> tuple[str, int, dict[str, str]] | None:
    """The lookup's kind, year and the columns it uses ({role: column}), from its header; None if unknown."""
    found: dict[str, str] = {}
    years: set[str] = set()
    for name in header:
        m = re.fullmatch(r"(LSOA|SICBL|LOC|ICB|NHSER|LAD)(\d\d)(CD|NM)", name)
        if m:
            role = {"SICBL": "SUB", "LOC": "SUB"}.get(m[1], m[1])
            found[role + m[3]] = name
            if m[1] != "LSOA":
                years.add(m[2])
    if "ICBCD" not in found or len(years) != 1:
        return None
    kind = "lsoa" if "LSOACD" in found else "sub-icb" if "SUBCD" in found else "icb"
    return kind, 2000 + int(years.pop()), found


def _required(kind: str, year: int) -> list[str]:
    yy = f"{year % 100:02d}"
    need = [f"ICB{yy}CD", f"ICB{yy}NM", f"NHSER{yy}CD", f"NHSER{yy}NM"]
    if kind == "lsoa":
        return ["LSOA21CD", f"SICBL{yy}CD", f"SICBL{yy}NM", *need, f"LAD{yy}CD", f"LAD{yy}NM"]
    if kind == "sub-icb":
        return [f"LOC{yy}CD", f"LOC{yy}NM", *need]
    return need


def _text(path: Path, name: str) -> str:
    """The file's text, or a ValidationError saying what it is instead."""
    what = not_a_regular_file(path)
    if what:
        raise ValidationError([f"{name}: found {what}; expected an ONS lookup CSV file."])
    size = path.stat().st_size
    if size == 0:
        raise ValidationError([f"{name}: found an empty file; expected an ONS lookup CSV file with a header row."])
    too_big = too_big_file(size, limits())
    if too_big:
        raise ValidationError([f"{name}: found {too_big}; expected an ONS lookup CSV file."])
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise ValidationError([f"{name}: found binary data; expected an ONS lookup CSV file (text)."])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError([f"{name}: found a byte that is not UTF-8 text at position {exc.start:,}; expected "
                               "an ONS lookup CSV file saved as UTF-8."]) from exc


def read_lookup(path: str | Path, name: str | None = None) -> Lookup:
    """Read and check an ONS lookup file; raise ValidationError listing each problem with its row and column."""
    path = Path(path)
    name = name or path.name
    reader = csv.reader(io.StringIO(_text(path, name), newline=""))
    header = [h.strip() for h in next(reader, [])]
    detected = _columns(header)
    if detected is None:
        raise ValidationError([
            f"{name}, row 1: found the columns {', '.join(header[:12])!r}; expected the header of an ONS lookup: "
            f"{LSOA_HEADER} (April 2026), or {SUB_ICB_HEADER}, or {ICB_HEADER}."])
    kind, year, _found = detected
    missing = [c for c in _required(kind, year) if c not in header]
    if missing:
        raise ValidationError([Problem(name, 1, c, None, f"a column named {c} in the header row").message()
                               for c in missing])
    at = {c: header.index(c) for c in header}
    lookup = Lookup(name, kind, year)
    problems: list[str] = []
    total = 0
    lsoas: dict[str, tuple[int, tuple[str, ...]]] = {}
    yy = f"{year % 100:02d}"
    sub = "SICBL" if kind == "lsoa" else "LOC"
    levels = [("NHS region", f"NHSER{yy}", None), ("ICB", f"ICB{yy}", f"NHSER{yy}CD")]
    if kind != "icb":
        levels.append(("Sub-ICB location", f"{sub}{yy}", f"ICB{yy}CD"))
    predecessors = "predecessors_before_april_2026" if "predecessors_before_april_2026" in header else None

    def problem(row: int, column: str | None, found: Any, expected: str) -> None:
        nonlocal total
        total += 1
        if len(problems) < MAX_LISTED:
            problems.append(Problem(name, row, column, found, expected).message())

    for number, values in enumerate(reader, start=2):
        if not values or all(not v.strip() for v in values):
            continue
        lookup.rows += 1
        if len(values) != len(header):
            problem(number, None, f"{len(values)} values",
                    f"{len(header)} values, one for each column of the header (the file may be cut short)")
            continue
        row = {c: values[i].strip() for c, i in at.items()}
        bad = False
        for area_type, prefix, parent_column in levels:
            code, area_name = row[f"{prefix}CD"], row[f"{prefix}NM"]
            pattern, expected = CODE_PATTERNS[area_type]
            if not re.fullmatch(pattern, code):
                problem(number, f"{prefix}CD", code, expected)
                bad = True
                continue
            if not area_name:
                problem(number, f"{prefix}NM", area_name, f"the name of {code}")
                bad = True
                continue
            parent = row[parent_column] if parent_column else ENGLAND[0]
            known = lookup.areas.get(code)
            if known and known[0] != area_name:
                problem(number, f"{prefix}NM", area_name, f"{known[0]!r}, the name given to {code} on an earlier row")
                bad = True
            elif known and known[2] != parent:
                problem(number, parent_column, parent, f"{known[2]}, the parent given to {code} on an earlier row")
                bad = True
            else:
                lookup.areas[code] = (area_name, area_type, parent)
        if kind == "lsoa" and not bad:
            bad = _lsoa_row(lookup, row, number, yy, lsoas, problem)
        if predecessors and not bad:
            for message in _predecessors(lookup, row[f"ICB{yy}CD"], row[f"NHSER{yy}CD"], row[predecessors]):
                problem(number, predecessors, row[predecessors], message)
    if lookup.rows == 0:
        problem(2, None, None, "at least one row of areas under the header")
    if problems:
        more = f" ({total - len(problems):,} more not listed)" if total > len(problems) else ""
        raise ValidationError(problems + ([f"{name}: {total:,} problems in all{more}. Nothing was loaded."]
                                          if more else []))
    best: dict[str, tuple[int, str]] = {}  # a local authority sits under the ICB holding most of its LSOAs
    for (lad, icb), n in lookup.overlaps.items():
        best[lad] = max(best.get(lad, (0, "")), (n, icb))
    for lad, (_n, icb) in best.items():
        lookup.areas[lad] = (lookup.areas[lad][0], "Local authority", icb)
    return lookup


def _lsoa_row(lookup: Lookup, row: dict[str, str], number: int, yy: str, lsoas: dict, problem) -> bool:
    """Check one LSOA row's LSOA and local authority; count the LSOA towards its authority's ICB. True if bad."""
    lsoa, lad, lad_name, icb = row["LSOA21CD"], row[f"LAD{yy}CD"], row[f"LAD{yy}NM"], row[f"ICB{yy}CD"]
    for column, code, area_type in (("LSOA21CD", lsoa, "LSOA"), (f"LAD{yy}CD", lad, "Local authority")):
        pattern, expected = CODE_PATTERNS[area_type]
        if not re.fullmatch(pattern, code):
            problem(number, column, code, expected)
            return True
    if not lad_name:
        problem(number, f"LAD{yy}NM", lad_name, f"the name of {lad}")
        return True
    placed = tuple(row[c] for c in sorted(row) if c != "LSOA21CD")
    if lsoa in lsoas:
        first, before = lsoas[lsoa]
        if before != placed:
            problem(number, "LSOA21CD", lsoa, f"each LSOA once: row {first} places {lsoa} elsewhere")
            return True
        lookup.duplicates += 1
        return False
    lsoas[lsoa] = (number, placed)
    known = lookup.areas.get(lad)
    if known and known[0] != lad_name:
        problem(number, f"LAD{yy}NM", lad_name, f"{known[0]!r}, the name given to {lad} on an earlier row")
        return True
    lookup.areas[lad] = (lad_name, "Local authority", icb)
    lookup.overlaps[(lad, icb)] = lookup.overlaps.get((lad, icb), 0) + 1
    return False


def _predecessors(lookup: Lookup, icb: str, region: str, text: str) -> list[str]:
    """Record the ICBs an ICB replaced, from e.g. 'E54000024;E54000025 (part: Hertfordshire)'; return problems."""
    problems = []
    for item in filter(None, (p.strip() for p in text.split(";"))):
        m = re.fullmatch(r"(E54\d{6})\s*(?:\((.*)\))?", item)
        if not m:
            problems.append("ICB codes separated by ';', each optionally followed by a note in brackets, "
                            "e.g. 'E54000025 (part: Hertfordshire)'")
            continue
        old, note = m[1], (m[2] or "").strip()
        if old == icb:
            continue  # unchanged
        changed = lookup.in_force_from
        if note.lower().startswith("part"):
            lookup.successors.append((old, icb, "part", note.partition(":")[2].strip() or None, changed))
            continue
        lookup.successors.append((old, icb, "whole", None, changed))
        earlier = re.fullmatch(r"([^,]+),\s*(E54\d{6}) before April (\d{4})", note)
        if earlier:  # a code that had itself replaced an earlier one, e.g. Surrey Heartlands in April 2023
            since = date(int(earlier[3]), 4, 1)
            area_name = f"NHS {earlier[1].strip()} Integrated Care Board"
            lookup.former[old] = (area_name, "ICB", region, since, changed - timedelta(days=1), since.year)
            lookup.successors.append((earlier[2], old, "whole", None, since))
    return problems


# ---------------------------------------------------------------- applying it

def apply_lookup(cur, lookup: Lookup, source: str | None = None) -> GeographyChanges:
    """Add and update areas from a checked lookup inside the caller's transaction; return what changed.

    An area already placed by a newer lookup keeps its name and parent: an older file never undoes a newer one."""
    source = source or f"ONS lookup {lookup.name}"
    changes = GeographyChanges(lookup.name, duplicates=lookup.duplicates)
    known = {r[0]: r[1:] for r in cur.execute(
        "SELECT area_code, area_name, area_type, parent_code, vintage FROM area").fetchall()}
    wanted = {ENGLAND[0]: (ENGLAND[1], "England", None), **lookup.areas}
    for code, (area_name, area_type, parent) in wanted.items():
        if code not in known:
            cur.execute("INSERT INTO area (area_code, area_name, area_type, parent_code, source, in_force_from, "
                        "vintage) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [code, area_name, area_type, parent, source, lookup.in_force_from if parent else None,
                         lookup.year if parent else None])
            changes.added.append((code, area_name, area_type))
            continue
        was_name, _was_type, was_parent, vintage = known[code]
        if code == ENGLAND[0]:
            changes.unchanged += 1
            continue
        if vintage is not None and vintage > lookup.year:
            changes.kept_newer += 1
            continue
        if was_name != area_name:
            changes.renamed.append((code, was_name, area_name))
        if was_parent != parent:
            changes.moved.append((code, was_parent, parent))
        if was_name == area_name and was_parent == parent:
            changes.unchanged += 1
        cur.execute("UPDATE area SET area_name = ?, parent_code = ?, vintage = ?, in_force_to = NULL "
                    "WHERE area_code = ?", [area_name, parent, lookup.year, code])
    for code, (area_name, area_type, parent, since, until, vintage) in lookup.former.items():
        if code not in known and code not in wanted:
            cur.execute("INSERT INTO area (area_code, area_name, area_type, parent_code, source, in_force_from, "
                        "in_force_to, vintage) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [code, area_name, area_type, parent, source, since, until, vintage])
            changes.added.append((code, area_name, area_type))
    for old, new, share, part, changed_on in lookup.successors:
        known_pair = cur.execute("SELECT 1 FROM area_successor WHERE old_code = ? AND new_code = ?", [old, new]
                                 ).fetchall()
        if not known_pair:
            cur.execute("INSERT INTO area_successor VALUES (?, ?, ?, ?, ?, ?)", [old, new, share, part, changed_on,
                                                                                  source])
            changes.successions += 1
        if old not in lookup.areas:
            ended = cur.execute("SELECT area_code FROM area WHERE area_code = ? AND in_force_to IS NULL", [old]
                                ).fetchall()
            cur.execute("UPDATE area SET in_force_to = ? WHERE area_code = ? AND in_force_to IS NULL",
                        [changed_on - timedelta(days=1), old])
            changes.ended += [r[0] for r in ended]
    if lookup.overlaps:
        rows = [(a, i, n, lookup.year) for (a, i), n in lookup.overlaps.items()]
        cur.executemany("DELETE FROM area_overlap WHERE area_code = ?", [(a,) for a in {r[0] for r in rows}])
        cur.executemany("INSERT INTO area_overlap VALUES (?, ?, ?, ?)", rows)
    return changes


def place_split_locations(cur) -> list[tuple[str, str, str]]:
    """Move each sub-ICB location whose ICB is no longer in force to the ICB that took it over: the one successor
    that took the whole ICB (following a chain of code changes), or for a split ICB the part named in
    SPLIT_LOCATIONS. A location that cannot be placed stays under its former ICB, marked no longer in force.
    Returns (location, from, to) for each move."""
    ended = {r[0] for r in cur.execute(
        "SELECT area_code FROM area WHERE area_type = 'ICB' AND in_force_to IS NOT NULL").fetchall()}
    successors: dict[str, list[tuple[str, str]]] = {}
    for old, new, share in cur.execute("SELECT old_code, new_code, share FROM area_successor").fetchall():
        successors.setdefault(old, []).append((new, share))
    moves = []
    locations = cur.execute("SELECT area_code, area_name, parent_code FROM area WHERE area_type = 'Sub-ICB location' "
                            "AND in_force_to IS NULL").fetchall()
    for code, area_name, parent in locations:
        target = parent
        while target in ended:
            nexts = successors.get(target, [])
            whole = [n for n, share in nexts if share == "whole"]
            if len(nexts) == 1 and whole:
                target = whole[0]
                continue
            ods = area_name.rsplit(" - ", 1)[-1].strip()
            split = SPLIT_LOCATIONS.get(ods)
            target = split if split in {n for n, _ in nexts} else None
            break
        if target is None:
            cur.execute("UPDATE area SET in_force_to = (SELECT in_force_to FROM area WHERE area_code = ?) "
                        "WHERE area_code = ?", [parent, code])
        elif target != parent:
            vintage = cur.execute("SELECT vintage FROM area WHERE area_code = ?", [target]).fetchone()[0]
            cur.execute("UPDATE area SET parent_code = ?, vintage = ? WHERE area_code = ?", [target, vintage, code])
            moves.append((code, parent, target))
    return moves


def load_geography(con, user: User, path: str | Path, name: str | None = None) -> GeographyChanges:
    """Load a newer ONS lookup into the areas, all or nothing, with an audit row (editors and admins)."""
    require(user, "edit_framework")
    lookup = read_lookup(path, name)

    def work(cur) -> GeographyChanges:
        changes = apply_lookup(cur, lookup)
        changes.moved += place_split_locations(cur)
        audit.record(cur, user, "load", "geography", lookup.name, after=changes.as_dict())
        return changes

    return transaction(con, work)


# ---------------------------------------------------------------- reading today's geography

def todays_icbs(con) -> pd.DataFrame:
    """The ICBs in force today, with their region: icb_code, icb_name, region_code, region_name."""
    return read_df(con, """
        SELECT i.area_code AS icb_code, i.area_name AS icb_name, r.area_code AS region_code, r.area_name AS region_name
        FROM area i LEFT JOIN area r ON r.area_code = i.parent_code
        WHERE i.area_type = 'ICB' AND i.in_force_to IS NULL AND i.vintage = (
            SELECT max(vintage) FROM area WHERE area_type = 'ICB')
        ORDER BY r.area_name, i.area_name""")


def places_of(con, icb_code: str) -> dict[str, pd.DataFrame]:
    """The places a system on this ICB footprint could have: its sub-ICB locations and local authorities."""
    locations = read_df(con, "SELECT area_code, area_name FROM area WHERE area_type = 'Sub-ICB location' AND "
                             "parent_code = ? AND in_force_to IS NULL ORDER BY area_name", [icb_code])
    authorities = read_df(con, "SELECT a.area_code, a.area_name FROM area_overlap o JOIN area a USING (area_code) "
                               "WHERE o.icb_code = ? AND a.area_type = 'Local authority' ORDER BY a.area_name",
                          [icb_code])
    return {"sicbl": locations, "lad": authorities}


def predecessors_of(cur, icb_code: str) -> list[str]:
    """Every former ICB code whose area, whole or part, is now in this ICB, following chains of code changes."""
    found: list[str] = []
    todo = [icb_code]
    while todo:
        code = todo.pop()
        for (old,) in cur.execute("SELECT old_code FROM area_successor WHERE new_code = ? ORDER BY old_code",
                                  [code]).fetchall():
            if old not in found and old != icb_code:
                found.append(old)
                todo.append(old)
    return found
