"""Plotly figures for progress, built from data: the progress chart of one indicator, the breakdown chart with its
gap, and the status overview. Okabe-Ito colours, labelled axes with units, the latest period and source in the
title, and status written in words (with icons and bar patterns), never shown by colour alone."""
from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from framework.foundation.indicator_text import format_value
from framework.progress.engine import STATUS_WORDS, STATUSES, Trend, horizon_date, status_label
from framework.progress.periods import SO_FAR, bounded

BLUE, ORANGE, GREEN, PINK, SKY, VERMILION, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PALETTE = [BLUE, ORANGE, GREEN, PINK, SKY, VERMILION, BLACK, YELLOW]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "triangle-down", "star", "cross"]
STATUS_COLOURS = {"ahead": BLUE, "on_track": GREEN, "behind": VERMILION, "not_enough_data": YELLOW,
                  "no_target": "#BBBBBB"}
STATUS_PATTERNS = {"ahead": "/", "on_track": "", "behind": "x", "not_enough_data": ".", "no_target": "\\"}
HEIGHT = 520
FONT = dict(size=13, color="#222222")


def axis_title(unit: str) -> str:
    """A y-axis title naming the unit."""
    return {"%": "Per cent (%)", "": "Value"}.get(unit, unit[0].upper() + unit[1:] if unit else "Value")


