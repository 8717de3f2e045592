"""Charts of review results, built from suppressed figures only: a heatmap of statements against groups, the
distribution of answers to one statement, and the change since the previous round. Colour-blind-safe colours,
every value also written in words, hidden figures labelled as hidden. Beside each chart builder, a pure function says
what the chart shows in a sentence, worked out from the same suppressed figures."""
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
FONT = dict(size=13)
SHORT_WORDS = {"Strongly disagree": "Str. disagree", "Disagree": "Disagree", "Neither agree nor disagree": "Neither",
               "Agree": "Agree", "Strongly agree": "Str. agree", "Hidden": "Hidden"}


HEATMAP_MOST = 640  # px: with the page heading above it, the heatmap fits a 1366x768 laptop screen
HEATMAP_ROW = 24  # px per statement: enough for a score and its words on one line


def _wrap(text: str, width: int = 48) -> str:
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False))


def _join(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _groups(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["group_code"] != ALL_GROUPS]


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
    labels = [[("Hidden" if pd.isna(v) else f"{v:.1f} {SHORT_WORDS[mean_words(v)]}") for v in row]
              for row in grid.to_numpy()]
    hover = [[f"{s}: {texts[s]}<br>{g}: {'hidden to keep answers confidential' if pd.isna(v) else f'mean {v:.1f} ({mean_words(v)})'}"
              for g, v in zip(groups, row)] for s, row in zip(statements, grid.to_numpy())]
    # Group names sit on top, each on its own lines, so they read as columns on a laptop screen without scrolling;
    # the top margin grows with the longest name so the names never reach the title.
    names = [_wrap(g, 11) for g in groups]
    name_lines = max(n.count("<br>") + 1 for n in names)
    height = heatmap_height(len(statements), name_lines)
    # Every cell says its score in words, so the colour needs no scale beside it and the columns get its width.
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=names,
        y=[f"{s} {textwrap.shorten(texts[s], 44, placeholder=' ...')}" for s in statements],
        zmin=1, zmax=5, colorscale=DIVERGING, text=labels, texttemplate="%{text}", textfont=dict(size=11),
        hovertext=hover, hoverinfo="text", xgap=2, ygap=2, showscale=False,
    ))
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>Mean score from 1 (strongly disagree, orange) to 5 (strongly agree, blue). "
                        "Source: confidential review answers; groups below the minimum size are hidden.</sup>",
                   x=0, xanchor="left", pad=dict(l=8), yref="container", yanchor="middle", y=1 - 38 / height),
        xaxis=dict(side="top", tickangle=0, tickfont=dict(size=12), showgrid=False),
        yaxis=dict(autorange="reversed", tickfont=dict(size=12), showgrid=False),
        height=height, margin=dict(l=10, r=10, t=95 + 15 * name_lines, b=10), font=FONT,
        plot_bgcolor="#DDDDDD",
    )
    return fig


def heatmap_height(statements: int, name_lines: int = 2) -> int:
    """The heatmap's height in px: bounded to fit a laptop screen while each statement keeps a legible row; the
    group names above take name_lines lines."""
    top = 105 + 15 * name_lines
    return max(300, min(HEATMAP_MOST, top + HEATMAP_ROW * statements), top + 20 * statements)


