"""Measures proposed by communities and partners, and what editors did with each: accepted as a new indicator,
merged into an existing one, or declined with a public reason ("you said, we did" for measures).

Proposers are named in public only when they chose to be (a box on the form, off by default); otherwise the public
see their role in words, such as "a community member". Editors reviewing proposals see who proposed them."""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import can, require
from framework.core.db import insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, require_one, require_text
from framework.foundation.indicators import insert_indicators, validate_indicator

FIELDS = {
    "name": ("Name of the measure", 200),
    "why_it_matters": ("Why it matters", 2000),
    "who_it_matters_to": ("Who it matters to", 500),
    "how_measured": ("How it might be measured", 2000),
}
ROLE_IN_WORDS = {"viewer": "a member of the public", "community": "a community member",
                 "partner": "a partner organisation", "editor": "the engagement team", "admin": "the engagement team"}
STATUS_WORDS = {
    "open": "Waiting for review",
    "accepted": "Accepted as a new measure",
    "merged": "Merged into an existing measure",
    "declined": "Declined",
}


def _outcomes(con, system_code: str) -> set[str]:
    return {r["outcome_code"] for r in read_rows(con, "SELECT outcome_code FROM outcome WHERE system_code = ?",
                                                  [system_code])}


def validate_proposal(values: dict[str, Any], known_outcomes: set[str]) -> dict[str, Any]:
    """Check a proposal; return it cleaned or raise ValidationError naming each field."""
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for name, (label, limit) in FIELDS.items():
        clean[name] = require_text(problems, values, name, label, limit)
    outcome = clean_text(values.get("outcome_code"))
    if not outcome:
        problems.append("Outcome is required: choose the outcome this measure would serve.")
    elif outcome not in known_outcomes:
        problems.append(f"Outcome {outcome!r} is not an outcome of this system.")
    clean["outcome_code"] = outcome
    clean["proposer_named"] = values.get("proposer_named") is True
    if problems:
        raise ValidationError(problems)
    return clean


def propose_measure(con, user: User, system_code: str, values: dict[str, Any]) -> int:
    """Record a proposed measure from a community member, partner or editor; return its number."""
    require(user, "propose_measure")
    clean = validate_proposal(values, _outcomes(con, system_code))

    def work(cur) -> int:
        proposal_id = insert_returning(
            cur,
            "INSERT INTO measure_proposal (system_code, name, why_it_matters, who_it_matters_to, how_measured,"
            " outcome_code, proposed_by_id, proposed_by_name, proposed_by_role, proposer_named)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING proposal_id",
            [system_code, *(clean[k] for k in ("name", "why_it_matters", "who_it_matters_to", "how_measured",
                                                "outcome_code")), user.user_id, user.name, user.role,
             clean["proposer_named"]],
        )
        audit.record(cur, user, "propose", "proposal", f"{system_code}/{proposal_id}", system_code=system_code,
                     after=clean)
        return proposal_id

    return transaction(con, work)


def proposer_words(name: str | None, role: str, named: bool) -> str:
    """Who proposed a measure, as the public see it: their name and role if they chose to be named, else the role."""
    words = ROLE_IN_WORDS.get(role, "a participant")
    return f"{name} ({words})" if named and name else words[0].upper() + words[1:]


def list_proposals(con, system_code: str, *, statuses: list[str] | tuple[str, ...] | None = None,
                   reviewer: User | None = None) -> pd.DataFrame:
    """Every proposal with what happened to it, newest first. Public: `proposed_by` names a proposer only when they
    chose to be named; with a reviewer who may review proposals, `proposed_by_name` is given as well."""
    where, params = ["p.system_code = ?"], [system_code]
    if statuses:
        where.append(f"p.status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    df = read_df(
        con,
        "SELECT p.proposal_id, p.name, p.why_it_matters, p.who_it_matters_to, p.how_measured, p.outcome_code,"
        " o.title AS outcome_title, p.proposed_by_name, p.proposed_by_role, p.proposer_named, p.proposed_at, p.status,"
        " p.indicator_code, i.name AS indicator_name, p.decision_reason, p.decided_at, p.version"
        " FROM measure_proposal p LEFT JOIN outcome o USING (system_code, outcome_code)"
        " LEFT JOIN indicator i ON i.system_code = p.system_code AND i.indicator_code = p.indicator_code"
        f" WHERE {' AND '.join(where)} ORDER BY p.proposed_at DESC, p.proposal_id DESC",
        params,
    )
    df["what_happened"] = [what_happened(r) for r in df.to_dict("records")]
    df["proposed_by"] = [proposer_words(n, r, bool(k)) for n, r, k in
                         zip(df["proposed_by_name"], df["proposed_by_role"], df["proposer_named"])]
    if reviewer is None or not can(reviewer, "review_proposals"):
        df = df.drop(columns=["proposed_by_name"])
    return df


def what_happened(p: dict[str, Any]) -> str:
    """One plain sentence saying what was done with a proposal."""
    if p["status"] == "accepted":
        note = f" {p['decision_reason']}" if isinstance(p.get("decision_reason"), str) and p["decision_reason"] else ""
        return f"Accepted: it is now measure {p['indicator_code']} ({p.get('indicator_name') or p['name']}).{note}"
    if p["status"] == "merged":
        return (f"Merged into measure {p['indicator_code']} ({p.get('indicator_name') or 'an existing measure'}): "
                f"{p['decision_reason']}")
    if p["status"] == "declined":
        return f"Declined: {p['decision_reason']}"
    return "Waiting for the engagement team to review it."


