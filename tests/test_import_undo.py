"""Undo means undo: after undoing a batch the measurements are as if it had never been imported, and where that
cannot be done (a later batch holds the same rows) the undo is refused naming the later batch."""
from __future__ import annotations

from pathlib import Path

import pytest

from framework.core.db import read_df, read_rows
from framework.core.errors import ValidationError
from framework.data_io.importers import import_files, list_batches, undo_batch
from framework.data_io.importers.batches import later_batches
from framework.migrations import m031_batch_rows
from tests.conftest import make_user

PERIOD = "2026/27"  # the demo has no I08 value for it
STATE = "SELECT area_code, value, batch_id FROM measurement WHERE period_label = ? ORDER BY area_code"


def _csv(path: Path, values: dict[str, float]) -> Path:
    path.write_text("indicator_code,area_code,period_label,value\n"
                    + "".join(f"I08,{area},{PERIOD},{value}\n" for area, value in values.items()))
    return path


def _state(con) -> list[list]:
    return read_df(con, STATE, [PERIOD]).values.tolist()


@pytest.fixture
def batches(demo_con, editor, tmp_path):
    """Batch P set X to 1. Batch A set X from 1 to 10 and added Y and Z. Batch B changed Y and repeated Z."""
    [p] = import_files(demo_con, editor, [_csv(tmp_path / "p.csv", {"DEMO-ICB": 1})], system_code="DEMO")
    before = _state(demo_con)
    [a] = import_files(demo_con, editor, [_csv(tmp_path / "a.csv", {"DEMO-ICB": 10, "DEMO-P01": 20, "DEMO-P02": 30})],
                       system_code="DEMO")
    assert (a.rows_new, a.rows_changed) == (2, 1)
    [b] = import_files(demo_con, editor, [_csv(tmp_path / "b.csv", {"DEMO-P01": 21, "DEMO-P02": 30})],
                       system_code="DEMO")
    assert (b.rows_changed, b.rows_unchanged) == (1, 1)
    return p.batch_id, a.batch_id, b.batch_id, before


def test_undoing_a_batch_that_a_later_batch_overlaps_is_refused_naming_the_later_batch_and_changes_nothing(
        demo_con, editor, batches):
    _, a, b, _ = batches
    now = _state(demo_con)
    with pytest.raises(ValidationError) as caught:
        undo_batch(demo_con, editor, a)
    assert caught.value.problems == [
        f"Batch {a} (a.csv) cannot be undone while later imports hold the same rows: batch {b} (b.csv) delivered 2 of"
        f" the same rows. Undo batch {b} first, then batch {a}."]
    assert _state(demo_con) == now
    assert list_batches(demo_con).set_index("batch_id").loc[a, "status"] == "applied"


def test_undoing_the_later_batch_then_the_earlier_one_leaves_the_data_as_before_either(demo_con, editor, batches):
    p, a, b, before = batches
    assert undo_batch(demo_con, editor, b) == {"restored": 1, "removed": 0}
    assert _state(demo_con) == [["DEMO-ICB", 10.0, a], ["DEMO-P01", 20.0, a], ["DEMO-P02", 30.0, a]]
    assert undo_batch(demo_con, editor, a) == {"restored": 1, "removed": 2}
    assert _state(demo_con) == before == [["DEMO-ICB", 1.0, p]]


def test_the_exact_scenario_in_the_order_first_asked_ends_as_before_once_the_later_batch_goes_first(
        demo_con, editor, batches):
    p, a, b, before = batches
    with pytest.raises(ValidationError, match=f"Undo batch {b} first"):
        undo_batch(demo_con, editor, a)
    undo_batch(demo_con, editor, b)
    undo_batch(demo_con, editor, a)  # now allowed: the batch that held its rows is undone
    assert _state(demo_con) == before
    # and the batch before them all can go too: nothing of A or B is left to bring back
    undo_batch(demo_con, editor, p)
    assert _state(demo_con) == []