def _band(fig: go.Figure, x, lower, upper, colour: str, name: str, row=None, col=None, show=True) -> None:
    kw = {"row": row, "col": col} if row else {}
    fig.add_trace(go.Scatter(x=list(x), y=list(upper), mode="lines", line=dict(width=0), hoverinfo="skip",
                             showlegend=False, legendgroup=name), **kw)
    fig.add_trace(go.Scatter(x=list(x), y=list(lower), mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor=colour, name=name, hoverinfo="skip", showlegend=show, legendgroup=name), **kw)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def progress_chart(*, title: str, unit: str, start: date, points: pd.DataFrame, baseline: float | None,
                   targets: dict[int, float | None], trend: Trend | None = None, comparator: pd.DataFrame | None = None,
                   comparator_name: str = "England", source: str = "", annotations: Sequence[tuple[date, str]] = (),
                   direction: str = "higher_is_better", running: pd.DataFrame | None = None) -> go.Figure:
    """The main progress chart of one indicator in one area. points: period_end, period_label, value, lower_ci,
    upper_ci, complete periods only. running: periods still running, drawn hollow and named 'so far'.
    annotations: (date, label) marks such as target changes, drawn as labelled vertical lines. The projection
    starts from the latest complete period and its band stays inside the limits of the unit."""
    pts = points.dropna(subset=["value"]).sort_values("period_end") if len(points) else points
    fig = _figure([], {})
    five = horizon_date(start, 5)
    has_ci = len(pts) and pts["lower_ci"].notna().any() and pts["upper_ci"].notna().any()
    if has_ci:
        ci = pts.dropna(subset=["lower_ci", "upper_ci"])
        _band(fig, ci["period_end"], ci["lower_ci"], ci["upper_ci"], _rgba(SKY, 0.3), "95% confidence interval")
    if comparator is not None and len(comparator):
        comp = comparator.dropna(subset=["value"]).sort_values("period_end")
        fig.add_trace(go.Scatter(x=comp["period_end"], y=comp["value"], mode="lines+markers", name=comparator_name,
                                 line=dict(color=PINK, dash="dashdot", width=2), marker=dict(symbol="square", size=6),
                                 hovertemplate=f"{comparator_name}<br>%{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>"))
    if baseline is not None:
        fig.add_trace(go.Scatter(x=[start, five], y=[baseline, baseline], mode="lines",
                                 name=f"Baseline {format_value(baseline, unit)}",
                                 line=dict(color=BLACK, dash="dot", width=1.5), hoverinfo="skip"))
    knots = [(start, baseline)] + [(horizon_date(start, h), t) for h, t in sorted(targets.items()) if t is not None]
    if baseline is not None and len(knots) > 1:
        fig.add_trace(go.Scatter(x=[k[0] for k in knots], y=[k[1] for k in knots], mode="lines",
                                 name="Expected path", line=dict(color=GREEN, dash="dash", width=2),
                                 hovertemplate="Expected %{x|%b %Y}: %{y:,.1f}<extra></extra>"))
    if trend is not None and len(pts):
        last = pts["period_end"].iloc[-1]
        xs = [last + timedelta(days=int(d)) for d in range(0, max((five - last).days, 0) + 1, 30)] or [last]
        if xs[-1] < five:
            xs.append(five)
        fitted = [tuple(bounded(v, unit) for v in trend.at(x)) for x in xs]
        _band(fig, xs, [f[1] for f in fitted], [f[2] for f in fitted], _rgba(VERMILION, 0.15),
              "Projection: 95% prediction interval")
        fig.add_trace(go.Scatter(x=xs, y=[f[0] for f in fitted], mode="lines", name="Projection from recent trend",
                                 line=dict(color=VERMILION, dash="dot", width=2),
                                 hovertemplate="Projected %{x|%b %Y}: %{y:,.1f}<extra></extra>"))
    if len(pts):
        fig.add_trace(go.Scatter(x=pts["period_end"], y=pts["value"], mode="lines+markers", name="Actual value",
                                 line=dict(color=BLUE, width=3), marker=dict(size=7),
                                 customdata=pts[["period_label"]] if "period_label" in pts else None,
                                 hovertemplate="%{customdata[0]}: %{y:,.1f}<extra>Actual</extra>"))
    add_running(fig, pts, running)
    set_targets = [(h, t) for h, t in sorted(targets.items()) if t is not None]
    if set_targets:
        labels = [f"{h}-year target {format_value(t, unit)}" for h, t in set_targets]
        fig.add_trace(go.Scatter(
            x=[horizon_date(start, h) for h, _ in set_targets], y=[t for _, t in set_targets], mode="markers",
            name="Target at each horizon", marker=dict(symbol="diamond", size=13, color=ORANGE,
                                                       line=dict(color=BLACK, width=1)),
            text=labels, hovertemplate="%{text}<br>due %{x|%B %Y}<extra></extra>"))
        for (h, t), label in zip(set_targets, labels):
            # Labels sit on the far side from where the actual values usually are: above the target when higher is
            # better (the values come from below), below it when lower is better.
            fig.add_annotation(x=horizon_date(start, h), y=t, text=label, showarrow=True, arrowhead=0, ax=0,
                               ay=34 if direction == "lower_is_better" else -34,
                               xanchor="right" if h == 5 else "center", bgcolor="rgba(255,255,255,0.9)",
                               bordercolor=ORANGE, borderwidth=1, font=dict(size=12, color=BLACK))
    for when, label in annotations:
        fig.add_shape(type="line", x0=when, x1=when, yref="paper", y0=0, y1=1,
                      line=dict(color="#555555", dash="dot", width=1))
        fig.add_annotation(x=when, y=1, yref="paper", text=label, showarrow=False, yanchor="bottom",
                           font=dict(size=11), bgcolor="rgba(255,255,255,0.8)")
    latest = f"Latest data {pts['period_label'].iloc[-1]}" if len(pts) and "period_label" in pts else "No data yet"
    latest += running_title(running)
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{latest}. Source: {source or 'not stated'}</sup>", x=0,
                   font=dict(size=15, color=BLACK)),
        height=HEIGHT, margin=dict(l=60, r=20, t=105, b=40), font=FONT,
        legend=dict(orientation="h", x=0, y=-0.18, yanchor="top", font=dict(size=12)), hovermode="closest",
    )
    fig.update_xaxes(title_text="Period ending", range=[start - timedelta(days=120), five + timedelta(days=60)])
    fig.update_yaxes(title_text=axis_title(unit), rangemode="normal")
    return fig


