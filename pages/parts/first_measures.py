"""Choosing the first measures: offers from NHS England's ICS system metrics or from an uploaded Fingertips
export, and a short form per chosen measure (outcome, direction, unit, targets) that adopts them together."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.auth import can
from framework.core.errors import ValidationError
from framework.core.model import DIRECTION_WORDS, DIRECTIONS, User
from framework.data_io.importers.uploads import check_upload, discard_upload, save_upload
from framework.foundation.vision import list_outcomes
from framework.measures.starter_catalogue import adopt_measures, already_adopted, fingertips_offers, read_nhse_catalogue

NHSE, FINGERTIPS = "NHS England's ICS system metrics (2020/21)", "A Fingertips data export you upload"
CHOSEN = "framework.first.chosen"
ROUND = "framework.first.round"  # part of the form's keys, so it empties after adopting


def _offers(code: str, user: User):
    """The offers of the chosen catalogue, or None after saying what is wrong."""
    source = st.radio("Choose from", [NHSE, FINGERTIPS], key="framework.first.source", horizontal=True)
    try:
        if source == NHSE:
            return read_nhse_catalogue()
        uploaded = st.file_uploader("A Fingertips data export (.csv)", type=["csv"], key="framework.first.file")
        if uploaded is None:
            st.caption("Download an export from fingertips.phe.org.uk, then choose it here.")
            return None
        path = save_upload(uploaded.name, uploaded.getvalue())
        try:
            check = glue.read(check_upload, path, code, user).files[0]
        finally:
            discard_upload(path)
        return fingertips_offers(check)
    except ValidationError as exc:
        st.error("That file cannot be offered as measures. Please fix:\n"
                 + "\n".join(f"- {glue.text(p)}" for p in exc.problems))
        return None


def first_measures(code: str, user: User) -> None:
    """The catalogue to choose from, and the form that adopts the chosen measures."""
    st.markdown("**Choose your first measures.** Pick from a starter catalogue; each gets its outcome, direction "
                "and targets. Measures you adopted before are marked and never added twice.")
    if flash := st.session_state.pop("framework.first.flash", None):
        st.success(flash)
    if not can(user, "edit_indicators"):
        st.info(f"You are viewing as {user.role}. Only editors can adopt measures.")
        return
    outcomes = glue.read(list_outcomes, code)
    if outcomes.empty:
        st.info("Add an outcome first: each measure shows progress towards one.")
        return
    offers = _offers(code, user)
    if offers is None:
        return
    if offers.empty:
        st.info("This file brings no indicator that your framework does not measure already.")
        return
    have = glue.read(already_adopted, code)
    names = dict(zip(offers["source_ref"], offers["name"]))
    round_no = st.session_state.setdefault(ROUND, 0)
    picked = st.multiselect("Measures to adopt", list(names), key=f"{CHOSEN}.{round_no}",
                            format_func=lambda r: names[r] + (" (already adopted)" if r in have else ""))
    if not picked:
        return
    titles = dict(zip(outcomes["outcome_code"], outcomes["title"]))
    with st.form(f"framework.first.form.{round_no}"):
        choices = []
        for ref in picked:
            offer = offers[offers["source_ref"] == ref].iloc[0].to_dict()
            slot = f"framework.first.{round_no}.{ref}"
            with st.container(border=True):
                st.markdown(f"**{glue.text(offer['name'])}**")
                if offer.get("definition"):
                    st.caption(glue.text(offer["definition"]))
                left, mid, right = st.columns(3)
                values = {**offer,
                          "outcome_code": left.selectbox("Outcome", list(titles), key=f"{slot}.outcome",
                                                         format_func=lambda c: f"{c}. {titles[c]}"),
                          "direction": mid.selectbox("Which way is better", DIRECTIONS, index=None,
                                                     format_func=DIRECTION_WORDS.get, key=f"{slot}.direction"),
                          "unit": right.text_input("Unit", value=offer["unit"] or "", key=f"{slot}.unit")}
                for column, h in zip(st.columns(4), ("baseline_value", "target_1y", "target_3y", "target_5y")):
                    label = "Baseline" if h == "baseline_value" else f"Target at {h[7]} year{'s' if h[7] != '1' else ''}"
                    values[h] = column.text_input(label, key=f"{slot}.{h}")
                choices.append(values)
        adopt = st.form_submit_button(f"Adopt {len(picked)} measure{'s' if len(picked) > 1 else ''}", type="primary")
    if adopt:
        ok, result = glue.write(adopt_measures, code, choices)
        if ok:
            added, already = result["added"], result["already"]
            message = f"Adopted {len(added)} measure{'s' if len(added) != 1 else ''}: {', '.join(added) or 'none'}."
            if already:
                message += f" Already in your framework: {glue.text(', '.join(already))}."
            st.session_state["framework.first.flash"] = message
            st.session_state[ROUND] = round_no + 1
            st.rerun()
