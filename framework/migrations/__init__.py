"""Schema migrations, one module each, applied in VERSION order and recorded in schema_version; and the list of
every view, which the store rebuilds from today's code after migrating, every time it opens a database for writing.

Each module defines VERSION (int), DESCRIPTION (str) and up(cursor). A migration runs inside one
transaction, so it is all or nothing. Never edit a migration's effect on tables once it has shipped; add a new one.
Versions are grouped by concern: 1-9 foundation, 10-19 progress (12: SPC), 20-29 measures that matter,
30-39 data in and out, 40-49 stakeholder reviews, 50-59 engagement log.

Views are code, not history. Migrations change tables and data only; each view's query lives beside its
capability and is listed in `views()` below, and `framework.core.db.migrate` replaces every view from it (CREATE OR
REPLACE VIEW, all in one transaction) after the migrations, so a database made by any earlier release shows the
same views as a new one. A migration that needs a view for its own work may still create it: the rebuild
replaces it. To add a view, list it below after the views it reads; to retire one, add a migration that drops it
and take it off the list. A read-only open (an analyst's) changes nothing, views included.
"""
from __future__ import annotations

from framework.engagement import views as engagement_views
from framework.foundation import views as foundation_views
from framework.measures import views as measures_views
from framework.progress.spc_sql import view_sql as spc_view_sql
from framework.progress.sql import view_sql as progress_view_sql


def views() -> list[tuple[str, str]]:
    """Every view as (name, query), in the order they are built: each after the views it reads."""
    return [
        *measures_views.views(),      # v_indicator reads v_priority_matters
        *foundation_views.views(),
        ("v_progress", progress_view_sql()),
        ("v_spc", spc_view_sql()),
        *engagement_views.views(),
    ]
