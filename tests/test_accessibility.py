"""Accessibility that can be checked without a browser: every chart on a page goes through glue.chart with a text
alternative, captions reach AA contrast in the theme, charts tell categories apart without colour, and the
proposal form names its required fields."""
from __future__ import annotations

import re
import tomllib
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from framework import streamlit_glue as glue
from framework.engagement.charts import LOOP_COLOURS, activities_by_level_chart, feedback_loops_chart
from framework.measures.proposals import FIELDS
from framework.reviews.charts import distribution
from framework.reviews.suppression import CELLS
from tests.apptest_helpers import open_app
from tests.conftest import ROOT

PAGES = sorted((ROOT / "pages").rglob("*.py"))
THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]


def _luminance(rgb: tuple[float, float, float]) -> float:
    parts = [c / 255 for c in rgb]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _caption(text: tuple[int, ...], ground: tuple[int, ...]) -> tuple[int, ...]:
    """Streamlit's caption colour: the text colour at 60% opacity over the background, as the browser draws it."""
    return tuple(round(0.6 * t + 0.4 * g) for t, g in zip(text, ground))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_shows_a_chart_without_its_sentence(path):
    assert re.findall(r"st\.plotly_chart\(", path.read_text(encoding="utf-8")) == []


def test_the_pages_show_their_charts_through_glue_chart():
    shown = sum(len(re.findall(r"glue\.chart\(", p.read_text(encoding="utf-8"))) for p in PAGES)
    assert shown >= 10


@pytest.mark.parametrize("background", ["backgroundColor", "secondaryBackgroundColor"])
def test_captions_drawn_at_sixty_percent_of_the_text_colour_reach_aa_contrast(background):
    text, ground = _rgb(THEME["textColor"]), _rgb(THEME[background])
    caption = _caption(text, ground)
    assert _contrast(caption, ground) >= 4.5
    assert _contrast(text, ground) >= 7


def test_the_old_text_colour_would_fail_caption_contrast_so_the_check_can_fail():
    text, ground = _rgb("#1B2631"), _rgb("#FFFFFF")
    caption = _caption(text, ground)
    assert round(_contrast(caption, ground), 2) == 4.17


@pytest.mark.parametrize(("title", "words"), [
    ("Engagement activities by level, to 2026 Q2<br><sup>Source: the log</sup>",
     "Chart: Engagement activities by level, to 2026 Q2. Source: the log."),
    ("Answers to S01 &amp; S02<br><b>Counts rounded</b>.", "Chart: Answers to S01 & S02. Counts rounded."),
    ("", "Chart."),
])
def test_a_chart_without_a_sentence_is_named_by_its_title_in_plain_words(title, words):
    assert glue.title_words(go.Figure(layout={"title": {"text": title}})) == words


def _quarters(column: str, categories) -> pd.DataFrame:
    return pd.DataFrame({"quarter_start": [date(2026, 4, 1)] * len(categories),
                         "period_label": ["2026 Q1"] * len(categories), column: list(categories),
                         "activities": [3] * len(categories), "items": [3] * len(categories)})


@pytest.mark.parametrize("fig", [
    activities_by_level_chart(_quarters("level", ["inform", "consult", "involve", "collaborate", "empower"])),
    feedback_loops_chart(_quarters("loop", list(LOOP_COLOURS))),
], ids=["activities by level", "feedback loops"])
def test_each_category_of_an_engagement_chart_has_its_own_pattern_and_its_count_written_on_it_legibly(fig):
    shapes = [bar.marker.pattern.shape for bar in fig.data]
    assert len(fig.data) >= 4 and len(set(shapes)) == len(shapes)
    assert all(list(bar.text) == ["3"] for bar in fig.data)
    assert all(_contrast(_rgb(bar.textfont.color), _rgb(bar.marker.color)) >= 4.5 for bar in fig.data)


def test_each_answer_in_the_review_chart_has_its_own_pattern_and_is_named_on_its_bar():
    row = {"statement_code": "S01", "text": "We are heard.", "group_code": "All", "group_name": "All groups shown",
           "shown": True, **{cell: 10.0 for cell in CELLS}}
    fig = distribution(pd.DataFrame([row]), "S01", "Spring review")
    shapes = [bar.marker.pattern.shape for bar in fig.data]
    assert len(set(shapes)) == len(CELLS) == len(fig.data)
    assert [bar.text[0] for bar in fig.data] == [
        "Str. disagree: about 10", "Disagree: about 10", "Neither: about 10", "Agree: about 10",
        "Str. agree: about 10", "Don't know: about 10"]
    assert fig.data[3].hovertemplate.startswith("Agree: %{customdata} people")


def test_the_proposal_form_marks_each_required_field_before_it_is_sent(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="proposals_page", role="community")
    labels = [w.label for w in [*at.text_input, *at.text_area, *at.selectbox] if "proposals." in (w.key or "")]
    required = [label for label in labels if label.endswith(" (required)")]
    assert sorted(required) == sorted([f"{label} (required)" for label, _ in FIELDS.values()]
                                      + ["Which outcome it serves (required)"])
    assert any("Fields marked **(required)**" in m.value for m in at.markdown)
    assert not at.checkbox(key="proposals.named.0").label.endswith("(required)")
