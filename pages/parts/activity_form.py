"""The fields of one engagement activity, shared by the Record engagement form and the change form on the
Engagement log, so both ask the same questions in the same words."""
from typing import Any

import streamlit as st

from framework.engagement.vocab import LEVEL_WORDS, LEVELS, METHODS


def _pick(options: list, value: Any) -> int | None:
    return options.index(value) if value in options else None


def activity_fields(key: str, ctx, tag_labels: dict[str, str], current: dict[str, Any] | None = None) -> dict:
    """Draw the activity's inputs (inside the caller's form), each key starting with `key`, filled from `current`
    when changing one; return the values as entered, ready for save_activity."""
    now = current or {}

    def listed(name: str, allowed) -> list:
        return [v for v in (now.get(name) or []) if v in allowed]

    title = st.text_input("Title", value=now.get("title") or "", key=f"{key}title")
    c1, c2, c3 = st.columns(3)
    start = c1.date_input("Start date", value=now.get("start_date"), key=f"{key}start", format="DD/MM/YYYY")
    end = c2.date_input("End date (blank if one day)", value=now.get("end_date"), key=f"{key}end", format="DD/MM/YYYY")
    lead = c3.text_input("Lead partner organisation", value=now.get("lead_partner") or "", key=f"{key}lead")
    c1, c2 = st.columns(2)
    method = c1.selectbox("Method", METHODS, index=_pick(list(METHODS), now.get("method")), format_func=str.capitalize,
                          key=f"{key}method")
    level = c2.selectbox("Level on the spectrum", LEVELS, index=_pick(list(LEVELS), now.get("level")),
                         format_func=LEVEL_WORDS.get, key=f"{key}level")
    areas = st.multiselect("Areas covered", list(ctx.areas), default=listed("areas", ctx.areas),
                           format_func=ctx.areas.get, key=f"{key}areas")
    communities = st.multiselect("Communities reached", list(tag_labels), default=listed("communities", tag_labels),
                                 format_func=tag_labels.get, key=f"{key}tags",
                                 help="Core20PLUS5: the 20% most deprived areas plus locally chosen groups, the NHS "
                                      "focus for reducing health inequalities. See the Glossary.")
    c1, c2, c3 = st.columns(3)
    participants = c1.number_input("Participants", min_value=0, value=now.get("participants"), step=1,
                                   key=f"{key}people")
    volunteers = c2.number_input("Volunteers", min_value=0, value=now.get("volunteers"), step=1,
                                 key=f"{key}volunteers")
    hours = now.get("volunteer_hours")
    hours = c3.number_input("Volunteer hours", min_value=0.0, value=None if hours is None else float(hours), step=1.0,
                            key=f"{key}hours")
    outcomes = st.multiselect("Outcomes served", list(ctx.outcomes), default=listed("outcomes", ctx.outcomes),
                              format_func=lambda c: f"{c}. {ctx.outcomes[c]}", key=f"{key}outcomes")
    indicators = st.multiselect("Indicators served", list(ctx.indicators), default=listed("indicators", ctx.indicators),
                                format_func=lambda c: f"{c}: {ctx.indicators[c]}", key=f"{key}indicators")
    principles = st.multiselect("Principles served", sorted(ctx.principles),
                                default=listed("principles", ctx.principles), key=f"{key}principles")
    summary = st.text_area("Summary of what was heard", value=now.get("summary") or "", key=f"{key}summary")
    evidence = st.text_input("Link to the evidence", value=now.get("evidence_url") or "", placeholder="https://",
                             key=f"{key}evidence")
    return {"title": title, "start_date": start, "end_date": end, "lead_partner": lead, "method": method,
            "level": level, "areas": areas, "communities": communities, "participants": participants,
            "volunteers": volunteers, "volunteer_hours": hours, "outcomes": outcomes, "indicators": indicators,
            "principles": principles, "summary": summary, "evidence_url": evidence}
