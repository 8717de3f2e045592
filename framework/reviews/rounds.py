"""Review rounds: the statements chosen, the groups invited, open and close dates, and the minimum group size;
invite codes, which fix the respondent's group (a personal code for each person, used once, or a shared group link
with a cap); and anonymous answers.

No identity is stored with the answers. A respondent gets a one-time return code when they first answer; only a
salted hash of it is kept, so they can come back with it to change their answers while the round is open, and
nobody, editors included, can link answers to a person. Respondents are numbered at random, and the audit trail
records only that answers arrived on a day, never who sent them or in what order."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import insert_returning, read_df, read_rows, scalar, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, clean_text, require_text
from framework.reviews.suppression import MIN_GROUP_DEFAULT, check_min_group_size

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: easy to read aloud and type
TOKEN_GROUPS = 3
HASH_ITERATIONS = 20_000
COMMENT_MAX = 2000
SCALE = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
DONT_KNOW = "dont_know"
RESPONDENT = User("respondent", "Anonymous respondent", "viewer")
LINK_CAP_DEFAULT = 30
ANSWERS_ACTION = "answers_received"


def personal_code_hash(code: str) -> str:
    """The hash kept for a personal invite code: codes carry 60 random bits, so a plain SHA-256 is enough."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def new_respondent_id(cur) -> int:
    """A random respondent number, so the numbers say nothing about who answered first."""
    while True:
        candidate = secrets.randbits(62) + 1
        if not scalar(cur, "SELECT count(*) FROM review_respondent WHERE respondent_id = ?", [candidate]):
            return candidate


def record_answers_today(cur, system_code: str, round_id: int) -> None:
    """One audit row per round and day that answers arrived, dated to the day and with the round's system:
    never one row per respondent, so the trail cannot be matched to answers."""
    key = str(round_id)
    seen = scalar(cur, "SELECT count(*) FROM audit_log WHERE entity = 'review_round' AND entity_key = ?"
                  " AND action = ? AND CAST(changed_at AS DATE) = current_date", [key, ANSWERS_ACTION])
    if seen:
        return
    audit.record(cur, RESPONDENT, ANSWERS_ACTION, "review_round", key, system_code=system_code,
                 after={"answers": "received or changed on this day"})
    cur.execute("UPDATE audit_log SET changed_at = CAST(current_date AS TIMESTAMP) WHERE entity = 'review_round'"
                " AND entity_key = ? AND action = ? AND changed_at >= CAST(current_date AS TIMESTAMP)",
                [key, ANSWERS_ACTION])


def random_code(groups: int) -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(groups))


def normalise_code(code: str | None) -> str:
    """A typed code in its canonical form: upper case, spaces and hyphens ignored, groups of four joined by hyphens."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def hash_token(token: str, salt: str) -> str:
    """The salted hash kept for a respondent's return code (PBKDF2-SHA256)."""
    digest = hashlib.pbkdf2_hmac("sha256", normalise_code(token).encode(), bytes.fromhex(salt), HASH_ITERATIONS)
    return digest.hex()


def round_state(row: dict[str, Any], today: date | None = None) -> str:
    """'not_open_yet', 'open' or 'closed' for a round record."""
    today = today or date.today()
    opens, closes = (pd.Timestamp(row[k]).date() for k in ("opens_on", "closes_on"))
    if row["closed_early"] or today > closes:
        return "closed"
    if today < opens:
        return "not_open_yet"
    return "open"


STATE_WORDS = {"not_open_yet": "Not open yet", "open": "Open", "closed": "Closed"}


# ---- editors: rounds and invites -------------------------------------------------------------------------------

def validate_round(values: dict[str, Any], known_statements: set[str], known_groups: set[str]) -> dict[str, Any]:
    """Check a new round; return it cleaned or raise ValidationError naming each field."""
    problems: list[str] = []
    title = require_text(problems, values, "title", "Title", 120,
                         hint=", for example 'Spring 2026 partnership review'")
    opens, closes = values.get("opens_on"), values.get("closes_on")
    for label, value in (("Open date", opens), ("Close date", closes)):
        if not isinstance(value, date):
            problems.append(f"{label} is required as a date.")
    if isinstance(opens, date) and isinstance(closes, date) and closes < opens:
        problems.append(f"Close date {closes:%d %B %Y} is before the open date {opens:%d %B %Y}.")
    statements = _chosen(problems, values.get("statements"), known_statements, "Statements",
                         "choose at least one statement for the round", "are not active statements in the library")
    groups = _chosen(problems, values.get("groups"), known_groups, "Groups",
                     "invite at least one stakeholder group", "are not stakeholder groups")
    minimum = values.get("min_group_size", MIN_GROUP_DEFAULT)
    problems += check_min_group_size(minimum)
    cap = values.get("link_cap") or LINK_CAP_DEFAULT
    problems += check_link_cap(cap)
    if problems:
        raise ValidationError(problems)
    return {"title": title, "opens_on": opens, "closes_on": closes, "statements": statements, "groups": groups,
            "min_group_size": int(minimum), "link_cap": int(cap)}


