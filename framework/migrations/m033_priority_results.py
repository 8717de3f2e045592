"""Priority round results that arrive without their ballots: a complete Excel return carries each closed round's
published results (the mean rating and number of ratings per measure and stakeholder group, for groups large
enough to publish) but never the pseudonymous ballots behind them, so the importing database keeps those results
here. framework.measures.views reads them where a round has no ballots."""
from __future__ import annotations

VERSION = 33
DESCRIPTION = "Published priority round results brought by a complete Excel return"


def up(cur) -> None:
    cur.execute(
        "CREATE TABLE priority_result ("
        " round_id BIGINT NOT NULL, indicator_code VARCHAR NOT NULL, group_code VARCHAR NOT NULL,"
        " mean_score DOUBLE NOT NULL, ballots INTEGER NOT NULL,"
        " PRIMARY KEY (round_id, indicator_code, group_code))"
    )
