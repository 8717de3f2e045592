"""The names the bulk loader (framework.engagement.imports) takes from the engagement log. The log itself lives in
vocab, validation, activities, you_said, community_tags, sheets and sync; new code imports from those."""
from __future__ import annotations

from framework.engagement.activities import insert_activity
from framework.engagement.community_tags import community_tags
from framework.engagement.sheets import ENGAGEMENT_COLUMNS, YOU_SAID_COLUMNS
from framework.engagement.sync import after_log_change
from framework.engagement.validation import Context, load_context, validate_activity, validate_you_said
from framework.engagement.validation import is_blank as _blank
from framework.engagement.vocab import ACTIVITY_FIELDS, ITEM_FIELDS, LABELS
from framework.engagement.you_said import insert_item

__all__ = ["ACTIVITY_FIELDS", "ENGAGEMENT_COLUMNS", "ITEM_FIELDS", "LABELS", "YOU_SAID_COLUMNS", "Context", "_blank",
           "after_log_change", "community_tags", "insert_activity", "insert_item", "load_context",
           "validate_activity", "validate_you_said"]