def _chosen(problems: list[str], chosen: Any, known: set[str], label: str, none_chosen: str, not_known: str,
            ) -> list[str]:
    """The codes chosen, each once in the order given; a problem when none is chosen or any is not known."""
    codes = list(dict.fromkeys(chosen or []))
    if not codes:
        problems.append(f"{label}: {none_chosen}.")
    unknown = [c for c in codes if c not in known]
    if unknown:
        problems.append(f"{label} {', '.join(unknown)} {not_known}.")
    return codes


def check_link_cap(value: object) -> list[str]:
    """Problems with a shared link's cap (how many people it was sent to), as sentences."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not str(value).strip().isdigit() \
            or not 1 <= int(value) <= 10_000:
        return [f"Link cap {value!r} is not a whole number from 1 to 10,000: give how many people the shared link "
                "is sent to."]
    return []


def create_round(con, user: User, system_code: str, values: dict[str, Any]) -> int:
    """Create a round with an invite code for each group; return its id."""
    require(user, "run_reviews")
    known_s = {r["statement_code"] for r in read_rows(
        con, "SELECT statement_code FROM review_statement WHERE system_code = ? AND status = 'active'", [system_code])}
    known_g = {r["group_code"] for r in read_rows(con, "SELECT group_code FROM stakeholder_group WHERE active")}
    clean = validate_round(values, known_s, known_g)

    def work(cur) -> int:
        return insert_round(cur, user, system_code, clean)

    return transaction(con, work)


def insert_round(cur, user: User, system_code: str, clean: dict[str, Any]) -> int:
    """Write a validated round and its invites inside the caller's transaction; return its id."""
    require(user, "run_reviews")
    round_id = insert_returning(
        cur,
        "INSERT INTO review_round (system_code, title, opens_on, closes_on, min_group_size, token_salt, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING round_id",
        [system_code, clean["title"], clean["opens_on"], clean["closes_on"], clean["min_group_size"],
         secrets.token_hex(16), user.user_id],
    )
    cur.executemany("INSERT INTO review_round_statement VALUES (?, ?, ?)",
                    [(round_id, s, i) for i, s in enumerate(clean["statements"], start=1)])
    for group in clean["groups"]:
        while True:
            code = random_code(3)
            if not scalar(cur, "SELECT count(*) FROM review_invite WHERE invite_code = ?", [code]):
                break
        cur.execute("INSERT INTO review_invite (invite_code, round_id, group_code, link_cap) VALUES (?, ?, ?, ?)",
                    [code, round_id, group, int(clean.get("link_cap") or LINK_CAP_DEFAULT)])
    audit.record(cur, user, "create", "review_round", str(round_id), system_code=system_code,
                 after={k: v for k, v in clean.items()})
    return int(round_id)


def close_round(con, user: User, round_id: int, reason: str | None = None) -> None:
    """Close a round now: no more answers or changes are accepted."""
    require(user, "run_reviews")

    def work(cur) -> None:
        system = scalar(cur, "SELECT system_code FROM review_round WHERE round_id = ?", [round_id])
        if system is None:
            raise ValidationError([f"There is no review round {round_id}."])
        cur.execute("UPDATE review_round SET closed_early = true WHERE round_id = ?", [round_id])
        audit.record(cur, user, "close", "review_round", str(round_id), system_code=system,
                     after={"closed_early": True}, reason=clean_text(reason))

    transaction(con, work)


