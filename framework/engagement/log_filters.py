"""The engagement log's filters as SQL conditions on its activities (aliased `a`), shared by the log and the
Insight library."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any


def activity_conditions(
    system_code: str, *, levels: Iterable[str] = (), communities: Iterable[str] = (), areas: Iterable[str] = (),
    outcomes: Iterable[str] = (), date_from: date | None = None, date_to: date | None = None,
) -> tuple[list[str], list[Any]]:
    """The WHERE conditions and their parameters: community, area and outcome filters match when the activity carries
    any of the chosen values; dates keep activities that overlap the range."""
    where, params = ["a.system_code = ?"], [system_code]
    levels = list(levels)
    if levels:
        where.append(f"a.level IN ({', '.join('?' * len(levels))})")
        params += levels
    for column, chosen in (("a.communities", communities), ("a.areas", areas), ("a.outcomes", outcomes)):
        chosen = [str(c) for c in chosen]
        if chosen:
            where.append(f"list_has_any({column}, ?::VARCHAR[])")
            params.append(chosen)
    if date_from:
        where.append("a.end_date >= ?")
        params.append(date_from)
    if date_to:
        where.append("a.start_date <= ?")
        params.append(date_to)
    return where, params
