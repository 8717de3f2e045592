"""The SPC chart of one headline series, built from its v_spc rows: the centre line, the process limits and the
two-sigma lines of each part, each point marked by shape and colour (Okabe-Ito) and named in the legend in words;
with fewer than 15 points, a run chart around the median."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from framework.progress.charts import BLACK, BLUE, FONT, GREEN, ORANGE, PINK, axis_title
from framework.progress.spc import POINT_WORDS

GREY = "#8C8C8C"
POINT_STYLE = {  # colour and a shape of its own, so no point type is told by colour alone
    "improvement": (BLUE, "diamond"), "concern": (ORANGE, "square"), "neutral": (PINK, "hexagon"),
    "common_cause": (GREY, "circle"), "too_few_points": (GREY, "circle"),
}
LINE_STYLE = {"centre": (BLACK, "solid", "Centre (mean)"), "process": ("#444444", "dash", "Process limits"),
              "two_sigma": ("#666666", "dot", "Two-sigma lines")}


def _line(fig: go.Figure, x, y, key: str, show: bool, label: str | None = None) -> None:
    colour, dash, name = LINE_STYLE[key]
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=colour, dash=dash, width=1.5),
                             name=name, legendgroup=key, showlegend=show, hoverinfo="skip"))
    if label:  # at the right-hand end; each pair of lines' labels part away from each other, so none overlap
        outer = label.endswith("process limit")
        up = label.startswith("Upper") == outer
        fig.add_annotation(x=x[-1], y=y[-1], text=label, showarrow=False, xanchor="left", xshift=4,
                           yanchor="middle" if label == "Centre" else ("bottom" if up else "top"),
                           font=dict(size=10 if key == "two_sigma" else 11, color=colour))


def spc_chart(rows: pd.DataFrame, *, title: str, unit: str, source: str = "", target: float | None = None,
              target_label: str = "Target") -> go.Figure:
    """The SPC chart of one series (its spc_table rows in time order), or a run chart when it has too few points."""
    pts = rows.sort_values("t") if "t" in rows else rows
    fig = go.Figure()
    has_limits = bool(len(pts)) and pts["centre"].notna().any()
    if has_limits:
        first = True
        for part, chunk in pts.groupby("part", sort=True):
            if chunk["centre"].isna().all():
                continue
            x = list(chunk["period_end"])
            last_part = part == pts["part"].max()
            _line(fig, x, list(chunk["centre"]), "centre", first, "Centre" if last_part else None)
            for col, label in (("upper_limit", "Upper process limit"), ("lower_limit", "Lower process limit")):
                _line(fig, x, list(chunk[col]), "process", first and col == "upper_limit",
                      label if last_part else None)
            for col, label in (("upper_2s", "Upper two sigma"), ("lower_2s", "Lower two sigma")):
                _line(fig, x, list(chunk[col]), "two_sigma", first and col == "upper_2s",
                      label if last_part else None)
            first = False
        for when in pts.groupby("part")["period_end"].min().iloc[1:]:
            fig.add_shape(type="line", x0=when, x1=when, yref="paper", y0=0, y1=1,
                          line=dict(color="#555555", dash="dashdot", width=1))
            fig.add_annotation(x=when, y=1, yref="paper", text="Limits start again", showarrow=False,
                               yanchor="bottom", font=dict(size=11), bgcolor="rgba(255,255,255,0.8)")
    elif len(pts):
        median = float(pts["value"].median())
        fig.add_trace(go.Scatter(x=list(pts["period_end"]), y=[median] * len(pts), mode="lines", name="Median",
                                 line=dict(color=BLACK, dash="solid", width=1.5), hoverinfo="skip"))
    if target is not None and len(pts):
        fig.add_trace(go.Scatter(x=[pts["period_end"].iloc[0], pts["period_end"].iloc[-1]], y=[target, target],
                                 mode="lines", name=target_label, line=dict(color=GREEN, dash="longdash", width=2),
                                 hoverinfo="skip"))
    if len(pts):
        fig.add_trace(go.Scatter(x=list(pts["period_end"]), y=list(pts["value"]), mode="lines", showlegend=False,
                                 line=dict(color=GREY, width=1.5), hoverinfo="skip"))
        for kind, (colour, symbol) in POINT_STYLE.items():
            group = pts[pts["point_type"] == kind]
            if group.empty:
                continue
            name = "Value (no limits yet)" if kind == "too_few_points" else POINT_WORDS[kind]
            fig.add_trace(go.Scatter(
                x=list(group["period_end"]), y=list(group["value"]), mode="markers", name=name,
                marker=dict(symbol=symbol, size=11 if kind not in ("common_cause", "too_few_points") else 7,
                            color=colour, line=dict(color=BLACK, width=1)),
                customdata=[[r or "none"] for r in group["rules"]],
                hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:,.2f}}<br>rules: %{{customdata[0]}}<extra></extra>"))
    kind = "SPC chart (XmR)" if has_limits else "Run chart: too few points for limits"
    latest = f"Latest period ends {pts['period_end'].iloc[-1]:%d %b %Y}" if len(pts) else "No data yet"
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{kind}. {latest}. Source: {source or 'not stated'}</sup>", x=0,
                   font=dict(size=15, color=BLACK)),
        height=480, margin=dict(l=60, r=110, t=95, b=40), font=FONT, template="plotly_white",
        legend=dict(orientation="h", x=0, y=-0.16, yanchor="top", font=dict(size=12)), hovermode="closest",
    )
    fig.update_xaxes(title_text="Period ending")
    fig.update_yaxes(title_text=axis_title(unit), rangemode="normal")
    return fig