def heatmap_sentence(results: pd.DataFrame) -> str:
    """What the heatmap shows, in words: which shown group rated the statements highest and lowest on average,
    which statements all groups rated highest and lowest, and which groups are hidden."""
    if results.empty:
        return "No results to show yet."
    groups = _groups(results)
    shown = groups[groups["shown"] & groups["mean"].notna()]
    if shown.empty:
        return "Every group's results are hidden, because too few people in each group answered to show them safely."
    order = list(dict.fromkeys(groups["group_name"]))
    averages = shown.groupby("group_name")["mean"].mean().round(1).reindex([g for g in order if g in set(shown["group_name"])])
    parts = []
    if len(averages) == 1:
        parts.append(f"Only {averages.index[0]} has results shown, averaging {averages.iloc[0]:.1f} "
                     f"({mean_words(averages.iloc[0]).lower()}).")
    elif averages.max() == averages.min():
        parts.append(f"The groups shown rated the statements the same on average, {averages.max():.1f} "
                     f"({mean_words(averages.max()).lower()}).")
    else:
        high = averages[averages == averages.max()].index.tolist()
        low = averages[averages == averages.min()].index.tolist()
        parts.append(f"On average {_join(high)} rated the statements highest ({averages.max():.1f}, "
                     f"{mean_words(averages.max()).lower()}) and {_join(low)} lowest ({averages.min():.1f}, "
                     f"{mean_words(averages.min()).lower()}).")
    overall = results[(results["group_code"] == ALL_GROUPS) & results["mean"].notna()]
    if len(overall) > 1 and overall["mean"].max() > overall["mean"].min():
        top = overall[overall["mean"] == overall["mean"].max()]["statement_code"].tolist()
        bottom = overall[overall["mean"] == overall["mean"].min()]["statement_code"].tolist()
        parts.append(f"All groups shown together rated {_join(top)} highest ({overall['mean'].max():.1f}) and "
                     f"{_join(bottom)} lowest ({overall['mean'].min():.1f}).")
    hidden_counts = groups.assign(hidden=~(groups["shown"] & groups["mean"].notna())).groupby(
        "group_name", sort=False)["hidden"].agg(["sum", "count"])
    everywhere = [g for g in order if hidden_counts.loc[g, "sum"] == hidden_counts.loc[g, "count"]]
    somewhere = [f"{g} on {int(hidden_counts.loc[g, 'sum'])} of {int(hidden_counts.loc[g, 'count'])} statements"
                 for g in order if 0 < hidden_counts.loc[g, "sum"] < hidden_counts.loc[g, "count"]]
    if everywhere:
        parts.append(f"Hidden, because too few people answered to show them safely: {_join(everywhere)}.")
    if somewhere:
        parts.append(f"Partly hidden: {_join(somewhere)}.")
    return " ".join(parts)


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
        fig.add_trace(go.Bar(
            name=CELL_WORDS[cell], y=shown["group_name"], x=counts.fillna(0), orientation="h",
            marker_color=CELL_COLOURS[cell],
            text=["hidden" if pd.isna(c) else f"about {int(c)}" for c in counts], textposition="outside",
            hovertemplate=f"{CELL_WORDS[cell]}: %{{text}} people (rounded to 5)<extra>%{{y}}</extra>",
        ))
    hidden = rows[~rows["shown"]]["group_name"].tolist()
    note = f" Hidden: {', '.join(hidden)} (too few people to show safely)." if hidden else ""
    if no_counts:
        note += f"<br>Every count for {', '.join(no_counts)} rounds to 0, so only the average is shown."
    most = float(shown[list(CELLS)].fillna(0).to_numpy().max())
    # The legend is placed in pixels from the bottom of the figure, under the axis title, never over it; the axis
    # leaves room on the right for the longest "about N" label.
    fig.update_layout(
        barmode="group", title=dict(text=f"{title}<br><sup>{_wrap(text, 110)}<br>Counts are rounded to the nearest 5; "
                                         f"all groups shown adds up the shown groups only.{note}</sup>"),
        xaxis=dict(title="People (count, rounded to 5)", range=[0, max(most, 5) * 1.15], tickformat=",d"),
        yaxis=dict(title="Stakeholder group", autorange="reversed"),
        legend=dict(title="Answer", orientation="h", x=0, y=0, yref="container", yanchor="bottom"),
        height=max(420, 120 * len(shown) + 220), margin=dict(l=10, r=10, t=120, b=110), font=FONT,
    )
    return fig


