"""Charts of the engagement log, as plotly figures built from the frames in framework.engagement.chart_data:
activities over time by level, reach by community against population share, and feedback loops closed.
Colour-blind-safe (Okabe-Ito), axes labelled with units, titles naming the latest period and the source, and
every level and status named in words in the legend and hover text and drawn with its own pattern, never told by
colour alone. Beside each chart builder, a pure function says what the chart shows in a sentence, worked out from
the same frame."""
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


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 440) -> go.Figure:
    # The title keeps plotly's own place in the middle of the top margin (placing it at the very top cuts off its
    # first line); the legend sits between the title and the plot.
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", pad=dict(l=8)),
                      height=height, margin=dict(l=60, r=20, t=110, b=60), barmode="stack",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"),
                      font=dict(size=13), plot_bgcolor="white")
    fig.update_xaxes(title_text=x_title, showgrid=False)
    fig.update_yaxes(title_text=y_title, gridcolor="#e5e5e5", rangemode="tozero")
    return fig


def _whole_numbers(fig: go.Figure, most: float) -> go.Figure:
    """Count axes step in whole numbers: one at a time up to 10, plotly's own whole steps above that."""
    fig.update_yaxes(tickformat=",d", dtick=1 if most <= 10 else None)
    return fig


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _join(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _quarterly_bars(frame: pd.DataFrame, column: str, colours: dict[str, str], patterns: dict[str, str], counted: str,
                    *, empty_title: str, empty_y: str, title: str, x_title: str, y_title: str) -> go.Figure:
    """Stacked bars of the `counted` column each quarter, one colour and one pattern a value of `column` in the order
    of `colours`, each part's count written on it; the title's {latest} names the latest quarter."""
    fig = go.Figure()
    if frame.empty:
        return _whole_numbers(_layout(fig, empty_title, "Quarter (financial year)", empty_y), 0)
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
    return _whole_numbers(fig, frame.groupby("period_label")[counted].sum().max())


def activities_by_level_chart(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: activities started each quarter, by level on the spectrum of engagement."""
    title = f"Engagement activities by level, to {{latest}}<br><sup>{SOURCE}</sup>"
    return _quarterly_bars(frame, "level", LEVEL_COLOURS, LEVEL_PATTERNS, "activities", title=title,
                           x_title="Quarter the activity started (financial year)", y_title="Activities (number)",
                           empty_title="Activities by level: none logged yet", empty_y="Activities")


def activities_by_level_sentence(frame: pd.DataFrame) -> str:
    """What the activities-by-level chart shows, in words: how many activities at each level, and the commonest."""
    if frame.empty:
        return "No engagement activities have been logged yet."
    order = list(dict.fromkeys(frame.sort_values("quarter_start")["period_label"]))
    by_level = frame.groupby("level")["activities"].sum()
    total = int(by_level.sum())
    counts = [f"{int(by_level[lvl])} {lvl}" for lvl in LEVEL_COLOURS if by_level.get(lvl, 0)]
    most = int(by_level.max())
    top = [lvl for lvl in LEVEL_COLOURS if by_level.get(lvl, 0) == most]
    span = f"In {order[0]}" if len(order) == 1 else f"From {order[0]} to {order[-1]}"
    commonest = (f"The commonest level was {top[0]}, with {_plural(most, 'activity', 'activities')}" if len(top) == 1
                 else f"The commonest levels were {_join(top)}, with {_plural(most, 'activity', 'activities')} each")
    latest = int(frame.loc[frame["period_label"] == order[-1], "activities"].sum())
    return (f"{span}, {_plural(total, 'activity', 'activities')} started: {_join(counts)}. {commonest}. "
            f"{_plural(latest, 'activity', 'activities')} started in the latest quarter, {order[-1]}.")


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


def reach_sentence(frame: pd.DataFrame, listed: int = 3) -> str:
    """What the reach chart shows, in words: the community reached most, and the communities furthest below their
    share of the population (the first `listed` of them by the gap, then how many more)."""
    if frame.empty or frame["participants"].sum() == 0:
        return "No participants have been logged yet, so nobody's reach can be shown."
    share = frame["reach_share"].fillna(0)
    most = share.max()
    top = frame.loc[share == most, "label"].tolist()
    first = (f"The community reached most was {top[0]}, with {most:.1f}% of participants." if len(top) == 1 else
             f"The communities reached most were {_join(top)}, with {most:.1f}% of participants each.")
    known = frame[frame["population_share"].notna()].assign(reach=lambda d: d["reach_share"].fillna(0))
    if known.empty:
        return first + " No community has a population share set, so reach cannot be compared with size."
    under = known[known["reach"] < known["population_share"]]
    if under.empty:
        return first + " Every community with a known population share was reached at least in proportion to it."
    under = under.assign(gap=under["population_share"] - under["reach"]).sort_values(
        ["gap", "label"], ascending=[False, True], kind="stable")
    parts = [f"{label} ({r:.1f}% of participants, {p:.1f}% of the population)"
             for label, r, p in zip(under["label"], under["reach"], under["population_share"])][:listed]
    more = len(under) - len(parts)
    if more:
        parts.append(_plural(more, "other community", "other communities"))
    return first + f" Furthest below their share of the population: {_join(parts)}."


def feedback_loops_chart(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: "you said" items by the quarter their activity ended, by where the feedback loop stands."""
    closed = int(frame.loc[frame["loop"].str.startswith("fed back"), "items"].sum()) if len(frame) else 0
    total = int(frame["items"].sum()) if len(frame) else 0
    title = f"Feedback loops closed: {closed} of {total} 'you said' items fed back, to {{latest}}<br><sup>{SOURCE}</sup>"
    return _quarterly_bars(frame, "loop", LOOP_COLOURS, LOOP_PATTERNS, "items", title=title,
                           x_title="Quarter the activity ended (financial year)", y_title="'You said' items (number)",
                           empty_title="Feedback loops: no 'you said' items yet", empty_y="Items")


def feedback_loops_sentence(frame: pd.DataFrame) -> str:
    """What the feedback-loops chart shows, in words: how many 'you said' items were fed back, and how many wait."""
    if frame.empty or int(frame["items"].sum()) == 0:
        return "No 'you said' items have been recorded yet."
    n = {loop: int(frame.loc[frame["loop"] == loop, "items"].sum()) for loop in LOOPS}
    total = sum(n.values())
    closed = n["fed back within 3 months"] + n["fed back later"]
    waiting = n["awaiting feedback"]
    overdue = n["overdue"]
    items = _plural(total, "'you said' item")
    return (f"{closed} of {items} "
            f"{'has' if closed == 1 else 'have'} been fed back ({100 * closed / total:.0f}%): "
            f"{n['fed back within 3 months']} within 3 months of the activity ending and {n['fed back later']} later. "
            f"{waiting} {'is' if waiting == 1 else 'are'} awaiting feedback and {overdue} "
            f"{'is' if overdue == 1 else 'are'} overdue (no feedback 3 months after the activity ended).")
