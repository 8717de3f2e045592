"""Changing the set of measures and keeping the record: table edits saved through save_indicator (reasons,
validation, optimistic concurrency with nothing lost), agreed framework versions and their comparison, and the
audit history with its filters, target changes and the Excel changes sheet."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from framework.core.errors import ValidationError
from framework.foundation.indicators import save_indicator
from framework.measures.editing import carry_forward, editable_frame, pending_rows, save_table
from framework.measures.history import (
    audit_history,
    changes_sheet,
    entities,
    people,
    target_annotations,
    target_changes,
)
from framework.measures.versions import compare_versions, list_versions, record_version
from tests.conftest import make_user


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def _pos(frame, code: str) -> int:
    return int(frame.index[frame["indicator_code"] == code][0])


def _row(con, code: str):
    return con.execute("SELECT name, target_3y, status, owner_partner, version FROM indicator"
                       " WHERE system_code = 'DEMO' AND indicator_code = ?", [code]).fetchall()[0]


def test_table_edits_are_saved_row_by_row_with_their_reasons(demo_con, editor):
    base = editable_frame(demo_con, "DEMO")
    edited = {
        _pos(base, "I08"): {"target_3y": 13.9, "reason": "The board raised the ambition in March."},
        _pos(base, "I05"): {"owner_partner": "Primary care collaborative"},
    }
    added = [{"indicator_code": "I30", "name": "Young carers known to school", "kind": "quantitative",
              "direction": "higher_is_better", "status": "proposed", "unit": "people", "outcome_code": "O2"}]
    report = save_table(demo_con, editor, "DEMO", base, edited, added, [])
    assert sorted(report.saved) == ["I05", "I08", "I30"] and not report.problems and not report.conflicts
    assert _row(demo_con, "I08")[1:] == (13.9, "active", base.loc[_pos(base, "I08"), "owner_partner"], 2)
    assert _row(demo_con, "I05")[3] == "Primary care collaborative"
    assert _row(demo_con, "I30")[0] == "Young carers known to school"
    assert demo_con.execute("SELECT reason FROM audit_log WHERE entity_key = 'DEMO/I08'").fetchall() == [
        ("The board raised the ambition in March.",)]


@pytest.mark.parametrize("edit, message", [
    ({"target_1y": 10.0}, "Changing a target or retiring a measure needs a reason"),
    ({"status": "retired"}, "Changing a target or retiring a measure needs a reason"),
    ({"name": ""}, "Name is required."),
    ({"target_5y": 140.0}, "Target 5y is 140, but a percentage is 0 to 100"),
    ({"direction": "sideways"}, "Direction 'sideways' is not one of"),
    ({"indicator_code": "I99"}, "The code of an existing measure cannot be changed"),
])
def test_a_bad_row_is_refused_with_a_clear_message_and_nothing_changes(demo_con, editor, edit, message):
    base = editable_frame(demo_con, "DEMO")
    before = _row(demo_con, "I08")
    report = save_table(demo_con, editor, "DEMO", base, {_pos(base, "I08"): edit}, [], [])
    assert report.saved == [] and any(message in p for p in report.problems["I08"]), report.problems
    assert _row(demo_con, "I08") == before


def test_deleting_a_row_is_refused_in_favour_of_retiring(demo_con, editor):
    base = editable_frame(demo_con, "DEMO")
    report = save_table(demo_con, editor, "DEMO", base, {}, [], [_pos(base, "I02")])
    assert "set Status to retired and give a reason" in report.problems["I02"][0]
    assert _count(demo_con, "SELECT count(*) FROM indicator WHERE indicator_code = 'I02'") == 1


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_save_the_table_and_a_refusal_changes_nothing(demo_con, role):
    base = editable_frame(demo_con, "DEMO")
    before, audits = _row(demo_con, "I08"), _count(demo_con, "SELECT count(*) FROM audit_log")
    with pytest.raises(PermissionError):
        save_table(demo_con, make_user(role), "DEMO", base, {_pos(base, "I08"): {"name": "Hijacked"}}, [], [])
    with pytest.raises(PermissionError):
        save_indicator(demo_con, make_user(role), "DEMO", {**base.iloc[_pos(base, "I08")].to_dict(), "name": "X"})
    assert _row(demo_con, "I08") == before
    assert _count(demo_con, "SELECT count(*) FROM audit_log") == audits


def test_a_second_editor_saving_a_stale_row_is_refused_shown_what_changed_and_loses_nothing(demo_con, editor):
    mine = editable_frame(demo_con, "DEMO")   # both editors open the table
    theirs = editable_frame(demo_con, "DEMO")
    other = make_user("editor", "other-editor")
    first = save_table(demo_con, other, "DEMO", theirs,
                       {_pos(theirs, "I08"): {"owner_partner": "Public health team"}}, [], [])
    assert first.saved == ["I08"]
    my_edits = {_pos(mine, "I08"): {"name": "Adults who smoke"}, _pos(mine, "I05"): {"unit": "%", "owner_partner": "PCN"}}
    report = save_table(demo_con, editor, "DEMO", mine, my_edits, [], [])
    assert report.saved == ["I05"] and set(report.conflicts) == {"I08"}
    table = report.conflicts["I08"].set_index("Field")
    assert list(table.index) == ["Measure", "Owner"]  # only what either editor changed
    assert table.loc["Owner", "Saved since by someone else"] == "Public health team"
    assert table.loc["Owner", "Who changed it"] == "someone else"
    assert table.loc["Measure", "Yours"] == "Adults who smoke" and table.loc["Measure", "Who changed it"] == "you"
    assert _row(demo_con, "I08")[0].startswith("Smoking prevalence")  # the stale save changed nothing
    # Nothing is lost: the unsaved edit is laid over the latest version, which keeps the other editor's change.
    fresh = editable_frame(demo_con, "DEMO")
    new_base, carried = carry_forward(fresh, mine, my_edits, [], report.unsaved)
    assert carried == {"I08": {"name": "Adults who smoke"}}
    row = new_base.iloc[_pos(new_base, "I08")]
    assert (row["name"], row["owner_partner"], int(row["version"])) == ("Adults who smoke", "Public health team", 2)
    again = save_table(demo_con, editor, "DEMO", new_base, {}, [], [], carried)
    assert again.saved == ["I08"] and not again.conflicts
    assert _row(demo_con, "I08")[0] == "Adults who smoke" and _row(demo_con, "I08")[3] == "Public health team"


def test_pending_rows_overlay_only_what_was_edited(demo_con):
    base = editable_frame(demo_con, "DEMO")
    rows = pending_rows(base, {str(_pos(base, "I01")): {"name": "New name"}}, [{"indicator_code": "I40"}])
    assert [(r["code"], r["is_new"], r["edited"].get("name")) for r in rows] == [
        ("I01", False, "New name"), ("I40", True, None)]
    assert rows[0]["values"]["target_1y"] == 31.0 and rows[0]["expected_version"] == 1


def test_an_editor_records_agreed_versions_and_compares_two(demo_con, editor):
    measures = _count(demo_con, "SELECT count(*) FROM indicator")
    first = record_version(demo_con, editor, "DEMO", "Framework 2024", date(2024, 4, 2), "ICB Board")
    base = editable_frame(demo_con, "DEMO")
    save_table(demo_con, editor, "DEMO", base, {_pos(base, "I08"): {"target_3y": 13.0, "reason": "Board review"}},
               [{"indicator_code": "I30", "name": "Young carers", "kind": "quantitative",
                 "direction": "higher_is_better", "status": "proposed"}], [])
    second = record_version(demo_con, editor, "DEMO", "Framework 2025", date(2025, 4, 1), "Partnership board",
                            "After the residents' assembly")
    versions = list_versions(demo_con, "DEMO")
    assert list(versions["label"]) == ["Framework 2025", "Framework 2024"]
    assert list(versions["approved_by"]) == ["Partnership board", "ICB Board"] and list(versions["measures"]) == [measures + 1, measures]
    diff = compare_versions(demo_con, "DEMO", first, second)
    assert diff[["part", "code", "field", "change", "before", "after"]].values.tolist() == [
        ["Measure", "I08", "target_3y", "changed", "14.5", "13.0"],
        ["Measure", "I30", "", "added", "", "Young carers"],
    ]
    assert compare_versions(demo_con, "DEMO", second, second).empty


@pytest.mark.parametrize("label, agreed_on, approved_by, message", [
    ("", date(2025, 1, 1), "Board", "Version name is required"),
    ("V", date(2025, 1, 1), " ", "Approved by is required"),
    ("V", "last week", "Board", "is not a date"),
    ("V", date.today() + timedelta(days=30), "Board", "is in the future"),
])
def test_a_version_needs_a_name_a_past_date_and_the_approving_body(demo_con, editor, label, agreed_on, approved_by,
                                                                   message):
    with pytest.raises(ValidationError) as err:
        record_version(demo_con, editor, "DEMO", label, agreed_on, approved_by)
    assert any(message in p for p in err.value.problems)
    assert _count(demo_con, "SELECT count(*) FROM framework_version") == 0


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_record_versions(demo_con, role):
    with pytest.raises(PermissionError):
        record_version(demo_con, make_user(role), "DEMO", "V", date(2025, 1, 1), "Board")
    assert _count(demo_con, "SELECT count(*) FROM framework_version") == 0


def _edits(con, editor):
    base = editable_frame(con, "DEMO")
    save_table(con, editor, "DEMO", base, {_pos(base, "I08"): {"target_3y": 13.9, "reason": "Raised ambition"}}, [], [])
    other = make_user("admin", "admin-2")
    base = editable_frame(con, "DEMO")
    save_table(con, other, "DEMO", base, {_pos(base, "I05"): {"owner_partner": "PCN"}}, [], [])
    base = editable_frame(con, "DEMO")
    save_table(con, editor, "DEMO", base, {_pos(base, "I08"): {"target_1y": 15.0, "target_5y": 12.0,
                                                                   "reason": "Trend is faster than planned"}}, [], [])


@pytest.mark.parametrize("filters, expected", [
    ({}, ["DEMO/I08", "DEMO/I05", "DEMO/I08"]),
    ({"who": "admin-2"}, ["DEMO/I05"]),
    ({"indicator": "I08"}, ["DEMO/I08", "DEMO/I08"]),
    ({"entity": "indicator", "who": "editor-1"}, ["DEMO/I08", "DEMO/I08"]),
    ({"since": date.today() + timedelta(days=1)}, []),
    ({"until": date.today() - timedelta(days=1)}, []),
    ({"since": date.today(), "until": date.today()}, ["DEMO/I08", "DEMO/I05", "DEMO/I08"]),
    ({"indicator": "I08", "entity": "indicator"}, ["DEMO/I08", "DEMO/I08"]),
    ({"indicator": "I08", "entity": "vision"}, []),
])
def test_the_history_filters_by_who_what_measure_and_dates(demo_con, editor, filters, expected):
    _edits(demo_con, editor)
    log = audit_history(demo_con, "DEMO", **filters)
    log = log[log["entity"] == "indicator"]
    assert list(log["entity_key"]) == expected


def test_the_history_lists_people_and_kinds_of_record_and_names_fields(demo_con, editor):
    _edits(demo_con, editor)
    assert {"editor-1", "admin-2"} <= set(people(demo_con, "DEMO"))
    assert "indicator" in entities(demo_con, "DEMO")
    newest = audit_history(demo_con, "DEMO").iloc[0]
    assert (newest["what"], newest["record"], newest["fields"]) == ("Measure", "I08", "target_1y, target_5y")


def test_target_changes_give_date_field_old_new_and_reason(demo_con, editor):
    _edits(demo_con, editor)
    changes = target_changes(demo_con, "DEMO", "I08")
    assert changes[["field", "old", "new", "reason"]].values.tolist() == [
        ["target_3y", 14.5, 13.9, "Raised ambition"],
        ["target_1y", 15.8, 15.0, "Trend is faster than planned"],
        ["target_5y", 13.0, 12.0, "Trend is faster than planned"],
    ]
    assert set(changes["date"]) == {date.today()}
    assert target_changes(demo_con, "DEMO", "I05").empty  # an owner change is not a target change
    labels = [label for _, label in target_annotations(demo_con, "DEMO", "I08")]
    assert labels == ["Target changed: 3-year 14.5 to 13.9<br>Raised ambition",
                      "Target changed: 1-year 15.8 to 15, 5-year 13 to 12<br>Trend is faster than planned"]


def test_the_changes_sheet_lists_every_change_since_a_date_in_words(demo_con, editor):
    _edits(demo_con, editor)
    sheet = changes_sheet(demo_con, "DEMO")
    assert list(sheet.columns) == ["When", "Who", "Role", "Action", "What", "Record", "Fields", "Reason"]
    mine = sheet[sheet["Record"].isin(["I08", "I05"])]
    assert mine[["Who", "Record", "Reason"]].values.tolist() == [
        ["editor-1", "I08", "Raised ambition"], ["admin-2", "I05", ""],
        ["editor-1", "I08", "Trend is faster than planned"]]
    assert changes_sheet(demo_con, "DEMO", since=date.today() + timedelta(days=1)).empty


@pytest.mark.parametrize("code", ["I08", "I10"])  # I08 has a baseline date; I10 has none
def test_a_save_records_only_the_fields_that_really_changed(demo_con, editor, code):
    from framework.foundation.indicators import get_indicator

    readers = (lambda: get_indicator(demo_con, "DEMO", code),  # plain dates
               lambda: editable_frame(demo_con, "DEMO").set_index("indicator_code", drop=False).loc[code].to_dict())
    for read in readers:  # pandas timestamps
        values = {k: v for k, v in read().items() if k not in ("version", "reason")}
        save_indicator(demo_con, editor, "DEMO", {**values, "name": f"{values['name']} (x)"})
    fields = [r[0] for r in demo_con.execute(
        "SELECT after FROM audit_log WHERE entity_key = ? ORDER BY audit_id", [f"DEMO/{code}"]).fetchall()]
    assert [sorted(__import__("json").loads(f)) for f in fields] == [["name"], ["name"]]


def test_the_audit_log_and_the_history_give_the_same_rows_for_the_same_filters(demo_con, editor):
    from framework.core.audit import log

    _edits(demo_con, editor)
    history = audit_history(demo_con, "DEMO", who="editor-1", since=date.today(), until=date.today())
    raw = log(demo_con, system_code="DEMO", who="editor-1", since=date.today(), until=date.today())
    assert list(history["audit_id"]) == list(raw["audit_id"]) and len(raw) >= 2
