"""The words and tables the review results page shows, built from suppressed results only (pure functions), so the
page stays a thin layer of drawing. Nothing here gives a count of people: beside the shown groups' sizes a total
would give the hidden groups' size away."""
from __future__ import annotations

from typing import Any

import pandas as pd

from framework.core.safe_text import markdown_text
from framework.reviews.rounds import STATE_WORDS

AGENDA_COLUMNS = {"rank": "Rank", "statement_code": "Code", "text": "Statement", "spread": "Gap between groups (points)",
                  "highest": "Most agree (mean)", "lowest": "Least agree (mean)", "groups_compared": "Groups compared"}
ACTION_COLUMNS = {"statement_code": "Statement", "action_text": "Action", "owner": "Owner", "due_on": "Due",
                  "status_words": "Status", "outcome_title": "Outcome"}



def round_caption(info: dict[str, Any]) -> str:
    """The round's dates and state, and how answers are kept confidential, without any count of people."""
    return (f"{STATE_WORDS[info['state']]}: {info['opens_on']:%d %B %Y} to {info['closes_on']:%d %B %Y}. To keep "
            f"answers confidential, results are published only when the round closes; a group's results appear only "
            f"when at least {info['min_group_size']} people in it rated a statement; counts and sizes are rounded to "
            "the nearest 5; and a mean is given only as precisely as cannot give anyone's answer away.")


def groups_sentence(table: pd.DataFrame, minimum: int) -> tuple[list[str], str]:
    """The groups shown on at least one statement, and a sentence naming shown and hidden groups."""
    groups = table[table["group_code"] != "All"]
    shown_on = groups.groupby("group_name", sort=False)["shown"].any()
    shown, hidden = shown_on[shown_on].index.tolist(), shown_on[~shown_on].index.tolist()
    text = f"**Results shown for:** {', '.join(shown)}." if shown else ""
    if hidden:
        text += f"  \n**Hidden** (fewer than {minimum} people, or too few to show safely): {', '.join(hidden)}."
    return shown, text


def agenda_table(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked disagreement agenda with words for columns."""
    view = ranked.assign(
        rank=ranked["rank"].astype(int),
        highest=[f"{g} ({m:.1f})" for g, m in zip(ranked["highest_group"], ranked["highest_mean"])],
        lowest=[f"{g} ({m:.1f})" for g, m in zip(ranked["lowest_group"], ranked["lowest_mean"])],
    )[list(AGENDA_COLUMNS)]
    return view.rename(columns=AGENDA_COLUMNS)


def biggest_gap(top: pd.Series) -> str:
    """The top of the agenda as a sentence."""
    return (f"**Biggest gap:** {top['statement_code']} \u201c{markdown_text(top['text'].rstrip('.'))}\u201d. {top['highest_group']} "
            f"averaged {top['highest_mean']:.1f} and {top['lowest_group']} {top['lowest_mean']:.1f}, a gap of "
            f"{top['spread']:.1f} points on the 5-point scale.")


def comment_lines(part: pd.DataFrame) -> str:
    """Released comments of one statement as a Markdown list, each with its group."""
    return "\n".join(f"- \u201c{markdown_text(' '.join(str(t or '').split()))}\u201d ({markdown_text(g)}{', edited to remove details' if r else ''})"
                     for t, g, r in zip(part["released_text"], part["group_name"], part["redacted"]))


def comment_labels(pending: pd.DataFrame) -> dict[str, str]:
    """A label for each comment an editor may release: statement, group, whether released, and its start."""
    return {k: f"{s} · {g} · {'released' if isinstance(rel, str) else 'not released'}: {c[:60]}"
            for k, s, g, rel, c in zip(pending["comment_key"], pending["statement_code"], pending["group_name"],
                                       pending["released_text"], pending["comment"])}


def actions_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Agreed actions with words for columns."""
    return actions[list(ACTION_COLUMNS)].rename(columns=ACTION_COLUMNS)


def statement_order(table: pd.DataFrame, ranked: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Statement texts by code, and the codes with the most contested first."""
    texts = dict(zip(table["statement_code"], table["text"]))
    first = ranked["statement_code"].tolist()
    return texts, first + [c for c in texts if c not in set(first)]
