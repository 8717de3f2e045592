"""The funnel plot on the indicator page: the system's places, or every ICB where the data has them, against
England with 95% and 99.8% control limits, with a sentence from the figures and the method in words."""
import streamlit as st

from framework import streamlit_glue as glue
from framework.progress.funnel import METHOD_WORDS, MIN_UNITS_FOR_OVERDISPERSION, funnel_scopes, indicator_funnel
from framework.progress.funnel_chart import funnel_chart

SCOPE_WORDS = {"places": "The system's places", "icbs": "Every ICB with data"}


def funnel(code: str, selected: str, ind: dict) -> None:
    """The funnel section for one measure, or a note saying why there is none."""
    st.markdown("#### Funnel plot: which areas differ by more than chance")
    scopes = glue.read(funnel_scopes, code, selected)
    if not scopes:
        st.caption("There is no funnel plot: it needs at least three places (or ICBs) with a value in one period.")
        return
    scope = scopes[0] if len(scopes) == 1 else st.radio(
        "Compare", scopes, format_func=SCOPE_WORDS.get, horizontal=True, key="indicators.funnel_scope")
    result = glue.read(indicator_funnel, code, selected, scope)
    if result is None:
        st.caption("There is no funnel plot: fewer than three of these areas have a value that can be placed on it.")
        return
    f = result["funnel"]
    title = f"{ind['name']}: {result['areas_word']} in {result['period']} against {f.target_name}"
    glue.chart(funnel_chart(f, title=title, unit=ind["unit"], direction=ind["direction"],
                            source=ind.get("source") or ""), None, key="indicators.funnel_chart")
    st.markdown(glue.text(result["sentence"]))
    if f.overdispersed:
        spread = (f"widened by an additive random effect (tau squared {f.tau2:.3g}) because the {len(f.points)} "
                  f"areas vary more than chance would explain (phi {f.phi:.2f})")
    elif len(f.points) < MIN_UNITS_FOR_OVERDISPERSION:
        spread = (f"not adjusted for overdispersion: {len(f.points)} areas are too few to estimate it (at least "
                  f"{MIN_UNITS_FOR_OVERDISPERSION} are needed)")
    else:
        spread = f"not adjusted: the areas vary no more than chance would explain (phi {f.phi:.2f})"
    st.caption(f"{METHOD_WORDS[f.method]}; {spread}. Left out: "
               f"{glue.text('; '.join(result['left_out'])) if result['left_out'] else 'none'}.")
    st.page_link("pages/progress_rules_page.py", label="How this is judged, in plain words", icon=":material/rule:")
