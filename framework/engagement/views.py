"""The engagement log's views for analysts: v_engagement_activity (lists flattened to text) and v_you_said.

The store rebuilds them from this code every time it opens a database for writing.
"""
from __future__ import annotations

V_ENGAGEMENT_ACTIVITY = """
SELECT system_code, activity_id, title, start_date, end_date, lead_partner, method, level,
       array_to_string(areas, '; ') AS areas, array_to_string(communities, '; ') AS communities, participants,
       volunteers, volunteer_hours, array_to_string(outcomes, '; ') AS outcomes,
       array_to_string(indicators, '; ') AS indicators, array_to_string(principles, '; ') AS principles,
       summary, evidence_url
FROM engagement_activity
"""

V_YOU_SAID = """
SELECT y.system_code, y.item_id, y.activity_id, a.title AS activity_title, a.end_date AS activity_end_date,
       y.you_said, y.we_did, y.status, y.reason, y.feedback_date
FROM you_said y JOIN engagement_activity a USING (activity_id)
"""


def views() -> list[tuple[str, str]]:
    """The engagement log's views as (name, query), in the order they are built."""
    return [("v_engagement_activity", V_ENGAGEMENT_ACTIVITY), ("v_you_said", V_YOU_SAID)]
