"""The engagement log's two sheets of the Excel return, one row per activity and one per "you said" item. The same
layout is the bulk-load template (framework.engagement.imports)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core.db import read_df, read_rows


def _joined(values: Any) -> str:
    if values is None or (isinstance(values, float) and values != values):
        return ""
    return "; ".join(str(v) for v in values)


ENGAGEMENT_COLUMNS = {
    "activity_id": "Activity ID", "title": "Title", "start_date": "Start date", "end_date": "End date",
    "lead_partner": "Lead partner", "areas": "Areas", "method": "Method", "level": "Level",
    "communities": "Communities", "participants": "Participants", "volunteers": "Volunteers",
    "volunteer_hours": "Volunteer hours", "outcomes": "Outcomes", "indicators": "Indicators",
    "principles": "Principles", "summary": "Summary", "evidence_url": "Evidence link",
}
YOU_SAID_COLUMNS = {
    "item_id": "Item ID", "activity_id": "Activity ID", "activity_title": "Activity", "you_said": "You said",
    "we_did": "We did", "status": "Status", "reason": "Reason", "feedback_date": "Feedback date",
}


def engagement_sheet(con, system_code: str) -> pd.DataFrame:
    """The engagement log for the Excel return, one row per activity, lists joined with '; '. It is also the
    bulk-load template's layout."""
    df = read_df(con, "SELECT * FROM engagement_activity WHERE system_code = ? ORDER BY start_date, activity_id",
                 [system_code])
    labels = {r["tag_code"]: r["label"] for r in read_rows(con, "SELECT tag_code, label FROM community_tag")}
    if not df.empty:
        df["communities"] = [[labels.get(c, c) for c in v] for v in df["communities"]]
        for col in ("areas", "communities", "outcomes", "indicators", "principles"):
            df[col] = [_joined(v) for v in df[col]]
        for col in ("start_date", "end_date"):
            df[col] = pd.to_datetime(df[col]).dt.date
    return df[list(ENGAGEMENT_COLUMNS)].rename(columns=ENGAGEMENT_COLUMNS).reset_index(drop=True)


def you_said_sheet(con, system_code: str) -> pd.DataFrame:
    """The "you said, we did" items for the Excel return, one row per item, linked by Activity ID."""
    df = read_df(
        con,
        "SELECT y.item_id, y.activity_id, a.title AS activity_title, y.you_said, y.we_did, y.status, y.reason,"
        " y.feedback_date FROM you_said y JOIN engagement_activity a USING (activity_id) WHERE y.system_code = ?"
        " ORDER BY a.start_date, y.activity_id, y.item_id",
        [system_code],
    )
    df["feedback_date"] = [d.date() if not pd.isna(d) else None for d in pd.to_datetime(df["feedback_date"])]
    return df[list(YOU_SAID_COLUMNS)].rename(columns=YOU_SAID_COLUMNS).reset_index(drop=True)
