"""The board report: the paper an engagement lead takes to the ICB board for one period, put together from every
capability as plain sections (a title, sentences, tables and at most one chart in figures), each made by one small
function, so a section is one entry in SECTIONS. framework.board_report_print lays the sections out for A4 and
makes the PDF.

What it holds is what a viewer may already read: the vision and outcomes, progress in words judged at the end of the
period, the variation and assurance matrix, the inequality gaps, "you said, we did" of the period, and the latest
closed review's disagreement agenda (suppressed aggregates only: no hidden group, no count of people, no single
answer) with its agreed actions. User text stays text: the layout escapes every value."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from framework.core.db import read_rows
from framework.core.model import User
from framework.engagement.vocab import STATUS_WORDS
from framework.engagement.you_said import you_said_items
from framework.foundation.indicator_text import format_value
from framework.foundation.systems import get_system
from framework.foundation.vision import get_vision, list_outcomes
from framework.progress.engine import status_label
from framework.progress.gaps import gap_unit
from framework.progress.spc_text import spc_matrix, spc_summary, too_few_codes
from framework.progress.sql import UNLINKED, progress_table
from framework.progress.text import overview_sentence, words_by_outcome
from framework.reviews import wording
from framework.reviews.discussions import list_actions
from framework.reviews.results import divergence, published
from framework.reviews.rounds import get_round

AGENDA_ROWS = 10  # the statements of the disagreement agenda a board paper lists
STATUS_ORDER = ("ahead", "on_track", "behind", "not_enough_data", "no_target")


@dataclass(frozen=True)
class Period:
    """A reporting period: a calendar quarter, with its label and first and last days."""
    label: str
    start: date
    end: date


@dataclass
class Bars:
    """A chart in figures: for each row (a horizon), how many measures are at each status, in STATUS_ORDER."""
    title: str
    rows: list[tuple[str, dict[str, int]]]
    sentence: str


@dataclass
class Spread:
    """A chart in figures: for each statement, the group that agrees least and the one that agrees most, with their
    mean scores on the 5-point scale."""
    title: str
    rows: list[tuple[str, str, float, str, float]]
    sentence: str


@dataclass
class Section:
    """One section of the report: plain text only; the layout escapes it."""
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    bars: Bars | None = None
    spread: Spread | None = None


SectionSource = Callable[..., Section]


def quarter_of(day: date) -> Period:
    """The calendar quarter a day falls in."""
    first = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first, 1)
    end = (date(day.year + 1, 1, 1) if first == 10 else date(day.year, first + 3, 1)) - timedelta(days=1)
    return Period(f"{start:%B} to {end:%B %Y}", start, end)


def report_periods(framework_start: date, today: date) -> list[Period]:
    """Every quarter from the framework's start to today, the newest first."""
    framework_start = pd.Timestamp(framework_start).date()
    periods, day = [], today
    while True:
        period = quarter_of(day)
        periods.append(period)
        if period.start <= framework_start:
            return periods
        day = date.fromordinal(period.start.toordinal() - 1)


def _day(day: date) -> str:
    """A date as the report writes it: '1 December 2026'."""
    return f"{day.day} {day:%B %Y}"


def _judged_at(period: Period, today: date | None = None) -> date:
    return min(period.end, today or date.today())


def _system_area(con, system_code: str) -> tuple[str | None, str]:
    rows = read_rows(con, "SELECT sa.area_code, a.area_name FROM system_area sa JOIN area a USING (area_code)"
                          " WHERE sa.system_code = ? AND sa.role = 'system'", [system_code])
    return (rows[0]["area_code"], rows[0]["area_name"]) if rows else (None, system_code)


def vision_section(con, user: User, system_code: str, period: Period) -> Section:
    """The vision, the ultimate outcome and each outcome with its 1, 3 and 5-year ambitions."""
    section = Section("Our vision and outcomes")
    vision = get_vision(con, system_code)
    if vision:
        section.paragraphs.append(vision["statement"])
        if vision.get("ultimate_outcome"):
            section.paragraphs.append(f"Ultimate outcome: {vision['ultimate_outcome']}")
    else:
        section.paragraphs.append("No vision has been agreed yet.")
    outcomes = list_outcomes(con, system_code)
    if len(outcomes):
        table = pd.DataFrame({
            "Outcome": [f"{c} {t}" for c, t in zip(outcomes["outcome_code"], outcomes["title"])],
            **{f"Ambition at {h} year{'s' if h > 1 else ''}": outcomes[f"ambition_{h}y"].fillna("-").tolist()
               for h in (1, 3, 5)},
        })
        section.tables.append(("The outcomes and what we hope to see at each horizon", table))
    return section


def _counts(con, system_code: str, area_code: str | None, as_of: date, *, gaps: bool = False) -> pd.DataFrame:
    """Progress rows of the measures in use in the system's own area, judged at as_of."""
    table = progress_table(con, system_code, as_of, area_code=area_code, gaps=gaps)
    if table.empty:
        return table
    table = table[table["area_code"] == area_code]
    return table[table["indicator_status"] == "active"] if "indicator_status" in table else table


