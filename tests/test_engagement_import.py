"""Bulk loading the engagement log from CSV and Excel: every problem named by file, row, column, value found and
what was expected; nothing written unless every row is good; the Excel return's layout works as a template."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from framework.core.errors import ValidationError
from framework.engagement.imports import check_engagement_files, import_engagement, template_workbook
from framework.engagement.sheets import engagement_sheet, you_said_sheet
from tests.conftest import make_user

HEADER = "Activity ID,Title,Start date,End date,Lead partner,Areas,Method,Level,Communities,Participants," \
         "Volunteers,Volunteer hours,Outcomes,Principles,Summary\n"
GOOD = "A1,Carers cafe,2024-06-03,,Carers Centre,DEMO-P01,event,involve,carers;core20,25,2,6,O5,8,Tea and talk\n"


def counts(con):
    return [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("engagement_activity", "you_said", "insight_token")]


def test_a_good_csv_of_activities_and_a_csv_of_items_load_together(demo_con, editor):
    items = "Activity ID,You said,We did,Status,Reason,Feedback date\n" \
            "A1,More evening sessions,Thursday evenings added,done,,10/07/2024\n"
    result = import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD).encode()),
                                                          ("items.csv", items.encode())])
    assert (result["activities"], result["items"]) == (1, 1)
    sheet = engagement_sheet(demo_con, "DEMO").iloc[0]
    assert sheet["Title"] == "Carers cafe" and sheet["End date"] == sheet["Start date"]
    said = you_said_sheet(demo_con, "DEMO").iloc[0]
    assert (said["You said"], said["Status"], str(said["Feedback date"])) == (
        "More evening sessions", "done", "2024-07-10")
    assert demo_con.execute("SELECT file_format, rows_new FROM import_batch WHERE batch_id = ?",
                            [result["batch_id"]]).fetchall() == [("engagement log", 2)]


@pytest.mark.parametrize("row, expected", [
    ("A2,Forum,2024-13-01,,Healthwatch,,event,consult,,10,,,,,\n",
     "log.csv, row 3, column Start date: found '2024-13-01'; expected a date as YYYY-MM-DD or DD/MM/YYYY."),
    ("A2,Forum,2024-05-01,,Healthwatch,,chat,consult,,10,,,,,\n",
     "log.csv, row 3, column Method: found 'chat'; expected one of survey, workshop"),
    ("A2,Forum,2024-05-01,,Healthwatch,,event,consult,aliens,10,,,,,\n",
     "log.csv, row 3, column Communities: found 'aliens'; expected one of this system's community tags"),
    ("A2,Forum,2024-05-01,,Healthwatch,,event,consult,,ten,,,,,\n",
     "log.csv, row 3, column Participants: found 'ten'; expected a whole number of 0 or more."),
    ("A2,,2024-05-01,,Healthwatch,,event,consult,,10,,,,,\n",
     "log.csv, row 3, column Title: found nothing (blank); expected a short title."),
    ("A1,Forum,2024-05-01,,Healthwatch,,event,consult,,10,,,,,\n",
     "log.csv, row 3, column Activity ID: found 'A1'; expected an ID not already used in row 2."),
    ("A2,Carers cafe,2024-06-03,,Carers Centre,DEMO-P01,event,involve,carers,25,2,6,O5,8,Again\n",
     "log.csv, row 3, column Title: found 'Carers cafe'; expected an activity not repeated in the upload"),
])
def test_one_bad_row_names_file_row_column_value_and_expectation_and_nothing_is_written(demo_con, editor, row,
                                                                                        expected):
    with pytest.raises(ValidationError) as err:
        import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD + row).encode())])
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert counts(demo_con) == [0, 0, 0]


def test_items_must_point_at_an_activity_and_follow_the_status_rules(demo_con, editor):
    items = "Activity ID,You said,We did,Status,Reason,Feedback date\n" \
            "A9,Parking,,planned,,\n" \
            "A1,Buses,,cannot be done,,\n"
    plan = check_engagement_files(demo_con, "DEMO", [("log.csv", (HEADER + GOOD).encode()),
                                                     ("items.csv", items.encode())])
    assert plan.messages() == [
        "items.csv, row 2, column Activity ID: found 'A9'; expected the ID of an activity in this upload or already "
        "in the log.",
        "items.csv, row 3, column Reason: found nothing (blank); expected the reason why it cannot be done.",
    ]
    with pytest.raises(ValidationError):
        import_engagement(demo_con, editor, "DEMO", [("items.csv", items.encode()), ("log.csv", (HEADER + GOOD).encode())])
    assert counts(demo_con) == [0, 0, 0]


@pytest.mark.parametrize("name, data, expected", [
    ("notes.txt", b"hello", "notes.txt: found '.txt'; expected an Excel workbook (.xlsx) or a CSV file (.csv)."),
    ("other.csv", b"a,b\n1,2\n", "other.csv: found nothing (blank); expected a header row with Title"),
    ("short.csv", b"Title,Start date,Method\nX,2024-01-01,event\n",
     "short.csv, row 1, column Lead partner: found nothing (blank); expected a column headed 'Lead partner'."),
    ("extra.csv", (HEADER.strip() + ",Mood\n" + GOOD.strip() + ",happy\n").encode(),
     "extra.csv, row 1, column Mood: found 'Mood'; expected one of the columns"),
])
def test_a_file_of_the_wrong_shape_is_refused_whole(demo_con, editor, name, data, expected):
    with pytest.raises(ValidationError) as err:
        import_engagement(demo_con, editor, "DEMO", [(name, data)])
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems
    assert counts(demo_con) == [0, 0, 0]


def test_a_viewer_cannot_bulk_load(demo_con):
    with pytest.raises(PermissionError):
        import_engagement(demo_con, make_user("viewer"), "DEMO", [("log.csv", (HEADER + GOOD).encode())])


def test_the_template_loads_as_it_is_and_a_second_load_is_refused_as_a_repeat(demo_con, editor):
    workbook = template_workbook(demo_con, "DEMO")
    assert import_engagement(demo_con, editor, "DEMO", [("template.xlsx", workbook)])["activities"] == 1
    with pytest.raises(ValidationError) as err:
        import_engagement(demo_con, editor, "DEMO", [("template.xlsx", workbook)])
    assert err.value.problems[0].startswith(
        "template.xlsx [Engagement log], row 2, column Title: found 'Listening event on GP access'; expected an "
        "activity not already in the log")
    assert counts(demo_con)[:2] == [1, 1]


def test_an_exported_return_with_a_cover_sheet_and_a_title_row_checks_clean(demo_con, editor):
    import_engagement(demo_con, editor, "DEMO", [("template.xlsx", template_workbook(demo_con, "DEMO"))])
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        pd.DataFrame([["Northmoor and Vale return"]]).to_excel(writer, sheet_name="Cover", index=False, header=False)
        engagement_sheet(demo_con, "DEMO").assign(Title="Returned").to_excel(writer, sheet_name="Engagement log",
                                                                              index=False, startrow=2)
        you_said_sheet(demo_con, "DEMO").to_excel(writer, sheet_name="You said, we did", index=False)
    plan = check_engagement_files(demo_con, "DEMO", [("return.xlsx", out.getvalue())])
    assert plan.ok, plan.messages()
    assert [a["title"] for a in plan.activities] == ["Returned"] and len(plan.items) == 1


def test_a_thousand_rows_with_one_bad_one_are_all_refused(demo_con, editor):
    rows = "".join(GOOD.replace("A1", f"A{i}").replace("Carers cafe", f"Cafe {i}") for i in range(1000))
    rows += "B1,Bad,2024-06-03,,X,,event,loud,,1,,,,,\n"
    with pytest.raises(ValidationError) as err:
        import_engagement(demo_con, editor, "DEMO", [("big.csv", (HEADER + rows).encode())])
    assert err.value.problems == [
        "big.csv, row 1002, column Level: found 'loud'; expected one of inform, consult, involve, collaborate, empower."]
    assert counts(demo_con) == [0, 0, 0]


# ---------------------------------------------------------------- undo means undo

ITEMS = "Activity ID,You said,We did,Status,Reason,Feedback date\nA1,More evening sessions,,planned,,\n"


def test_undoing_an_engagement_log_batch_removes_its_activities_and_items_and_is_audited(demo_con, editor):
    from framework.engagement.imports import undo_engagement_batch

    earlier = import_engagement(demo_con, editor, "DEMO", [("earlier.csv", (HEADER + GOOD.replace("Carers cafe",
                                                                                                  "Walk")).encode())])
    existing = demo_con.execute("SELECT activity_id FROM engagement_activity WHERE batch_id = ?",
                                [earlier["batch_id"]]).fetchall()[0][0]
    before = counts(demo_con)
    on_existing = f"Activity ID,You said,Status\n{existing},Parking is hard,planned\n"
    result = import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD).encode()),
                                                          ("items.csv", ITEMS.encode()),
                                                          ("more.csv", on_existing.encode())])
    assert counts(demo_con)[:2] == [before[0] + 1, before[1] + 2]
    done = undo_engagement_batch(demo_con, editor, result["batch_id"])
    assert (done["activities_removed"], done["items_removed"]) == (1, 2)
    assert counts(demo_con) == before  # activities, items and the search index, as before the load
    assert demo_con.execute("SELECT status FROM import_batch WHERE batch_id = ?",
                            [result["batch_id"]]).fetchall() == [("undone",)]
    audit = demo_con.execute("SELECT user_id, action FROM audit_log WHERE entity = 'import_batch' AND entity_key = ?",
                             [str(result["batch_id"])]).fetchall()
    assert audit == [(editor.user_id, "undo")]


def test_an_engagement_batch_whose_activity_got_items_afterwards_is_not_undone_and_says_which(demo_con, editor):
    from framework.engagement.imports import undo_engagement_batch
    from framework.engagement.you_said import add_you_said

    result = import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD).encode())])
    activity = demo_con.execute("SELECT activity_id FROM engagement_activity WHERE batch_id = ?",
                                [result["batch_id"]]).fetchall()[0][0]
    add_you_said(demo_con, editor, "DEMO", activity, {"you_said": "Added by hand", "status": "planned"})
    with pytest.raises(ValidationError) as caught:
        undo_engagement_batch(demo_con, editor, result["batch_id"])
    [message] = caught.value.problems
    assert message.startswith(f"Batch {result['batch_id']} (log.csv) cannot be undone: activity {activity} "
                              "(Carers cafe) has \"you said\" items added after the import (items ")
    assert demo_con.execute("SELECT count(*) FROM engagement_activity WHERE activity_id = ?",
                            [activity]).fetchall() == [(1,)]


@pytest.mark.parametrize("role", ["partner", "viewer"])
def test_only_editors_undo_an_engagement_batch(demo_con, editor, role):
    from framework.engagement.imports import undo_engagement_batch

    result = import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD).encode())])
    with pytest.raises(PermissionError):
        undo_engagement_batch(demo_con, make_user(role), result["batch_id"])


def test_the_measurement_undo_refuses_an_engagement_batch_in_words_instead_of_calling_it_undone(demo_con, editor):
    from framework.data_io.importers import undo_batch

    result = import_engagement(demo_con, editor, "DEMO", [("log.csv", (HEADER + GOOD).encode())])
    with pytest.raises(ValidationError, match="it is undone with the engagement log's undo"):
        undo_batch(demo_con, editor, result["batch_id"])
    assert demo_con.execute("SELECT status FROM import_batch WHERE batch_id = ?",
                            [result["batch_id"]]).fetchall() == [("applied",)]


def test_engagement_and_measurement_loads_share_one_problem_and_plan_type(demo_con):
    from framework.core.problems import Plan, Problem
    from framework.data_io.importers import ImportPlan
    from framework.data_io.importers import Problem as MeasurementProblem

    plan = check_engagement_files(demo_con, "DEMO", [("log.csv", (HEADER + GOOD.replace("event", "party")).encode())])
    assert isinstance(plan, Plan) and ImportPlan is Plan and MeasurementProblem is Problem
    assert all(type(p) is Problem for p in plan.problems)
