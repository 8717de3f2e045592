"""Prioritisation rounds: editors open a round with open and close dates; members of each stakeholder group rate how
much each measure matters (1 to 5), one ballot per person and role per round under a pseudonymous key, changeable
while the round is open. Results: the priority by stakeholder group, the community-weighted matters score, and where
community and system priorities differ most.

Ballot keys are an HMAC of the round, the role and the person's id under a secret kept outside the database (the
SHARED_MEASURES_BALLOT_SECRET environment variable, or a key file beside the database readable only by its owner,
made on first use), so the database alone cannot link a ballot to a person, even by guessing email addresses.
A group's results appear only when at least BALLOT_MIN_GROUP people in it rated the measure, and no total includes
a hidden group.

Scoring rules (pure functions below, and the same rule in the v_indicator view):
- a group's priority for a measure is the mean rating given by that group's ballots, shown only from
  BALLOT_MIN_GROUP ballots (the review minimum), otherwise left out of every figure;
- the community-weighted matters score gives half the weight to the community group and shares the other half
  equally among the other groups that rated the measure; when only one side rated it, that side's mean is the score;
- the community-system difference is the community group's mean minus the mean of the statutory system bodies
  (ICB, local authority, NHS providers, primary care)."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import date
from typing import Any

import pandas as pd

from framework.core import audit
from framework.core.auth import require
from framework.core.db import database_path, insert_returning, read_df, read_rows, transaction
from framework.core.errors import ValidationError
from framework.core.model import User, require_text
from framework.foundation.stakeholder_groups import stakeholder_groups

SCALE = {1: "Not at all", 2: "A little", 3: "Somewhat", 4: "A lot", 5: "It matters most"}
COMMUNITY_GROUP = "community"
COMMUNITY_WEIGHT = 0.5
SYSTEM_GROUPS = ("icb", "local_authority", "nhs_providers", "primary_care")
STATE_WORDS = {"scheduled": "Not open yet", "open": "Open for ratings", "closed": "Closed"}
BALLOT_MIN_GROUP = 10  # the same minimum as a stakeholder review's default
SECRET_ENV = "SHARED_MEASURES_BALLOT_SECRET"
KEY_FILE_SUFFIX = ".ballot-key"


# ---------- pure scoring ----------

def legacy_voter_key(salt: str, user_id: str) -> str:
    """The key ballots had before they were keyed with a secret: a salted SHA-256 of the person's id."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()


def voter_key(secret: bytes, round_id: int, role: str, user_id: str) -> str:
    """The pseudonymous key a ballot is stored under: an HMAC of the round, role and person under the secret."""
    return hmac.new(secret, f"{int(round_id)}:{role}:{user_id}".encode(), hashlib.sha256).hexdigest()


def ballot_secret(con) -> bytes:
    """The secret ballots are keyed with: $SHARED_MEASURES_BALLOT_SECRET, or else the key file beside the database
    (made on first use, readable and writable by its owner only)."""
    from_env = os.environ.get(SECRET_ENV, "").strip()
    if from_env:
        return from_env.encode()
    path = database_path(con)
    if path is None:
        raise ValidationError([f"Ballots need a secret: set {SECRET_ENV}, or use a database file, beside which a key "
                               "file is made."])
    key_file = path.with_name(path.name + KEY_FILE_SUFFIX)
    try:
        if not key_file.exists():
            try:
                fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_hex(32))
        os.chmod(key_file, 0o600)
        secret = key_file.read_text().strip()
    except OSError as exc:
        raise ValidationError([f"The ballot key file {key_file} cannot be made or read ({exc.strerror}). Set "
                               f"{SECRET_ENV}, or let the app's account write beside the database."]) from exc
    if len(secret) < 32:
        raise ValidationError([f"The ballot key file {key_file} holds too short a secret; it needs 32 characters or "
                               "more."])
    return secret.encode()


def weighted_score(group_means: dict[str, float]) -> float | None:
    """The community-weighted matters score from each group's mean rating (None when nobody rated)."""
    means = {g: float(m) for g, m in group_means.items() if m is not None and m == m}
    community = means.get(COMMUNITY_GROUP)
    others = [m for g, m in means.items() if g != COMMUNITY_GROUP]
    other_mean = sum(others) / len(others) if others else None
    if community is None:
        return other_mean
    if other_mean is None:
        return community
    return COMMUNITY_WEIGHT * community + (1 - COMMUNITY_WEIGHT) * other_mean


