"""The data sizes the benchmark runs at, full and --quick, built with the demo generator."""
from __future__ import annotations

from dataclasses import replace

from framework.demo.system import DEMO, ICS, REGIONAL, DemoScale

FULL = {"demo": DEMO, "ics": ICS, "regional": REGIONAL}
QUICK_ICS = DemoScale(indicators=30, places=5, months=36, breakdown_groups=10, breakdown_share=0.8,
                      breakdowns_in_places=True)
QUICK = {"demo": DEMO, "ics": QUICK_ICS, "regional": replace(QUICK_ICS, systems=2)}


def scales(quick: bool) -> dict[str, DemoScale]:
    """The scales for this run."""
    return QUICK if quick else FULL
