"""What the demo adds through the product's own write functions, so that it passes the same checks as users' work
and every page has something real on it: answers to every starter question, a closed prioritisation round with results and an open one with ballots,
proposed measures in every state, stories behind the curve, and an open stakeholder review a newcomer can answer.

Everything is dated relative to today (default: the real date). Only a round's closing day lies after today: it is a
plan, as a due date is. Ratings and texts are fixed, so the same today gives the same demo."""
from __future__ import annotations

from datetime import date, timedelta

from framework.core import audit
from framework.core.auth import require
from framework.core.db import transaction
from framework.core.model import User
from framework.core.shipped_data import load_json

TEXTS = load_json("demo/showcase.json")
# group: (role its members sign in with, ballots in the closed round, ballots in the open round)
BALLOTS = {  # a person skips one measure in five, so 13 ballots give each measure at least BALLOT_MIN_GROUP ratings
    "community": ("community", 16, 13),
    "vcse": ("partner", 13, 4),
    "healthwatch": ("partner", 4, 2),  # too few to show: its ratings stay out of every figure
    "icb": ("partner", 13, 13),
    "local_authority": ("partner", 13, 3),
    "nhs_providers": ("partner", 13, 0),
}
OPEN_REVIEW_DAYS = (14, 28)  # the open review opened two weeks ago and runs four more weeks


def people(group: str, role: str, count: int) -> list[User]:
    """The demo's members of one stakeholder group (fictional, with no email)."""
    return [User(f"demo-{group}-{n + 1}", f"Demo {group.replace('_', ' ')} member {n + 1}", role, group_code=group)
            for n in range(count)]


def ratings(codes: list[str], group: str, person: int, round_no: int) -> dict[str, int]:
    """One person's ratings: communities rate lived experience highest, system bodies performance measures; a fixed
    pattern per person spreads them, and people skip a few measures."""
    leaning = TEXTS["leanings"].get(group, {})
    out = {}
    for i, code in enumerate(codes):
        if (i + person + round_no) % 5 == 4:
            continue  # not everyone rates every measure
        base = leaning.get(code, 3)
        out[code] = max(1, min(5, base + ((i * 7 + person * 3 + round_no) % 3) - 1))
    return out


def write_ballots(cur, secret: bytes, system_code: str, round_id: int, codes: list[str], column: int) -> int:
    """Every demo ballot of one round inside the caller's transaction, keyed and audited as a ballot cast on the
    Priorities page is (an HMAC of round, role and person under the ballot secret); return how many."""
    from framework.measures.priorities import voter_key

    count = 0
    for group, spec in BALLOTS.items():
        for n, person in enumerate(people(group, spec[0], spec[column])):
            scores = ratings(codes, group, n, column)
            key = voter_key(secret, round_id, person.role, person.user_id)
            cur.execute("INSERT INTO priority_ballot (round_id, voter_key, group_code, keying) VALUES (?, ?, ?, 'hmac')",
                        [round_id, key, group])
            cur.executemany("INSERT INTO priority_score VALUES (?, ?, ?, ?)",
                            [(round_id, key, c, s) for c, s in scores.items()])
            audit.record(cur, User(f"voter:{key[:12]}", "A voter", person.role), "cast", "ballot",
                         f"{round_id}/{key[:12]}", system_code=system_code,
                         after={"group_code": group, "measures_rated": len(scores)})
            count += 1
    return count


def write_priorities(con, editor: User, system_code: str, today: date) -> list[int]:
    """A prioritisation round that closed in the spring with results for every group big enough to show, and one
    open now with the first ballots in. The rounds are opened through the Priorities page's own function; the
    ballots are written together, in one transaction a round, as a ballot is cast."""
    require(editor, "load_demo")
    from framework.measures.priorities import ballot_secret, open_round, rateable_measures

    codes = list(rateable_measures(con, system_code)["indicator_code"])
    secret = ballot_secret(con)
    earlier = today - timedelta(days=200)
    rounds = [(f"{earlier:%B %Y} priorities", earlier, earlier + timedelta(days=27), 1),
              (f"{today - timedelta(days=12):%B %Y} priorities", today - timedelta(days=12), today + timedelta(days=16),
               2)]
    ids = []
    for title, opens, closes, column in rounds:
        round_id = open_round(con, editor, system_code, title, opens, closes, today=opens)
        transaction(con, write_ballots, secret, system_code, round_id, codes, column)
        ids.append(round_id)
    return ids


def write_proposals(con, editor: User, system_code: str) -> list[int]:
    """Proposed measures in every state: waiting, accepted as a new measure, merged into one and declined."""
    require(editor, "load_demo")
    from framework.measures.proposals import (
        accept_proposal,
        decline_proposal,
        merge_proposal,
        propose_measure,
        suggest_indicator_code,
    )

    ids = []
    for item in TEXTS["proposals"]:
        group = item["by"]
        proposer = people(group, BALLOTS[group][0], 1)[0]
        proposal_id = propose_measure(con, proposer, system_code, item["proposal"])
        decision = item.get("decision")
        if decision == "accepted":
            accept_proposal(con, editor, system_code, proposal_id,
                            {**item["indicator"], "indicator_code": suggest_indicator_code(con, system_code)},
                            reason=item["reason"])
        elif decision == "merged":
            merge_proposal(con, editor, system_code, proposal_id, item["into"], item["reason"])
        elif decision == "declined":
            decline_proposal(con, editor, system_code, proposal_id, item["reason"])
        ids.append(proposal_id)
    return ids


def write_stories(con, editor: User, system_code: str) -> list[int]:
    """Stories behind the curve for the latest and an earlier period of a few measures, by a partner and the team."""
    require(editor, "load_demo")
    from framework.progress.narratives import add_narrative, narrative_periods

    partner = people("nhs_providers", "partner", 1)[0]
    ids = []
    for story in TEXTS["stories"]:
        periods = list(narrative_periods(con, system_code, story["indicator"])["period_label"])
        if len(periods) <= story["periods_back"]:
            continue
        values = {**story["text"], "period_label": periods[story["periods_back"]]}
        author = partner if story["by"] == "partner" else editor
        ids.append(add_narrative(con, author, system_code, story["indicator"], values))
    return ids


def write_open_review(con, editor: User, system_code: str, today: date) -> int:
    """A stakeholder review open now, with an invite link for every group, which the Answer page offers in the
    demo (a real system never shows invite codes)."""
    require(editor, "load_demo")
    from framework.reviews.rounds import create_round
    from framework.reviews.statements import STARTER

    before, after = OPEN_REVIEW_DAYS
    opens = today - timedelta(days=before)
    return create_round(con, editor, system_code, {
        "title": f"{opens:%B %Y} partnership review", "opens_on": opens, "closes_on": today + timedelta(days=after),
        "statements": [s["statement_code"] for s in STARTER], "groups": list(BALLOTS), "min_group_size": 10})


def write_showcase(con, editor: User, system_code: str = "DEMO", today: date | None = None) -> None:
    """Everything above, and answers to the starter questions the vision has no column for, each write through its
    own function and transaction."""
    require(editor, "load_demo")
    from framework.demo.content import STARTER_ANSWERS
    from framework.foundation.starter_questions import save_answers

    today = today or date.today()
    save_answers(con, editor, system_code, STARTER_ANSWERS)
    write_proposals(con, editor, system_code)  # first, so the accepted measure can be rated too
    write_priorities(con, editor, system_code, today)
    write_stories(con, editor, system_code)
    write_open_review(con, editor, system_code, today)
