"""Charts of the engagement log, as plotly figures built from the frames in framework.engagement.chart_data:
activities over time by level, reach by community against population share, and feedback loops closed.
Colour-blind-safe (Okabe-Ito), axes labelled with units, titles naming the latest period and the source, and
every status named in words in the legend and hover text, never by colour alone."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from framework.engagement.vocab import LEVELS

LEVEL_COLOURS = {"inform": "#56B4E9", "consult": "#0072B2", "involve": "#009E73", "collaborate": "#E69F00",
                 "empower": "#D55E00"}
LOOP_COLOURS = {"fed back within 3 months": "#009E73", "fed back later": "#56B4E9",
                "awaiting feedback": "#F0E442", "overdue": "#D55E00"}
LOOPS = tuple(LOOP_COLOURS)
SOURCE = "Source: the engagement log in Shared Measures"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title=dict(text=title, y=0.98, yanchor="top"), height=height,
                      margin=dict(l=60, r=20, t=100, b=60), barmode="stack",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), font=dict(size=13),
                      plot_bgcolor="white")
    fig.update_xaxes(title_text=x_title, showgrid=False)
    fig.update_yaxes(title_text=y_title, gridcolor="#e5e5e5", rangemode="tozero")
    return fig


def activities_by_level_chart(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: activities started each quarter, by level on the spectrum of engagement."""
    fig = go.Figure()
    if frame.empty:
        return _layout(fig, "Activities by level: none logged yet", "Quarter (financial year)", "Activities")
    order = list(dict.fromkeys(frame.sort_values("quarter_start")["period_label"]))
    for level in LEVELS:
        part = frame[frame["level"] == level].set_index("period_label").reindex(order)
        fig.add_bar(x=order, y=part["activities"].fillna(0), name=level.capitalize(),
                    marker_color=LEVEL_COLOURS[level],
                    hovertemplate="%{x}<br>" + level.capitalize() + ": %{y} activities<extra></extra>")
    return _layout(fig, f"Engagement activities by level, to {order[-1]}<br><sup>{SOURCE}</sup>",
                   "Quarter the activity started (financial year)", "Activities (number)")


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
    fig = go.Figure()
    if frame.empty:
        return _layout(fig, "Feedback loops: no 'you said' items yet", "Quarter (financial year)", "Items")
    order = list(dict.fromkeys(frame.sort_values("quarter_start")["period_label"]))
    for loop in LOOPS:
        part = frame[frame["loop"] == loop].set_index("period_label").reindex(order)
        fig.add_bar(x=order, y=part["items"].fillna(0), name=loop.capitalize(), marker_color=LOOP_COLOURS[loop],
                    hovertemplate="%{x}<br>" + loop.capitalize() + ": %{y} items<extra></extra>")
    closed = int(frame[frame["loop"].str.startswith("fed back")]["items"].sum())
    total = int(frame["items"].sum())
    return _layout(fig, f"Feedback loops closed: {closed} of {total} 'you said' items fed back, to {order[-1]}"
                        f"<br><sup>{SOURCE}</sup>", "Quarter the activity ended (financial year)",
                   "'You said' items (number)")
