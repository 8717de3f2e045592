"""The words of the demo system: a fictional ICS, its vision, outcomes and indicators. Numbers are made by
framework.demo from these specifications."""
from __future__ import annotations

from dataclasses import dataclass

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

# code, title, description, 1y, 3y, 5y ambitions, principles
OUTCOMES = [
    ("O1", "People's voices shape decisions",
     "Decisions about health and care are made with the people they affect, and people can see how.",
     "Every ICB board paper says what communities told us.",
     "Residents' assembly members sit on every place partnership board.",
     "Most residents feel they can influence local health and care decisions.", [1, 3]),
    ("O2", "We understand what matters to people",
     "We gather insight once, share it across partners and use it well.",
     "A shared insight library that every partner uses.",
     "Engagement plans start from what people have already told us.",
     "People are asked less often and see more change from what they say.", [2, 4]),
    ("O3", "Fairer health outcomes",
     "The gap in health between our most and least deprived communities narrows.",
     "Core20PLUS5 priorities co-designed with the communities concerned.",
     "Measurable narrowing of the smoking and admissions gaps.",
     "The healthy life expectancy gap is at least a year shorter.", [4, 5, 7]),
    ("O4", "Trusted relationships with communities we seldom hear",
     "Long-term relationships with communities that services have excluded or overlooked.",
     "A named contact for every community group that asks for one.",
     "Seldom-heard communities say they trust local services more.",
     "Those communities co-lead engagement on the issues that matter to them.", [5, 6]),
    ("O5", "Stronger communities and volunteering",
     "Community groups and volunteers have the support and resources to lead.",
     "A small grants scheme run with communities.",
     "Volunteer hours up by a quarter, with more volunteers from deprived areas.",
     "Community organisations are funded for five years, not one.", [8, 10]),
    ("O6", "Clear, open information",
     "Everyone can find and understand our plans, our progress and what changed.",
     "Plans published in Easy Read and the main community languages.",
     "A public progress page updated every quarter.",
     "Residents say information about services is easy to find and trust.", [9]),
    ("O7", "Partners working as one system",
     "Healthwatch, the VCSE sector, councils and the NHS act as equal partners.",
     "A partnership agreement with the VCSE Alliance.",
     "Pooled engagement budget spent through community partners.",
     "Partners agree they are treated as equals in decisions.", [6, 7, 10]),
]


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


