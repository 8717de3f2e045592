"""A realistic engagement log for the demo system: three dozen activities from 2023 to 2026 across its four places,
with "you said, we did" items, and plausible population shares on the community tags. Deterministic: the same call
always writes the same log.

Call `write_engagement_demo(cur, user)` inside the transaction that loads the demo, or
`load_engagement_demo(con, user)` on its own afterwards.
"""
from __future__ import annotations

from datetime import date, timedelta

from framework.core import audit
from framework.core.auth import require
from framework.core.db import scalar, transaction
from framework.core.model import User

# Plausible shares of the demo population (%), for showing reach against population
POPULATION_SHARES = {
    "core20": 27.0, "ethnic_minority": 11.5, "inclusion_health": 1.5, "learning_disability": 2.5, "coastal": 8.0,
    "carers": 9.0, "young_people": 21.0, "older_people": 20.5, "disabled_people": 22.0, "lgbtq": 3.2,
    "language": 4.5,
}
PLACES = {"P01": "Northmoor", "P02": "Ashby Vale", "P03": "Riverside", "P04": "Eastmarsh"}

# title, method, level, lead partner, communities, outcomes, principles, participants, volunteers, hours, summary,
# [(you said, we did, status, reason, feedback delay in days or None)]
TEMPLATES = [
    ("Listening event on GP access", "event", "consult", "Healthwatch Northmoor and Vale",
     ["core20", "older_people"], ["O2", "O3"], [2, 4], 86, 6, 30,
     "People told us booking a GP appointment by phone at 8am is stressful, especially for older people without "
     "smartphones. Many did not know pharmacists can treat common conditions.",
     [("We cannot get through on the phone at 8am.", "Practices added a call-back option and staggered release of "
       "appointments through the day.", "done", None, 70),
      ("Tell us what the pharmacy can help with.", "Pharmacy First leaflets in Easy Read and five languages went to "
       "every library and community centre.", "done", None, 110)]),
    ("Young carers co-design group for the carers' offer", "co-design group", "collaborate",
     "Northmoor Carers Centre", ["carers", "young_people"], ["O4", "O5"], [5, 7], 18, 4, 48,
     "Young carers designed a school card so teachers understand why they may be late, and asked for respite "
     "breaks in the holidays.",
     [("Teachers do not know we are carers.", "A young carers' card agreed with every secondary school.", "done",
       None, 60),
      ("We want breaks with other young carers in the holidays.", "Summer respite days are being planned with the "
       "council's youth service.", "planned", None, None)]),
    ("Citizens' panel survey on urgent care", "survey", "consult", "ICB engagement team",
     ["general_public", "older_people", "disabled_people"], ["O2", "O6"], [2, 9], 640, 0, 0,
     "The panel said they did not know where to go for urgent care that is not an emergency, and that waiting "
     "information in the emergency department is poor.",
     [("We do not know when to use the urgent treatment centre.", "A plain-English 'where to go' guide with the "
       "local radio station.", "done", None, 95),
      ("Show waiting times in the emergency department.", "Live waiting-time screens cannot be installed in the "
       "old building this year.", "cannot be done", "The building works are funded only from 2027.", 80)]),
    ("Outreach with Gypsy, Roma and Traveller families on health checks", "outreach", "involve",
     "Vale Traveller Health Partnership", ["inclusion_health", "core20"], ["O3", "O4"], [4, 5], 34, 3, 27,
     "Families told us letters are hard to read and that being turned away for lacking a fixed address stops them "
     "registering with a GP.",
     [("We were turned away because we have no fixed address.", "Every practice was reminded that no proof of "
       "address is needed to register, and reception teams had training.", "done", None, 40),
      ("Use phone calls or texts, not letters.", "Text reminders with a voice-note option are being piloted.",
       "planned", None, None)]),
    ("Community conversation on mental health in the mosque", "event", "involve",
     "Riverside Community Health Forum", ["ethnic_minority", "language"], ["O3", "O4"], [4, 5], 52, 5, 20,
     "People said mental health services feel unwelcoming, interpreters are rarely offered, and they would rather "
     "talk to someone from their community first.",
     [("We want someone who speaks our language.", "Two community mental health link workers who speak Urdu and "
       "Bengali were funded.", "done", None, 85),
      ("Interpreters are not offered at appointments.", "Interpreter booking is now on every referral form.", "done",
       None, 150)]),
    ("Easy Read consultation on the learning disability health check", "workshop", "involve",
     "Vale Self-Advocacy Group", ["learning_disability", "disabled_people"], ["O3", "O6"], [4, 9], 24, 6, 36,
     "Self-advocates said the invitation letter was confusing and that a longer appointment with a known nurse "
     "would help.",
     [("The letter is confusing.", "Self-advocates rewrote the invitation in Easy Read.", "done", None, 45),
      ("We need longer appointments.", "Practices offer a double appointment for the annual health check.", "done",
       None, 120)]),
    ("Residents' assembly on the five-year plan", "citizens' panel", "collaborate", "ICB engagement team",
     ["general_public", "core20", "ethnic_minority"], ["O1", "O7"], [1, 7], 48, 8, 96,
     "The assembly agreed three priorities for the plan: prevention in the most deprived neighbourhoods, mental "
     "health for young people, and joined-up care for people with several conditions.",
     [("Put prevention in the most deprived neighbourhoods first.", "The plan's first priority is prevention in "
       "Core20 neighbourhoods, with a ring-fenced budget.", "done", None, 55)]),
    ("Coastal community health walk and drop-in", "outreach", "inform", "Eastmarsh Community Trust",
     ["coastal", "older_people"], ["O6"], [9], 61, 9, 36,
     "A walk and drop-in to share information about new community health services. People asked about bus links "
     "to the hospital and dentist shortages.",
     [("There is no bus to the hospital in the evening.", "Evening bus times are outside the partnership's power; "
       "we passed the request to the transport authority.", "cannot be done",
       "Bus routes are decided by the combined transport authority, not the health partnership.", 100),
      ("We cannot find an NHS dentist.", "An urgent dental access session opened twice a week in Eastmarsh.",
       "done", None, 130)]),
    ("Small grants panel led by residents", "co-design group", "empower", "VCSE Alliance",
     ["core20", "general_public"], ["O5", "O7"], [7, 8], 14, 12, 84,
     "Residents decided which community groups received small grants for health projects: walking groups, a men's "
     "shed and a food club.",
     [("Grants should last longer than a year.", "Second-round grants are for two years.", "done", None, 60)]),
    ("Online survey on discharge from hospital", "survey", "consult", "Healthwatch Northmoor and Vale",
     ["older_people", "carers", "disabled_people"], ["O2"], [2, 3], 410, 2, 16,
     "People said they were sent home late in the evening without medicines, and carers were not told.",
     [("We were sent home at night with no medicines.", "Discharge lounges now hold medicines, and no discharges "
       "after 8pm for people living alone.", "done", None, 88),
      ("Carers are not told about discharge.", "A carers' checklist is being added to the discharge process.",
       "planned", None, None)]),
    ("LGBTQ+ health conversation", "workshop", "involve", "Riverside Pride Health Collective", ["lgbtq"],
     ["O4"], [5], 22, 3, 12,
     "People described being misgendered in clinics and said staff training would make services feel safer.",
     [("Staff keep using the wrong name and pronouns.", "Staff training with the collective started in three "
       "trusts.", "done", None, 75)]),
    ("Youth health summit", "event", "involve", "Ashby Vale Youth Council", ["young_people"], ["O1", "O3"], [1, 4],
     120, 15, 90,
     "Young people said mental health support in schools has long waits and that they want to be on the boards that "
     "decide.",
     [("We want a say on the boards that decide.", "Two young people now sit on the place partnership board.",
       "done", None, 65),
      ("Waits for school mental health support are too long.", "Mental health support teams are expanding to six "
       "more schools.", "planned", None, None)]),
]


