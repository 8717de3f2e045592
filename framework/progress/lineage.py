"""Former ICB codes of a system's footprint, each kept as its own series: which former ICBs a system's area took
over (whole or part, following a chain of code changes), the years each code was in force, the periods its data
covers for one measure, and all of it in words ("Surrey Heartlands (E54000063), 2023/24 to 2025/26, now part of
NHS Surrey and Sussex"). Nothing here adds, averages or joins figures across areas: a former ICB covered a
different area and population, so its figures stay under its own code."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from framework.core.db import read_df, read_rows

PREDECESSORS_SQL = """
    SELECT a.area_code, a.area_name, a.in_force_from, a.in_force_to
    FROM system_area sa JOIN area a USING (area_code)
    WHERE sa.system_code = ? AND sa.role = 'predecessor'
    ORDER BY a.in_force_from, a.area_code"""
FOOTPRINT_SQL = """
    SELECT a.area_code, a.area_name FROM system_area sa JOIN area a USING (area_code)
    WHERE sa.system_code = ? AND sa.role = 'system'"""
COVERAGE_SQL = """
    SELECT m.area_code, min(m.period_end) AS first_end, max(m.period_end) AS last_end,
           arg_min(m.period_label, m.period_end) AS first_label, arg_max(m.period_label, m.period_end) AS last_label,
           count(*) AS periods, count(*) FILTER (WHERE m.period_end > a.in_force_to) AS after_end
    FROM measurement m JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code
    JOIN area a ON a.area_code = m.area_code
    WHERE m.system_code = ? AND m.indicator_code = ? AND sa.role = 'predecessor'
      AND m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL
    GROUP BY m.area_code"""
SERIES_SQL = """
    SELECT m.area_code, m.period_label, m.period_start, m.period_end, m.value, m.lower_ci, m.upper_ci
    FROM measurement m JOIN system_area sa ON sa.system_code = m.system_code AND sa.area_code = m.area_code
    WHERE m.system_code = ? AND m.indicator_code = ? AND sa.role IN ('predecessor', 'system')
      AND m.breakdown = 'All' AND m.breakdown_group = 'All' AND m.value IS NOT NULL
    ORDER BY m.area_code, m.period_end"""


def short_name(area_name: str, keep_nhs: bool = False) -> str:
    """'NHS Surrey Heartlands Integrated Care Board' -> 'Surrey Heartlands' (or 'NHS Surrey Heartlands')."""
    name = area_name.removesuffix(" Integrated Care Board").removesuffix(" ICB").strip()
    return name if keep_nhs else name.removeprefix("NHS ").strip()


def _path_to(links: dict[str, list[dict[str, Any]]], code: str, footprint: str) -> list[dict[str, Any]] | None:
    """The successor links from a former code to the footprint, in order, or None when it never reaches it."""
    todo: list[tuple[str, list[dict[str, Any]]]] = [(code, [])]
    seen = {code}
    while todo:
        here, path = todo.pop(0)
        for link in links.get(here, []):
            if link["new_code"] == footprint:
                return path + [link]
            if link["new_code"] not in seen:
                seen.add(link["new_code"])
                todo.append((link["new_code"], path + [link]))
    return None


def predecessors(con, system_code: str, indicator_code: str | None = None) -> list[dict[str, Any]]:
    """The former ICBs of a system's footprint, oldest code first and those only part of which it took over last: code, names, the years in force, whole or part,
    the link that leads to the footprint and the date the footprint took over; with a measure, the periods its
    data covers and how many end after the code was no longer in force. Each carries its words and its label."""
    footprint = read_rows(con, FOOTPRINT_SQL, [system_code])
    if not footprint:
        return []
    fp_code, fp_name = footprint[0]["area_code"], short_name(footprint[0]["area_name"], keep_nhs=True)
    links: dict[str, list[dict[str, Any]]] = {}
    for link in read_rows(con, "SELECT old_code, new_code, share, part_name, changed_on FROM area_successor "
                               "ORDER BY old_code, new_code"):
        links.setdefault(link["old_code"], []).append(link)
    names = {r["area_code"]: r["area_name"] for r in read_rows(
        con, "SELECT area_code, area_name FROM area WHERE area_code IN (SELECT new_code FROM area_successor)")}
    coverage = {}
    if indicator_code is not None:
        coverage = {r["area_code"]: r for r in read_rows(con, COVERAGE_SQL, [system_code, indicator_code])}
    direct = sum(1 for old in links.values() for link in old if link["new_code"] == fp_code)
    out = []
    for row in read_rows(con, PREDECESSORS_SQL, [system_code]):
        path = _path_to(links, row["area_code"], fp_code) or []
        cover = coverage.get(row["area_code"])
        until = row["in_force_to"]
        item = {
            "area_code": row["area_code"], "area_name": row["area_name"], "name": short_name(row["area_name"]),
            "in_force_from": row["in_force_from"], "in_force_to": until,
            "share": "part" if any(link["share"] == "part" for link in path) else "whole",
            "part_name": next((link["part_name"] for link in path if link["share"] == "part"), None),
            "next_code": path[0]["new_code"] if path else None,
            "next_name": short_name(names.get(path[0]["new_code"], path[0]["new_code"])) if path else None,
            "next_on": path[0]["changed_on"] if path else None,
            "footprint_code": fp_code, "footprint_name": fp_name,
            "took_over": path[-1]["changed_on"] if path else None, "sole": direct == 1,
            "first_label": cover["first_label"] if cover else None, "last_label": cover["last_label"] if cover else None,
            "first_end": cover["first_end"] if cover else None, "last_end": cover["last_end"] if cover else None,
            "periods": int(cover["periods"]) if cover else 0, "after_end": int(cover["after_end"]) if cover else 0,
        }
        item["words"] = words(item)
        item["label"] = label(item)
        out.append(item)
    return sorted(out, key=lambda p: (p["share"] == "part", p["in_force_from"] or date.min, p["area_code"]))


def _month(d: date | None) -> str:
    return f"{d:%B %Y}" if d else "a date not recorded"


def _day(d: date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "a date not recorded"


def years(item: dict[str, Any]) -> str:
    """'2023/24 to 2025/26' (the periods with data), '2024/25' for one, or the years in force without data."""
    if item["first_label"]:
        first, last = item["first_label"], item["last_label"]
        return first if first == last else f"{first} to {last}"
    ended = f" to {item['in_force_to'].year}" if item["in_force_to"] else ""
    return f"in force {item['in_force_from'].year if item['in_force_from'] else '?'}{ended}, no data for this measure"


def _link_words(item: dict[str, Any]) -> str:
    footprint = item["footprint_name"]
    if item["next_code"] is None:
        return f"not linked to {footprint} by a recorded successor"
    if item["share"] == "part":
        part = (f" (the {item['part_name']} part)" if item["part_name"] and item["part_name"] not in item["name"]
                else "")
        return f"only part of its area{part} is now part of {footprint}, so its figures cover more than {footprint}"
    via = ""
    if item["next_code"] != item["footprint_code"]:
        via = f"its code became {item['next_code']} in {_month(item['next_on'])}, "
    return via + (f"now {footprint}" if item["sole"] else f"now part of {footprint}")


def words(item: dict[str, Any]) -> str:
    """'Surrey Heartlands (E54000063), 2023/24 to 2025/26, now part of NHS Surrey and Sussex', with a warning when
    its data runs past the day its code ended."""
    text = f"{item['name']} ({item['area_code']}), {years(item)}, {_link_words(item)}"
    if item["after_end"]:
        n = item["after_end"]
        text += (f". {n} of its periods end{'s' if n == 1 else ''} after its code ended on {_day(item['in_force_to'])}:"
                 " the source still publishes figures on the former code, and they are shown as they came")
    return text


def label(item: dict[str, Any]) -> str:
    """How the area picker names a former ICB: 'Former ICB: Surrey Heartlands (E54000063), 2023/24 to 2025/26'."""
    return f"Former ICB: {item['name']} ({item['area_code']}), {years(item)}"


def in_force_words(item: dict[str, Any]) -> str:
    """'in force from April 2023 to March 2026'."""
    ended = f" to {_month(item['in_force_to'])}" if item["in_force_to"] else ", still in force"
    return f"in force from {_month(item['in_force_from'])}{ended}"


def lineage(con, system_code: str, indicator_code: str) -> dict[str, Any]:
    """The footprint's own headline series and each former ICB's, apart, for one measure: footprint (code, name),
    took_over (the date the footprint took over), predecessors (those with data, each with its points), and
    points (the footprint's own). Empty predecessors when there is nothing to show."""
    items = [p for p in predecessors(con, system_code, indicator_code) if p["periods"]]
    series = read_df(con, SERIES_SQL, [system_code, indicator_code])
    for col in ("period_start", "period_end"):
        series[col] = pd.to_datetime(series[col]).dt.date
    footprint = read_rows(con, FOOTPRINT_SQL, [system_code])
    fp_code = footprint[0]["area_code"] if footprint else None
    for item in items:
        item["points"] = series[series["area_code"] == item["area_code"]].reset_index(drop=True)
    took = sorted({p["took_over"] for p in items if p["took_over"]})
    return {"footprint_code": fp_code,
            "footprint_name": short_name(footprint[0]["area_name"], keep_nhs=True) if footprint else None,
            "took_over": took[-1] if took else None, "predecessors": items,
            "points": series[series["area_code"] == fp_code].reset_index(drop=True)}


def lineage_sentence(found: dict[str, Any]) -> str:
    """What the lineage chart shows, in words, and that the figures are not combined."""
    items = found["predecessors"]
    if not items:
        return ""
    fp = f"{found['footprint_name']} ({found['footprint_code']})"
    since = f" from {_day(found['took_over'])}" if found["took_over"] else ""
    own = (f"{fp} with its own figures{since}" if len(found["points"]) else
           f"no figures yet for {fp} itself (it took over{since.replace(' from', ' on')})")
    return (f"Shown: {own}, and each former ICB whose area it took over, as its own series under its own code. "
            f"The figures are not combined: nothing is added, averaged or joined across areas, because "
            f"each former ICB covered a different area and population. Progress, projections and the SPC chart for "
            f"{fp} use its own figures only.")