def running_title(running: pd.DataFrame | None) -> str:
    """'; 2026/27 Q3 so far' for the chart's subtitle, when a period is still running."""
    still = running.dropna(subset=["value"]) if running is not None and len(running) else None
    if still is None or still.empty or "period_label" not in still:
        return ""
    return f"; {still.sort_values('period_end')['period_label'].iloc[-1]} {SO_FAR}"


def add_running(fig: go.Figure, pts: pd.DataFrame, running: pd.DataFrame | None) -> None:
    """Periods still running: hollow markers on a dotted line from the latest complete value, named in the legend."""
    still = running.dropna(subset=["value"]).sort_values("period_end") if running is not None and len(running) else None
    if still is None or still.empty:
        return
    lead = pts.tail(1)[["period_end", "value"]] if len(pts) else pd.DataFrame(columns=["period_end", "value"])
    line = pd.concat([lead, still[["period_end", "value"]]], ignore_index=True)
    labels = [f"{lab} {SO_FAR}" for lab in still.get("period_label", pd.Series([""] * len(still)))]
    fig.add_trace(go.Scatter(
        x=line["period_end"], y=line["value"], mode="lines", line=dict(color=BLUE, width=2, dash="dot"),
        hoverinfo="skip", showlegend=False, legendgroup="so_far"))
    fig.add_trace(go.Scatter(
        x=still["period_end"], y=still["value"], mode="markers", name="So far (period still running)",
        legendgroup="so_far", marker=dict(symbol="circle-open", size=11, color=BLUE, line=dict(width=2.5)),
        text=labels, hovertemplate="%{text}: %{y:,.1f}<extra>Still running</extra>"))


def breakdown_chart(*, title: str, unit: str, frame: pd.DataFrame, groups: Sequence[str], gap: pd.DataFrame,
                    gap_label: str, source: str = "", latest_label: str = "") -> go.Figure:
    """Each group over time (colour, dash and marker differ, so no group relies on colour), and below, the gap
    between the least and most advantaged groups. frame: period_end, breakdown_group, value."""
    traces = []
    by_group = dict(tuple(frame.dropna(subset=["value"]).groupby("breakdown_group", sort=False)))
    for i, group in enumerate(groups):
        part = by_group.get(group)
        if part is None or part.empty:
            continue
        part = part.sort_values("period_end")
        traces.append(go.Scatter(x=part["period_end"], y=part["value"], mode="lines+markers", name=group,
                                 line=dict(color=PALETTE[i % len(PALETTE)], dash=DASHES[i % len(DASHES)], width=2),
                                 marker=dict(symbol=SYMBOLS[i % len(SYMBOLS)], size=7),
                                 hovertemplate=f"{group}<br>%{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>",
                                 xaxis="x", yaxis="y"))
    if len(gap):
        traces.append(go.Scatter(x=gap["period_end"], y=gap["gap"], mode="lines+markers", name=gap_label,
                                 line=dict(color=BLACK, width=2.5), marker=dict(symbol="diamond", size=7),
                                 hovertemplate="Gap %{x|%b %Y}: %{y:,.1f}<extra></extra>", xaxis="x2", yaxis="y2"))
    axes = _over_under_axes()
    axes["yaxis"]["title"] = dict(text=axis_title(unit))
    axes["yaxis2"]["title"] = dict(text="Gap" + (" (percentage points)" if unit == "%" else f" ({unit})" if unit
                                                 else ""))
    axes["xaxis2"]["title"] = dict(text="Period ending")
    return _figure(traces, dict(
        title=dict(text=f"{title}<br><sup>{latest_label}. Source: {source or 'not stated'}</sup>", x=0,
                   font=dict(size=16)),
        height=HEIGHT + 80, margin=dict(l=60, r=20, t=105, b=40), font=FONT,
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top", font=dict(size=12)), **axes,
    ))


@cache
def _white_template() -> dict:
    return pio.templates["plotly_white"].to_plotly_json()


