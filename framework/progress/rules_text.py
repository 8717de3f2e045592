"""How progress is judged, in plain words for the in-app page: data/how_progress_is_judged.md with the engine's own
constants filled in, so the page and the sums can never disagree."""
from __future__ import annotations

from framework.core.shipped_data import load_text
from framework.progress.engine import FLAT_TOLERANCE_SHARE, MIN_POINTS, TOLERANCE_SHARE

SHARE_WORDS = {0.10: "a tenth", 0.05: "a twentieth", 0.25: "a quarter", 0.5: "a half"}
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _share(value: float) -> str:
    return SHARE_WORDS.get(round(value, 4), f"{value:.0%}")


def how_progress_is_judged() -> str:
    """The page's Markdown, with the tolerance, the steady-target tolerance and the fewest points for a trend."""
    return load_text("how_progress_is_judged.md").format(
        tolerance_share=_share(TOLERANCE_SHARE),
        example_tolerance=f"{15 * TOLERANCE_SHARE:g}",
        flat_share=f"{FLAT_TOLERANCE_SHARE:.0%}",
        min_points=NUMBER_WORDS.get(MIN_POINTS, str(MIN_POINTS)),
    )
