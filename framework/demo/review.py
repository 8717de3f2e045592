"""A finished stakeholder review for the demo system, so the results page is populated out of the box: two closed
rounds a year apart, answers from six groups (one too small to show), released comments, discussion notes,
agreed actions and a perception indicator fed from both rounds. Generated deterministically from a fixed seed."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

import numpy as np
import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import scalar, transaction
from framework.core.model import User
from framework.foundation.measurements import upsert_measurements
from framework.reviews.rounds import insert_round, new_respondent_id
from framework.reviews.statements import STARTER, insert_starter_statements
from framework.reviews.suppression import CELLS, suppress_statement

SEED = 20250301
ROUND_DAYS = 28  # each round is open four weeks from the first Monday of March


def spring_round(year: int) -> tuple[str, date, date]:
    """The spring review of a year: its title, opening day (the first Monday of March) and closing day."""
    first = date(year, 3, 1)
    opens = first + timedelta(days=(7 - first.weekday()) % 7)
    return f"Spring {year} partnership review", opens, opens + timedelta(days=ROUND_DAYS)


def demo_rounds(today: date | None = None) -> list[tuple[str, date, date]]:
    """The two spring reviews a year apart, the later the last to have closed before today (default: the real date)."""
    today = today or date.today()
    year = today.year if spring_round(today.year)[2] < today else today.year - 1
    return [spring_round(year - 1), spring_round(year)]


def _month_end_after(day: date, months: int) -> date:
    """The last day of the month `months` after day's month."""
    month = day.month - 1 + months + 1
    first_next = date(day.year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)
# group: (people in 2025, people in 2026, how warmly the group sees things overall)
GROUPS = {
    "community": (26, 31, -0.6),
    "vcse": (14, 17, -0.3),
    "healthwatch": (6, 7, -0.1),  # too few to show: demonstrates suppression
    "primary_care": (5, 6, 0.2),  # too few to show as well
    "icb": (12, 13, 0.7),
    "local_authority": (11, 12, 0.3),
    "nhs_providers": (10, 12, 0.5),
}
# statements where groups see things most differently: extra lift for statutory bodies, dip for communities
CONTESTED = {"S02": 0.9, "S03": 0.7, "S10": 0.8, "S12": 0.6}
COMMENTS = {
    ("S03", "community"): ["We filled in the survey about the stroke unit and never heard what happened next.",
                           "The 'you said, we did' page helps, but it came out months after the decision."],
    ("S02", "icb"): ["Community representatives now sit on the place boards, and their questions change the papers."],
    ("S12", "vcse"): ["We are asked to deliver, but rarely to help design. Funding still arrives one year at a time."],
    ("S10", "community"): ["People at the mosque told me nobody came back after the last listening event."],
}
FEED_INDICATOR = ("R01", "S03", "community")


def _score(rng: np.random.Generator, base: float) -> int | None:
    if rng.random() < 0.06:
        return None  # don't know
    return int(np.clip(np.rint(base + rng.normal(0, 1.15)), 1, 5))