def list_rounds(con, system_code: str) -> pd.DataFrame:
    """The system's rounds, newest first, with their state in words (no count of people: with the shown groups'
    sizes, a total would give the hidden groups' size away)."""
    frame = read_df(
        con,
        "SELECT r.round_id, r.title, r.opens_on, r.closes_on, r.min_group_size, r.closed_early,"
        " (SELECT count(*) FROM review_round_statement s WHERE s.round_id = r.round_id) AS statements,"
        " (SELECT count(*) FROM review_invite i WHERE i.round_id = r.round_id) AS groups"
        " FROM review_round r WHERE r.system_code = ? ORDER BY r.opens_on DESC, r.round_id DESC",
        [system_code],
    )
    frame["state"] = [STATE_WORDS[round_state(r)] for r in frame.to_dict("records")]
    return frame


def get_round(con, round_id: int) -> dict[str, Any] | None:
    """One round as a dict (without its salt), or None."""
    rows = read_rows(con, "SELECT * EXCLUDE (token_salt) FROM review_round WHERE round_id = ?", [round_id])
    if not rows:
        return None
    row = rows[0]
    row["state"] = round_state(row)
    return row


ROUND_STATEMENTS_SQL = """
    SELECT rs.statement_code, s.theme, s.text FROM review_round_statement rs JOIN review_round r USING (round_id)
    JOIN review_statement s ON s.system_code = r.system_code AND s.statement_code = rs.statement_code
    WHERE rs.round_id = ? ORDER BY rs.sort_order"""


def round_statements(con, round_id: int) -> pd.DataFrame:
    """The statements of a round in the order asked."""
    return read_df(con, ROUND_STATEMENTS_SQL, [round_id])


def invites(con, round_id: int) -> pd.DataFrame:
    """Each invited group with its shared link, the link's cap, whether the link was used past its cap, and whether
    the group has reached the round's minimum yet (yes or no, never how many)."""
    return read_df(
        con,
        "SELECT i.group_code, g.name AS group_name, i.invite_code, '/respond?code=' || i.invite_code AS link,"
        " i.link_cap, i.link_uses > i.link_cap AS over_cap,"
        " (SELECT count(*) FROM review_respondent p WHERE p.round_id = i.round_id AND p.group_code = i.group_code)"
        "   >= r.min_group_size AS reached_minimum"
        " FROM review_invite i JOIN stakeholder_group g USING (group_code) JOIN review_round r USING (round_id)"
        " WHERE i.round_id = ? ORDER BY g.sort_order",
        [round_id],
    )



# ---- respondents -------------------------------------------------------------------------------------------------

def invite_info(con, invite_code: str) -> dict[str, Any] | None:
    """What a respondent with this invite code is asked: the round, its state, their group and the statements;
    `personal` says whether it is a personal code (used once) rather than a shared group link."""
    columns = ("SELECT i.round_id, i.group_code, g.name AS group_name, r.title, r.opens_on, r.closes_on,"
               " r.closed_early, r.system_code, s.name AS system_name, {personal} AS personal, {used} AS used"
               " FROM {table} i JOIN review_round r USING (round_id) JOIN stakeholder_group g USING (group_code)"
               " JOIN system s ON s.system_code = r.system_code WHERE i.{key} = ?")
    rows = read_rows(con, columns.format(personal="false", used="false", table="review_invite", key="invite_code"),
                     [normalise_code(invite_code)])
    if not rows:
        rows = read_rows(con, columns.format(personal="true", used="i.used", table="review_personal_code",
                                             key="code_hash"), [personal_code_hash(invite_code)])
    if not rows:
        return None
    info = rows[0]
    info["state"] = round_state(info)
    info["statements"] = round_statements(con, info["round_id"]).to_dict("records")
    return info


def _respondent(cur, round_id: int, group_code: str, token: str) -> int | None:
    salt = scalar(cur, "SELECT token_salt FROM review_round WHERE round_id = ?", [round_id])
    rows = cur.execute("SELECT respondent_id FROM review_respondent WHERE round_id = ? AND group_code = ? AND token_hash = ?",
                       [round_id, group_code, hash_token(token, salt)]).fetchall()
    return rows[0][0] if rows else None


def answers_for_token(con, invite_code: str, token: str) -> dict[str, dict[str, Any]] | None:
    """A returning respondent's own answers by statement, or None when the code pair is not recognised."""
    info = invite_info(con, invite_code)
    if info is None or not (token or "").strip():
        return None
    cur = con.cursor()
    try:
        rid = _respondent(cur, info["round_id"], info["group_code"], token)
        if rid is None:
            return None
        rows = cur.execute("SELECT statement_code, score, dont_know, comment FROM review_answer WHERE respondent_id = ?",
                           [rid]).fetchall()
    finally:
        cur.close()
    return {code: {"score": DONT_KNOW if dk else score, "comment": comment} for code, score, dk, comment in rows}