@cache
def _over_under_layout() -> dict:
    layout = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                           vertical_spacing=0.08).layout.to_plotly_json()
    return {k: v for k, v in layout.items() if k != "template"}


def _over_under_axes() -> dict:
    """The axes of a chart above a smaller chart that shares its x axis, as make_subplots(rows=2) lays them out."""
    return copy.deepcopy(_over_under_layout())


def _figure(traces: list, layout: dict) -> go.Figure:
    """A figure on the plotly_white template from traces already checked by their constructors and a layout of
    plain values, built without Plotly checking every property again (which costs more than the drawing data):
    the same figure as add_trace and update_layout give, several times faster. tests/test_charts_speed.py checks
    that Plotly accepts every figure built so."""
    return go.Figure(data=traces, layout={**layout, "template": copy.deepcopy(_white_template())}, _validate=False)


def overview_chart(counts: pd.DataFrame, *, title: str, source: str = "") -> go.Figure:
    """For each outcome and horizon, the number of measures at each status: stacked bars with the status named
    in the legend, counts written on the bars and a different pattern per status."""
    horizons = [1, 3, 5]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, subplot_titles=[f"{h}-year horizon" for h in horizons],
                        horizontal_spacing=0.03)
    labels = (counts.drop_duplicates("outcome_code").assign(label=lambda d: d["outcome_code"] + " " + d["outcome_title"].fillna(""))
              if len(counts) else pd.DataFrame(columns=["outcome_code", "label"]))
    order = list(labels["label"])[::-1]
    code_label = dict(zip(labels["outcome_code"], labels["label"]))
    in_legend: set[str] = set()
    for c, h in enumerate(horizons, start=1):
        part = counts[counts["horizon_years"] == h]
        for status in STATUSES:
            rows = part[part["status"] == status]
            if rows.empty:
                continue
            fig.add_trace(go.Bar(
                y=[_wrap(code_label[o]) for o in rows["outcome_code"]], x=rows["n"], orientation="h",
                name=status_label(status), legendgroup=status, showlegend=status not in in_legend,
                text=[f"{n} {STATUS_WORDS[status].lower()}" for n in rows["n"]], textangle=0,
                textposition="inside", insidetextanchor="middle", textfont=dict(color=BLACK if status in (
                    "not_enough_data", "no_target") else "white", size=12),
                marker=dict(color=STATUS_COLOURS[status], line=dict(color=BLACK, width=0.5),
                            pattern=_pattern(status)),
                hovertemplate=f"%{{y}}<br>{status_label(status)}: %{{x}}<extra>{h}-year</extra>"), row=1, col=c)
            in_legend.add(status)
        fig.update_xaxes(title_text="Number of measures", row=1, col=c, dtick=1)
    fig.update_yaxes(categoryorder="array", categoryarray=[_wrap(o) for o in order])
    fig.update_layout(
        barmode="stack", height=max(360, 190 + 52 * max(len(order), 1)), font=FONT, template="plotly_white",
        title=dict(text=f"{title}<br><sup>{source}</sup>", x=0, font=dict(size=15, color=BLACK)),
        margin=dict(l=10, r=10, t=100, b=110), uniformtext=dict(minsize=10, mode="hide"),
        legend=dict(orientation="h", y=0, yref="container", yanchor="bottom", x=0, font=dict(size=13)),
    )
    return fig


def _pattern(status: str) -> dict:
    """A status's bar pattern. Under dark words (the pale bars) the pattern is fainter and sparser, so its lines
    never strike through the words written on the bar."""
    if status in ("not_enough_data", "no_target"):
        return dict(shape=STATUS_PATTERNS[status], fgcolor="rgba(0,0,0,0.18)", size=14, solidity=0.15)
    return dict(shape=STATUS_PATTERNS[status], fgcolor="rgba(0,0,0,0.35)")


def _wrap(text: str, width: int = 28) -> str:
    """Break a long label into lines of about width characters for plotly."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)