def get_proposal(con, system_code: str, proposal_id: int) -> dict[str, Any] | None:
    """One proposal, or None."""
    rows = read_rows(con, "SELECT * FROM measure_proposal WHERE system_code = ? AND proposal_id = ?",
                     [system_code, int(proposal_id)])
    return rows[0] if rows else None


def suggest_indicator_code(con, system_code: str) -> str:
    """The next free code of the form I<number>, e.g. I28 after I27."""
    codes = [r["indicator_code"] for r in read_rows(con, "SELECT indicator_code FROM indicator WHERE system_code = ?",
                                                     [system_code])]
    numbers = [int(m.group(1)) for c in codes if (m := re.fullmatch(r"I(\d+)", c))]
    width = max((len(c) - 1 for c in codes if re.fullmatch(r"I\d+", c)), default=2)
    return f"I{max(numbers, default=0) + 1:0{width}d}"


def _open_proposal(cur, system_code: str, proposal_id: int, expected_version: int | None) -> dict[str, Any]:
    rows = cur.execute("SELECT * FROM measure_proposal WHERE system_code = ? AND proposal_id = ?",
                       [system_code, int(proposal_id)]).df().to_dict("records")
    if not rows:
        raise ValidationError([f"There is no proposal number {proposal_id}."])
    p = rows[0]
    if p["status"] != "open" or (expected_version is not None and p["version"] != expected_version):
        raise ValidationError([
            f"Proposal {proposal_id} has already been reviewed ({STATUS_WORDS[p['status']].lower()}); "
            "reload the page to see the decision."])
    return p


def _decide(cur, user: User, system_code: str, p: dict[str, Any], status: str, indicator_code: str | None,
            reason: str | None) -> None:
    require(user, "review_proposals")
    cur.execute(
        "UPDATE measure_proposal SET status = ?, indicator_code = ?, decision_reason = ?, decided_by = ?,"
        " decided_at = current_timestamp, version = version + 1 WHERE proposal_id = ?",
        [status, indicator_code, reason, user.user_id, p["proposal_id"]],
    )
    audit.record(cur, user, status, "proposal",
                 f"{system_code}/{p['proposal_id']}", system_code=system_code, before={"status": "open"},
                 after={"status": status, "indicator_code": indicator_code}, reason=reason)


def accept_proposal(con, user: User, system_code: str, proposal_id: int, indicator: dict[str, Any], *,
                    reason: str | None = None, expected_version: int | None = None) -> str:
    """Accept a proposal: create the indicator (definition, targets) it becomes; return the indicator code."""
    require(user, "review_proposals")
    values = {"status": "active", "kind": "quantitative", "direction": "higher_is_better", **indicator}
    clean = validate_indicator(values, _outcomes(con, system_code))
    if not clean.get("definition"):
        raise ValidationError(["Definition is required: say exactly what is counted or asked, so anyone can check it."])

    def work(cur) -> str:
        p = _open_proposal(cur, system_code, proposal_id, expected_version)
        code = clean["indicator_code"]
        taken = cur.execute("SELECT count(*) FROM indicator WHERE system_code = ? AND indicator_code = ?",
                            [system_code, code]).fetchall()[0][0]
        if taken:
            raise ValidationError([f"Indicator code {code!r} is already used; choose another."])
        clean["proposed_by"] = clean.get("proposed_by") or proposer_words(
            p["proposed_by_name"], p["proposed_by_role"], bool(p.get("proposer_named")))
        insert_indicators(cur, system_code, [clean])
        audit.record(cur, user, "create", "indicator", f"{system_code}/{code}", system_code=system_code,
                     after={k: v for k, v in clean.items() if k != "indicator_code"},
                     reason=clean_text(reason) or f"Accepted from proposal {p['proposal_id']}: {p['name']}")
        _decide(cur, user, system_code, p, "accepted", code, clean_text(reason))
        return code

    return transaction(con, work)


def merge_proposal(con, user: User, system_code: str, proposal_id: int, indicator_code: str, reason: str, *,
                   expected_version: int | None = None) -> None:
    """Merge a proposal into an existing indicator, saying publicly how that indicator covers it."""
    require(user, "review_proposals")
    problems: list[str] = []
    given = {"reason": reason, "indicator_code": indicator_code}
    reason = require_text(problems, given, "reason", "Reason", 2000,
                          hint=": say how the existing measure covers what was proposed")
    require_text(problems, given, "indicator_code", "Existing measure", 30, hint=": choose the measure to merge into")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> None:
        p = _open_proposal(cur, system_code, proposal_id, expected_version)
        found = cur.execute("SELECT count(*) FROM indicator WHERE system_code = ? AND indicator_code = ?",
                            [system_code, indicator_code]).fetchall()[0][0]
        if not found:
            raise ValidationError([f"Existing measure {indicator_code!r} is not a measure of this system."])
        _decide(cur, user, system_code, p, "merged", indicator_code, reason)

    transaction(con, work)


def decline_proposal(con, user: User, system_code: str, proposal_id: int, reason: str, *,
                     expected_version: int | None = None) -> None:
    """Decline a proposal with a reason everyone can read."""
    require(user, "review_proposals")
    reason = require_one(reason, "Reason", 2000, hint=": say publicly why this measure was not taken forward")

    def work(cur) -> None:
        p = _open_proposal(cur, system_code, proposal_id, expected_version)
        _decide(cur, user, system_code, p, "declined", None, reason)

    transaction(con, work)
