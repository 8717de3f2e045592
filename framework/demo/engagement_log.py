"""A realistic engagement log for the demo system: three dozen activities from 2023 to 2026 across its four places,
with "you said, we did" items, and plausible population shares on the community tags. Deterministic: the same call
always writes the same log.

Call `write_engagement_demo(cur, user)` inside the transaction that loads the demo, or
`load_engagement_demo(con, user)` on its own afterwards.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, scalar, transaction
from framework.core.model import User
from framework.core.shipped_data import load_json

# Plausible shares of the demo population (%), for showing reach against population
POPULATION_SHARES = {
    "core20": 27.0, "ethnic_minority": 11.5, "inclusion_health": 1.5, "learning_disability": 2.5, "coastal": 8.0,
    "carers": 9.0, "young_people": 21.0, "older_people": 20.5, "disabled_people": 22.0, "lgbtq": 3.2,
    "language": 4.5,
}
PLACES = {"P01": "Northmoor", "P02": "Ashby Vale", "P03": "Riverside", "P04": "Eastmarsh"}

# each activity's fields, with its "you said" items and how many days after the activity each was fed back (null:
# not yet); "later" holds what people said and what was done when the activity was held again in later years
TEMPLATES: list[dict[str, Any]] = load_json("demo/engagement_log.json")


ACTIVITIES = 36
FIRST_DAY = date(2023, 4, 10)
LONGEST_DAYS = 28  # the longest activity (a survey or a panel) runs four weeks


def _spread(end: date) -> list[tuple[int, date, str]]:
    """(template, start date, place) triples, evenly from April 2023 until the last can finish by end (the end of
    the demo's data), steady and deterministic."""
    out = []
    last = max(end - timedelta(days=LONGEST_DAYS), FIRST_DAY)
    for i in range(ACTIVITIES):
        day = FIRST_DAY + timedelta(days=round(i * (last - FIRST_DAY).days / (ACTIVITIES - 1)))
        place = ["P01", "P02", "P03", "P04"][(i * 3) % 4]
        out.append((i % len(TEMPLATES), day, place))
    return out


DERIVED_OUTCOMES = {"log:collaborate_empower": "O7", "log:feedback_within_3_months": "O1",
                    "log:volunteer_hours": "O5", "log:core20plus5_reach": "O2"}


def write_engagement_demo(cur, user: User, system_code: str = "DEMO", today: date | None = None) -> int:
    """Write the demo engagement log inside the caller's transaction; return how many activities were written.
    Every activity ends with the demo's data (the last complete quarter before today, default the real date) and
    nothing is fed back after today."""
    from framework.demo.system import data_end
    from framework.engagement.sync import after_log_change

    require(user, "load_demo")
    if scalar(cur, "SELECT count(*) FROM engagement_activity WHERE system_code = ?", [system_code]):
        raise ValueError(f"The demo engagement log is already loaded for {system_code}.")
    for tag, share in POPULATION_SHARES.items():
        cur.execute("UPDATE community_tag SET population_share = ? WHERE tag_code = ? AND population_share IS NULL",
                    [share, tag])
    ids = []
    last_day = today or date.today()
    end_of_data = data_end(last_day)
    for n, (t, day, place) in enumerate(_spread(end_of_data)):
        template = TEMPLATES[t]
        title, method, level = template["title"], template["method"], template["level"]
        people, hours = template["participants"], template["volunteer_hours"]
        round_no = n // len(TEMPLATES)
        # later rounds move up the spectrum a little, as the partnership learns
        if round_no == 2 and level == "consult":
            level = "involve"
        if round_no >= 1 and level == "involve" and n % 3 == 0:
            level = "collaborate"
        end = day + timedelta(days=0 if method in ("event", "outreach", "workshop") else 28)
        scale = (0.8, 1.0, 1.2)[round_no % 3]
        area = f"{system_code}-{place}"
        areas = [f"{system_code}-ICB"] if method == "survey" or method == "citizens' panel" else [area]
        activity_id = insert_returning(
            cur,
            "INSERT INTO engagement_activity (system_code, title, start_date, end_date, lead_partner, method, level,"
            " areas, communities, participants, volunteers, volunteer_hours, outcomes, indicators, principles, summary,"
            " evidence_url, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING activity_id",
            [system_code, f"{title} ({PLACES[place]})" if areas == [area] else title, day, end,
             template["lead_partner"], method, level, areas, template["communities"], int(people * scale),
             template["volunteers"], float(round(hours * scale)), template["outcomes"], [], template["principles"],
             template["summary"],
             f"https://example.org/demo/engagement/{n + 1}", user.user_id],
        )
        for item in template["you_said"]:
            said, did, status, reason = item["you_said"], item["we_did"], item["status"], item["reason"]
            if round_no:  # a later year's activity hears new things, so no "you said" repeats an earlier one
                later = item["later"][round_no - 1]
                said, did, reason = later["you_said"], later["we_did"], later.get("reason", reason)
            delay = item["feedback_after_days"]
            feedback = end + timedelta(days=delay + 7 * (round_no % 2)) if delay is not None else None
            if feedback and feedback > last_day:
                feedback, status, did = None, "planned", None  # not yet done: nothing claimed
            if end > end_of_data - timedelta(days=121) and status == "done":
                status, feedback, did = "planned", None, None  # recent activities are still being worked on
            cur.execute(
                "INSERT INTO you_said (activity_id, system_code, you_said, we_did, status, reason, feedback_date,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [activity_id, system_code, said, did, status, reason, feedback, user.user_id],
            )
        ids.append(activity_id)
    audit.record(cur, user, "create", "engagement_demo", system_code, system_code=system_code,
                 after={"activities": len(ids)}, reason="Demo engagement log so a newcomer sees a working register")
    after_log_change(cur, system_code, ids, as_of=last_day)
    for source_ref, outcome in DERIVED_OUTCOMES.items():  # the demo says which outcome each derived measure serves
        cur.execute("UPDATE indicator SET outcome_code = ? WHERE system_code = ? AND source_ref = ?"
                    " AND outcome_code IS NULL", [outcome, system_code, source_ref])
    return len(ids)


def load_engagement_demo(con, user: User, system_code: str = "DEMO", today: date | None = None) -> int:
    """Write the demo engagement log in its own transaction (editors and admins)."""
    require(user, "load_demo")
    return transaction(con, write_engagement_demo, user, system_code, today)
