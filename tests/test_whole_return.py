"""A complete Excel return moves a system whole: every system table comes back exactly, table by table, in a fresh
database and back again, with formula and Markdown text in every text field; nothing confidential travels."""
from __future__ import annotations

from datetime import date, timedelta

import openpyxl
import pandas as pd
import pytest

from framework.board_return import export_return
from framework.core import db
from framework.core.db import read_df, read_rows
from framework.data_io.importers import import_files
from framework.data_io.importers.whole import fingerprint
from framework.data_io.system_tables import BY_TABLE, SYSTEM_TABLES, link_columns, link_parent, scope_sql
from framework.foundation.starter_questions import save_answers
from framework.measures.priorities import BALLOT_MIN_GROUP, cast_ballot, close_round, open_round
from framework.measures.proposals import decline_proposal, propose_measure
from framework.measures.versions import record_version
from framework.progress.gap_targets import breakdown_groups, save_gap_measure
from framework.progress.narratives import add_narrative
from framework.progress.spc_settings import set_rebase, set_run_length
from framework.reviews.results import link_indicator
from tests.conftest import make_user

TODAY = date.today()
EVIL = '=HYPERLINK("http://example.org","Click") **bold** [link](http://x) <b>@everyone</b> +SUM(1,2)\n'

# The system's framework tables, compared as these queries give them. Left out: when a row was created or last
# updated in this database (created_at, updated_at), the edit counter (version), and the import batch that
# delivered a measurement (batch_id): those describe the database, not the system.
FRAMEWORK = {
    "system": "SELECT * EXCLUDE (created_at) FROM system WHERE system_code = ?",
    "vision": "SELECT * EXCLUDE (version, updated_at) FROM vision WHERE system_code = ?",
    "outcome": "SELECT * EXCLUDE (version) FROM outcome WHERE system_code = ?",
    "outcome_principle": "SELECT * FROM outcome_principle WHERE system_code = ?",
    "indicator": "SELECT * EXCLUDE (version, created_at, updated_at) FROM indicator WHERE system_code = ?",
    "system_area": "SELECT * FROM system_area WHERE system_code = ?",
    "measurement": "SELECT * EXCLUDE (batch_id) FROM measurement WHERE system_code = ?",
}
# System tables that a return does not carry, and why.
NOT_CARRIED = {
    "import_batch": "the history of loads into one database",
    "measurement_replaced": "the values an import replaced, kept so that import can be undone in its database",
    "import_batch_row": "which import delivered which measurement, for undoing imports in one database",
    "audit_log": "the database's own history; the return's Changes sheet shows it to those who may see it",
}
# Confidential: never in a return (docs/security.md).
CONFIDENTIAL = ("review_invite", "review_personal_code", "review_respondent", "review_answer",
                "review_comment_release", "priority_ballot", "priority_score")


def rich_system(con) -> None:
    """The demo with its engagement log and review, and a story, proposals, a closed priority round with published
    results, an agreed framework version and a review feed, all through the app's own write functions."""
    editor = make_user("editor")
    period = read_rows(con, "SELECT period_label FROM measurement WHERE system_code = 'DEMO' AND indicator_code ="
                            " 'I01' ORDER BY period_end DESC LIMIT 1")[0]["period_label"]
    add_narrative(con, make_user("partner"), "DEMO", "I01", {
        "period_label": period, "happening": "More people came", "learning": "Evening sessions", "next_steps": None})
    outcome = read_rows(con, "SELECT outcome_code FROM outcome WHERE system_code = 'DEMO' LIMIT 1")[0]["outcome_code"]
    proposal = {"name": "Time to a reply", "why_it_matters": "People wait", "who_it_matters_to": "Carers",
                "how_measured": "Days from letter to reply", "outcome_code": outcome}
    first = propose_measure(con, make_user("community"), "DEMO", proposal)
    propose_measure(con, make_user("partner"), "DEMO", {**proposal, "name": "Named", "proposer_named": True})
    decline_proposal(con, editor, "DEMO", first, "Already measured by I02")
    for live in read_rows(con, "SELECT round_id FROM priority_round WHERE system_code = 'DEMO'"
                               " AND closes_on >= current_date"):  # the demo's own open round closes first
        close_round(con, editor, "DEMO", live["round_id"])
    round_id = open_round(con, editor, "DEMO", "Spring priorities", TODAY - timedelta(days=1),
                          TODAY + timedelta(days=13))
    for n in range(BALLOT_MIN_GROUP):
        cast_ballot(con, make_user("community", f"person-{n}@example.org"), "DEMO", round_id, "community",
                    {"I01": 1 + n % 5, "I02": 3})
    cast_ballot(con, make_user("partner", "one@example.org"), "DEMO", round_id, "icb", {"I01": 2})  # too few
    close_round(con, editor, "DEMO", round_id)
    record_version(con, editor, "DEMO", "Version 1", "2026-04-01", "ICS board", "Agreed at the April board")
    statement = read_rows(con, "SELECT statement_code FROM review_statement WHERE system_code = 'DEMO' LIMIT 1")[0]
    link_indicator(con, editor, "DEMO", "P99", statement["statement_code"], "community", "Agree they are heard")
    quintiles = breakdown_groups(con, "DEMO", "I01")["Deprivation"]
    save_gap_measure(con, editor, "DEMO", "I01", {
        "breakdown": "Deprivation", "disadvantaged_group": quintiles[0], "advantaged_group": quintiles[-1],
        "baseline_value": "9", "target_1y": "8", "target_3y": "6", "target_5y": "4"}, expected_version=0)
    set_rebase(con, editor, "DEMO", "I17", date(2025, 4, 1), "A new volunteering service opened")
    set_run_length(con, editor, "DEMO", 6)
    save_answers(con, editor, "DEMO", {"working_now": "Well in places, not yet everywhere."})
    # a former ICB whose data still arrives on its own code, as start_system links it for a 2026 footprint
    con.execute("INSERT INTO system_area VALUES ('DEMO', 'E54000052', 'predecessor')")


