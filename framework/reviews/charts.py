"""Charts of review results, built from suppressed figures only: a heatmap of statements against groups, the
distribution of answers to one statement, and the change since the previous round. Colour-blind-safe colours,
every value also written in words, each answer with its own pattern and named on its bar, hidden figures labelled
as hidden."""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from framework.reviews.results import ALL_GROUPS, CELL_WORDS, mean_words
from framework.reviews.suppression import CELLS

# vermillion (disagree) through pale grey (neutral) to blue (agree): distinguishable with common colour-blindness
DIVERGING = [[0.0, "#D55E00"], [0.5, "#F2F2F2"], [1.0, "#0072B2"]]
CELL_COLOURS = {"score_1": "#D55E00", "score_2": "#E69F00", "score_3": "#BBBBBB", "score_4": "#56B4E9",
                "score_5": "#0072B2", "dont_know": "#666666"}
# Each answer also has its own fill pattern and is named on its bar, so no one needs colour to tell them apart.
CELL_PATTERNS = {"score_1": "x", "score_2": "\\", "score_3": "", "score_4": "/", "score_5": "+", "dont_know": "."}
FONT = dict(size=13)
SHORT_WORDS = {"Strongly disagree": "Str. disagree", "Disagree": "Disagree", "Neither agree nor disagree": "Neither",
               "Agree": "Agree", "Strongly agree": "Str. agree", "Hidden": "Hidden"}


def _wrap(text: str, width: int = 48) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=FONT)
    fig.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, height=240)
    return fig


def heatmap(results: pd.DataFrame, round_title: str) -> go.Figure:
    """Mean score of each group on each statement; hidden results are grey and say 'Hidden'."""
    title = f"How each group rated each statement: {round_title}"
    if results.empty:
        return _empty(title, "No results to show yet.")
    groups = list(dict.fromkeys(results["group_name"]))
    statements = list(dict.fromkeys(results["statement_code"]))
    texts = dict(zip(results["statement_code"], results["text"]))
    grid = results.pivot_table(index="statement_code", columns="group_name", values="mean", aggfunc="first",
                               dropna=False).reindex(index=statements, columns=groups)
    labels = [[("Hidden" if pd.isna(v) else f"{v:.1f}<br>{SHORT_WORDS[mean_words(v)]}") for v in row]
              for row in grid.to_numpy()]
    hover = [[f"{s}: {texts[s]}<br>{g}: {'hidden to keep answers confidential' if pd.isna(v) else f'mean {v:.2f} ({mean_words(v)})'}"
              for g, v in zip(groups, row)] for s, row in zip(statements, grid.to_numpy())]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=["<br>".join(textwrap.wrap(g, 12)) for g in groups], y=[f"{s} {textwrap.shorten(texts[s], 60)}" for s in statements],
        zmin=1, zmax=5, colorscale=DIVERGING, text=labels, texttemplate="%{text}", textfont=dict(size=11),
        hovertext=hover, hoverinfo="text", xgap=2, ygap=2,
        colorbar=dict(title="Mean score", tickvals=[1, 2, 3, 4, 5],
                      ticktext=["1 Strongly disagree", "2 Disagree", "3 Neither", "4 Agree", "5 Strongly agree"]),
    ))
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>Mean score from 1 (strongly disagree) to 5 (strongly agree). Source: "
                        "confidential review answers; groups below the minimum size are hidden.</sup>"),
        xaxis=dict(title="Stakeholder group", side="bottom", tickangle=0),
        yaxis=dict(title="Statement", autorange="reversed"),
        height=max(360, 46 * len(statements) + 200), margin=dict(l=10, r=10, t=90, b=10), font=FONT,
        plot_bgcolor="#DDDDDD",
    )
    return fig


