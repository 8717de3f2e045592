"""Charts of the engagement log, as plotly figures built from the frames in framework.engagement.chart_data:
activities over time by level, reach by community against population share, and feedback loops closed.
Colour-blind-safe (Okabe-Ito), axes labelled with units, titles naming the latest period and the source, and
every level and status named in words in the legend and hover text and drawn with its own pattern, never told by
colour alone."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

LEVEL_COLOURS = {"inform": "#56B4E9", "consult": "#0072B2", "involve": "#009E73", "collaborate": "#E69F00",
                 "empower": "#D55E00"}
LOOP_COLOURS = {"fed back within 3 months": "#009E73", "fed back later": "#56B4E9",
                "awaiting feedback": "#F0E442", "overdue": "#D55E00"}
LOOPS = tuple(LOOP_COLOURS)
# Each level and each state of a feedback loop also has its own fill pattern, so no one needs colour to tell them apart.
LEVEL_PATTERNS = {"inform": "", "consult": "/", "involve": ".", "collaborate": "x", "empower": "\\"}
LOOP_PATTERNS = {"fed back within 3 months": "", "fed back later": "/", "awaiting feedback": ".", "overdue": "x"}
PATTERN_INK = "rgba(0,0,0,0.4)"
SOURCE = "Source: the engagement log in Shared Measures"


def _ink(colour: str) -> str:
    """Black or white, whichever reads better on the colour (WCAG relative luminance)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    light = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "#FFFFFF"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=dict(text=title, y=0.98, yanchor="top"), height=height,
                      margin=dict(l=60, r=20, t=100, b=60), barmode="stack",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), font=dict(size=13),
                      plot_bgcolor="white")
    fig.update_xaxes(title_text=x_title, showgrid=False)
    fig.update_yaxes(title_text=y_title, gridcolor="#e5e5e5", rangemode="tozero")
    return fig


def _quarterly_bars(frame: pd.DataFrame, column: str, colours: dict[str, str], patterns: dict[str, str], counted: str,
                    *, empty_title: str, empty_y: str, title: str, x_title: str, y_title: str) -> go.Figure:
    """Stacked bars of the `counted` column each quarter, one colour and one pattern a value of `column` in the order
    of `colours`, each part's count written on it; the title's {latest} names the latest quarter."""
    fig = go.Figure()
    if frame.empty:
        return _layout(fig, empty_title, "Quarter (financial year)", empty_y)
    order = list(dict.fromkeys(frame.sort_values("quarter_start")["period_label"]))
    for category in colours:
        part = frame[frame[column] == category].set_index("period_label").reindex(order)
        values = part[counted].fillna(0)
        fig.add_bar(x=order, y=values, name=category.capitalize(),
                    marker=dict(color=colours[category], line=dict(color="#000000", width=0.5),
                                pattern=dict(shape=patterns[category], fillmode="overlay", fgcolor=PATTERN_INK,
                                             size=9, solidity=0.25)),
                    text=[f"{int(v)}" if v else "" for v in values], textposition="inside",
                    insidetextanchor="middle", textfont=dict(color=_ink(colours[category]), size=12),
                    hovertemplate="%{x}<br>" + category.capitalize() + f": %{{y}} {counted}<extra></extra>")
    fig = _layout(fig, title.format(latest=order[-1]), x_title, y_title)
    fig.update_layout(uniformtext=dict(minsize=10, mode="hide"))
    return fig


def activities_by_level_chart(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: activities started each quarter, by level on the spectrum of engagement."""
    title = f"Engagement activities by level, to {{latest}}<br><sup>{SOURCE}</sup>"
    return _quarterly_bars(frame, "level", LEVEL_COLOURS, LEVEL_PATTERNS, "activities", title=title,
                           x_title="Quarter the activity started (financial year)", y_title="Activities (number)",
                           empty_title="Activities by level: none logged yet", empty_y="Activities")


def reach_chart(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars: each community's share of participants beside its share of the population, where known."""
    fig = go.Figure()
    if frame.empty or frame["participants"].sum() == 0:
        return _layout(fig, "Reach by community: no participants logged yet", "Share (%)", "Community")
    df = frame.copy().iloc[::-1]
    names = [f"{label}{' (Core20PLUS5)' if core else ''}" for label, core in zip(df["label"], df["is_core20plus5"])]
    fig.add_bar(y=names, x=df["reach_share"].fillna(0), orientation="h", name="Share of participants reached",
                marker_color="#0072B2",
                hovertemplate="%{y}<br>Share of participants: %{x:.1f}%<extra></extra>")
    fig.add_bar(y=names, x=df["population_share"], orientation="h", name="Share of the population (where known)",
                marker_color="#E69F00", marker_pattern_shape="/",
                hovertemplate="%{y}<br>Share of the population: %{x:.1f}%<extra></extra>")
    fig = _layout(fig, f"Reach by community against share of the population, all activities<br><sup>{SOURCE}; "
                       "population shares from the community list</sup>",
                  "Share (%)",
                  "", height=max(420, 32 * len(df) + 140))
    fig.update_layout(barmode="group")
    return fig


def feedback_loops_chart(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: "you said" items by the quarter their activity ended, by where the feedback loop stands."""
    closed = int(frame.loc[frame["loop"].str.startswith("fed back"), "items"].sum()) if len(frame) else 0
    total = int(frame["items"].sum()) if len(frame) else 0
    title = f"Feedback loops closed: {closed} of {total} 'you said' items fed back, to {{latest}}<br><sup>{SOURCE}</sup>"
    return _quarterly_bars(frame, "loop", LOOP_COLOURS, LOOP_PATTERNS, "items", title=title,
                           x_title="Quarter the activity ended (financial year)", y_title="'You said' items (number)",
                           empty_title="Feedback loops: no 'you said' items yet", empty_y="Items")
