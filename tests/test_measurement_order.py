"""Tidying the measurement table: the same rows, columns and keys, stored in the order pages read them, all or
nothing, by an admin only, with an audit row; and the pages show exactly what they showed before."""
from __future__ import annotations

import pandas as pd
import pytest

from framework import cli
from framework.core import audit, db
from framework.core.errors import ValidationError
from framework.foundation.measurement_order import ORDER, table_definition, tidy_measurements
from framework.progress.spc_sql import spc_table
from framework.progress.sql import progress_table
from tests.conftest import make_user

ADMIN = make_user("admin")
ORDER_BY = ", ".join(ORDER)


def stored_rows(con) -> list[tuple]:
    """Every measurement row in the order DuckDB keeps them."""
    return con.execute("SELECT * FROM measurement ORDER BY rowid").fetchall()


def sorted_rows(con) -> list[tuple]:
    return con.execute(f"SELECT * FROM measurement ORDER BY {ORDER_BY}").fetchall()


def shuffle(con) -> None:
    """Store the demo's rows in a scrambled order, as files of many systems would leave them."""
    con.execute("CREATE TEMP TABLE shuffled AS SELECT * FROM measurement ORDER BY hash(area_code, period_end, value)")
    con.execute("DELETE FROM measurement")
    con.execute("INSERT INTO measurement SELECT * FROM shuffled")
    con.execute("DROP TABLE shuffled")


def test_tidying_keeps_every_row_and_stores_them_in_the_order_pages_read_them(demo_con):
    shuffle(demo_con)
    before = sorted_rows(demo_con)
    assert stored_rows(demo_con) != before  # the scrambled store is out of order to begin with
    done = tidy_measurements(demo_con, ADMIN)
    assert done["rows"] == len(before) > 1000
    assert stored_rows(demo_con) == before


def test_tidying_keeps_the_table_definition_with_its_key_and_defaults(demo_con):
    definition = table_definition(demo_con)
    tidy_measurements(demo_con, ADMIN)
    assert table_definition(demo_con) == definition
    assert "PRIMARY KEY" in definition
    row = demo_con.execute("SELECT * FROM measurement LIMIT 1").fetchone()
    with pytest.raises(Exception, match="(?i)duplicate key|constraint"):
        demo_con.execute(f"INSERT INTO measurement VALUES ({', '.join('?' * len(row))})", list(row))


def test_the_views_and_the_progress_shown_are_the_same_after_tidying(demo_con):
    shuffle(demo_con)
    progress = progress_table(demo_con, "DEMO")
    gaps = progress_table(demo_con, "DEMO", gaps=True)
    spc = spc_table(demo_con, "DEMO")
    view = db.read_df(demo_con, "SELECT * FROM v_progress ORDER BY ALL")
    tidy_measurements(demo_con, ADMIN)
    same(progress_table(demo_con, "DEMO"), progress)
    same(progress_table(demo_con, "DEMO", gaps=True), gaps)
    same(spc_table(demo_con, "DEMO"), spc)
    same(db.read_df(demo_con, "SELECT * FROM v_progress ORDER BY ALL"), view)


def same(after: pd.DataFrame, before: pd.DataFrame) -> None:
    """The same rows, words and statuses; figures equal but for the last digits of a sum taken in another order."""
    assert len(after) == len(before) > 0
    pd.testing.assert_frame_equal(after, before, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("role", ["viewer", "community", "partner", "editor"])
def test_only_an_admin_may_tidy_and_a_refusal_changes_nothing(demo_con, role):
    shuffle(demo_con)
    before = stored_rows(demo_con)
    with pytest.raises(PermissionError):
        tidy_measurements(demo_con, make_user(role))
    assert stored_rows(demo_con) == before


def test_a_tidy_broken_midway_leaves_the_table_as_it_was(demo_con, monkeypatch):
    shuffle(demo_con)
    before = stored_rows(demo_con)

    def broken(*args, **kwargs):
        raise ValidationError("the audit trail failed midway")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(ValidationError):
        tidy_measurements(demo_con, ADMIN)
    assert stored_rows(demo_con) == before
    assert db.scalar(demo_con.cursor(), "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                     ["measurement_before_tidy"]) == 0


def test_tidying_leaves_one_audit_row_naming_the_rows_kept(demo_con):
    tidy_measurements(demo_con, ADMIN)
    rows = db.read_rows(demo_con, "SELECT * FROM audit_log WHERE action = 'tidy'")
    assert len(rows) == 1 and rows[0]["entity"] == "measurement" and rows[0]["user_id"] == ADMIN.user_id


def test_an_empty_store_tidies_to_an_empty_table(con):
    assert tidy_measurements(con, ADMIN)["rows"] == 0
    assert db.scalar(con.cursor(), "SELECT count(*) FROM measurement") == 0


def test_the_command_line_tidies_and_says_how_many_rows_it_kept(demo_db_file, tmp_path, capsys):
    path = tmp_path / "copy.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    assert cli.main(["--db", str(path), "tidy"]) == 0
    said = capsys.readouterr().out
    assert "Tidied" in said and "no row was changed" in said
    con = db.connect(path)
    try:
        assert stored_rows(con) == sorted_rows(con)
    finally:
        con.close()