def round_state(opens_on: date, closes_on: date, closed_at: Any, today: date) -> str:
    """scheduled, open or closed, for a round on a given day."""
    opens_on, closes_on = pd.Timestamp(opens_on).date(), pd.Timestamp(closes_on).date()
    if closed_at is not None and closed_at == closed_at or closes_on < today:
        return "closed"
    return "open" if opens_on <= today else "scheduled"


def group_means(ratings: pd.DataFrame, minimum: int = BALLOT_MIN_GROUP) -> pd.DataFrame:
    """From one row per rating (voter_key, group_code, indicator_code, score): the mean and ballot count per
    measure and group, for groups with at least `minimum` ballots rating the measure; the rest are left out."""
    if ratings.empty:
        return pd.DataFrame(columns=["indicator_code", "group_code", "mean_score", "ballots"])
    out = ratings.groupby(["indicator_code", "group_code"], as_index=False).agg(
        mean_score=("score", "mean"), ballots=("voter_key", "nunique"))
    return out[out["ballots"] >= minimum].reset_index(drop=True)


def compare_sides(means: pd.DataFrame) -> pd.DataFrame:
    """Per measure: the community mean, the system bodies' mean, their difference and the weighted score, from the
    shown groups only (ballots counts only shown groups, so no total gives a hidden group's size away)."""
    rows = []
    for code, part in means.groupby("indicator_code"):
        by = dict(zip(part["group_code"], part["mean_score"]))
        community = by.get(COMMUNITY_GROUP)
        system = [by[g] for g in SYSTEM_GROUPS if g in by]
        system_mean = sum(system) / len(system) if system else None
        rows.append({
            "indicator_code": code,
            "community_mean": community,
            "system_mean": system_mean,
            "difference": None if community is None or system_mean is None else community - system_mean,
            "matters_score": weighted_score(by),
            "ballots": int(part["ballots"].sum()),
        })
    cols = ["indicator_code", "community_mean", "system_mean", "difference", "matters_score", "ballots"]
    return pd.DataFrame(rows, columns=cols)


def difference_words(diff: float | None) -> str:
    """The community-system difference in words."""
    if diff is None or diff != diff:
        return "Not rated by both"
    if abs(diff) < 0.5:
        return "Similar priority"
    return "Matters more to communities" if diff > 0 else "Matters more to system bodies"


# ---------- rounds ----------

def _today(today: date | None) -> date:
    return today or date.today()


