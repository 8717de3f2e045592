"""The words of the demo system: a fictional ICS, its vision, and its outcomes and indicators (kept in data/demo/).
Numbers are made by framework.demo from these specifications."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from framework.core.shipped_data import load_json

SYSTEM_NAME = "Northmoor and Vale Health and Care Partnership (demo)"
REGION = ("E40000012", "North East and Yorkshire")
PLACE_NAMES = [
    "Northmoor", "Ashby Vale", "Riverside", "Eastmarsh", "Kirkham Fells", "Saltby", "Greenholme", "Westbridge",
    "Oakleigh", "Hollins Cross", "Marley Bay", "Thornfield", "Brackenside", "Linton Wold", "Fenwick", "Upperdale",
]

VISION = {
    "statement": (
        "People and communities in Northmoor and Vale shape the health and care they receive, are heard early, "
        "and can see what changed because they spoke up."
    ),
    "agreed_with": (
        "Residents' assembly, Healthwatch Northmoor and Vale, the VCSE Alliance, four councils, the ICB and NHS "
        "trusts, at three open workshops and an online survey of 1,240 people"
    ),
    "ultimate_outcome": (
        "Fairer health for everyone, with the biggest improvement for the communities who now have the worst "
        "health, because services are designed with them, not for them."
    ),
    "who_else_to_involve": (
        "Young carers, people experiencing homelessness, Gypsy, Roma and Traveller communities, and people whose "
        "first language is not English: we hear too little from them today."
    ),
    "challenges_and_tensions": (
        "Short-term funding for VCSE partners against long-term relationships; organisations' own targets against "
        "system outcomes; asking people again for stories they have already told."
    ),
    "assets": (
        "A 900-strong citizens' panel, 140 community groups, Healthwatch's insight reports, council community "
        "development teams and the volunteers who already run peer support."
    ),
    "how_we_will_know": (
        "People tell us they can influence decisions; the measures communities chose move in the right "
        "direction; the gap between our most and least deprived neighbourhoods narrows."
    ),
}

# the answers to the two starter questions the vision table has no column for
STARTER_ANSWERS = {
    "working_now": (
        "Better in some places than others. Healthwatch and the VCSE Alliance reach people we never would, and the "
        "residents' assembly now meets in public. But most engagement still happens after decisions are made, and "
        "people tell us they rarely hear what changed because they spoke up."
    ),
    "difference_and_inequalities": (
        "Too early to see in most health outcomes, but emergency admissions for conditions that primary care can "
        "manage are falling fastest in the neighbourhoods that co-designed their own services. We will report every "
        "measure by deprivation and ethnicity, and put the most money where the gap is widest."
    ),
}

# each outcome as its table row: outcome_code, title, description, ambition_1y/3y/5y and the principles it serves
OUTCOMES: list[dict[str, Any]] = load_json("demo/outcomes.json")


@dataclass(frozen=True)
class IndicatorSpec:
    """How to describe and simulate one demo indicator."""

    code: str
    outcome: str
    name: str
    unit: str
    direction: str
    kind: str
    frequency: str  # monthly, quarterly, annual, none
    baseline: float | None = None
    targets: tuple[float | None, float | None, float | None] = (None, None, None)
    performance: float = 1.0  # share of the planned change actually achieved
    breakdowns: tuple[str, ...] = ()
    comparator: bool = False
    status: str = "active"
    definition: str = ""
    source: str = ""
    source_ref: str | None = None
    owner: str = "ICB"
    gap: float = 0.0  # spread between most and least advantaged groups, in the indicator's unit
    gap_trend: float = 0.0  # yearly change in that spread, as a share of it (negative narrows)


def _spec(fields: dict[str, Any]) -> IndicatorSpec:
    """An indicator's specification from its JSON fields (lists become tuples)."""
    return IndicatorSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


INDICATORS = [_spec(fields) for fields in load_json("demo/indicators.json")]

# breakdown -> groups, most advantaged last where there is an order
BREAKDOWNS = {
    "Deprivation": ["Quintile 1 (most deprived)", "Quintile 2", "Quintile 3", "Quintile 4",
                    "Quintile 5 (least deprived)"],
    "Ethnicity": ["Asian", "Black", "Mixed", "Other", "White"],
    "Age": ["18-34", "35-49", "50-64", "65-79", "80+"],
    "Sex": ["Female", "Male"],
    "Deprivation decile": [f"Decile {i}" + (" (most deprived)" if i == 1 else " (least deprived)" if i == 10 else "")
                           for i in range(1, 11)],
    "Disability": ["Disabled", "Not disabled"],
    "Core20": ["Core20", "Not Core20"],
}