I = IndicatorSpec
INDICATORS = [
    I("I01", "O1", "Residents who feel they can influence decisions about local health and care", "%",
      "higher_is_better", "perception", "quarterly", 28, (31, 36, 42), 1.1, ("Deprivation", "Ethnicity"),
      definition="Share of residents' survey respondents who agree or strongly agree that they can influence "
      "decisions about local health and care services.", source="Northmoor and Vale residents' survey",
      owner="ICB engagement team", gap=9, gap_trend=-0.05),
    I("I02", "O1", "ICB board decisions with a record of community insight", "%", "higher_is_better",
      "quantitative", "quarterly", 35, (50, 70, 90), 0.9,
      definition="Share of ICB board decision papers that include a section on what people and communities told us.",
      source="ICB board papers audit", owner="ICB governance team"),
    I("I03", "O1", "People on the citizens' panel", "people", "higher_is_better", "quantitative", "quarterly",
      640, (800, 1200, 1500), 1.2, definition="Active members of the Northmoor and Vale citizens' panel.",
      source="Citizens' panel register", owner="ICB engagement team"),
    I("I04", "O1", "Stories of how people's voices changed decisions", "", "no_judgement", "qualitative", "none",
      definition="Case studies written with the people involved, showing a decision that changed because of "
      "what they said.", source="Partner case studies", owner="Healthwatch Northmoor and Vale"),
    I("I05", "O2", "Adults with a positive experience of their GP practice", "%", "higher_is_better",
      "perception", "annual", 71, (72, 74, 76), 0.4, ("Deprivation", "Ethnicity"), comparator=True,
      definition="GP Patient Survey: share describing their overall experience of their practice as good.",
      source="GP Patient Survey", owner="Primary care collaborative", gap=6, gap_trend=0.03),
    I("I06", "O2", "Engagement participants reached in Core20PLUS5 communities", "%", "higher_is_better",
      "quantitative", "quarterly", 22, (30, 45, 60), 0.8,
      definition="Share of engagement participants who took part in activities that reached at least one "
      "Core20PLUS5 community. Calculated by Shared Measures from the engagement log each quarter.",
      source="Engagement log (calculated by Shared Measures)", source_ref="log:core20plus5_reach",
      owner="ICB engagement team"),
    I("I07", "O2", "Insight reports shared across partners", "reports", "higher_is_better", "quantitative",
      "quarterly", 12, (16, 24, 30), 1.0, status="retired",
      definition="Insight reports published to the shared library in the quarter. Retired: replaced by the "
      "insight library's own measures.", source="Insight library", owner="Healthwatch Northmoor and Vale"),
    I("I08", "O3", "Smoking prevalence in adults (15+) - current smokers (QOF)", "%", "lower_is_better",
      "quantitative", "annual", 16.4, (15.8, 14.5, 13.0), 0.7, ("Deprivation",), comparator=True,
      definition="Patients aged 15 and over recorded as current smokers on GP systems (QOF).",
      source="OHID Fingertips", source_ref="fingertips:91547", owner="Public health", gap=11, gap_trend=-0.02),
    I("I09", "O3", "Emergency admissions for ambulatory care sensitive conditions", "per 100,000",
      "lower_is_better", "quantitative", "quarterly", 1450, (1420, 1350, 1250), -0.2, ("Deprivation", "Ethnicity"),
      comparator=True, definition="Directly standardised rate of emergency admissions for conditions usually "
      "managed in the community, per 100,000 people.", source="Secondary Uses Service", owner="NHS providers",
      gap=620, gap_trend=0.04),
    I("I10", "O3", "Gap in healthy life expectancy between most and least deprived", "years", "lower_is_better",
      "quantitative", "annual", 11.2, (None, 10.5, 9.5), 0.3,
      definition="Difference in healthy life expectancy at birth between the most and least deprived fifths.",
      source="ONS healthy life expectancy", owner="Public health"),
    I("I11", "O3", "NHS Health Check uptake in the most deprived fifth", "%", "higher_is_better", "quantitative",
      "quarterly", 38, (42, 48, 55), 1.0,
      definition="Share of eligible people in the most deprived fifth who took up an NHS Health Check offer.",
      source="Local authority public health", owner="Councils"),
    I("I12", "O3", "Children with visible tooth decay at age 5", "%", "lower_is_better", "quantitative", "annual",
      24, (None, None, None), 0.5, status="proposed",
      definition="National Dental Epidemiology Programme: five-year-olds with experience of visible dental decay.",
      source="National Dental Epidemiology Programme", owner="Councils"),
    I("I13", "O4", "People from ethnic minority communities who trust local health services", "%",
      "higher_is_better", "perception", "quarterly", 48, (52, 58, 65), 0.6, ("Ethnicity",),
      definition="Residents' survey respondents from ethnic minority communities who say they trust local "
      "health services.", source="Northmoor and Vale residents' survey", owner="VCSE Alliance", gap=12),
    I("I14", "O4", "Community groups with a named contact in the partnership", "groups", "higher_is_better",
      "quantitative", "quarterly", 85, (110, 160, 200), 1.3,
      definition="Community groups that asked for and have a named contact in a partner organisation.",
      source="Community relationships register", owner="VCSE Alliance"),
    I("I15", "O4", "Engagement sessions held in community venues", "%", "higher_is_better", "quantitative",
      "quarterly", 40, (50, 60, 70), 0.5,
      definition="Share of engagement sessions held in community-run venues rather than NHS or council buildings.",
      source="Engagement log", owner="ICB engagement team"),
    I("I16", "O4", "How seldom-heard groups describe their relationship with services", "", "no_judgement",
      "qualitative", "none", definition="Themes from facilitated conversations with seldom-heard groups, "
      "reported twice a year.", source="Healthwatch conversations", owner="Healthwatch Northmoor and Vale"),
    I("I17", "O5", "Volunteer hours in health and care", "hours", "higher_is_better", "quantitative", "monthly",
      5200, (5600, 6500, 7500), 1.0, definition="Hours given by registered volunteers across partners in the month.",
      source="Volunteer management systems", owner="VCSE Alliance"),
    I("I18", "O5", "Residents who feel they belong to their neighbourhood", "%", "higher_is_better", "perception",
      "annual", 61, (62, 65, 68), 0.2, ("Deprivation",),
      definition="Residents' survey: share who feel they belong very or fairly strongly to their neighbourhood.",
      source="Northmoor and Vale residents' survey", owner="Councils", gap=14, gap_trend=0.02),
    I("I19", "O5", "Community organisations funded through the small grants scheme", "organisations",
      "higher_is_better", "quantitative", "quarterly", 30, (40, 60, 80), 0.9,
      definition="Community organisations holding a small grant during the quarter.",
      source="Small grants scheme", owner="VCSE Alliance"),
    I("I20", "O6", "Public documents available in Easy Read", "%", "higher_is_better", "quantitative",
      "quarterly", 15, (30, 60, 85), 1.1, definition="Share of public plans and consultation documents published "
      "with an Easy Read version.", source="Communications team audit", owner="ICB communications"),
    I("I21", "O6", "Residents who find it easy to get information about local services", "%", "higher_is_better",
      "perception", "quarterly", 52, (55, 60, 66), 0.0, ("Age",),
      definition="Residents' survey: share who find it easy to get information about local health and care.",
      source="Northmoor and Vale residents' survey", owner="ICB communications", gap=10),
    I("I22", "O6", "Days to publish a 'you said, we did' response", "days", "lower_is_better", "quantitative",
      "quarterly", 95, (80, 60, 45), 0.7,
      definition="Median days from the end of an engagement activity to publishing what we did in response.",
      source="Engagement log", owner="ICB engagement team"),
    I("I23", "O7", "Partners who agree they are treated as equal partners", "%", "higher_is_better", "perception",
      "quarterly", 44, (50, 60, 70), 0.8, definition="Partnership survey: share of partner organisations who agree "
      "they are treated as equal partners.", source="Partnership survey", owner="ICB partnerships team"),
    I("I24", "O7", "Engagement budget spent through VCSE partners", "%", "higher_is_better", "quantitative",
      "annual", 18, (20, 25, 30), 0.5, definition="Share of the system's engagement budget spent through "
      "voluntary, community and social enterprise partners.", source="ICB finance", owner="ICB finance"),
    I("I25", "O7", "Commissioning decisions co-produced with communities", "", "no_judgement", "qualitative",
      "none", status="proposed", definition="Examples of commissioning decisions co-produced with the people "
      "who use the service.", source="Commissioning records", owner="ICB commissioning"),
    I("I26", "O7", "Healthwatch recommendations answered within 20 working days", "%", "higher_is_better",
      "quantitative", "quarterly", 62, (70, 85, 95), 1.0,
      definition="Share of Healthwatch recommendations that received a written response within 20 working days.",
      source="Healthwatch tracker", owner="Healthwatch Northmoor and Vale"),
    I("I27", "O2", "People who contacted Healthwatch for information or advice", "people", "no_judgement",
      "quantitative", "quarterly", 2100, (None, None, None), 0.0,
      definition="Contacts to Healthwatch's information and signposting service in the quarter.",
      source="Healthwatch contact log", owner="Healthwatch Northmoor and Vale"),
]

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