def _as_date(problems: list[str], label: str, value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        problems.append(f"{label} {value!r} is not a date; expected YYYY-MM-DD.")
        return None


def open_round(con, user: User, system_code: str, title: str, opens_on: Any, closes_on: Any, *,
               today: date | None = None) -> int:
    """Open a prioritisation round between two dates; return its number."""
    require(user, "run_priorities")
    problems: list[str] = []
    title = require_text(problems, {"title": title}, "title", "Title", 200,
                         hint=": for example 'Spring 2026 priorities'")
    start = _as_date(problems, "Opens on", opens_on)
    end = _as_date(problems, "Closes on", closes_on)
    if start and end and end < start:
        problems.append(f"Closes on ({end:%d %B %Y}) must be on or after opens on ({start:%d %B %Y}).")
    if end and end < _today(today):
        problems.append(f"Closes on ({end:%d %B %Y}) is in the past; choose a later date.")
    if problems:
        raise ValidationError(problems)

    def work(cur) -> int:
        live = [r for r in cur.execute(
            "SELECT title, opens_on, closes_on, closed_at FROM priority_round WHERE system_code = ?",
            [system_code]).fetchall() if round_state(r[1], r[2], r[3], _today(today)) != "closed"]
        if live:
            raise ValidationError([f"The round '{live[0][0]}' is still open or scheduled; close it first."])
        for (closed_id,) in cur.execute("SELECT round_id FROM priority_round WHERE system_code = ?",
                                        [system_code]).fetchall():
            unlink_legacy_ballots(cur, int(closed_id))
        round_id = int(insert_returning(
            cur,
            "INSERT INTO priority_round (system_code, title, opens_on, closes_on, salt, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING round_id",
            [system_code, title, start, end, secrets.token_hex(16), user.user_id]))
        audit.record(cur, user, "open", "priority_round", f"{system_code}/{round_id}", system_code=system_code,
                     after={"title": title, "opens_on": start, "closes_on": end})
        return round_id

    return transaction(con, work)


def unlink_legacy_ballots(cur, round_id: int) -> int:
    """Give a round's ballots still under the old guessable key a random key instead (once the round is over nobody
    needs to find their ballot again); return how many."""
    old = [r[0] for r in cur.execute("SELECT voter_key FROM priority_ballot WHERE round_id = ? AND keying = 'legacy'",
                                     [round_id]).fetchall()]
    for key in old:
        new = "random:" + secrets.token_hex(16)
        for table in ("priority_score", "priority_ballot"):
            cur.execute(f"UPDATE {table} SET voter_key = ? WHERE round_id = ? AND voter_key = ?", [new, round_id, key])
        cur.execute("UPDATE priority_ballot SET keying = 'random' WHERE round_id = ? AND voter_key = ?", [round_id, new])
    return len(old)


def close_round(con, user: User, system_code: str, round_id: int, *, today: date | None = None) -> None:
    """Close a round now, before its close date."""
    require(user, "run_priorities")

    def work(cur) -> None:
        rows = cur.execute("SELECT title, opens_on, closes_on, closed_at FROM priority_round"
                           " WHERE system_code = ? AND round_id = ?", [system_code, int(round_id)]).fetchall()
        if not rows:
            raise ValidationError([f"There is no prioritisation round number {round_id}."])
        if round_state(*rows[0][1:], _today(today)) == "closed":
            raise ValidationError([f"The round '{rows[0][0]}' is already closed."])
        end = min(rows[0][2], _today(today))
        cur.execute("UPDATE priority_round SET closed_at = current_timestamp, closes_on = ?, opens_on = least(opens_on, ?)"
                    " WHERE round_id = ?", [end, end, int(round_id)])
        unlink_legacy_ballots(cur, int(round_id))
        audit.record(cur, user, "close", "priority_round", f"{system_code}/{round_id}", system_code=system_code,
                     before={"closes_on": rows[0][2]}, after={"closes_on": end})

    transaction(con, work)


def list_rounds(con, system_code: str, *, today: date | None = None) -> pd.DataFrame:
    """Every round, newest first, with its state in words. No ballot count: beside the shown groups' counts, a total
    would give the hidden groups' size away."""
    df = read_df(
        con,
        "SELECT r.round_id, r.title, r.opens_on, r.closes_on, r.closed_at FROM priority_round r"
        " WHERE r.system_code = ? ORDER BY r.closes_on DESC, r.round_id DESC",
        [system_code],
    )
    day = _today(today)
    df["state"] = [round_state(o, c, None if pd.isna(x) else x, day)
                   for o, c, x in zip(df["opens_on"], df["closes_on"], df["closed_at"])]
    return df


def _round(cur_or_con, system_code: str, round_id: int) -> dict[str, Any] | None:
    rows = read_rows(cur_or_con, "SELECT * FROM priority_round WHERE system_code = ? AND round_id = ?",
                     [system_code, int(round_id)])
    return rows[0] if rows else None


def latest_closed_round(con, system_code: str, *, today: date | None = None) -> dict[str, Any] | None:
    """The most recently closed round, or None."""
    rounds = list_rounds(con, system_code, today=today)
    closed = rounds[rounds["state"] == "closed"]
    return None if closed.empty else closed.iloc[0].to_dict()


# ---------- ballots ----------

RATEABLE_MEASURES_SQL = """
    SELECT i.indicator_code, i.name, i.status, i.outcome_code, o.title AS outcome_title FROM indicator i
    LEFT JOIN outcome o USING (system_code, outcome_code) WHERE i.system_code = ? AND i.status <> 'retired'
    ORDER BY o.sort_order NULLS LAST, i.indicator_code"""


def rateable_measures(con, system_code: str) -> pd.DataFrame:
    """The measures a ballot can rate: every proposed or active measure, by outcome."""
    return read_df(con, RATEABLE_MEASURES_SQL, [system_code])



def cast_ballot(con, user: User, system_code: str, round_id: int, group_code: str, scores: dict[str, Any], *,
                today: date | None = None) -> int:
    """Store or replace this person's ballot in an open round; return how many measures it rates."""
    require(user, "vote")
    problems: list[str] = []
    rnd = _round(con, system_code, round_id)
    if rnd is None:
        raise ValidationError([f"There is no prioritisation round number {round_id}."])
    state = round_state(rnd["opens_on"], rnd["closes_on"], rnd["closed_at"], _today(today))
    if state != "open":
        problems.append(f"The round '{rnd['title']}' is {STATE_WORDS[state].lower()}; ratings can be given only "
                        f"from {rnd['opens_on']:%d %B %Y} to {rnd['closes_on']:%d %B %Y}.")
    groups = set(stakeholder_groups(con)["group_code"])
    if user.group_code and group_code != user.group_code:
        problems.append(f"Stakeholder group: your sign-in places you in {user.group_code!r}; rate as that group.")
    elif group_code not in groups:
        problems.append(f"Stakeholder group {group_code!r} is not one of {', '.join(sorted(groups))}.")
    known = set(rateable_measures(con, system_code)["indicator_code"])
    clean: dict[str, int] = {}
    for code, score in (scores or {}).items():
        if score is None or (isinstance(score, float) and score != score):
            continue
        if code not in known:
            problems.append(f"Measure {code!r} is not a current measure of this system.")
            continue
        try:
            number = int(score)
        except (TypeError, ValueError):
            number = 0
        if number not in SCALE or float(score) != number:
            problems.append(f"Rating for {code} must be a whole number from 1 to 5; found {score!r}.")
            continue
        clean[code] = number
    if not clean and not problems:
        problems.append("Rate at least one measure from 1 (not at all) to 5 (it matters most).")
    if problems:
        raise ValidationError(problems)
    key = voter_key(ballot_secret(con), int(round_id), user.role, user.user_id)
    legacy = legacy_voter_key(rnd["salt"], user.user_id)
    # The audit trail keeps the pseudonym, never the person's id, so a ballot cannot be traced back through it.
    voter = User(f"voter:{key[:12]}", "A voter", user.role)

    def work(cur) -> int:
        # a ballot cast before ballots were keyed with the secret moves to the new key when its voter saves again
        if cur.execute("SELECT count(*) FROM priority_ballot WHERE round_id = ? AND voter_key = ? AND keying = 'legacy'",
                       [int(round_id), legacy]).fetchall()[0][0]:
            for table in ("priority_score", "priority_ballot"):
                cur.execute(f"UPDATE {table} SET voter_key = ? WHERE round_id = ? AND voter_key = ?",
                            [key, int(round_id), legacy])
            cur.execute("UPDATE priority_ballot SET keying = 'hmac' WHERE round_id = ? AND voter_key = ?",
                        [int(round_id), key])
        existing = cur.execute("SELECT group_code FROM priority_ballot WHERE round_id = ? AND voter_key = ?",
                               [int(round_id), key]).fetchall()
        cur.execute("DELETE FROM priority_score WHERE round_id = ? AND voter_key = ?", [int(round_id), key])
        if existing:
            cur.execute("UPDATE priority_ballot SET group_code = ?, updated_at = current_timestamp"
                        " WHERE round_id = ? AND voter_key = ?", [group_code, int(round_id), key])
        else:
            cur.execute("INSERT INTO priority_ballot (round_id, voter_key, group_code, keying) VALUES (?, ?, ?, 'hmac')",
                        [int(round_id), key, group_code])
        cur.executemany("INSERT INTO priority_score VALUES (?, ?, ?, ?)",
                        [(int(round_id), key, c, s) for c, s in clean.items()])
        audit.record(cur, voter, "change" if existing else "cast", "ballot", f"{round_id}/{key[:12]}",
                     system_code=system_code, after={"group_code": group_code, "measures_rated": len(clean)})
        return len(clean)

    return transaction(con, work)


def my_ballot(con, user: User, system_code: str, round_id: int) -> dict[str, Any] | None:
    """The acting person's own ballot in a round, as the role they act in ({group_code, scores}), or None when
    they have not rated yet. Nobody can ask for another person's ballot."""
    require(user, "vote")
    rnd = _round(con, system_code, round_id)
    if rnd is None:
        return None
    keys = [voter_key(ballot_secret(con), int(round_id), user.role, user.user_id)]
    keys.append(legacy_voter_key(rnd["salt"], user.user_id))
    for key in keys:
        ballot = read_rows(con, "SELECT group_code, keying FROM priority_ballot WHERE round_id = ? AND voter_key = ?",
                           [int(round_id), key])
        if ballot and (key == keys[0] or ballot[0]["keying"] == "legacy"):
            scores = read_rows(con, "SELECT indicator_code, score FROM priority_score WHERE round_id = ?"
                               " AND voter_key = ?", [int(round_id), key])
            return {"group_code": ballot[0]["group_code"], "scores": {r["indicator_code"]: r["score"] for r in scores}}
    return None


# ---------- results ----------

def _ratings(con, system_code: str, round_id: int) -> pd.DataFrame:
    """One row per rating in a closed round (pseudonymous keys only); private: only group figures leave this module.
    Empty while the round is open, so two looks at a live round cannot be compared."""
    rnd = _round(con, system_code, round_id)
    if rnd is None or round_state(rnd["opens_on"], rnd["closes_on"], rnd["closed_at"], date.today()) != "closed":
        return pd.DataFrame(columns=["voter_key", "group_code", "indicator_code", "score"])
    return read_df(
        con,
        "SELECT b.voter_key, b.group_code, s.indicator_code, s.score FROM priority_ballot b"
        " JOIN priority_score s USING (round_id, voter_key) JOIN priority_round r USING (round_id)"
        " WHERE r.system_code = ? AND b.round_id = ?",
        [system_code, int(round_id)],
    )


def _group_results(con, system_code: str, round_id: int) -> pd.DataFrame:
    """Each group's mean rating and ballots per measure in a closed round: from its ballots, or, for a round brought
    by a complete Excel return without them, the published results it brought."""
    means = group_means(_ratings(con, system_code, round_id))
    if means.empty:
        means = read_df(con, "SELECT p.indicator_code, p.group_code, p.mean_score, p.ballots FROM priority_result p"
                             " JOIN priority_round r USING (round_id) WHERE r.system_code = ? AND p.round_id = ?"
                             " ORDER BY ALL", [system_code, int(round_id)])
    return means


def results_by_group(con, system_code: str, round_id: int) -> pd.DataFrame:
    """The priority by stakeholder group: one row per measure and group with the mean rating and ballots."""
    means = _group_results(con, system_code, round_id)
    names = read_df(con, "SELECT indicator_code, name AS indicator_name FROM indicator WHERE system_code = ?",
                    [system_code])
    groups = stakeholder_groups(con).rename(columns={"name": "group_name"})[["group_code", "group_name"]]
    return means.merge(names, on="indicator_code", how="left").merge(groups, on="group_code", how="left")


def results_table_by_group(con, system_code: str, round_id: int) -> pd.DataFrame:
    """The priority by stakeholder group as a table: one row per measure, one column per group (mean, 1 dp)."""
    by_group = results_by_group(con, system_code, round_id)
    if by_group.empty:
        return pd.DataFrame(columns=["indicator_code", "indicator_name"])
    groups = [g for g in stakeholder_groups(con)["name"] if g in set(by_group["group_name"])]
    wide = by_group.pivot_table(index=["indicator_code", "indicator_name"], columns="group_name",
                                values="mean_score").round(1)
    return wide[groups].reset_index().rename_axis(columns=None)


def results_summary(con, system_code: str, round_id: int) -> pd.DataFrame:
    """Per measure: the community and system means, their difference in numbers and words, the weighted score."""
    sides = compare_sides(_group_results(con, system_code, round_id))
    names = read_df(con, "SELECT indicator_code, name AS indicator_name FROM indicator WHERE system_code = ?",
                    [system_code])
    out = sides.merge(names, on="indicator_code", how="left")
    out["difference_words"] = [difference_words(d) for d in out["difference"]]
    return out.sort_values("matters_score", ascending=False, na_position="last").reset_index(drop=True)


def priorities_sheet(con, system_code: str, *, today: date | None = None) -> pd.DataFrame:
    """The latest closed round's priority by stakeholder group, one row per measure, for the Excel return
    (an empty DataFrame when no round has closed)."""
    rnd = latest_closed_round(con, system_code, today=today)
    if rnd is None:
        return pd.DataFrame()
    by_group = results_by_group(con, system_code, int(rnd["round_id"]))
    summary = results_summary(con, system_code, int(rnd["round_id"]))
    if summary.empty:
        return pd.DataFrame()
    wide = by_group.pivot_table(index="indicator_code", columns="group_name", values="mean_score").round(2)
    groups = [g for g in stakeholder_groups(con)["name"] if g in wide.columns]
    sheet = summary[["indicator_code", "indicator_name", "matters_score", "community_mean", "system_mean",
                     "difference", "difference_words", "ballots"]].merge(
        wide[groups].reset_index(), on="indicator_code", how="left")
    sheet.insert(0, "round", rnd["title"])
    sheet.insert(1, "closed_on", rnd["closes_on"])
    for col in ("matters_score", "community_mean", "system_mean", "difference"):
        sheet[col] = sheet[col].astype(float).round(2)
    return sheet.rename(columns={
        "round": "Round", "closed_on": "Closed on", "indicator_code": "Indicator code", "indicator_name": "Measure",
        "matters_score": "Community-weighted score (1-5)", "community_mean": "Community members (1-5)",
        "system_mean": "System bodies (1-5)", "difference": "Community minus system",
        "difference_words": "Difference in words", "ballots": "Ratings"})