def _status_counts(table: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=["outcome_code", "outcome_title", "horizon_years", "status", "n"])
    table = table.assign(outcome_code=table["outcome_code"].fillna(UNLINKED))
    counts = table.groupby(["outcome_code", "horizon_years", "status"], sort=False).size().rename("n").reset_index()
    counts["outcome_title"] = counts["outcome_code"].map(titles).fillna("Not linked to an outcome")
    order = {code: i for i, code in enumerate(titles)}
    counts["order"] = counts["outcome_code"].map(order).fillna(len(order))
    return counts.sort_values(["order", "outcome_code", "horizon_years"], kind="stable").drop(columns="order")


def progress_section(con, user: User, system_code: str, period: Period) -> Section:
    """Progress at 1, 3 and 5 years in words, judged at the end of the period, with the chart of statuses."""
    area, area_name = _system_area(con, system_code)
    as_of = _judged_at(period)
    outcomes = list_outcomes(con, system_code)
    table = _counts(con, system_code, area, as_of)
    counts = _status_counts(table, dict(zip(outcomes["outcome_code"], outcomes["title"])))
    section = Section("Progress at 1, 3 and 5 years")
    if counts.empty or table["latest_value"].isna().all():
        section.paragraphs.append(f"No measure in use has numeric data for {area_name} by {_day(as_of)}.")
        return section
    sentences = [overview_sentence(counts, h) for h in (1, 3, 5)]
    section.paragraphs += [f"Judged for {area_name} with the data available on {_day(as_of)}.", *sentences]
    section.tables.append(("Measures by outcome and status at each horizon", words_by_outcome(counts)))
    rows = []
    for h in (1, 3, 5):
        part = counts[counts["horizon_years"] == h].groupby("status")["n"].sum()
        rows.append((f"{h} year{'s' if h > 1 else ''}", {s: int(part.get(s, 0)) for s in STATUS_ORDER}))
    section.bars = Bars(f"Measures by status at each horizon: {area_name}", rows, sentences[0])
    return section


def spc_section(con, user: User, system_code: str, period: Period) -> Section:
    """The Making Data Count matrix of variation against assurance, at the latest data."""
    section = Section("Variation and assurance (Making Data Count)")
    area, area_name = _system_area(con, system_code)
    summary = spc_summary(con, system_code, area)
    if summary.empty:
        section.paragraphs.append(f"No measure in use has headline figures for {area_name} yet.")
        return section
    section.paragraphs.append(
        f"Each measure in {area_name} by its SPC chart at its latest point: common cause or special cause variation "
        "(an improvement or a concern), and whether its process limits say it will meet the target of the next "
        "horizon (pass), miss it (fail) or sometimes meet it (hit and miss). A measure needs 15 points before it is "
        "judged this way.")
    section.tables.append(("Measure codes by variation and assurance", spc_matrix(summary, too_few=False)))
    few = too_few_codes(summary)
    if few:
        section.paragraphs.append(f"Fewer than 15 points so far ({len(few)}): {', '.join(few)}.")
    return section


def gaps_section(con, user: User, system_code: str, period: Period) -> Section:
    """Each inequality gap measured as a measure of its own: its latest size and its status at each horizon."""
    section = Section("Inequality gaps")
    area, area_name = _system_area(con, system_code)
    as_of = _judged_at(period)
    table = _counts(con, system_code, area, as_of, gaps=True)
    if table.empty:
        section.paragraphs.append(f"No gap between groups is measured for {area_name} yet.")
        return section
    names = {r["indicator_code"]: r for r in read_rows(
        con, "SELECT indicator_code, name, unit FROM indicator WHERE system_code = ?", [system_code])}
    rows = []
    for code, part in table.groupby("indicator_code", sort=True):
        base, _, breakdown = code.partition("~gap~")
        ind = names.get(base, {"name": base, "unit": ""})
        first = part.sort_values("horizon_years").iloc[0]
        statuses = dict(zip(part["horizon_years"], part["status"]))
        latest = first["latest_value"]
        rows.append({"Measure": f"{base} {ind['name']}", "Gap by": breakdown.replace("-", " ").capitalize(),
                     "Latest gap": "-" if pd.isna(latest) else format_value(latest, gap_unit(ind["unit"])),
                     **{f"{h}-year": status_label(statuses[h]) if h in statuses else "-" for h in (1, 3, 5)}})
    frame = pd.DataFrame(rows)
    section.paragraphs.append(
        f"The gap between the least and the most advantaged groups, judged as a measure of its own in {area_name} "
        f"on {_day(as_of)}: a smaller gap is better. {len(frame)} gap{'s are' if len(frame) != 1 else ' is'} "
        "measured.")
    section.tables.append(("Gaps between groups and their progress", frame))
    return section