def test_a_later_batch_that_only_repeats_a_row_unchanged_still_holds_it(demo_con, editor, tmp_path):
    [a] = import_files(demo_con, editor, [_csv(tmp_path / "a.csv", {"DEMO-ICB": 5})], system_code="DEMO")
    [b] = import_files(demo_con, editor, [_csv(tmp_path / "b.csv", {"DEMO-ICB": 5})], system_code="DEMO")
    assert b.rows_unchanged == 1
    assert later_batches(demo_con, a.batch_id) == [{"batch_id": b.batch_id, "file_name": "b.csv", "rows": 1}]
    with pytest.raises(ValidationError, match=f"batch {b.batch_id} \\(b.csv\\) delivered 1 of the same rows"):
        undo_batch(demo_con, editor, a.batch_id)


def test_a_later_batch_of_other_rows_does_not_stop_an_undo(demo_con, editor, tmp_path):
    [a] = import_files(demo_con, editor, [_csv(tmp_path / "a.csv", {"DEMO-ICB": 5})], system_code="DEMO")
    import_files(demo_con, editor, [_csv(tmp_path / "b.csv", {"DEMO-P01": 6})], system_code="DEMO")
    assert undo_batch(demo_con, editor, a.batch_id) == {"restored": 0, "removed": 1}
    assert [r[0] for r in _state(demo_con)] == ["DEMO-P01"]


def test_a_partner_cannot_undo_even_by_calling_the_function(demo_con, editor, tmp_path):
    [a] = import_files(demo_con, make_user("partner"), [_csv(tmp_path / "a.csv", {"DEMO-ICB": 5})],
                       system_code="DEMO")
    with pytest.raises(PermissionError):
        undo_batch(demo_con, make_user("partner"), a.batch_id)
    assert len(_state(demo_con)) == 1


def test_the_demo_batch_is_not_undone_as_an_import_and_says_why(demo_con, editor):
    demo = read_rows(demo_con, "SELECT batch_id FROM import_batch WHERE file_format = 'demo'")[0]["batch_id"]
    rows = read_df(demo_con, "SELECT count(*) FROM measurement").iloc[0, 0]
    with pytest.raises(ValidationError) as caught:
        undo_batch(demo_con, editor, demo)
    [message] = caught.value.problems
    assert message.startswith(f"Batch {demo} loaded the demo systems with their vision, outcomes, indicators")
    assert "start a new database without the demo" in message
    assert read_df(demo_con, "SELECT count(*) FROM measurement").iloc[0, 0] == rows


def test_batches_from_before_this_version_are_filled_in_from_the_measurements(demo_con, editor, batches):
    _, a, b, _ = batches
    demo_con.execute("DELETE FROM import_batch_row")
    demo_con.execute(m031_batch_rows.STATEMENTS[-1])
    with pytest.raises(ValidationError, match=f"batch {b} \\(b.csv\\) delivered 1 of the same rows"):
        undo_batch(demo_con, editor, a)  # B's unchanged repeat of Z left no trace before; its change of Y did


def test_an_undo_while_another_session_imports_the_same_rows_writes_nothing_and_then_names_that_import(
        demo_con, editor, tmp_path):
    from framework.core.errors import WriteConflict
    from framework.foundation.measurements import upsert_measurements

    [a] = import_files(demo_con, editor, [_csv(tmp_path / "a.csv", {"DEMO-ICB": 5, "DEMO-P01": 6})],
                       system_code="DEMO")
    other = demo_con.cursor()  # another session, part way through importing a repeat of one of A's rows
    other.begin()
    b = other.execute("INSERT INTO import_batch (system_code, file_name, file_format, imported_by)"
                      " VALUES ('DEMO', 'b.csv', 'app_csv', 'partner-1') RETURNING batch_id").fetchall()[0][0]
    import pandas as pd
    upsert_measurements(other, pd.DataFrame([{"system_code": "DEMO", "indicator_code": "I08", "area_code": "DEMO-ICB",
                                              "period_label": PERIOD, "period_start": "2026-04-01",
                                              "period_end": "2027-03-31", "value": 5.0}]), b)
    with pytest.raises(WriteConflict):
        undo_batch(demo_con, editor, a.batch_id)
    other.commit()
    other.close()
    assert [r[:2] for r in _state(demo_con)] == [["DEMO-ICB", 5.0], ["DEMO-P01", 6.0]]
    with pytest.raises(ValidationError, match=f"batch {b} \\(b.csv\\) delivered 1 of the same rows"):
        undo_batch(demo_con, editor, a.batch_id)