def distribution_sentence(results: pd.DataFrame, statement_code: str) -> str:
    """What the answers chart of one statement shows, in words: how the groups shown answered altogether, each
    group's commonest answer (ties named), and which groups are hidden. Counts are the rounded published ones."""
    rows = results[results["statement_code"] == statement_code] if not results.empty else results
    if rows.empty:
        return "This statement was not part of the round."
    groups = _groups(rows)
    hidden = groups[~groups["shown"]]["group_name"].tolist()
    hidden_words = (f" Hidden, because too few people answered to show them safely: {_join(hidden)}."
                    if hidden else "")
    counted = groups[groups["shown"] & (groups[list(CELLS)].fillna(0) > 0).any(axis=1)]
    if counted.empty:
        return "No counts can be shown for this statement: no group had enough people to show them safely." + hidden_words
    cells = counted[list(CELLS)].fillna(0).sum()
    agree, disagree = int(cells["score_4"] + cells["score_5"]), int(cells["score_1"] + cells["score_2"])
    parts = [f"Of about {int(cells.sum())} answers from the groups shown, about {agree} agreed or strongly agreed, "
             f"about {disagree} disagreed or strongly disagreed, about {int(cells['score_3'])} neither agreed nor "
             f"disagreed and about {int(cells['dont_know'])} did not know."]
    commonest = []
    for name, row in zip(counted["group_name"], counted[list(CELLS)].fillna(0).to_numpy()):
        top = [CELL_WORDS[c].lower() for c, v in zip(CELLS, row) if v == row.max()]
        commonest.append(f"{name} {top[0]}" if len(top) == 1 else f"{name} {_join(top)} equally" if len(top) == 2
                         else f"{name} no single answer")
    parts.append(f"Commonest answer: {'; '.join(commonest)}.")
    return " ".join(parts) + hidden_words


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
    fig.add_trace(go.Scatter(x=rows["mean_now"], y=labels, mode="markers", name=round_title,
                             marker=dict(symbol="diamond", size=12, color="#0072B2")))
    # The change in words sits right of whichever mark is further right, so a fall never writes over its circle.
    fig.add_trace(go.Scatter(x=rows[["mean_before", "mean_now"]].max(axis=1) + 0.06, y=labels, mode="text",
                             text=rows["change_words"], textposition="middle right", showlegend=False,
                             hoverinfo="skip"))
    subtitle = _wrap(f"Mean score from 1 (strongly disagree) to 5 (strongly agree); open circle {previous_title}, "
                     f"diamond {round_title}. Only results shown in both rounds.", 120)
    fig.update_layout(
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>"),
        xaxis=dict(title="Mean score (1 to 5)", range=[1, 5.9], tickvals=[1, 2, 3, 4, 5]),
        yaxis=dict(title="Statement", autorange="reversed"), legend=dict(orientation="h", y=-0.12),
        height=max(360, 34 * len(rows) + 180), margin=dict(l=10, r=10, t=100, b=10), font=FONT,
    )
    return fig


def change_sentence(change: pd.DataFrame, group_name: str, previous_title: str) -> str:
    """What the change chart of one group shows, in words: on how many statements its mean rose, fell or held (a
    change under 0.05 counts as none, as in the chart), and the biggest rise and fall (ties named)."""
    rows = change[change["group_name"] == group_name] if len(change) else change
    if rows.empty:
        return f"No statement has results for {group_name} in both this round and {previous_title}."
    moved = rows["change"].where(rows["change"].abs() >= 0.05, 0.0)
    up, down = rows[moved > 0], rows[moved < 0]
    same = len(rows) - len(up) - len(down)
    counts = [f"rose on {len(up)}", f"fell on {len(down)}", f"stayed the same on {same}"]
    parts = [f"Since {previous_title}, the mean score of {group_name} {_join(counts)} of "
             f"{len(rows)} statement{'s' if len(rows) != 1 else ''}."]
    for part, word, pick in ((up, "rise", max), (down, "fall", min)):
        if part.empty:
            continue
        best = pick(part["change"])
        codes = part[part["change"] == best]["statement_code"].tolist()
        parts.append(f"Biggest {word}: {_join(codes)}, {'up' if best > 0 else 'down'} {abs(best):.1f} points.")
    return " ".join(parts)


def group_choices(change: pd.DataFrame) -> list[str]:
    """The groups with results in both rounds, all groups first."""
    names = list(dict.fromkeys(change["group_name"]))
    firsts = [n for n in names if n == "All groups"]
    return firsts + [n for n in names if n != "All groups"]


__all__ = ["heatmap", "heatmap_sentence", "distribution", "distribution_sentence", "change_chart", "change_sentence",
           "group_choices", "ALL_GROUPS"]
