"""The chart of a footprint and the former ICBs before it: each area its own labelled line (colour, dash and
marker all differ, Okabe-Ito colours), never joined across the break, with a labelled vertical line on the day the
footprint took over."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from framework.progress.charts import BLACK, BLUE, FONT, GREEN, ORANGE, PINK, SKY, VERMILION, _wrap, axis_title

COLOURS = [ORANGE, GREEN, PINK, VERMILION, SKY, BLACK]
DASHES = ["dash", "dot", "dashdot", "longdash", "longdashdot", "dash"]
SYMBOLS = ["square", "diamond", "triangle-up", "x", "triangle-down", "cross"]


def _trace(points, name: str, colour: str, dash: str, symbol: str, width: float) -> go.Scatter:
    return go.Scatter(x=points["period_end"], y=points["value"], mode="lines+markers", name=name,
                      line=dict(color=colour, dash=dash, width=width), marker=dict(symbol=symbol, size=8),
                      customdata=points[["period_label"]],
                      hovertemplate=f"{name}<br>%{{customdata[0]}}: %{{y:,.1f}}<extra></extra>")


def lineage_chart(found: dict[str, Any], *, measure: str, unit: str, source: str = "") -> go.Figure:
    """Footprint and former ICBs for a lineage() result, as separate series with the break marked."""
    fig = go.Figure()
    for i, item in enumerate(found["predecessors"]):
        name = f"{item['name']} ({item['area_code']}), {item['first_label']}" + (
            f" to {item['last_label']}" if item["last_label"] != item["first_label"] else "")
        if item["share"] == "part":
            name += f", only part of it is now in {found['footprint_name']}"
        fig.add_trace(_trace(item["points"], name, COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)],
                             SYMBOLS[i % len(SYMBOLS)], 2))
    own = found["points"]
    if len(own):
        fig.add_trace(_trace(own, f"{found['footprint_name']} ({found['footprint_code']})", BLUE, "solid", "circle",
                             3))
    when = found["took_over"]
    if when is not None:
        fig.add_shape(type="line", x0=when, x1=when, yref="paper", y0=0, y1=1,
                      line=dict(color=BLACK, dash="dash", width=1.5))
        fig.add_annotation(x=when, y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"{when.day} {when:%b %Y}: {found['footprint_name']} took over",
                           font=dict(size=12, color=BLACK), bgcolor="rgba(255,255,255,0.9)")
    heading = _wrap(f"{measure}: {found['footprint_name']} and the former ICBs before it", 70)
    fig.update_layout(
        title=dict(text=f"{heading}"
                        f"<br><sup>Each area is its own series; figures are not combined. "
                        f"Source: {source or 'not stated'}</sup>", x=0, font=dict(size=15, color=BLACK)),
        height=480, margin=dict(l=60, r=20, t=110, b=40), font=FONT, template="plotly_white", hovermode="closest",
        legend=dict(orientation="h", x=0, y=-0.15, yanchor="top", font=dict(size=12)))
    fig.update_xaxes(title_text="Period ending")
    fig.update_yaxes(title_text=axis_title(unit), rangemode="normal")
    return fig
