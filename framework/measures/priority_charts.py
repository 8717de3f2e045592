"""Charts of prioritisation results, built from data as plotly figures: where community and system priorities
differ most (a dumbbell chart), and the priority given by each stakeholder group."""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

COMMUNITY_COLOUR = "#D55E00"  # vermilion, with a diamond marker
SYSTEM_COLOUR = "#0072B2"     # blue, with a circle marker
# Each stakeholder group keeps one colour and one marker shape on every chart; community members match the
# difference chart (vermilion diamond), and the ICB matches its system-bodies circle.
GROUP_STYLE = {
    "community": ("#D55E00", "diamond"), "icb": ("#0072B2", "circle"), "local_authority": ("#009E73", "square"),
    "nhs_providers": ("#56B4E9", "triangle-up"), "primary_care": ("#000000", "x"),
    "vcse": ("#CC79A7", "triangle-down"), "healthwatch": ("#E69F00", "star"),
}
OTHER_STYLES = [("#999999", "cross"), ("#332288", "hexagon"), ("#F0E442", "pentagon")]


def _label(code: str, name: str | None, width: int = 42) -> str:
    text = f"{code} {name or ''}".strip()
    return "<br>".join(textwrap.wrap(text, width)[:2])


def difference_chart(summary: pd.DataFrame, round_title: str, *, top: int = 10) -> go.Figure:
    """Dumbbell chart of the measures where the community and system bodies' mean ratings differ most."""
    both = summary.dropna(subset=["community_mean", "system_mean"]).copy()
    both["gap"] = (both["community_mean"] - both["system_mean"]).abs()
    both = both.sort_values("gap", ascending=True).tail(top)
    labels = [_label(c, n) for c, n in zip(both["indicator_code"], both["indicator_name"])]
    fig = go.Figure()
    for label, c, s in zip(labels, both["community_mean"], both["system_mean"]):
        fig.add_trace(go.Scatter(x=[s, c], y=[label, label], mode="lines", line={"color": "#999999", "width": 3},
                                 showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=both["system_mean"], y=labels, mode="markers", name="System bodies (ICB, councils, NHS providers, primary care)",
        marker={"color": SYSTEM_COLOUR, "size": 13, "symbol": "circle"},
        hovertemplate="%{y}<br>System bodies: %{x:.1f} out of 5<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=both["community_mean"], y=labels, mode="markers+text", name="Community members",
        marker={"color": COMMUNITY_COLOUR, "size": 14, "symbol": "diamond"},
        text=[f"{'+' if d > 0 else ''}{d:.1f}" for d in both["community_mean"] - both["system_mean"]],
        textposition=["middle right" if d >= 0 else "middle left" for d in both["community_mean"] - both["system_mean"]],
        hovertemplate="%{y}<br>Community members: %{x:.1f} out of 5<extra></extra>"))
    fig.update_layout(
        title={"text": f"Where community and system priorities differ most<br><sup>{round_title}: mean rating of how "
                       "much each measure matters,<br>1 (not at all) to 5 (it matters most). The number beside each "
                       "diamond is community minus system.</sup>"},
        xaxis={"title": "Mean rating (1 = not at all, 5 = it matters most)", "range": [0.8, 5.4], "dtick": 1},
        yaxis={"title": None, "automargin": True},
        legend={"orientation": "h", "y": -0.2, "x": 0},
        height=max(380, 110 + 42 * len(both)), margin={"l": 10, "r": 20, "t": 100, "b": 60},
        plot_bgcolor="#FFFFFF",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#E5E8EB")
    return fig


def group_chart(by_group: pd.DataFrame, round_title: str, *, top: int = 12) -> go.Figure:
    """Dot chart of each stakeholder group's mean rating for the measures rated highest overall."""
    order = (by_group.groupby(["indicator_code", "indicator_name"], as_index=False)["mean_score"].mean()
             .sort_values("mean_score").tail(top))
    labels = {c: _label(c, n) for c, n in zip(order["indicator_code"], order["indicator_name"])}
    fig = go.Figure()
    shown = by_group[by_group["indicator_code"].isin(labels)]
    for i, ((code, group), part) in enumerate(shown.groupby(["group_code", "group_name"], sort=False)):
        colour, symbol = GROUP_STYLE.get(code, OTHER_STYLES[i % len(OTHER_STYLES)])
        part = part.set_index("indicator_code").reindex(list(labels)).dropna(subset=["mean_score"])
        fig.add_trace(go.Scatter(
            x=part["mean_score"], y=[labels[c] for c in part.index], mode="markers", name=str(group),
            orientation="h", marker={"color": colour, "symbol": symbol, "size": 11},
            hovertemplate=f"%{{y}}<br>{group}: %{{x:.1f}} out of 5<extra></extra>"))
    fig.update_layout(
        title={"text": f"Priority by stakeholder group<br><sup>{round_title}: mean rating, 1 (not at all) to 5 "
                       "(it matters most)</sup>"},
        xaxis={"title": "Mean rating (1 = not at all, 5 = it matters most)", "range": [0.8, 5.2], "dtick": 1},
        yaxis={"title": None, "automargin": True, "categoryorder": "array", "categoryarray": list(labels.values())},
        legend={"orientation": "h", "y": -0.2, "x": 0},
        height=max(360, 90 + 52 * len(labels)), margin={"l": 10, "r": 20, "t": 80, "b": 60},
        plot_bgcolor="#FFFFFF", scattermode="group", scattergap=0.4,
    )
    fig.update_xaxes(showgrid=True, gridcolor="#E5E8EB")
    return fig