def validate_answers(answers: dict[str, dict[str, Any]], statements: list[str]) -> list[tuple[str, int | None, bool, str | None]]:
    """Check answers {statement: {'score': 1..5 | 'dont_know' | None, 'comment': text}}; return rows to store."""
    problems: list[str] = []
    rows = []
    for code, answer in answers.items():
        if code not in statements:
            problems.append(f"Statement {code} is not part of this review.")
            continue
        score, comment = answer.get("score"), clean_text(answer.get("comment"))
        if comment and len(comment) > COMMENT_MAX:
            problems.append(f"The comment on statement {code} is {len(comment):,} characters; keep it to {COMMENT_MAX:,}.")
        if score is None:
            if comment:
                problems.append(f"Statement {code}: choose a rating or \"Don't know\" to go with your comment.")
            continue
        if score == DONT_KNOW:
            rows.append((code, None, True, comment))
        elif isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5:
            rows.append((code, score, False, comment))
        else:
            problems.append(f"Statement {code}: the rating {score!r} is not 1 to 5 or \"Don't know\".")
    if not rows and not problems:
        problems.append("Answer at least one statement before sending.")
    if problems:
        raise ValidationError(problems)
    return rows


def submit_answers(con, invite_code: str, answers: dict[str, dict[str, Any]], token: str | None = None,
                   *, today: date | None = None, new_token: Callable[[], str] | None = None) -> str:
    """Store a respondent's answers under their invite code; return their return code.

    Without a token this is a new respondent: a return code is made, shown once, and only its salted hash kept.
    With a token, that respondent's answers are replaced. Refused when the round is not open."""
    info = invite_info(con, invite_code)
    if info is None:
        raise ValidationError(["The invite code was not recognised. Check it against the invitation you were sent."])
    state = round_state(info, today)
    if state != "open":
        when = f"opens on {info['opens_on']:%d %B %Y}" if state == "not_open_yet" else "has closed"
        raise ValidationError([f"This review {when}, so answers cannot be sent or changed."])
    rows = validate_answers(answers, [s["statement_code"] for s in info["statements"]])
    round_id, group = info["round_id"], info["group_code"]

    def work(cur) -> str:
        salt = scalar(cur, "SELECT token_salt FROM review_round WHERE round_id = ?", [round_id])
        if token:
            rid = _respondent(cur, round_id, group, token)
            if rid is None:
                raise ValidationError(["That return code was not recognised for this invitation. Check it, or leave "
                                       "it blank to answer as a new person."])
            code = normalise_code(token)
            old = {r[0]: r[1] for r in cur.execute(
                "SELECT statement_code, comment FROM review_answer WHERE respondent_id = ?", [rid]).fetchall()}
            cur.execute("DELETE FROM review_answer WHERE respondent_id = ?", [rid])
            changed = [c for c, _, _, comment in rows if old.get(c) != comment] + [c for c in old if c not in {r[0] for r in rows}]
            for statement in changed:  # a changed comment must be released again
                cur.execute("DELETE FROM review_comment_release WHERE respondent_id = ? AND statement_code = ?", [rid, statement])
        else:
            if info["personal"]:
                used = scalar(cur, "SELECT used FROM review_personal_code WHERE code_hash = ?",
                              [personal_code_hash(invite_code)])
                if used:
                    raise ValidationError(["This personal invite code has already been used. To change your answers, "
                                           "enter the return code you were given when you answered."])
                cur.execute("UPDATE review_personal_code SET used = true WHERE code_hash = ?",
                            [personal_code_hash(invite_code)])
            else:
                cur.execute("UPDATE review_invite SET link_uses = link_uses + 1 WHERE invite_code = ?",
                            [normalise_code(invite_code)])
            code = (new_token or (lambda: random_code(TOKEN_GROUPS)))()
            rid = new_respondent_id(cur)
            cur.execute("INSERT INTO review_respondent (respondent_id, round_id, group_code, token_hash)"
                        " VALUES (?, ?, ?, ?)", [rid, round_id, group, hash_token(code, salt)])
        cur.executemany("INSERT INTO review_answer VALUES (?, ?, ?, ?, ?)", [(rid, *r) for r in rows])
        # Audited once per round and day, without the respondent, their group or their answers.
        record_answers_today(cur, info["system_code"], round_id)
        return code

    return transaction(con, work)