def write_demo_reviews(cur, user: User, system_code: str, *, feed_indicator: bool = True,
                       today: date | None = None) -> list[int]:
    """Write the demo review inside the caller's transaction; return the round ids. Both rounds closed before
    today (default: the real date); the agreed actions fall due after the later one."""
    require(user, "load_demo")
    rng = np.random.default_rng(SEED)
    insert_starter_statements(cur, user, system_code)
    codes = [s["statement_code"] for s in STARTER]
    outcome_codes = {r[0] for r in cur.execute("SELECT outcome_code FROM outcome WHERE system_code = ?",
                                               [system_code]).fetchall()}
    round_ids, feed_rows, all_answers = [], [], []
    rounds = demo_rounds(today)
    for year_index, (title, opens, closes) in enumerate(rounds):
        round_id = insert_round(cur, user, system_code, {"title": title, "opens_on": opens, "closes_on": closes,
                                                         "statements": codes, "groups": list(GROUPS),
                                                         "min_group_size": 10})
        round_ids.append(round_id)
        counts = {}
        for group, sizes in GROUPS.items():
            warmth = sizes[2] + 0.25 * year_index  # things improve a little in the second year
            for person in range(sizes[year_index]):
                token = hashlib.sha256(f"demo-{round_id}-{group}-{person}-{rng.random()}".encode()).hexdigest()
                rid = new_respondent_id(cur)
                cur.execute("INSERT INTO review_respondent (respondent_id, round_id, group_code, token_hash)"
                            " VALUES (?, ?, ?, ?)", [rid, round_id, group, token])
                answers = []
                for code in codes:
                    lift = CONTESTED.get(code, 0.0) * (1 if sizes[2] > 0 else -1)
                    score = _score(rng, 3.2 + warmth + lift)
                    comment = None
                    texts = COMMENTS.get((code, group))
                    if texts and person < len(texts) and year_index == 1:
                        comment = texts[person]
                    answers.append((rid, code, score, score is None, comment))
                    cell = "dont_know" if score is None else f"score_{score}"
                    counts.setdefault(code, {}).setdefault(group, dict.fromkeys(CELLS, 0))[cell] += 1
                    if comment:
                        cur.execute("INSERT INTO review_comment_release (respondent_id, statement_code, released_text,"
                                    " redacted, released_by) VALUES (?, ?, ?, false, ?)", [rid, code, comment, user.user_id])
                all_answers += answers
        code, statement, group = FEED_INDICATOR
        published = suppress_statement(pd.DataFrame(counts[statement]).T, 10).set_index("group_code")
        if published.loc[group, "shown"] and not pd.isna(published.loc[group, "pct_agree"]):
            feed_rows.append({"period_label": title, "period_start": opens, "period_end": closes,
                              "value": published.loc[group, "pct_agree"], "denominator": published.loc[group, "n"]})
    frame = pd.DataFrame(all_answers, columns=["respondent_id", "statement_code", "score", "dont_know", "comment"])
    frame["score"] = frame["score"].astype("Int64")
    cur.register("demo_answers", frame)
    try:
        cur.execute("INSERT INTO review_answer SELECT respondent_id, statement_code, score, dont_know, comment"
                    " FROM demo_answers")
    finally:
        cur.unregister("demo_answers")
    last = round_ids[-1]
    cur.execute("INSERT INTO review_discussion (round_id, statement_code, notes, updated_by) VALUES (?, ?, ?, ?)",
                [last, "S03", "Community members feel they rarely hear back; the ICB thought 'you said, we did' was "
                 "working. Agreed that feedback must reach the people who took part, not only the website.", user.user_id])
    cur.execute("INSERT INTO review_discussion (round_id, statement_code, notes, updated_by) VALUES (?, ?, ?, ?)",
                [last, "S02", "Statutory partners see the place boards as a real say; community members see little "
                 "influence on budgets. Agreed to try participatory budgeting for the small grants scheme.", user.user_id])
    closed = rounds[-1][2]
    actions = [
        ("S03", "O1", "Write back to everyone who took part in an engagement activity within 8 weeks.",
         "ICB engagement team", _month_end_after(closed, 6), "in_progress"),
        ("S02", "O5", "Pilot participatory budgeting for the small grants scheme in Eastvale.",
         "VCSE Alliance", _month_end_after(closed, 12), "open"),
        ("S12", "O7", "Move VCSE engagement contracts to three-year terms.",
         "ICB partnerships team", _month_end_after(closed, 3), "done"),
    ]
    for statement, outcome, text, owner, due, status in actions:
        cur.execute("INSERT INTO review_action (system_code, round_id, statement_code, outcome_code, action_text, owner,"
                    " due_on, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [system_code, last, statement, outcome if outcome in outcome_codes else None, text, owner, due, status])
    if feed_indicator:  # a perception measure fed by each round's community answers
        code, statement, group = FEED_INDICATOR
        cur.execute(
            "INSERT INTO indicator (system_code, indicator_code, outcome_code, name, definition, unit, direction, kind,"
            " source, source_ref, frequency, status) VALUES (?, ?, ?, ?, ?, '%', 'higher_is_better', 'perception',"
            " 'Stakeholder review', ?, 'each review round', 'active') ON CONFLICT DO NOTHING",
            [system_code, code, "O1" if "O1" in outcome_codes else None,
             "Community members who agree they hear what changed because of what they said",
             "Stakeholder review: share of community members rating statement S03 4 or 5 out of 5.",
             f"review:{statement}:{group}"])
        cur.execute("INSERT INTO review_indicator_feed VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [system_code, code, statement, group])
        area = scalar(cur, "SELECT coalesce((SELECT min(area_code) FROM system_area WHERE system_code = ? AND role = 'system'),"
                      " (SELECT icb_code FROM system WHERE system_code = ?))", [system_code, system_code])
        if feed_rows and area:
            frame = pd.DataFrame(feed_rows)
            frame["system_code"], frame["indicator_code"], frame["area_code"] = system_code, code, area
            frame["value_note"] = "From the stakeholder review"
            upsert_measurements(cur, frame, None)
    audit.record(cur, user, "create", "review_round", ",".join(map(str, round_ids)), system_code=system_code,
                 after={"rounds": len(round_ids)}, reason="Demo stakeholder review so the results page has content")
    return round_ids


def load_demo_reviews(con, user: User, system_code: str = "DEMO", today: date | None = None) -> list[int]:
    """Add the demo review to an already loaded demo system, in one transaction."""
    require(user, "load_demo")
    return transaction(con, write_demo_reviews, user, system_code, today=today)
