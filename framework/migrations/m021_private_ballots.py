"""Private ballots and proposers: ballots keyed with a secret kept outside the database (this migration marks the
old guessable keys and replaces those of closed rounds with random ones, and the audit trail's pseudonyms with
random ones), and proposers who are
named in public only when they choose to be."""
from __future__ import annotations

from framework.core.postgres_store import run_statements

VERSION = 21
DESCRIPTION = "Ballots keyed with a secret, matters score from groups of ten or more, proposers anonymous by default"



def up(cur) -> None:
    run_statements(cur, "ALTER TABLE priority_ballot ADD COLUMN keying VARCHAR DEFAULT 'legacy'")
    cur.execute("UPDATE priority_ballot SET keying = 'legacy'")
    cur.execute(
        "CREATE TEMP TABLE ballot_rekey AS SELECT b.round_id, b.voter_key AS old_key,"
        " 'random:' || md5(b.voter_key || random()::VARCHAR || gen_random_uuid()::VARCHAR) AS new_key"
        " FROM priority_ballot b JOIN priority_round r USING (round_id)"
        " WHERE r.closed_at IS NOT NULL OR r.closes_on < current_date"
    )
    for table in ("priority_score", "priority_ballot"):
        cur.execute(f"UPDATE {table} t SET voter_key = k.new_key FROM ballot_rekey k"
                    f" WHERE t.round_id = k.round_id AND t.voter_key = k.old_key")
    cur.execute("UPDATE priority_ballot SET keying = 'random' WHERE voter_key LIKE 'random:%'")
    cur.execute("DROP TABLE ballot_rekey")
    # The audit trail named voters by the start of the old key, which a guessed email could reproduce.
    cur.execute(
        "CREATE TEMP TABLE voter_alias AS SELECT user_id AS old_id,"
        " 'voter:' || substr(md5(user_id || random()::VARCHAR || gen_random_uuid()::VARCHAR), 1, 12) AS new_id"
        " FROM (SELECT DISTINCT user_id FROM audit_log WHERE entity = 'ballot' AND user_id LIKE 'voter:%')"
    )
    cur.execute("UPDATE audit_log a SET user_id = v.new_id, entity_key = split_part(a.entity_key, '/', 1) || '/'"
                " || substr(v.new_id, 7) FROM voter_alias v WHERE a.user_id = v.old_id AND a.entity = 'ballot'")
    cur.execute("DROP TABLE voter_alias")
    run_statements(cur, "ALTER TABLE measure_proposal ADD COLUMN proposer_named BOOLEAN DEFAULT false")
    cur.execute("UPDATE measure_proposal SET proposer_named = false")