def you_said_section(con, user: User, system_code: str, period: Period) -> Section:
    """What people told us in activities that ended in the period, and what we did."""
    section = Section("You said, we did")
    items = you_said_items(con, system_code)
    if len(items):
        ends = pd.to_datetime(items["end_date"]).dt.date
        items = items[(ends >= period.start) & (ends <= period.end)]
    if not len(items):
        section.paragraphs.append(f"No engagement activity that ended in {period.label} recorded what people said.")
        return section
    done = int((items["status"] == "done").sum())
    section.paragraphs.append(f"{len(items)} thing{'s' if len(items) != 1 else ''} people told us in activities "
                              f"that ended in {period.label}; {done} done.")
    section.tables.append(("What people said and what we did", pd.DataFrame({
        "Activity": [f"{t} ({d:%d %b %Y})" for t, d in zip(items["activity_title"], pd.to_datetime(items["end_date"]))],
        "You said": items["you_said"].fillna("-").tolist(),
        "We did": items["we_did"].fillna("-").tolist(),
        "Status": items["status"].map(STATUS_WORDS).fillna("-").tolist(),
    })))
    return section


CLOSED_ON_SQL = """
    SELECT r.round_id, CASE WHEN r.closed_early THEN least(r.closes_on, coalesce(min(CAST(a.changed_at AS DATE)),
                                                                       r.closes_on))
                            ELSE r.closes_on END AS closed_on
    FROM review_round r
    LEFT JOIN audit_log a ON a.entity = 'review_round' AND a.entity_key = CAST(r.round_id AS VARCHAR)
                         AND a.action = 'close'
    WHERE r.system_code = ? GROUP BY r.round_id, r.closed_early, r.closes_on"""


def _latest_closed_round(con, system_code: str, period: Period) -> dict | None:
    """The review round that closed last on or before the period's end (a round closed early counts from the day
    it was closed), with that day as 'closed_on'; or None."""
    closed = []
    for row in read_rows(con, CLOSED_ON_SQL, [system_code]):
        info = get_round(con, int(row["round_id"]))
        if info and published(info) and row["closed_on"] <= period.end:
            closed.append({**info, "closed_on": row["closed_on"]})
    return max(closed, key=lambda info: (info["closed_on"], info["round_id"]), default=None)


def review_section(con, user: User, system_code: str, period: Period) -> Section:
    """The disagreement agenda of the latest review closed by the period's end, and the actions agreed from it."""
    section = Section("Stakeholder review: where groups see things differently")
    info = _latest_closed_round(con, system_code, period)
    if info is None:
        section.paragraphs.append(f"No stakeholder review had closed by {_day(period.end)}.")
        return section
    section.paragraphs.append(f"{info['title']}, closed on {_day(info['closed_on'])}. Results are shown only for "
                              f"groups where at least {info['min_group_size']} people rated a statement.")
    agenda = divergence(con, int(info["round_id"]))
    ranked = agenda[agenda["rank"].notna()] if len(agenda) else agenda
    if ranked.empty:
        section.paragraphs.append("Fewer than two groups have results for any statement, so there is nothing to "
                                  "compare.")
    else:
        top = ranked.iloc[0]
        section.paragraphs.append(
            f"Biggest gap: {top['statement_code']} \u201c{str(top['text']).rstrip('.')}\u201d. {top['highest_group']} "
            f"averaged {top['highest_mean']:.1f} and {top['lowest_group']} {top['lowest_mean']:.1f}, a gap of "
            f"{top['spread']:.1f} points on the 5-point scale.")
        section.spread = Spread(
            "The five statements where groups differ most: least and most agreeing group (mean score, 1 to 5)",
            [(r["statement_code"], r["lowest_group"], float(r["lowest_mean"]), r["highest_group"],
              float(r["highest_mean"])) for r in ranked.head(5).to_dict("records")],
            section.paragraphs[-1])
        section.tables.append(("The disagreement agenda", wording.agenda_table(ranked.head(AGENDA_ROWS))))
        if len(ranked) > AGENDA_ROWS:
            section.paragraphs.append(f"The {AGENDA_ROWS} statements where groups differ most are listed; the other "
                                      f"{len(ranked) - AGENDA_ROWS} are on the Review results page.")
    actions = list_actions(con, system_code, int(info["round_id"]))
    if len(actions):
        actions["due_on"] = [f"{d:%d %b %Y}" for d in pd.to_datetime(actions["due_on"])]
        section.tables.append(("Actions agreed", wording.actions_table(actions)))
    else:
        section.paragraphs.append("No action has been agreed from this review yet.")
    return section


SECTIONS: list[SectionSource] = [
    vision_section,
    progress_section,
    spc_section,
    gaps_section,
    you_said_section,
    review_section,
]


def report_title(con, system_code: str, period: Period) -> str:
    """The report's title: the system and the period."""
    system = get_system(con, system_code)
    return f"{system['name'] if system else system_code}: board report for {period.label}"


def board_report(con, user: User, system_code: str, period: Period) -> list[Section]:
    """Every section of the board report for a period, in order."""
    return [make(con, user, system_code, period) for make in SECTIONS]