def evil_text(con) -> None:
    """Formula and Markdown text added to every free-text field of the system (codes, lists and fixed words kept;
    a measurement's note is never a formula: every import refuses one)."""
    skip = ("_code", "_id", "status", "kind", "direction", "method", "level", "doc_kind", "token", "unit", "role",
            "salt", "snapshot", "areas", "communities", "outcomes", "indicators", "principles", "source_ref",
            "area_type", "frequency", "period_label", "breakdown", "breakdown_group", "comparison", "title")
    tables = [t for t in FRAMEWORK if t != "measurement"] + [s.table for s in SYSTEM_TABLES if not s.source and s.table != "insight_token"]
    for table in tables:
        for r in read_rows(con, "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND data_type ="
                                " 'VARCHAR'", [table]):
            col = r["column_name"]
            if not col.endswith(skip) and col not in skip and col not in BY_TABLE.get(table, SYSTEM_TABLES[0]).key:
                con.execute(f"UPDATE {table} SET {col} = ? || {col} WHERE {col} IS NOT NULL", [EVIL])


def system_tables(con) -> set[str]:
    return {r["table_name"] for r in read_rows(
        con, "SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'system_code'"
             " AND table_name NOT LIKE 'v\\_%' ESCAPE '\\' AND table_name IN (SELECT table_name FROM duckdb_tables())")}


def snapshot(con, code: str) -> dict[str, pd.DataFrame]:
    """Every system table of one system, in a form two databases can be compared in: surrogate numbers become
    the row's place in its table (rows arrive in order), links the place of the row they point to, secrets drop."""
    out = {name: read_df(con, sql + " ORDER BY ALL", [code]) for name, sql in FRAMEWORK.items()}
    places: dict[str, dict[int, int]] = {}
    for spec in SYSTEM_TABLES:
        frame = read_df(con, f"SELECT * FROM {spec.source or spec.table} t WHERE {scope_sql(spec, 't')}", [code])
        frame = frame.drop(columns=[c for c in ("system_code", *spec.fresh) if c in frame.columns])
        if spec.number:
            places[spec.table] = {n: i for i, n in enumerate(sorted(frame[spec.number]))}
            frame[spec.number] = frame[spec.number].map(places[spec.table])
        for col in link_columns(spec):
            frame[col] = [None if pd.isna(v) else places[link_parent(spec, col, row)][v]
                          for v, row in zip(frame[col], frame.to_dict("records"))]
        frame = frame.astype({c: str for c in frame.columns if frame[c].dtype == object})
        out[spec.table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], obj=table)


@pytest.fixture
def source(tmp_path):
    from framework.demo.system import load_demo

    con = db.connect(tmp_path / "source.duckdb")
    load_demo(con, make_user("editor"), extras=True)
    rich_system(con)
    yield con
    con.close()


def move(con, tmp_path, name: str):
    """Export DEMO from con and import it into a new database; return the new connection and the file."""
    out = tmp_path / f"{name}.xlsx"
    export_return(con, make_user("editor"), "DEMO", out)
    target = db.connect(tmp_path / f"{name}.duckdb")
    import_files(target, make_user("editor"), [out])
    return target, out


def test_every_system_table_is_carried_compared_or_left_out_for_a_stated_reason(source):
    carried = {s.table for s in SYSTEM_TABLES}
    unaccounted = system_tables(source) - carried - set(FRAMEWORK) - set(NOT_CARRIED)
    assert not unaccounted, f"say whether a return carries {sorted(unaccounted)} (SYSTEM_TABLES or NOT_CARRIED)"


