"""Inviting people to a review: a personal code for each person, which works once, handed to the editor as a list
or a mail-merge CSV; and a cap on each group's shared link, so a link passed around or used to stuff answers is
flagged. Only a hash of each personal code is kept, and nothing records which code led to which answers."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.addresses import page_address
from framework.core.auth import require
from framework.core.db import read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.core.safe_text import csv_bytes
from framework.reviews.rounds import check_link_cap, personal_code_hash, random_code, round_state

MAX_CODES_AT_ONCE = 1000
LINK_COLUMNS = {"group_name": "Group", "invite_code": "Invite code", "link": "Link",
                "link_cap": "Cap (people sent it)", "over_cap": "Flag", "reached_minimum": "Reached the minimum"}
ROUND_COLUMNS = {"title": "Round", "opens_on": "Opens", "closes_on": "Closes", "state": "State",
                 "min_group_size": "Minimum group size", "statements": "Statements", "groups": "Groups invited"}
CSV_COLUMNS = ("Review", "Group", "Personal invite code", "Link", "Name", "Email")



def _round_and_group(cur, round_id: int, group_code: str) -> dict[str, Any]:
    cur.execute("SELECT r.system_code, r.title, r.opens_on, r.closes_on, r.closed_early, g.name AS group_name"
                " FROM review_invite i JOIN review_round r USING (round_id)"
                " JOIN stakeholder_group g USING (group_code) WHERE i.round_id = ? AND i.group_code = ?",
                [round_id, group_code])
    columns = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if not rows:
        raise ValidationError([f"Group {group_code!r} is not invited to review round {round_id}."])
    return dict(zip(columns, rows[0]))


def issue_personal_codes(con, user: User, round_id: int, group_code: str, count: int) -> list[str]:
    """Make `count` personal invite codes for a group: each works for one person, once. Returned once, never
    stored: keep the list or the CSV to send them."""
    require(user, "run_reviews")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_CODES_AT_ONCE:
        raise ValidationError([f"Number of codes {count!r} is not a whole number from 1 to {MAX_CODES_AT_ONCE}."])

    def work(cur) -> list[str]:
        info = _round_and_group(cur, round_id, group_code)
        if round_state(info) == "closed":
            raise ValidationError(["This round has closed, so no more invitations can be made."])
        codes: list[str] = []
        while len(codes) < count:
            code = random_code(3)
            taken = scalar(cur, "SELECT count(*) FROM review_personal_code WHERE code_hash = ?",
                           [personal_code_hash(code)]) or scalar(
                cur, "SELECT count(*) FROM review_invite WHERE invite_code = ?", [code])
            if not taken and code not in codes:
                codes.append(code)
        cur.executemany("INSERT INTO review_personal_code (code_hash, round_id, group_code) VALUES (?, ?, ?)",
                        [(personal_code_hash(c), round_id, group_code) for c in codes])
        audit.record(cur, user, "issue_codes", "review_round", str(round_id), system_code=info["system_code"],
                     after={"group_code": group_code, "personal_codes": count})
        return codes

    return transaction(con, work)


def invite_link(base_url: str | None, code: str) -> str:
    """The address a person opens to answer: complete (https://host/respond?code=...) when the app's public
    address is known."""
    return page_address(base_url, "respond", code=code)


def personal_codes_csv(round_title: str, group_name: str, codes: list[str], base_url: str | None = None) -> bytes:
    """A mail-merge CSV of personal codes, each with its complete link (blank Name and Email columns to fill in),
    safe to open in a spreadsheet."""
    rows = [(round_title, group_name, code, invite_link(base_url, code), "", "") for code in codes]
    return csv_bytes(pd.DataFrame(rows, columns=list(CSV_COLUMNS)))


def set_link_cap(con, user: User, round_id: int, group_code: str, cap: int) -> None:
    """Set how many people a group's shared link was sent to; uses past the cap are flagged in the results."""
    require(user, "run_reviews")
    problems = check_link_cap(cap)
    if problems:
        raise ValidationError(problems)

    def work(cur) -> None:
        info = _round_and_group(cur, round_id, group_code)
        old = scalar(cur, "SELECT link_cap FROM review_invite WHERE round_id = ? AND group_code = ?",
                     [round_id, group_code])
        cur.execute("UPDATE review_invite SET link_cap = ? WHERE round_id = ? AND group_code = ?",
                    [int(cap), round_id, group_code])
        audit.record(cur, user, "set_link_cap", "review_invite", f"{round_id}/{group_code}",
                     system_code=info["system_code"], before={"link_cap": old}, after={"link_cap": int(cap)})

    transaction(con, work)


def links_table(links, base_url: str | None = None):
    """The shared links as editors see them, each a complete address, with words for columns and flags: never a
    count of people."""
    return links.assign(
        link=[invite_link(base_url, code) for code in links["invite_code"]],
        over_cap=links["over_cap"].map({True: "Used past its cap", False: ""}),
        reached_minimum=links["reached_minimum"].map({True: "Yes", False: "Not yet"}),
    )[list(LINK_COLUMNS)].rename(columns=LINK_COLUMNS)


def over_cap_groups(con, round_id: int) -> list[str]:
    """The codes of groups whose shared link was used more times than the people it was sent to."""
    return [r["group_code"] for r in read_rows(
        con, "SELECT group_code FROM review_invite WHERE round_id = ? AND link_uses > link_cap ORDER BY group_code",
        [round_id])]


def demo_invites(con) -> list[dict[str, Any]]:
    """The shared invite links of review rounds open today in demo systems, so a newcomer can try answering; empty
    for every real system, whose invite codes are never shown to someone who has none."""
    from framework.reviews.rounds import invites as round_invites

    rows = read_rows(con, "SELECT r.round_id, r.title, r.opens_on, r.closes_on, r.closed_early FROM review_round r"
                          " JOIN system s USING (system_code) WHERE s.is_demo ORDER BY r.opens_on DESC")
    out = []
    for row in rows:
        if round_state(row) == "open":
            for invite in round_invites(con, row["round_id"]).to_dict("records"):
                out.append({"title": row["title"], "group_name": invite["group_name"],
                            "invite_code": invite["invite_code"]})
    return out
