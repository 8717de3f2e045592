"""The engagement log's chart data: activities by level each quarter, reach by community against population share,
and where each "you said" feedback loop stands. Each is a frame for framework.engagement.charts."""
from __future__ import annotations

from datetime import date

import pandas as pd

from framework.core.db import read_df
from framework.engagement.measures import add_months, quarter_of


def activities_by_level(con, system_code: str) -> pd.DataFrame:
    """How many activities started in each quarter at each level: quarter_start, period_label, level, activities."""
    df = read_df(con, "SELECT start_date, level FROM engagement_activity WHERE system_code = ?", [system_code])
    if df.empty:
        return pd.DataFrame(columns=["quarter_start", "period_label", "level", "activities"])
    q = [quarter_of(d) for d in pd.to_datetime(df["start_date"]).dt.date]
    df["quarter_start"] = [x[0] for x in q]
    df["period_label"] = [x[2] for x in q]
    return (df.groupby(["quarter_start", "period_label", "level"]).size().rename("activities").reset_index()
            .sort_values(["quarter_start", "level"]).reset_index(drop=True))


def reach_by_community(con, system_code: str) -> pd.DataFrame:
    """For each community tag: activities and participants at activities that reached it, the share of all
    participants that is, and the community's share of the population where it is known (both %)."""
    return read_df(
        con,
        "WITH acts AS (SELECT activity_id, communities, coalesce(participants, 0) AS participants"
        "  FROM engagement_activity WHERE system_code = ?),"
        " total AS (SELECT sum(participants) AS people FROM acts),"
        " tagged AS (SELECT unnest(communities) AS tag_code, activity_id, participants FROM acts)"
        " SELECT t.tag_code, t.label, t.is_core20plus5, count(g.activity_id) AS activities,"
        " coalesce(sum(g.participants), 0) AS participants,"
        " CASE WHEN (SELECT people FROM total) > 0 THEN 100.0 * coalesce(sum(g.participants), 0)"
        "  / (SELECT people FROM total) END AS reach_share, t.population_share"
        " FROM community_tag t LEFT JOIN tagged g USING (tag_code) WHERE t.active OR g.activity_id IS NOT NULL"
        " GROUP BY ALL ORDER BY t.is_core20plus5 DESC, participants DESC, t.label",
        [system_code],
    )


def feedback_loops(con, system_code: str, as_of: date | None = None) -> pd.DataFrame:
    """"You said" items by the quarter their activity ended and where the loop stands: 'fed back within 3 months',
    'fed back later', 'awaiting feedback' (under 3 months) or 'overdue' (3 months up, no feedback)."""
    as_of = as_of or date.today()
    df = read_df(con, "SELECT a.end_date, y.feedback_date FROM you_said y JOIN engagement_activity a USING (activity_id)"
                      " WHERE y.system_code = ?", [system_code])
    cols = ["quarter_start", "period_label", "loop", "items"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    ends = pd.to_datetime(df["end_date"]).dt.date
    deadline = [add_months(d, 3) for d in ends]
    fed = pd.to_datetime(df["feedback_date"])
    loop = []
    for f, dl in zip(fed, deadline):
        if not pd.isna(f):
            loop.append("fed back within 3 months" if f.date() <= dl else "fed back later")
        else:
            loop.append("overdue" if dl <= as_of else "awaiting feedback")
    q = [quarter_of(d) for d in ends]
    out = pd.DataFrame({"quarter_start": [x[0] for x in q], "period_label": [x[2] for x in q], "loop": loop})
    return out.groupby(["quarter_start", "period_label", "loop"]).size().rename("items").reset_index()
