"""The funnel plot as a plotly figure: each area a labelled point, the comparator as a line, the 95% limits dashed
and the 99.8% limits dotted. Okabe-Ito colours and a different marker for each position, named in words in the
legend, so nothing is said by colour alone."""
from __future__ import annotations

import plotly.graph_objects as go

from framework.foundation.indicator_text import format_value
from framework.progress.charts import BLACK, BLUE, FONT, ORANGE, VERMILION, _wrap, axis_title
from framework.progress.funnel import POSITIONS, Funnel, judgement

MARKERS = {"within": ("circle", BLUE), "above_95": ("diamond", ORANGE), "below_95": ("diamond", ORANGE),
           "above_998": ("square", VERMILION), "below_998": ("square", VERMILION)}


def position_label(pos: str, direction: str) -> str:
    """A legend label for a position: 'Within the 95% limits', 'Outside 99.8%: lower than expected: worse'."""
    if pos == "within":
        return "Within the 95% limits"
    level = "99.8%" if pos.endswith("998") else "95% (inside 99.8%)"
    return f"Outside {level}: {judgement(pos, direction)}"


def funnel_chart(funnel: Funnel, *, title: str, unit: str, direction: str, source: str = "") -> go.Figure:
    """The funnel plot of a build_funnel() result."""
    curve = funnel.curve()
    fig = go.Figure()
    for col, name, dash in (("upper_998", "99.8% control limits", "dot"), ("lower_998", None, "dot"),
                            ("upper_95", "95% control limits", "dash"), ("lower_95", None, "dash")):
        fig.add_trace(go.Scatter(x=curve["size"], y=curve[col], mode="lines", name=name or "",
                                 line=dict(color="#555555", dash=dash, width=1.5), hoverinfo="skip",
                                 showlegend=name is not None, legendgroup=dash))
    fig.add_trace(go.Scatter(x=curve["size"], y=[funnel.target] * len(curve), mode="lines",
                             name=f"{funnel.target_name}: {format_value(funnel.target, unit)}",
                             line=dict(color=BLACK, width=2), hoverinfo="skip"))
    pts = funnel.points
    for pos in POSITIONS:
        part = pts[pts["position"] == pos]
        if part.empty:
            continue
        symbol, colour = MARKERS[pos]
        fig.add_trace(go.Scatter(
            x=part["size"], y=part["value"], mode="markers+text", name=position_label(pos, direction),
            text=[_wrap(str(n), 22) for n in part["area_name"]], textposition="top center",
            textfont=dict(size=11, color="#222222"),
            marker=dict(symbol=symbol, size=12, color=colour, line=dict(color=BLACK, width=1)),
            customdata=[format_value(v, unit) for v in part["value"]],
            hovertemplate="%{text}<br>%{customdata}<extra></extra>"))
    source_text = f"Source: {source}. " if source else ""
    fig.update_layout(
        title=dict(text=title, font=dict(size=15)), height=480, font=FONT, template="plotly_white",
        margin=dict(l=60, r=20, t=70, b=110),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
        xaxis=dict(title=funnel.size_label, type="log" if funnel.method != "precision" else "linear"),
        yaxis=dict(title=axis_title(unit)),
        annotations=[dict(text=f"{source_text}Limits: Spiegelhalter (2005) funnel plot.", xref="paper",
                          yref="paper", x=0, y=-0.42, showarrow=False, font=dict(size=11, color="#555555"),
                          xanchor="left")],
    )
    return fig
