"""The benchmark steps. Each runs in its own process (so its peak memory is its own) and returns its figures."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from bench.build import database
from bench.page_times import page_seconds
from bench.results import Figure

STEPS: dict[str, Callable[[Path, bool], list[Figure]]] = {}
PAGE_TARGET_SECONDS = 1.0
PAGE_TARGET_RATIO = 2.0


def step(name: str):
    """Register a benchmark step."""
    def wrap(fn):
        STEPS[name] = fn
        return fn
    return wrap


PAGES = [
    ("Home", "home_page", None),
    ("Indicators, one indicator open", "indicators_page", {"indicator": "I008"}),
]


@step("pages")
def pages(workdir: Path, quick: bool) -> list[Figure]:
    """Page server time at demo and ICS scale, and how it grows between them."""
    demo, ics = database(workdir, "demo", quick), database(workdir, "ics", quick)
    figures = []
    for label, page, query in PAGES:
        demo_query = {k: v.replace("I008", "I08") for k, v in (query or {}).items()}
        small = page_seconds(demo, page, demo_query)
        large = page_seconds(ics, page, query)
        ratio = large / small
        figures.append(Figure(
            "page server time", label, "ICS vs demo", large, "s", "same page at demo scale", small,
            f"< {PAGE_TARGET_SECONDS:g} s and <= {PAGE_TARGET_RATIO:g}x demo",
            large < PAGE_TARGET_SECONDS and ratio <= PAGE_TARGET_RATIO,
            notes=[f"ICS/demo ratio {ratio:.2f}x"],
        ))
    return figures
