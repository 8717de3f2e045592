"""The part of the Edit measures page where editors make the gap between two groups a measure: pick a measure and
one of its breakdowns, the two groups to compare, and the gap's baseline and 1, 3 and 5 year targets."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.core.errors import StaleEdit
from framework.progress.gap_targets import breakdown_groups, gap_measures, indicators_with_breakdowns, save_gap_measure
from framework.progress.gaps import comparable_groups, default_pair

KEY = "edit_indicators.gap"


def _text(value) -> str:
    return "" if value is None or value != value else f"{value:g}"


def gap_targets(code: str) -> None:
    """Choose a breakdown to measure as a gap, and set the gap's baseline and targets."""
    st.header("Gaps between groups as measures")
    st.write("The gap between the most and least deprived is measured for every measure broken down by "
             "deprivation. Pick any other breakdown, such as ethnicity or age, to measure its gap too, and give a gap "
             "a baseline and targets. A smaller gap is better, whatever the direction of the measure. Gaps are in "
             "the measure's own unit (percentage points for a percentage).")
    measures = glue.read(indicators_with_breakdowns, code)
    if measures.empty:
        st.info("No measure has figures broken down by group yet. Load them on the Data page.")
        return
    names = dict(zip(measures["indicator_code"], measures["name"]))
    units = dict(zip(measures["indicator_code"], measures["unit"]))
    c1, c2 = st.columns(2)
    chosen = c1.selectbox("Measure", list(names), format_func=lambda c: f"{c}: {names[c]}", key=f"{KEY}.indicator")
    groups = glue.read(breakdown_groups, code, chosen)
    breakdown = c2.selectbox("Breakdown", list(groups), key=f"{KEY}.breakdown.{chosen}")
    usable = comparable_groups(groups.get(breakdown, []))
    if len(usable) < 2:
        st.info(f"{glue.text(breakdown)} has only one group with figures, so there is no gap to measure.")
        return
    saved = glue.read(gap_measures, code, chosen)
    saved = saved[saved["breakdown"] == breakdown]
    row = saved.iloc[0].to_dict() if len(saved) else {}
    pair = (row.get("disadvantaged_group"), row.get("advantaged_group")) if row else (
        default_pair(usable, {}, "higher_is_better") or (usable[0], usable[-1]))
    at = f"{KEY}.{chosen}.{breakdown}"
    st.session_state.setdefault(f"{at}.opened", int(row.get("version", 0)))  # the version this editor started from
    with st.form(f"{at}.form"):
        g1, g2 = st.columns(2)
        dis = g1.selectbox("Least advantaged group", usable, index=usable.index(pair[0]) if pair[0] in usable else 0,
                           key=f"{at}.disadvantaged")
        adv = g2.selectbox("Most advantaged group", usable, key=f"{at}.advantaged",
                           index=usable.index(pair[1]) if pair[1] in usable else len(usable) - 1)
        unit = "percentage points" if units[chosen] == "%" else (units[chosen] or "the measure's unit")
        n1, n2, n3, n4 = st.columns(4)
        values = {"breakdown": breakdown, "disadvantaged_group": dis, "advantaged_group": adv,
                  "baseline_value": n1.text_input(f"Gap baseline ({unit})", _text(row.get("baseline_value")),
                                                  key=f"{at}.baseline_value")}
        for column, (field, label) in zip((n2, n3, n4), (("target_1y", "1-year gap target"),
                                                        ("target_3y", "3-year gap target"),
                                                        ("target_5y", "5-year gap target"))):
            values[field] = column.text_input(label, _text(row.get(field)), key=f"{at}.{field}")
        reason = st.text_input("Reason for the change", help="Needed when a saved gap target changes.",
                               key=f"{at}.reason")
        st.caption("Leave the baseline blank to use the gap in the last period before the framework started.")
        submitted = st.form_submit_button("Save the gap measure", key=f"{KEY}.save")
    if submitted:
        ok, result = glue.write(save_gap_measure, code, chosen, values, expected_version=st.session_state[f"{at}.opened"],
                                reason=reason,
                                success=f"Saved the {breakdown.lower()} gap of {chosen}. The change is in the History.")
        if ok:
            st.session_state[f"{at}.opened"] = result
        elif isinstance(result, StaleEdit):  # the warning says what differs; the next save goes over their version
            fresh = gap_measures(glue.connection(), code, chosen)
            st.session_state[f"{at}.opened"] = int(fresh.loc[fresh["breakdown"] == breakdown, "version"].max())
            st.caption("Your entries are kept in the form. Check them against the saved version, then save again.")
