"""The framework model: validated, versioned, audited writes, permissions, and the deterministic demo."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from framework.core import db
from framework.core.errors import StaleEdit, ValidationError
from framework.demo.system import DEMO, DemoScale, build_demo, load_demo
from framework.foundation.indicators import (
    counts_by_kind_and_status,
    get_indicator,
    latest_values,
    list_indicators,
    save_indicator,
)
from framework.foundation.systems import create_system
from framework.foundation.vision import get_vision, list_outcomes, save_outcome, save_vision
from tests.conftest import make_user

NEW_SYSTEM = {"system_code": "TEST", "name": "Test ICS", "framework_start": "2024-04-01"}
VISION = {"statement": "Everyone is heard.", "ultimate_outcome": "Fairer health."}
OUTCOME = {"outcome_code": "O9", "title": "Better information", "ambition_1y": "Easy Read plans",
           "principles": [9]}
INDICATOR = {"indicator_code": "X1", "name": "Easy Read share", "unit": "%", "direction": "higher_is_better",
             "kind": "quantitative", "status": "active", "baseline_value": 10, "target_3y": 50}


def audit_rows(con, entity=None):
    sql = "SELECT entity, action, user_id, user_role, before, after, reason FROM audit_log"
    return db.read_df(con, sql + (" WHERE entity = ?" if entity else "") + " ORDER BY audit_id",
                      [entity] if entity else [])


def with_system(con, user):
    create_system(con, user, NEW_SYSTEM)
    return "TEST"


WRITES = {
    "create a system": lambda con, u: create_system(con, u, NEW_SYSTEM),
    "write the vision": lambda con, u: save_vision(con, u, with_system(con, u), VISION),
    "add an outcome": lambda con, u: save_outcome(con, u, with_system(con, u), OUTCOME, is_new=True),
    "add an indicator": lambda con, u: save_indicator(con, u, with_system(con, u), INDICATOR, is_new=True),
    "load the demo": lambda con, u: load_demo(con, u),
}
ENTITY = {"create a system": "system", "write the vision": "vision", "add an outcome": "outcome",
          "add an indicator": "indicator", "load the demo": "demo"}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_leaves_an_audit_row_naming_who_and_in_what_role(con, write):
    WRITES[write](con, make_user("editor", "amira"))
    rows = audit_rows(con, ENTITY[write])
    assert len(rows) == 1
    assert rows.iloc[0]["user_id"] == "amira"
    assert rows.iloc[0]["user_role"] == "editor"
    assert rows.iloc[0]["after"] is not None


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
@pytest.mark.parametrize("write", list(WRITES))
def test_roles_below_editor_cannot_write_the_framework_and_nothing_changes(con, role, write):
    before = audit_rows(con)
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        WRITES[write](con, make_user(role))
    assert len(audit_rows(con)) == len(before)
    assert con.execute("SELECT count(*) FROM system").fetchall() == [(0,)]


def test_updating_the_vision_records_before_and_after_and_bumps_the_version(con, editor):
    code = with_system(con, editor)
    assert save_vision(con, editor, code, VISION) == 1
    assert save_vision(con, editor, code, {**VISION, "statement": "Everyone is heard, early."}, expected_version=1) == 2
    rows = audit_rows(con, "vision")
    assert list(rows["action"]) == ["create", "update"]
    assert '"statement": "Everyone is heard."' in rows.iloc[1]["before"]
    assert '"statement": "Everyone is heard, early."' in rows.iloc[1]["after"]
    assert get_vision(con, code)["version"] == 2


def test_a_stale_vision_edit_is_refused_and_the_saved_text_is_kept(con, editor):
    code = with_system(con, editor)
    save_vision(con, editor, code, VISION)
    save_vision(con, make_user("editor", "ben"), code, {**VISION, "statement": "Ben's words."}, expected_version=1)
    with pytest.raises(StaleEdit) as caught:
        save_vision(con, editor, code, {**VISION, "statement": "Amira's words."}, expected_version=1)
    assert "statement" in caught.value.changes
    assert get_vision(con, code)["statement"] == "Ben's words."


@pytest.mark.parametrize("values, problem", [
    ({"statement": "  "}, "Vision statement is required."),
    ({"statement": "x" * 2001}, "Vision statement is 2,001 characters long; keep it to 2,000."),
    ({"statement": "ok", "assets": "y" * 4001}, "is 4,001 characters long"),
])
def test_vision_validation_names_the_field_and_what_was_expected(con, editor, values, problem):
    code = with_system(con, editor)
    with pytest.raises(ValidationError) as caught:
        save_vision(con, editor, code, values)
    assert any(problem in p for p in caught.value.problems)
    assert get_vision(con, code) is None


@pytest.mark.parametrize("values, problem", [
    ({**OUTCOME, "outcome_code": ""}, "Outcome code is required."),
    ({**OUTCOME, "outcome_code": "O 9"}, "may use only letters"),
    ({**OUTCOME, "title": ""}, "Title is required."),
    ({**OUTCOME, "principles": [11]}, "Principles [11] are not among"),
    ({"outcome_code": "O9", "title": "t"}, "Give an ambition for at least one horizon"),
])
def test_outcome_validation_names_the_problem(con, editor, values, problem):
    code = with_system(con, editor)
    with pytest.raises(ValidationError) as caught:
        save_outcome(con, editor, code, values, is_new=True)
    assert any(problem in p for p in caught.value.problems)


def test_an_outcome_keeps_its_principle_links_and_a_duplicate_code_is_refused(con, editor):
    code = with_system(con, editor)
    save_outcome(con, editor, code, {**OUTCOME, "principles": [9, 3]}, is_new=True)
    assert list(list_outcomes(con, code).iloc[0]["principles"]) == [3, 9]
    with pytest.raises(ValidationError, match="already used"):
        save_outcome(con, editor, code, OUTCOME, is_new=True)
    save_outcome(con, editor, code, {**OUTCOME, "principles": [1]}, expected_version=1)
    assert list(list_outcomes(con, code).iloc[0]["principles"]) == [1]


@pytest.mark.parametrize("values, problem", [
    ({**INDICATOR, "direction": "up"}, "Direction 'up' is not one of"),
    ({**INDICATOR, "kind": "vibes"}, "Kind 'vibes' is not one of"),
    ({**INDICATOR, "target_1y": "N/A"}, "Target 1y must be a number; found 'N/A'."),
    ({**INDICATOR, "target_5y": 120}, "Target 5y is 120, but a percentage is 0 to 100."),
    ({**INDICATOR, "outcome_code": "O42"}, "Outcome 'O42' is not an outcome of this system."),
    ({**INDICATOR, "kind": "qualitative"}, "A qualitative indicator has no numeric baseline"),
    ({**INDICATOR, "baseline_date": "31/03/2023"}, "Baseline date '31/03/2023' is not a date"),
])
def test_indicator_validation_names_the_field_and_what_was_expected(con, editor, values, problem):
    code = with_system(con, editor)
    with pytest.raises(ValidationError) as caught:
        save_indicator(con, editor, code, values, is_new=True)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_changing_a_target_needs_a_reason_and_the_reason_is_audited(con, editor):
    code = with_system(con, editor)
    save_indicator(con, editor, code, INDICATOR, is_new=True)
    with pytest.raises(ValidationError, match="needs a reason"):
        save_indicator(con, editor, code, {**INDICATOR, "target_3y": 40}, expected_version=1)
    assert get_indicator(con, code, "X1")["target_3y"] == 50
    assert save_indicator(con, editor, code, {**INDICATOR, "target_3y": 40}, expected_version=1,
                          reason="Agreed with the residents' assembly") == 2
    last = audit_rows(con, "indicator").iloc[-1]
    assert last["reason"] == "Agreed with the residents' assembly"
    assert '"target_3y": 50' in last["before"] and '"target_3y": 40' in last["after"]


def test_the_demo_is_deterministic():
    first, second = build_demo(DEMO), build_demo(DEMO)
    pd.testing.assert_frame_equal(first.measurements, second.measurements)
    assert first.indicators == second.indicators
    assert build_demo(DemoScale(seed=1)).measurements["value"].sum() != first.measurements["value"].sum()


def test_the_demo_loaded_twice_gives_identical_public_views(tmp_path):
    frames = []
    for name in ("a", "b"):
        con = db.connect(tmp_path / f"{name}.duckdb")
        load_demo(con, make_user("admin"))
        frames.append(db.read_df(con, "SELECT * FROM v_measurement ORDER BY ALL"))
        con.close()
    pd.testing.assert_frame_equal(*frames)


def test_the_demo_has_what_the_brief_asks_for(demo_con):
    con = demo_con
    counts = counts_by_kind_and_status(con, "DEMO")
    assert 20 <= counts["total"].sum() <= 30
    assert all(counts.loc[k, "total"] > 0 for k in ("quantitative", "perception", "qualitative"))
    assert 5 <= len(list_outcomes(con, "DEMO")) <= 7
    vision = get_vision(con, "DEMO")
    for field in ("statement", "ultimate_outcome", "who_else_to_involve", "challenges_and_tensions", "assets",
                  "how_we_will_know"):
        assert vision[field]
    places = con.execute("SELECT count(*) FROM system_area WHERE system_code = 'DEMO' AND role = 'place'").fetchall()
    assert places[0][0] >= 3
    span = con.execute("SELECT min(period_start), max(period_end) FROM v_measurement WHERE system_code='DEMO'").fetchall()[0]
    assert span[0] <= date(2023, 4, 1) and (span[1] - date(2023, 4, 1)).days >= 3 * 365
    broken_down = con.execute(
        "SELECT breakdown, count(DISTINCT indicator_code) FROM v_measurement WHERE breakdown <> 'All' GROUP BY 1"
    ).fetchall()
    assert dict(broken_down)["Deprivation"] >= 3 and dict(broken_down)["Ethnicity"] >= 3
    notes = con.execute("SELECT count(*) FROM v_measurement WHERE value_note IS NOT NULL").fetchall()[0][0]
    cis = con.execute("SELECT count(*) FROM v_measurement WHERE lower_ci IS NOT NULL").fetchall()[0][0]
    assert notes > 0 and cis > 0


def test_loading_the_demo_twice_is_refused_and_changes_nothing(demo_con, editor):
    before = demo_con.execute("SELECT count(*) FROM measurement").fetchall()
    with pytest.raises(ValueError, match="already loaded"):
        load_demo(demo_con, editor)
    assert demo_con.execute("SELECT count(*) FROM measurement").fetchall() == before


def test_the_demo_generator_scales_up_for_benchmarks():
    data = build_demo(DemoScale(indicators=40, places=6, months=24, breakdown_groups=12, systems=2))
    m = data.measurements
    assert m["system_code"].nunique() == 2
    assert m["indicator_code"].nunique() == 40
    assert m.loc[m["breakdown"] != "All", "breakdown_group"].nunique() == 12
    assert m["period_start"].nunique() == 24


def test_catalogue_search_and_filters(demo_con):
    assert list(list_indicators(demo_con, "DEMO", search="smoking")["indicator_code"]) == ["I08"]
    perception = list_indicators(demo_con, "DEMO", kinds=["perception"])
    assert len(perception) > 0 and set(perception["kind"]) == {"perception"}
    assert set(list_indicators(demo_con, "DEMO", statuses=["retired"])["indicator_code"]) == {"I07"}
    assert set(list_indicators(demo_con, "DEMO", outcomes=["O6"])["outcome_code"]) == {"O6"}
    assert list_indicators(demo_con, "DEMO", search="no such measure").empty


def test_latest_values_give_one_row_per_area_with_the_system_first(demo_con):
    latest = latest_values(demo_con, "DEMO", "I08")
    assert latest.iloc[0]["area_code"] == "DEMO-ICB"
    assert latest["area_code"].is_unique
    assert "E92000001" in set(latest["area_code"])
    assert set(latest["period_label"]) == {"2025/26"}


@pytest.mark.parametrize("value, expected, problem", [
    ("  Partnership  ", "Partnership", None),
    ("   ", None, "Theme is required, for example 'Partnership'."),
    (None, None, "Theme is required, for example 'Partnership'."),
    ("x" * 81, "x" * 81, "Theme is 81 characters long; keep it to 80."),
    (2026, "2026", None),
])
def test_required_text_is_trimmed_and_a_blank_or_long_value_is_named_with_its_hint(value, expected, problem):
    from framework.core.model import require_text

    problems: list[str] = []
    assert require_text(problems, {"theme": value}, "theme", "Theme", 80, hint=", for example 'Partnership'") == expected
    assert problems == ([problem] if problem else [])


@pytest.mark.parametrize("value, problem", [
    (" ", "Reason is required: say why."),
    ("r" * 21, "Reason is 21 characters long; keep it to 20."),
])
def test_a_single_required_text_is_refused_when_blank_or_too_long(value, problem):
    from framework.core.model import require_one

    with pytest.raises(ValidationError) as caught:
        require_one(value, "Reason", 20, hint=": say why")
    assert caught.value.problems == [problem]
    assert require_one("  Named a resident ", "Reason", 20) == "Named a resident"
