"""Schema migrations, one module each, applied in VERSION order and recorded in schema_version.

Each module defines VERSION (int), DESCRIPTION (str) and up(cursor). A migration runs inside one
transaction, so it is all or nothing. Never edit a migration that has shipped; add a new one.
Versions are grouped by concern: 1-9 foundation, 10-19 progress, 20-29 measures that matter,
30-39 data in and out, 40-49 stakeholder reviews, 50-59 engagement log.
"""
