"""The engagement log's words: methods, levels on the spectrum of engagement, "you said" statuses, and the
labels each field shows in messages, forms and the Excel return."""
from __future__ import annotations

METHODS = ("survey", "workshop", "event", "co-design group", "citizens' panel", "outreach", "other")
LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
LEVEL_WORDS = {
    "inform": "Inform: we tell people what is happening",
    "consult": "Consult: we ask for views on our proposals",
    "involve": "Involve: people help shape the options",
    "collaborate": "Collaborate: we decide together",
    "empower": "Empower: people and communities decide",
}
STATUSES = ("planned", "done", "cannot be done")
STATUS_WORDS = {"planned": "Planned", "done": "Done", "cannot be done": "Cannot be done"}

LABELS = {
    "title": "Title", "start_date": "Start date", "end_date": "End date", "lead_partner": "Lead partner",
    "areas": "Areas", "method": "Method", "level": "Level", "communities": "Communities reached",
    "participants": "Participants", "volunteers": "Volunteers", "volunteer_hours": "Volunteer hours",
    "outcomes": "Outcomes", "indicators": "Indicators", "principles": "Principles", "summary": "Summary",
    "evidence_url": "Evidence link", "you_said": "You said", "we_did": "We did", "status": "Status",
    "reason": "Reason", "feedback_date": "Feedback date",
}
ACTIVITY_FIELDS = ("title", "start_date", "end_date", "lead_partner", "areas", "method", "level", "communities",
                   "participants", "volunteers", "volunteer_hours", "outcomes", "indicators", "principles", "summary",
                   "evidence_url")
ITEM_FIELDS = ("you_said", "we_did", "status", "reason", "feedback_date")

