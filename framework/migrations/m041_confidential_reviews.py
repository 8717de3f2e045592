"""Confidential reviews: personal invite codes (one per person, used once), a cap on each shared group link,
random respondent numbers in place of sequential ones, and the audit trail of answers coarsened to one row per
round and day, with the round's system."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 41
DESCRIPTION = "Personal invite codes, capped group links, random respondent numbers, answers audited per day"


def up(cur) -> None:
    run_statements(cur, ["ALTER TABLE review_invite ADD COLUMN link_cap INTEGER DEFAULT 30",
                         "ALTER TABLE review_invite ADD COLUMN link_uses INTEGER DEFAULT 0"])
    cur.execute("UPDATE review_invite i SET link_uses = (SELECT count(*) FROM review_respondent p"
                " WHERE p.round_id = i.round_id AND p.group_code = i.group_code)")
    # Nobody recorded how many people an existing link went to: start its cap at its uses so far (at least 30),
    # so no past result is hidden by the upgrade; editors can lower it.
    cur.execute("UPDATE review_invite SET link_cap = greatest(30, link_uses)")
    cur.execute(
        "CREATE TABLE review_personal_code ("
        " code_hash VARCHAR PRIMARY KEY, round_id BIGINT NOT NULL, group_code VARCHAR NOT NULL,"
        " used BOOLEAN NOT NULL DEFAULT false)"
    )
    # Renumber respondents at random: sequential numbers gave away the order people answered in.
    cur.execute("CREATE TEMP TABLE respondent_renumber AS SELECT respondent_id AS old_id,"
                " CAST(floor(random() * 4.0e18) AS BIGINT) + 1 AS new_id FROM review_respondent")
    clashes = cur.execute("SELECT count(*) - count(DISTINCT new_id) FROM respondent_renumber").fetchall()[0][0]
    if clashes:  # vanishingly unlikely; renumber from a hash of the old number instead
        cur.execute("UPDATE respondent_renumber SET new_id = CAST(hash(old_id, random()) >> 2 AS BIGINT) + 1")
    for table in ("review_respondent", "review_answer", "review_comment_release"):
        cur.execute(f"UPDATE {table} SET respondent_id = m.new_id FROM respondent_renumber m"
                    f" WHERE {table}.respondent_id = m.old_id")
    cur.execute("DROP TABLE respondent_renumber")
    # One audit row per round and day that answers arrived, dated to the day, with the round's system.
    cur.execute(
        "CREATE TEMP TABLE answer_days AS SELECT DISTINCT a.entity_key, CAST(a.changed_at AS DATE) AS day,"
        " r.system_code FROM audit_log a LEFT JOIN review_round r ON CAST(r.round_id AS VARCHAR) = a.entity_key"
        " WHERE a.user_id = 'respondent' AND a.entity = 'review_round'"
    )
    cur.execute("DELETE FROM audit_log WHERE user_id = 'respondent' AND entity = 'review_round'")
    cur.execute(
        "INSERT INTO audit_log (changed_at, user_id, user_role, action, entity, entity_key, system_code, after)"
        " SELECT CAST(day AS TIMESTAMP), 'respondent', 'viewer', 'answers_received', 'review_round', entity_key,"
        " system_code, '{\"answers\": \"received or changed on this day\"}' FROM answer_days ORDER BY day, entity_key"
    )
    cur.execute("DROP TABLE answer_days")
