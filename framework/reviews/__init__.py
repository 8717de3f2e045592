"""Stakeholder reviews: the statement library, rounds, confidential answers, suppressed results, charts and the discussion record."""
