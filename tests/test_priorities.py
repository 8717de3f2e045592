"""Prioritisation rounds: opening and closing, ballot rules (one per person per round, pseudonymous, changeable while
open), the scoring by stakeholder group, the community-weighted matters score and the Excel sheet."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from framework.core.errors import ValidationError
from framework.core.model import User
from framework.measures.priorities import (
    BALLOT_MIN_GROUP,
    ballot_secret,
    cast_ballot,
    close_round,
    compare_sides,
    difference_words,
    group_means,
    legacy_voter_key,
    list_rounds,
    my_ballot,
    open_round,
    priorities_sheet,
    results_by_group,
    results_summary,
    round_state,
    voter_key,
    weighted_score,
)
from tests.conftest import make_user

TODAY = date.today()


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def _open(con, editor, title="Spring priorities"):
    return open_round(con, editor, "DEMO", title, TODAY - timedelta(days=1), TODAY + timedelta(days=13))


def voter(n: int, role: str = "community") -> User:
    return make_user(role, f"person-{n}@example.org")


@pytest.mark.parametrize("means, expected", [
    ({"community": 5.0, "icb": 1.0, "vcse": 3.0}, 0.5 * 5 + 0.5 * 2),  # half to community, half shared by others
    ({"community": 4.0}, 4.0),                                        # only the community rated it
    ({"icb": 2.0, "local_authority": 4.0}, 3.0),                      # no community ratings
    ({"community": 2.0, "icb": 4.0}, 3.0),
    ({}, None),
])
def test_the_matters_score_gives_communities_half_the_weight(means, expected):
    assert weighted_score(means) == pytest.approx(expected) if expected is not None else weighted_score(means) is None


@pytest.mark.parametrize("opens, closes, closed_at, state", [
    (TODAY + timedelta(days=1), TODAY + timedelta(days=5), None, "scheduled"),
    (TODAY, TODAY, None, "open"),
    (TODAY - timedelta(days=9), TODAY - timedelta(days=1), None, "closed"),
    (TODAY - timedelta(days=9), TODAY + timedelta(days=5), pd.Timestamp("2026-01-01"), "closed"),
])
def test_a_round_is_scheduled_open_or_closed_by_its_dates(opens, closes, closed_at, state):
    assert round_state(opens, closes, closed_at, TODAY) == state


def test_group_means_and_sides_follow_the_ratings():
    ratings = pd.DataFrame([
        ("a", "community", "I01", 5), ("b", "community", "I01", 4), ("c", "icb", "I01", 2),
        ("d", "local_authority", "I01", 1), ("e", "vcse", "I01", 3), ("a", "community", "I02", 3),
    ], columns=["voter_key", "group_code", "indicator_code", "score"])
    means = group_means(ratings, minimum=1)
    assert means.set_index(["indicator_code", "group_code"])["mean_score"].to_dict() == {
        ("I01", "community"): 4.5, ("I01", "icb"): 2.0, ("I01", "local_authority"): 1.0, ("I01", "vcse"): 3.0,
        ("I02", "community"): 3.0}
    sides = compare_sides(means).set_index("indicator_code")
    assert sides.loc["I01", "community_mean"] == 4.5 and sides.loc["I01", "system_mean"] == 1.5
    assert sides.loc["I01", "difference"] == 3.0
    assert sides.loc["I01", "matters_score"] == pytest.approx(0.5 * 4.5 + 0.5 * (2 + 1 + 3) / 3)
    assert pd.isna(sides.loc["I02", "difference"]) and sides.loc["I02", "matters_score"] == 3.0
    assert difference_words(3.0) == "Matters more to communities"
    assert difference_words(-1.0) == "Matters more to system bodies"
    assert difference_words(0.2) == "Similar priority"


def test_an_editor_opens_a_round_and_only_one_can_be_live(demo_con, editor):
    round_id = _open(demo_con, editor)
    rounds = list_rounds(demo_con, "DEMO")
    assert list(rounds["state"]) == ["open"] and rounds.iloc[0]["round_id"] == round_id
    assert "ballots" not in rounds.columns  # a total would give hidden groups' size away
    with pytest.raises(ValidationError, match="still open or scheduled"):
        _open(demo_con, editor, "Another")


@pytest.mark.parametrize("title, opens, closes, message", [
    ("", TODAY, TODAY + timedelta(days=3), "Title is required"),
    ("R", TODAY, TODAY - timedelta(days=3), "must be on or after opens on"),
    ("R", "soon", TODAY, "is not a date"),
])
def test_a_round_with_bad_dates_or_no_title_is_refused(demo_con, editor, title, opens, closes, message):
    with pytest.raises(ValidationError) as err:
        open_round(demo_con, editor, "DEMO", title, opens, closes)
    assert any(message in p for p in err.value.problems)
    assert _count(demo_con, "SELECT count(*) FROM priority_round") == 0


def test_one_ballot_per_person_per_round_which_they_can_change_while_open(demo_con, editor):
    round_id = _open(demo_con, editor)
    person = voter(1)
    assert cast_ballot(demo_con, person, "DEMO", round_id, "community", {"I01": 5, "I02": 2}) == 2
    assert cast_ballot(demo_con, person, "DEMO", round_id, "community", {"I01": 3, "I05": 4, "I08": None}) == 2
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 1
    assert my_ballot(demo_con, person, "DEMO", round_id) == {
        "group_code": "community", "scores": {"I01": 3, "I05": 4}}
    assert my_ballot(demo_con, voter(2), "DEMO", round_id) is None


def test_ballots_are_stored_and_audited_under_a_pseudonym_not_the_persons_id(demo_con, editor):
    round_id = _open(demo_con, editor)
    person = voter(1)
    cast_ballot(demo_con, person, "DEMO", round_id, "community", {"I01": 5})
    key = demo_con.execute("SELECT voter_key FROM priority_ballot").fetchall()[0][0]
    assert key == voter_key(ballot_secret(demo_con), round_id, "community", person.user_id)
    assert person.user_id not in key and len(key) == 64
    audit = demo_con.execute("SELECT user_id, entity_key, after FROM audit_log WHERE entity = 'ballot'").fetchall()
    assert audit[0][0] == f"voter:{key[:12]}" and "person-1" not in str(audit)


def test_the_same_person_gets_a_different_pseudonym_in_each_round(demo_con, editor):
    first = _open(demo_con, editor)
    cast_ballot(demo_con, voter(1), "DEMO", first, "community", {"I01": 5})
    close_round(demo_con, editor, "DEMO", first)
    second = _open(demo_con, editor, "Autumn")
    cast_ballot(demo_con, voter(1), "DEMO", second, "community", {"I01": 4})
    keys = [r[0] for r in demo_con.execute("SELECT voter_key FROM priority_ballot ORDER BY round_id").fetchall()]
    assert len(set(keys)) == 2


@pytest.mark.parametrize("group, scores, message", [
    ("community", {"I01": 6}, "Rating for I01 must be a whole number from 1 to 5"),
    ("community", {"I01": 2.5}, "Rating for I01 must be a whole number from 1 to 5"),
    ("community", {"I99": 3}, "Measure 'I99' is not a current measure"),
    ("community", {"I07": 3}, "Measure 'I07' is not a current measure"),  # I07 is retired
    ("martians", {"I01": 3}, "Stakeholder group 'martians' is not one of"),
    ("community", {}, "Rate at least one measure"),
])
def test_a_bad_ballot_is_refused_naming_the_problem(demo_con, editor, group, scores, message):
    round_id = _open(demo_con, editor)
    with pytest.raises(ValidationError) as err:
        cast_ballot(demo_con, voter(1), "DEMO", round_id, group, scores)
    assert any(message in p for p in err.value.problems), err.value.problems
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 0


def test_a_person_whose_sign_in_sets_their_group_cannot_rate_as_another(demo_con, editor):
    round_id = _open(demo_con, editor)
    council = User("officer@council.gov.uk", "Officer", "partner", group_code="local_authority")
    with pytest.raises(ValidationError, match="your sign-in places you in 'local_authority'"):
        cast_ballot(demo_con, council, "DEMO", round_id, "community", {"I01": 5})
    assert cast_ballot(demo_con, council, "DEMO", round_id, "local_authority", {"I01": 5}) == 1


def test_ballots_are_refused_before_a_round_opens_and_after_it_closes(demo_con, editor):
    future = open_round(demo_con, editor, "DEMO", "Next", TODAY + timedelta(days=2), TODAY + timedelta(days=9))
    with pytest.raises(ValidationError, match="not open yet"):
        cast_ballot(demo_con, voter(1), "DEMO", future, "community", {"I01": 5})
    close_round(demo_con, editor, "DEMO", future)
    with pytest.raises(ValidationError, match="is closed"):
        cast_ballot(demo_con, voter(1), "DEMO", future, "community", {"I01": 5})
    with pytest.raises(ValidationError, match="already closed"):
        close_round(demo_con, editor, "DEMO", future)
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 0


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_open_and_close_rounds_and_a_refusal_changes_nothing(demo_con, editor, role):
    with pytest.raises(PermissionError):
        _open(demo_con, make_user(role))
    round_id = _open(demo_con, editor)
    before = _count(demo_con, "SELECT count(*) FROM audit_log")
    with pytest.raises(PermissionError):
        close_round(demo_con, make_user(role), "DEMO", round_id)
    assert list(list_rounds(demo_con, "DEMO")["state"]) == ["open"]
    assert _count(demo_con, "SELECT count(*) FROM audit_log") == before


def test_a_viewer_cannot_vote_and_nothing_is_stored(demo_con, editor):
    round_id = _open(demo_con, editor)
    with pytest.raises(PermissionError):
        cast_ballot(demo_con, make_user("viewer"), "DEMO", round_id, "community", {"I01": 5})
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 0


def _group(group: str, first: int, scores: list[dict[str, int]]) -> list[tuple[int, str, dict[str, int]]]:
    return [(first + i, group, ballot) for i, ballot in enumerate(scores)]


BALLOTS = [  # (person, group, scores): four groups of ten, and one person alone in Healthwatch
    *_group("community", 100, [{"I01": 5, "I08": 2}] * 5 + [{"I01": 4, "I08": 3}] * 5),
    *_group("icb", 200, [{"I01": 2, "I08": 5}] * 10),
    *_group("local_authority", 300, [{"I01": 1, "I08": 5}] * 10),
    *_group("vcse", 400, [{"I01": 4, "I08": 3}] * 10),
    (500, "healthwatch", {"I01": 1, "I08": 1}),
]


def _closed_round_with_ballots(con, editor):
    round_id = _open(con, editor)
    for n, group, scores in BALLOTS:
        cast_ballot(con, voter(n), "DEMO", round_id, group, scores)
    close_round(con, editor, "DEMO", round_id)
    return round_id


def test_results_give_the_priority_by_group_and_the_community_system_difference(demo_con, editor):
    round_id = _closed_round_with_ballots(demo_con, editor)
    by_group = results_by_group(demo_con, "DEMO", round_id).set_index(["indicator_code", "group_name"])
    assert by_group.loc[("I01", "Community members"), "mean_score"] == 4.5
    assert by_group.loc[("I01", "Community members"), "ballots"] == 10
    assert "Healthwatch" not in set(by_group.index.get_level_values("group_name"))  # one ballot: hidden
    assert results_summary(demo_con, "DEMO", round_id).set_index("indicator_code").loc["I01", "ballots"] == 40
    assert by_group.loc[("I08", "ICB"), "mean_score"] == 5.0
    summary = results_summary(demo_con, "DEMO", round_id).set_index("indicator_code")
    assert summary.loc["I01", "difference"] == pytest.approx(4.5 - 1.5)
    assert summary.loc["I08", "difference"] == pytest.approx(2.5 - 5.0)
    assert summary.loc["I01", "difference_words"] == "Matters more to communities"
    assert summary.loc["I08", "difference_words"] == "Matters more to system bodies"


def test_v_indicator_carries_the_community_weighted_score_of_the_latest_closed_round_only(demo_con, editor):
    assert _count(demo_con, "SELECT count(matters_score) FROM v_indicator") == 0
    round_id = _closed_round_with_ballots(demo_con, editor)
    expected = results_summary(demo_con, "DEMO", round_id).set_index("indicator_code")["matters_score"]
    view = dict(demo_con.execute("SELECT indicator_code, matters_score FROM v_indicator"
                                 " WHERE matters_score IS NOT NULL").fetchall())
    assert view == pytest.approx(expected.to_dict())
    assert view["I01"] == pytest.approx(0.5 * 4.5 + 0.5 * (2 + 1 + 4) / 3)
    later = _open(demo_con, editor, "Autumn")  # an open round does not change the score
    for n in range(10):
        cast_ballot(demo_con, voter(900 + n), "DEMO", later, "community", {"I01": 1})
    assert demo_con.execute("SELECT matters_score FROM v_indicator WHERE indicator_code = 'I01'").fetchall()[0][0] == \
        pytest.approx(view["I01"])
    close_round(demo_con, editor, "DEMO", later)  # once closed, it is the latest closed round
    assert demo_con.execute("SELECT matters_score FROM v_indicator WHERE indicator_code = 'I01'").fetchall()[0][0] == 1.0
    cols = [r[0] for r in demo_con.execute("DESCRIBE v_indicator").fetchall()]
    assert cols == ["system_code", "outcome_code", "indicator_code", "indicator_name", "unit", "direction", "status",
                    "matters_score", "baseline_value", "baseline_date", "target_1y", "target_3y", "target_5y",
                    "source_ref"]


def test_the_priorities_sheet_is_empty_without_a_closed_round_and_lists_groups_with_one(demo_con, editor):
    assert priorities_sheet(demo_con, "DEMO").empty
    _closed_round_with_ballots(demo_con, editor)
    sheet = priorities_sheet(demo_con, "DEMO").set_index("Indicator code")
    assert set(sheet.index) == {"I01", "I08"}
    assert sheet.loc["I01", "Community members"] == 4.5 and sheet.loc["I08", "ICB"] == 5.0
    assert sheet.loc["I01", "Community-weighted score (1-5)"] == pytest.approx(round(0.5 * 4.5 + 0.5 * 7 / 3, 2))
    assert sheet.loc["I01", "Round"] == "Spring priorities"
    assert "Healthwatch" not in sheet.columns  # a group with no ballots gets no column


# ---- ballots stay private -------------------------------------------------------------------------------------------

def test_a_group_below_the_minimum_is_left_out_of_every_figure_and_the_matters_score(demo_con, editor):
    round_id = _open(demo_con, editor)
    for n in range(BALLOT_MIN_GROUP):
        cast_ballot(demo_con, voter(n), "DEMO", round_id, "community", {"I01": 4})
    cast_ballot(demo_con, voter(99, "partner"), "DEMO", round_id, "icb", {"I01": 1})  # one ballot alone
    assert results_by_group(demo_con, "DEMO", round_id).empty  # nothing while the round is open
    close_round(demo_con, editor, "DEMO", round_id)
    by_group = results_by_group(demo_con, "DEMO", round_id)
    assert list(by_group["group_code"]) == ["community"]
    summary = results_summary(demo_con, "DEMO", round_id).set_index("indicator_code")
    assert summary.loc["I01", "matters_score"] == 4.0 and summary.loc["I01", "ballots"] == BALLOT_MIN_GROUP
    view = demo_con.execute("SELECT matters_score FROM v_indicator WHERE indicator_code = 'I01'").fetchall()
    assert view == [(4.0,)]


def test_the_matters_score_view_uses_the_same_minimum_as_the_results():
    from framework.measures.views import V_PRIORITY_MATTERS, V_PRIORITY_RESULT
    from framework.reviews.suppression import MIN_GROUP_DEFAULT
    assert f"count(DISTINCT b.voter_key) >= {BALLOT_MIN_GROUP}" in V_PRIORITY_RESULT
    assert "v_priority_result" in V_PRIORITY_MATTERS
    assert BALLOT_MIN_GROUP == MIN_GROUP_DEFAULT


def test_nobody_can_read_another_persons_ballot(demo_con, editor):
    round_id = _open(demo_con, editor)
    cast_ballot(demo_con, voter(1), "DEMO", round_id, "community", {"I01": 5})
    assert my_ballot(demo_con, voter(2), "DEMO", round_id) is None
    assert my_ballot(demo_con, editor, "DEMO", round_id) is None
    with pytest.raises(PermissionError):
        my_ballot(demo_con, make_user("viewer", "person-1@example.org"), "DEMO", round_id)


def test_guessing_an_email_does_not_link_a_ballot_to_a_person(demo_con, editor, db_path):
    round_id = _open(demo_con, editor)
    person = voter(1)
    cast_ballot(demo_con, person, "DEMO", round_id, "community", {"I01": 5})
    salt = demo_con.execute("SELECT salt FROM priority_round").fetchall()[0][0]
    stored = demo_con.execute("SELECT voter_key FROM priority_ballot").fetchall()[0][0]
    guesses = {legacy_voter_key(salt, person.user_id), voter_key(b"", round_id, "community", person.user_id),
               voter_key(salt.encode(), round_id, "community", person.user_id)}
    assert stored not in guesses
    key_file = db_path.with_name(db_path.name + ".ballot-key")
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    assert key_file.read_text().strip() not in demo_con.execute("SELECT * FROM priority_round").df().to_string()


def test_the_secret_can_come_from_the_environment(demo_con, editor, monkeypatch):
    monkeypatch.setenv("SHARED_MEASURES_BALLOT_SECRET", "a long secret from the deployment")
    round_id = _open(demo_con, editor)
    cast_ballot(demo_con, voter(1), "DEMO", round_id, "community", {"I01": 5})
    stored = demo_con.execute("SELECT voter_key FROM priority_ballot").fetchall()[0][0]
    assert stored == voter_key(b"a long secret from the deployment", round_id, "community", voter(1).user_id)


def test_ballots_cast_under_different_view_as_roles_do_not_replace_one_another(demo_con, editor):
    round_id = _open(demo_con, editor)
    as_community = User("local", "Local user", "community")
    as_partner = User("local", "Local user", "partner")
    cast_ballot(demo_con, as_community, "DEMO", round_id, "community", {"I01": 5})
    cast_ballot(demo_con, as_partner, "DEMO", round_id, "vcse", {"I01": 1})
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 2
    assert my_ballot(demo_con, as_community, "DEMO", round_id)["scores"] == {"I01": 5}
    assert my_ballot(demo_con, as_partner, "DEMO", round_id)["scores"] == {"I01": 1}


def test_a_ballot_cast_under_the_old_key_moves_to_the_new_one_and_closed_rounds_lose_the_old_keys(demo_con, editor):
    round_id = _open(demo_con, editor)
    person = voter(1)
    salt = demo_con.execute("SELECT salt FROM priority_round").fetchall()[0][0]
    old = legacy_voter_key(salt, person.user_id)
    demo_con.execute("INSERT INTO priority_ballot (round_id, voter_key, group_code, keying) VALUES (?, ?, 'community',"
                     " 'legacy')", [round_id, old])
    demo_con.execute("INSERT INTO priority_score VALUES (?, ?, 'I01', 2)", [round_id, old])
    assert my_ballot(demo_con, person, "DEMO", round_id) == {"group_code": "community", "scores": {"I01": 2}}
    cast_ballot(demo_con, person, "DEMO", round_id, "community", {"I01": 4})
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 1
    assert demo_con.execute("SELECT keying FROM priority_ballot").fetchall() == [("hmac",)]
    other = legacy_voter_key(salt, voter(2).user_id)
    demo_con.execute("INSERT INTO priority_ballot (round_id, voter_key, group_code, keying) VALUES (?, ?, 'community',"
                     " 'legacy')", [round_id, other])
    close_round(demo_con, editor, "DEMO", round_id)
    keys = [r[0] for r in demo_con.execute("SELECT voter_key FROM priority_ballot").fetchall()]
    assert other not in keys and len(keys) == 2


def test_a_database_from_before_secret_keys_upgrades_without_losing_ballots(tmp_path, monkeypatch):
    from framework.core import db
    from framework.measures.proposals import list_proposals
    shipped = db._migrations
    monkeypatch.setattr(db, "_migrations", lambda: [m for m in shipped() if m.VERSION not in (21, 41)])
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    person = voter(1)
    con.execute("INSERT INTO priority_round (system_code, title, opens_on, closes_on, salt, created_by) VALUES"
                " ('DEMO', 'Closed', '2025-01-01', '2025-02-01', 'aa', 'e'),"
                " ('DEMO', 'Open', ?, ?, 'bb', 'e')", [TODAY - timedelta(days=1), TODAY + timedelta(days=5)])
    for round_id, salt in ((1, "aa"), (2, "bb")):
        key = legacy_voter_key(salt, person.user_id)
        con.execute("INSERT INTO priority_ballot (round_id, voter_key, group_code) VALUES (?, ?, 'community')",
                    [round_id, key])
        con.execute("INSERT INTO priority_score VALUES (?, ?, 'I01', 4)", [round_id, key])
        con.execute("INSERT INTO audit_log (user_id, user_role, action, entity, entity_key, system_code) VALUES"
                    " (?, 'community', 'cast', 'ballot', ?, 'DEMO')", [f"voter:{key[:12]}", f"{round_id}/{key[:12]}"])
    con.execute("INSERT INTO measure_proposal (system_code, name, why_it_matters, who_it_matters_to, how_measured,"
                " proposed_by_id, proposed_by_name, proposed_by_role) VALUES ('DEMO', 'Idea', 'w', 'w', 'h',"
                " 'jane', 'Jane Doe', 'community')")
    con.close()
    monkeypatch.setattr(db, "_migrations", shipped)
    con = db.connect(path)
    try:
        ballots = dict(con.execute("SELECT round_id, voter_key FROM priority_ballot").fetchall())
        assert ballots[1].startswith("random:") and ballots[2] == legacy_voter_key("bb", person.user_id)
        assert con.execute("SELECT round_id, score FROM priority_score ORDER BY round_id").fetchall() == [(1, 4), (2, 4)]
        audit = [r[0] for r in con.execute("SELECT user_id FROM audit_log WHERE entity = 'ballot'").fetchall()]
        assert len(audit) == 2 and not any(legacy_voter_key(s, person.user_id)[:12] in a
                                           for a in audit for s in ("aa", "bb"))
        assert list_proposals(con, "DEMO").iloc[0]["proposed_by"] == "A community member"
    finally:
        con.close()


def test_an_unwritable_key_file_is_reported_in_words_and_nothing_is_stored(demo_con, editor, db_path):
    round_id = _open(demo_con, editor)
    key_file = db_path.with_name(db_path.name + ".ballot-key")
    key_file.write_text("short")
    with pytest.raises(ValidationError, match="too short a secret"):
        cast_ballot(demo_con, voter(1), "DEMO", round_id, "community", {"I01": 5})
    assert _count(demo_con, "SELECT count(*) FROM priority_ballot") == 0