def distribution(results: pd.DataFrame, statement_code: str, round_title: str) -> go.Figure:
    """How many people in each shown group gave each answer to one statement; hidden counts say so."""
    rows = results[results["statement_code"] == statement_code]
    title = f"Answers to {statement_code}: {round_title}"
    if rows.empty:
        return _empty(title, "This statement was not part of the round.")
    text = rows["text"].iloc[0]
    with_counts = rows[rows["shown"] & (rows[list(CELLS)].fillna(0) > 0).any(axis=1)]
    shown = pd.concat([with_counts[with_counts["group_code"] == ALL_GROUPS],
                       with_counts[with_counts["group_code"] != ALL_GROUPS]])
    no_counts = rows[rows["shown"] & ~rows.index.isin(with_counts.index)]["group_name"].tolist()
    if shown.empty:
        return _empty(title, "No counts can be shown for this statement: no group had enough people to show them "
                             "safely.")
    fig = go.Figure()
    for cell in CELLS:
        counts = shown[cell]
        amounts = ["hidden" if pd.isna(c) else f"about {int(c)}" for c in counts]
        fig.add_trace(go.Bar(
            name=CELL_WORDS[cell], y=shown["group_name"], x=counts.fillna(0), orientation="h",
            marker=dict(color=CELL_COLOURS[cell], line=dict(color="#000000", width=0.5),
                        pattern=dict(shape=CELL_PATTERNS[cell], fillmode="overlay", fgcolor="rgba(0,0,0,0.4)",
                                     size=9, solidity=0.25)),
            text=[f"{SHORT_WORDS.get(CELL_WORDS[cell], CELL_WORDS[cell])}: {a}" for a in amounts],
            textposition="outside", cliponaxis=False, customdata=amounts,
            hovertemplate=f"{CELL_WORDS[cell]}: %{{customdata}} people (rounded to 5)<extra>%{{y}}</extra>",
        ))
    most = float(shown[list(CELLS)].max().max() or 0)
    hidden = rows[~rows["shown"]]["group_name"].tolist()
    note = f" Hidden: {', '.join(hidden)} (too few people to show safely)." if hidden else ""
    if no_counts:
        note += f"<br>Every count for {', '.join(no_counts)} rounds to 0, so only the average is shown."
    fig.update_layout(
        barmode="group", title=dict(text=f"{title}<br><sup>{_wrap(text, 110)}<br>Counts are rounded to the nearest 5; "
                                         f"all groups shown adds up the shown groups only.{note}</sup>"),
        xaxis=dict(title="People (count, rounded to 5)", range=[0, max(most, 5) * 1.45]), yaxis=dict(title="Stakeholder group", autorange="reversed"),
        legend=dict(title="Answer", orientation="h", y=-0.15), height=max(380, 120 * len(shown) + 160),
        margin=dict(l=10, r=10, t=120, b=10), font=FONT,
    )
    return fig


def change_chart(change: pd.DataFrame, group_name: str, round_title: str, previous_title: str) -> go.Figure:
    """Mean score per statement in the previous round and now, for one group, with the change in words."""
    title = f"Change since {previous_title}: {group_name}"
    rows = change[change["group_name"] == group_name]
    if rows.empty:
        return _empty(title, "No statement has results for this group in both rounds.")
    labels = [f"{s} {textwrap.shorten(t, 50)}" for s, t in zip(rows["statement_code"], rows["text"])]
    fig = go.Figure()
    for label, before, now in zip(labels, rows["mean_before"], rows["mean_now"]):
        fig.add_trace(go.Scatter(x=[before, now], y=[label, label], mode="lines", line=dict(color="#999999", width=2),
                                 showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=rows["mean_before"], y=labels, mode="markers", name=previous_title,
                             marker=dict(symbol="circle-open", size=12, color="#000000", line=dict(width=2))))
    fig.add_trace(go.Scatter(x=rows["mean_now"], y=labels, mode="markers+text", name=round_title,
                             marker=dict(symbol="diamond", size=12, color="#0072B2"),
                             text=rows["change_words"], textposition="middle right"))
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>Mean score from 1 (strongly disagree) to 5 (strongly agree); open circle "
                        f"{previous_title}, diamond {round_title}. Only results shown in both rounds.</sup>"),
        xaxis=dict(title="Mean score (1 to 5)", range=[1, 5.9], tickvals=[1, 2, 3, 4, 5]),
        yaxis=dict(title="Statement", autorange="reversed"), legend=dict(orientation="h", y=-0.12),
        height=max(360, 34 * len(rows) + 180), margin=dict(l=10, r=10, t=100, b=10), font=FONT,
    )
    return fig


def group_choices(change: pd.DataFrame) -> list[str]:
    """The groups with results in both rounds, all groups first."""
    names = list(dict.fromkeys(change["group_name"]))
    firsts = [n for n in names if n == "All groups"]
    return firsts + [n for n in names if n != "All groups"]


__all__ = ["heatmap", "distribution", "change_chart", "group_choices", "ALL_GROUPS"]