def test_the_demo_moves_to_a_fresh_database_and_back_exactly_table_by_table(source, tmp_path):
    before = snapshot(source, "DEMO")
    assert all(not before[t].empty for t in ("narrative", "measure_proposal", "priority_round", "priority_result",
                                             "framework_version", "review_indicator_feed", "engagement_activity",
                                             "starter_answer", "gap_measure", "spc_rebase", "spc_setting"))
    assert "predecessor" in set(before["system_area"]["role"])
    target, _ = move(source, tmp_path, "moved")
    try:
        assert_same(snapshot(target, "DEMO"), before)
        matters = "SELECT indicator_code, matters_score FROM v_indicator WHERE system_code = 'DEMO' ORDER BY ALL"
        pd.testing.assert_frame_equal(read_df(target, matters), read_df(source, matters))
        assert read_df(target, "SELECT count(*) AS n FROM priority_ballot").iloc[0, 0] == 0
        again, back = move(target, tmp_path, "again")  # and on again, from the copy
        again.close()
        state = fingerprint(source.cursor(), "DEMO")
        import_files(source, make_user("editor"), [back])  # back home: nothing to change, so nothing to confirm
        assert fingerprint(source.cursor(), "DEMO") == state
    finally:
        target.close()


def test_formula_and_markdown_text_in_every_text_field_is_safe_in_the_workbook_and_identical_after(source,
                                                                                                   tmp_path):
    evil_text(source)
    before = snapshot(source, "DEMO")
    assert (before["narrative"]["happening"].str.startswith("=HYPERLINK")).all()
    target, out = move(source, tmp_path, "evil")
    try:
        assert_same(snapshot(target, "DEMO"), before)
    finally:
        target.close()
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in cells)
    assert all(c.data_type == "s" for c in cells if c.value.startswith(("=", "+", "@")))


def test_nothing_confidential_is_in_a_complete_return(source, tmp_path):
    out = tmp_path / "whole.xlsx"
    export_return(source, make_user("editor"), "DEMO", out)
    secrets = set()
    for table, col in (("priority_ballot", "voter_key"), ("review_respondent", "token_hash"),
                       ("review_invite", "invite_code"), ("review_personal_code", "code_hash"),
                       ("priority_round", "salt"), ("review_round", "token_salt"),
                       ("review_respondent", "respondent_id")):
        secrets |= {str(r[0]) for r in source.execute(f"SELECT {col} FROM {table}").fetchall()}
    secrets |= {r[0] for r in source.execute(  # what people wrote that no editor released
        "SELECT a.comment FROM review_answer a ANTI JOIN review_comment_release c USING (respondent_id,"
        " statement_code) WHERE a.comment IS NOT NULL").fetchall()}
    assert secrets, "the demo has review answers, ballots and salts to keep out"
    wb = openpyxl.load_workbook(out, read_only=True)
    text = {str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert not secrets & text
    headers = {str(v) for ws in wb for row in ws.iter_rows(max_row=1, values_only=True) for v in row}
    assert not headers & {"voter_key", "token_hash", "invite_code", "code_hash", "salt", "token_salt",
                          "respondent_id", "score"}


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_those_who_may_edit_the_framework_get_the_carried_sheets(source, tmp_path, role):
    out = tmp_path / f"{role}.xlsx"
    export_return(source, make_user(role), "DEMO", out)
    names = set(openpyxl.load_workbook(out, read_only=True).sheetnames)
    assert not names & {s.sheet for s in SYSTEM_TABLES}
    assert "Engagement log" in names


def test_the_cover_says_what_each_carried_sheet_holds(source, tmp_path):
    out = tmp_path / "cover.xlsx"
    export_return(source, make_user("editor"), "DEMO", out)
    cover = [r[1] for r in openpyxl.load_workbook(out, read_only=True)["Cover"].iter_rows(values_only=True)
             if len(r) > 1 and isinstance(r[1], str)]
    assert any(line.startswith("Stories behind the curve: the story behind each curve") for line in cover)


def test_text_longer_than_a_cell_holds_continues_beside_it_and_comes_back_whole(source, tmp_path, monkeypatch):
    import framework.data_io.system_tables as system_tables

    monkeypatch.setattr(system_tables, "CELL_TEXT", 100)  # Excel's real limit is 32,767 characters a cell
    snapshot_text = read_rows(source, "SELECT CAST(snapshot AS VARCHAR) AS s FROM framework_version")[0]["s"]
    assert len(snapshot_text) > 300
    target, out = move(source, tmp_path, "long")
    try:
        header = next(openpyxl.load_workbook(out, read_only=True)["Framework versions"].iter_rows(values_only=True))
        assert "snapshot (part 2)" in header and "snapshot (part 4)" in header
        assert read_rows(target, "SELECT CAST(snapshot AS VARCHAR) AS s FROM framework_version")[0]["s"] == (
            snapshot_text)
    finally:
        target.close()