def _spread(n_years: int = 4) -> list[tuple[int, date, str]]:
    """(template, start date, place) triples from April 2023 to September 2026, steady and deterministic."""
    out = []
    start = date(2023, 4, 10)
    step = 37  # days between activities: about 36 activities over three and a half years
    for i in range(36):
        day = start + timedelta(days=i * step)
        place = ["P01", "P02", "P03", "P04"][(i * 3) % 4]
        out.append((i % len(TEMPLATES), day, place))
    return out


DERIVED_OUTCOMES = {"log:collaborate_empower": "O7", "log:feedback_within_3_months": "O1",
                    "log:volunteer_hours": "O5", "log:core20plus5_reach": "O2"}


def write_engagement_demo(cur, user: User, system_code: str = "DEMO") -> int:
    """Write the demo engagement log inside the caller's transaction; return how many activities were written."""
    from framework.engagement.sync import after_log_change

    require(user, "load_demo")
    if scalar(cur, "SELECT count(*) FROM engagement_activity WHERE system_code = ?", [system_code]):
        raise ValueError(f"The demo engagement log is already loaded for {system_code}.")
    for tag, share in POPULATION_SHARES.items():
        cur.execute("UPDATE community_tag SET population_share = ? WHERE tag_code = ? AND population_share IS NULL",
                    [share, tag])
    ids = []
    last_day = date(2026, 11, 1)
    for n, (t, day, place) in enumerate(_spread()):
        (title, method, level, lead, tags, outcomes, principles, people, vols, hours, summary, items) = TEMPLATES[t]
        round_no = n // len(TEMPLATES)
        # later rounds move up the spectrum a little, as the partnership learns
        if round_no == 2 and level == "consult":
            level = "involve"
        if round_no >= 1 and level == "involve" and n % 3 == 0:
            level = "collaborate"
        end = day + timedelta(days=0 if method in ("event", "outreach", "workshop") else 28)
        scale = (0.8, 1.0, 1.2)[round_no % 3]
        area = f"{system_code}-{place}"
        areas = [f"{system_code}-ICB"] if method == "survey" or method == "citizens' panel" else [area]
        activity_id = scalar(
            cur,
            "INSERT INTO engagement_activity (system_code, title, start_date, end_date, lead_partner, method, level,"
            " areas, communities, participants, volunteers, volunteer_hours, outcomes, indicators, principles, summary,"
            " evidence_url, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING activity_id",
            [system_code, f"{title} ({PLACES[place]})" if areas == [area] else title, day, end, lead, method, level,
             areas, tags, int(people * scale), vols, float(round(hours * scale)), outcomes, [], principles,
             summary, f"https://example.org/demo/engagement/{n + 1}", user.user_id],
        )
        for _k, (said, did, status, reason, delay) in enumerate(items):
            feedback = end + timedelta(days=delay + 7 * (round_no % 2)) if delay is not None else None
            if feedback and feedback > last_day:
                feedback, status, did = None, "planned", None  # not yet done: nothing claimed
            if end > date(2026, 6, 1) and status == "done":
                status, feedback, did = "planned", None, None  # recent activities are still being worked on
            cur.execute(
                "INSERT INTO you_said (activity_id, system_code, you_said, we_did, status, reason, feedback_date,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [activity_id, system_code, said, did, status, reason, feedback, user.user_id],
            )
        ids.append(activity_id)
    audit.record(cur, user, "create", "engagement_demo", system_code, system_code=system_code,
                 after={"activities": len(ids)}, reason="Demo engagement log so a newcomer sees a working register")
    after_log_change(cur, system_code, ids, as_of=last_day)
    for source_ref, outcome in DERIVED_OUTCOMES.items():  # the demo says which outcome each derived measure serves
        cur.execute("UPDATE indicator SET outcome_code = ? WHERE system_code = ? AND source_ref = ?"
                    " AND outcome_code IS NULL", [outcome, system_code, source_ref])
    return len(ids)


def load_engagement_demo(con, user: User, system_code: str = "DEMO") -> int:
    """Write the demo engagement log in its own transaction (editors and admins)."""
    require(user, "load_demo")
    return transaction(con, write_engagement_demo, user, system_code)
