"""The insight library's search: every word must match (prefixes and plurals too), filters for community, area,
outcome and dates, the index kept in step with every write, and speed on thousands of records."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.core.db import transaction
from framework.engagement.activities import save_activity
from framework.engagement.imports import import_engagement
from framework.engagement.insight_search import rebuild_index, search_insight, stem, tokens
from framework.engagement.you_said import add_you_said, update_you_said
from tests.engagement_fixtures import activity


@pytest.mark.parametrize("text, expected", [
    ("People's clinics and families", ["people", "clinic", "family"]),
    ("The bus is late; GP access", ["bus", "late", "gp", "access"]),
    ("Interpreters weren\u2019t offered", ["interpreter", "werent", "offered"]),
    ("", []),
])
def test_text_becomes_lower_case_stemmed_words_without_stop_words(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize("word, expected", [("services", "service"), ("access", "access"), ("bus", "bus"),
                                            ("communities", "community"), ("carers", "carer")])
def test_the_stem_is_light_and_predictable(word, expected):
    assert stem(word) == expected


@pytest.fixture
def small_log(demo_con, editor):
    a = save_activity(demo_con, editor, "DEMO", activity(
        title="Pharmacy drop-in", summary="People asked which pharmacies open on Sundays.", communities=["older_people"],
        areas=["DEMO-P01"], outcomes=["O2"], start_date="2024-03-01", end_date="2024-03-01"),
        items=[{"you_said": "We need interpreters at the pharmacy.", "we_did": "Language Line in every pharmacy.",
                "status": "done"}])
    b = save_activity(demo_con, editor, "DEMO", activity(
        title="Youth forum", summary="Young people want mental health support in school.", communities=["young_people"],
        areas=["DEMO-P02"], outcomes=["O3"], start_date="2025-09-01", end_date="2025-09-01"),
        items=[{"you_said": "Counsellors in every school."}])
    return demo_con, a, b


def found(frame):
    return [(k, t) for k, t in zip(frame["kind"], frame["text"])]


@pytest.mark.parametrize("query, expected", [
    ("pharmacy", [("you_said", "We need interpreters at the pharmacy."),
                  ("activity", "People asked which pharmacies open on Sundays.")]),
    ("interpreter pharmacy", [("you_said", "We need interpreters at the pharmacy.")]),
    ("Language Line", [("you_said", "We need interpreters at the pharmacy.")]),
    ("couns", [("you_said", "Counsellors in every school.")]),
    ("SCHOOL", [("activity", "Young people want mental health support in school."),
                ("you_said", "Counsellors in every school.")]),
    ("pharmacy school", []),
    ("zebra", []),
])
def test_every_word_must_match_in_summaries_or_you_said_items(small_log, query, expected):
    con, _, _ = small_log
    assert sorted(found(search_insight(con, "DEMO", query))) == sorted(expected)


@pytest.mark.parametrize("filters, titles", [
    ({"communities": ["young_people"]}, {"Youth forum"}),
    ({"areas": ["DEMO-P01"]}, {"Pharmacy drop-in"}),
    ({"outcomes": ["O3", "O2"]}, {"Pharmacy drop-in", "Youth forum"}),
    ({"date_from": date(2025, 1, 1)}, {"Youth forum"}),
    ({"date_to": date(2024, 12, 31)}, {"Pharmacy drop-in"}),
    ({"communities": ["carers"]}, set()),
    ({"kinds": ["activity"], "date_to": date(2024, 12, 31)}, {"Pharmacy drop-in"}),
])
def test_filters_narrow_the_results_by_the_activity_they_belong_to(small_log, filters, titles):
    con, _, _ = small_log
    assert set(search_insight(con, "DEMO", "", **filters)["title"]) == titles


def test_a_blank_query_lists_newest_first_and_kinds_can_be_chosen(small_log):
    con, _, _ = small_log
    everything = search_insight(con, "DEMO", "")
    assert list(everything["title"]) == ["Youth forum", "Youth forum", "Pharmacy drop-in", "Pharmacy drop-in"]
    assert set(search_insight(con, "DEMO", "", kinds=["you_said"])["kind"]) == {"you_said"}


def test_the_index_follows_new_items_and_edits_and_other_systems_stay_apart(small_log, editor):
    con, a, _ = small_log
    item = add_you_said(con, editor, "DEMO", a, {"you_said": "Dosette boxes are confusing."})
    assert found(search_insight(con, "DEMO", "dosette")) == [("you_said", "Dosette boxes are confusing.")]
    update_you_said(con, editor, "DEMO", item, {"you_said": "Blister packs are confusing."})
    assert search_insight(con, "DEMO", "dosette").empty
    assert not search_insight(con, "DEMO", "blister").empty
    assert search_insight(con, "OTHER", "blister").empty


def test_rebuilding_the_index_gives_the_same_results(small_log):
    con, _, _ = small_log
    before = search_insight(con, "DEMO", "school")
    transaction(con, rebuild_index, "DEMO")
    pd.testing.assert_frame_equal(search_insight(con, "DEMO", "school"), before)


def test_search_finds_the_right_records_among_five_thousand_activities_and_items(demo_con, editor):
    words = ["pharmacy", "transport", "dentist", "loneliness", "interpreter", "housing", "waiting", "carers",
             "school", "discharge", "parking", "phone", "appointment", "respite", "garden", "benefits"]
    header = "Activity ID,Title,Start date,Lead partner,Method,Level,Communities,Participants,Summary\n"
    rows, items = [], ["Activity ID,You said,Status\n"]
    for i in range(2500):
        w = [words[(i * k) % len(words)] for k in (1, 3, 7)]
        rows.append(f"A{i},Session {i},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d},Partner {i % 9},event,consult,"
                    f"{'core20' if i % 3 else 'carers'},{i % 50},People talked about {' and '.join(w)} number {i}\n")
        items.append(f"A{i},We want help with {w[0]} and {w[2]},planned\n")
    import_engagement(demo_con, editor, "DEMO", [("big.csv", (header + "".join(rows)).encode()),
                                                 ("items.csv", "".join(items).encode())])
    assert demo_con.execute("SELECT count(*) FROM engagement_activity").fetchall() == [(2500,)]
    results = search_insight(demo_con, "DEMO", "dentist waiting", communities=["core20"])  # bench/ times this
    assert len(results) > 0
    assert all("dentist" in t.lower() and "waiting" in t.lower() for t in results["text"])
    assert set(search_insight(demo_con, "DEMO", "number 1234")["title"]) == {"Session 1234"}
