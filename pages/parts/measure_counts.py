"""Counts of measures that agree from page to page: Home's counts say what each one counts, and where a page
counts fewer measures than are in use (progress judges only measures with numbers) it says why."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from framework import streamlit_glue as glue
from framework.foundation.indicators import counts_by_kind_and_status, list_indicators
from framework.measures.proposals import list_proposals
from framework.progress.text import judged_note


def home_metrics(code: str) -> pd.DataFrame:
    """The four counts of measures, each saying what it counts; returns the counts by kind and status."""
    counts = glue.read(counts_by_kind_and_status, code)
    totals = counts.sum()
    sent = glue.read(list_proposals, code)
    waiting = int((sent["status"] == "open").sum()) if len(sent) else 0
    cols = st.columns(4)
    cols[0].metric("Measures in use", int(totals["active"]),
                   help="Measures in the framework with the status Active, of every kind.")
    cols[1].metric("Planned, not yet in use", int(totals["proposed"]),
                   help="Measures in the catalogue with the status Proposed. Suggestions from the public are on "
                        "the Proposed measures page.")
    cols[2].metric("Retired", int(totals["retired"]))
    cols[3].metric("All measures", int(totals["total"]))
    st.caption(f"Suggestions sent on the Proposed measures page: {len(sent)}, of which {waiting} "
               f"{'is' if waiting == 1 else 'are'} waiting for review.")
    return counts


def judged_caption(code: str, counts: pd.DataFrame, *, outcomes: list[str] | None = None,
                   kinds: list[str] | None = None) -> None:
    """Why the progress counts can be fewer than the measures in use (with the same outcome and kind filters)."""
    in_use = glue.read(list_indicators, code, statuses=["active"], outcomes=outcomes or None, kinds=kinds or None)
    qualitative = 0 if kinds else int((in_use["kind"] == "qualitative").sum())
    judged = int(counts.groupby("horizon_years")["n"].sum().max()) if len(counts) else 0
    st.caption(judged_note(len(in_use), qualitative, judged))


def planned_note(code: str) -> str:
    """For an empty list of proposals: why Home can still count measures as planned."""
    planned = int(glue.read(counts_by_kind_and_status, code).sum()["proposed"])
    if not planned:
        return ""
    return (f" The {planned} measure{'s' if planned != 1 else ''} that Home counts as planned, not yet in use, "
            f"{'was' if planned == 1 else 'were'} added to the catalogue by editors; the Indicators page lists "
            f"{'it' if planned == 1 else 'them'} with the status Proposed.")
