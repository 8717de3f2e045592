"""The glossary: the words of health and care planning in plain English, read from data/glossary.json. The Glossary
page lists them, and pages use `hint()` to put the same meaning behind a term as hover help."""
from __future__ import annotations

import re
from functools import cache
from typing import Any

from framework.core.shipped_data import load_json

MAX_QUERY = 100


@cache
def _entries() -> tuple[dict[str, str], ...]:
    return tuple({"term": e["term"], "stands_for": e.get("stands_for", ""), "meaning": e["meaning"]}
                 for e in load_json("glossary.json"))


@cache
def _finders() -> tuple[tuple[str, re.Pattern], ...]:
    found = []
    for e in load_json("glossary.json"):
        words = "|".join(re.escape(w) for w in e.get("found_as") or [e["term"]])
        found.append((e["term"], re.compile(rf"(?<![\w])(?:{words})s?(?![\w])", re.IGNORECASE)))
    return tuple(found)


def terms() -> list[dict[str, str]]:
    """Every term, in alphabetical order, each with what it stands for (may be blank) and its meaning."""
    return sorted((dict(e) for e in _entries()), key=lambda e: e["term"].lower())


def entry(term: str) -> dict[str, str]:
    """One term, found whatever its case; KeyError when the glossary does not have it."""
    for e in _entries():
        if e["term"].lower() == term.strip().lower():
            return dict(e)
    raise KeyError(f"The glossary has no term {term!r}.")


def hint(*names: str) -> str:
    """The meaning of each named term, ready for a widget's help= tooltip."""
    lines = []
    for name in names:
        e = entry(name)
        also = f" ({e['stands_for']})" if e["stands_for"] else ""
        lines.append(f"**{e['term']}**{also}: {e['meaning']}")
    return "\n\n".join(lines) + "\n\nMore words are explained on the Glossary page."


def search(query: Any) -> list[dict[str, str]]:
    """The terms whose name, long form or meaning contain the query, ignoring case; every term for a blank query.
    The query is plain text, never a pattern, and only its first 100 characters count."""
    words = str(query or "").strip().lower()[:MAX_QUERY]
    if not words:
        return terms()
    return [e for e in terms() if words in " ".join(e.values()).lower()]


def terms_in(text: Any) -> list[str]:
    """The glossary terms a text uses, in the glossary's order (for example ["ICB", "QOF"])."""
    words = str(text or "")
    return [term for term, finder in _finders() if finder.search(words)]


def hint_for(text: Any) -> str | None:
    """Hover help explaining every glossary term a text uses, or None when it uses none."""
    found = terms_in(text)
    return hint(*found) if found else None
