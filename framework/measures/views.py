"""The views behind "how much a measure matters": the latest closed prioritisation round of each system and the
community-weighted score of each measure in it, which v_indicator.matters_score reads.

The store rebuilds them from this code every time it opens a database for writing. Their SQL is the plain SQL that
DuckDB and PostgreSQL both run, because v_indicator reads them and is a PostgreSQL view in server mode
(framework.core.analyst_tables).
"""
from __future__ import annotations

from framework.measures.priorities import BALLOT_MIN_GROUP

V_PRIORITY_LATEST_CLOSED = """
SELECT system_code, round_id
FROM (
    SELECT system_code, round_id,
           row_number() OVER (PARTITION BY system_code ORDER BY closes_on DESC, round_id DESC) AS newest
    FROM priority_round
    WHERE closed_at IS NOT NULL OR closes_on < current_date
) closed
WHERE newest = 1
"""

# The published results of every closed round: per measure and stakeholder group, the mean rating and the number
# of ballots rating it, for groups with at least BALLOT_MIN_GROUP ballots on it (as group_means in
# framework.measures.priorities); and, for a round brought by a complete Excel return without its ballots, the
# results it brought (table priority_result).
V_PRIORITY_RESULT = f"""
SELECT r.system_code, r.round_id, s.indicator_code, b.group_code, avg(s.score) AS mean_score,
       CAST(count(DISTINCT b.voter_key) AS INTEGER) AS ballots
FROM priority_round r
JOIN priority_ballot b ON b.round_id = r.round_id
JOIN priority_score s ON s.round_id = b.round_id AND s.voter_key = b.voter_key
WHERE r.closed_at IS NOT NULL OR r.closes_on < current_date
GROUP BY r.system_code, r.round_id, s.indicator_code, b.group_code
HAVING count(DISTINCT b.voter_key) >= {BALLOT_MIN_GROUP}
UNION ALL
SELECT r.system_code, p.round_id, p.indicator_code, p.group_code, p.mean_score, p.ballots
FROM priority_result p JOIN priority_round r ON r.round_id = p.round_id
WHERE NOT EXISTS (SELECT 1 FROM priority_ballot b WHERE b.round_id = p.round_id)
"""

# The community-weighted score: half the weight goes to the community group's mean rating, half is shared
# equally by the other stakeholder groups' means; when only one side rated a measure, its mean is the score.
# framework.measures.priorities.weighted_score is the same rule in Python, and a test holds them together.
# A group's mean counts only from BALLOT_MIN_GROUP ballots on a measure, as in the published results, so the score
# never rests on one person's ratings.
V_PRIORITY_MATTERS = """
WITH by_group AS (
    SELECT r.system_code, p.indicator_code, p.group_code, p.mean_score
    FROM v_priority_latest_closed r
    JOIN v_priority_result p ON p.round_id = r.round_id
), sides AS (
    SELECT system_code, indicator_code,
           avg(mean_score) FILTER (WHERE group_code = 'community') AS community_mean,
           avg(mean_score) FILTER (WHERE group_code <> 'community') AS others_mean
    FROM by_group GROUP BY system_code, indicator_code
)
SELECT system_code, indicator_code,
       CASE WHEN community_mean IS NULL THEN others_mean
            WHEN others_mean IS NULL THEN community_mean
            ELSE 0.5 * community_mean + 0.5 * others_mean END AS matters_score
FROM sides
"""


def views() -> list[tuple[str, str]]:
    """The prioritisation views as (name, query), in the order they are built."""
    return [("v_priority_latest_closed", V_PRIORITY_LATEST_CLOSED), ("v_priority_result", V_PRIORITY_RESULT),
            ("v_priority_matters", V_PRIORITY_MATTERS)]
