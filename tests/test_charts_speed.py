"""Charts built without Plotly re-checking every property are the same figures, and valid ones."""
from __future__ import annotations

import json
from datetime import date

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from framework.progress import charts


def _frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    periods = [date(2023, 3, 31), date(2024, 3, 31), date(2025, 3, 31)]
    rows = [{"period_end": p, "breakdown_group": g, "value": v}
            for g, base in (("Most deprived", 30.0), ("Least deprived", 20.0), ("Not stated", None))
            for p, v in zip(periods[::-1], [base, base and base + 1, base and base + 2])]
    gap = pd.DataFrame({"period_end": periods, "gap": [10.0, 10.0, 10.0]})
    return pd.DataFrame(rows), gap


def _reference(frame: pd.DataFrame, gap: pd.DataFrame, groups: list[str], unit: str) -> go.Figure:
    """The breakdown chart as make_subplots, add_trace and update_layout build it, every property checked."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08)
    for i, group in enumerate(groups):
        part = frame[frame["breakdown_group"] == group].dropna(subset=["value"]).sort_values("period_end")
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["period_end"], y=part["value"], mode="lines+markers", name=group,
                                 line=dict(color=charts.PALETTE[i], dash=charts.DASHES[i], width=2),
                                 marker=dict(symbol=charts.SYMBOLS[i], size=7),
                                 hovertemplate=f"{group}<br>%{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=gap["period_end"], y=gap["gap"], mode="lines+markers", name="Gap: L against M",
                             line=dict(color=charts.BLACK, width=2.5), marker=dict(symbol="diamond", size=7),
                             hovertemplate="Gap %{x|%b %Y}: %{y:,.1f}<extra></extra>"), row=2, col=1)
    fig.update_layout(
        title=dict(text="T<br><sup>Latest data 2024/25. Source: S</sup>", x=0, font=dict(size=16)),
        height=charts.HEIGHT + 80, margin=dict(l=60, r=20, t=105, b=40), font=charts.FONT, template="plotly_white",
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top", font=dict(size=12)))
    fig.update_yaxes(title_text=charts.axis_title(unit), row=1, col=1)
    fig.update_yaxes(title_text="Gap (percentage points)", row=2, col=1)
    fig.update_xaxes(title_text="Period ending", row=2, col=1)
    return fig


def _as_json(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), sort_keys=True, default=str)


def test_the_breakdown_chart_is_the_same_figure_as_plotly_builds_checking_every_property():
    frame, gap = _frame()
    groups = ["Least deprived", "Most deprived", "Not stated"]
    fast = charts.breakdown_chart(title="T", unit="%", frame=frame, groups=groups, gap=gap,
                                  gap_label="Gap: L against M", source="S", latest_label="Latest data 2024/25")
    assert _as_json(fast) == _as_json(_reference(frame, gap, groups, "%"))
    assert [t.name for t in fast.data] == ["Least deprived", "Most deprived", "Gap: L against M"]
    assert list(fast.data[0].x) == [date(2023, 3, 31), date(2024, 3, 31), date(2025, 3, 31)]


def test_plotly_accepts_every_property_of_a_chart_built_without_its_checks():
    frame, gap = _frame()
    fast = charts.breakdown_chart(title="T", unit="%", frame=frame, groups=["Least deprived", "Most deprived"],
                                  gap=gap, gap_label="Gap", source="", latest_label="")
    checked = go.Figure(fast.to_dict())  # validates every property; raises on any Plotly would refuse
    assert _as_json(checked) == _as_json(fast)


def test_a_later_change_to_one_chart_leaves_the_next_chart_as_it_was():
    frame, gap = _frame()
    first = charts.breakdown_chart(title="T", unit="%", frame=frame, groups=["Most deprived"], gap=gap,
                                   gap_label="Gap", source="", latest_label="")
    first.update_layout(template={"layout": {"paper_bgcolor": "red"}}, yaxis_title_text="changed")
    second = charts.breakdown_chart(title="T", unit="%", frame=frame, groups=["Most deprived"], gap=gap,
                                    gap_label="Gap", source="", latest_label="")
    assert second.layout.template.layout.paper_bgcolor == "white"
    assert second.layout.yaxis.title.text == "Per cent (%)"


def test_the_progress_chart_built_without_repeated_checks_is_one_plotly_accepts_whole():
    points = pd.DataFrame({"period_end": [date(2023, 3, 31), date(2024, 3, 31)], "period_label": ["2022/23", "2023/24"],
                           "value": [40.0, 42.0], "lower_ci": [38.0, 40.0], "upper_ci": [42.0, 44.0]})
    fig = charts.progress_chart(title="T", unit="%", start=date(2024, 4, 1), points=points, baseline=42.0,
                                targets={1: 43.0, 3: 45.0, 5: 48.0}, annotations=[(date(2025, 4, 1), "Targets changed")])
    checked = go.Figure(fig.to_dict())
    assert _as_json(checked) == _as_json(fig)
    assert fig.layout.template.layout.plot_bgcolor == "white"  # plotly_white, as before
    assert fig.layout.annotations[-1].text == "Targets changed"
