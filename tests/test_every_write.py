"""Every write in framework/ is guarded: a meta-test finds each function that takes a user and writes, and proves
for each that a lower role is refused before anything is written, that the write is all or nothing, and that it
leaves an audit row. A write that is not registered in WRITES below fails the test, so a new one must be added."""
from __future__ import annotations

import ast
import importlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from framework.core import audit, db
from framework.core.auth import PERMISSIONS
from framework.core.errors import ValidationError
from framework.core.model import ROLES, User
from tests.conftest import ROOT

# ---------------------------------------------------------------- finding the writes, statically

WRITE_SQL = re.compile(r"\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b", re.IGNORECASE)
WRITE_PRIMITIVES = {"framework.core.db.transaction", "framework.core.audit.record"}
# Opening the store brings its schema up to date: that is upkeep, not a write made on a user's behalf.
NOT_USER_WRITES = {"framework.core.db.connect", "framework.core.db.migrate"}
# Checking a file writes only to the check's own in-memory staging database, never to the store.
NOT_USER_WRITES |= {"framework.data_io.importers.core.check_file", "framework.data_io.importers.core.check_files",
                    "framework.data_io.importers.uploads.check_upload", "framework.data_io.importers.whole.finish_check"}
# Takes a user and writes, but is how every other write records itself, whoever acts (respondents included).
SHOWCASE = ("the demo's showcase: a sequence of the product's own writes (each registered here and proved on its own),"
            " some made as the demo's fictional members, whose audit rows carry their own roles; a lower role is"
            " refused in tests/test_demo_showcase.py")
EXEMPT = {"framework.core.audit.record": "the audit trail itself: each guarded write calls it",
          "framework.foundation.measurement_order.tidy_measurements": (
              "stores the same rows in another order, so no fingerprint can see it write; admin only, all or "
              "nothing and audited is proved in tests/test_measurement_order.py"),
          **{f"framework.demo.showcase.{name}": SHOWCASE for name in (
              "write_showcase", "write_priorities", "write_proposals", "write_stories", "write_open_review")}}


@dataclass
class Function:
    name: str
    takes_user: bool
    writes_sql: bool
    calls: set[str]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {id(n.body[0].value) for n in ast.walk(tree) if isinstance(n, nodes) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}


def _dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    return ".".join([names[node.id], *reversed(chain)])


def scan(root: Path, package: str = "framework") -> dict[str, Function]:
    """Every top-level function under root/package: whether it takes a user, runs write SQL, and what it names."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        module = _module_name(path, root)
        tree = ast.parse(path.read_text(), filename=str(path))
        names: dict[str, str] = {}
        for node in ast.walk(tree):  # imports anywhere in the module, including inside functions
            if isinstance(node, ast.ImportFrom) and node.module:
                names.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
            elif isinstance(node, ast.Import):
                names.update({a.asname: a.name for a in node.names if a.asname})
                names.update({a.name.split(".")[0]: a.name.split(".")[0] for a in node.names if not a.asname})
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
        functions = [(n.name, n) for n in tree.body if isinstance(n, kinds)]
        names.update({name: f"{module}.{name}" for name, _ in functions})
        functions += [(f"{c.name}.{m.name}", m) for c in tree.body if isinstance(c, ast.ClassDef)
                      for m in c.body if isinstance(m, kinds)]  # methods too, named Class.method
        docs = _docstrings(tree)
        for qualname, fn in functions:
            args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
            takes_user = any(a.arg == "user" or (isinstance(a.annotation, ast.Name) and a.annotation.id == "User")
                             for a in args)
            sql = any(isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
                      and WRITE_SQL.search(n.value) for n in ast.walk(fn))
            calls = {t for n in ast.walk(fn) if isinstance(n, (ast.Name, ast.Attribute)) and (t := _dotted(n, names))}
            found[f"{module}.{qualname}"] = Function(f"{module}.{qualname}", takes_user, sql, calls)
    return found


def writers(functions: dict[str, Function]) -> set[str]:
    """The functions that write: they run write SQL, open a transaction, record audit, or call one that does."""
    writing = ({f.name for f in functions.values() if f.writes_sql} | WRITE_PRIMITIVES) - NOT_USER_WRITES
    while True:
        more = {f.name for f in functions.values()
                if f.name not in writing | NOT_USER_WRITES and f.calls & writing}
        if not more:
            return writing
        writing |= more


def user_writes(root: Path = ROOT) -> set[str]:
    functions = scan(root)
    return {name for name in writers(functions) if name in functions and functions[name].takes_user}


FUNCTIONS = scan(ROOT)
DISCOVERED = user_writes()


def test_the_detector_finds_writes_through_nested_work_helpers_and_imports_but_not_reads(tmp_path):
    package = tmp_path / "framework"
    (package / "core").mkdir(parents=True)
    (package / "core" / "db.py").write_text("def transaction(con, work):\n    return work(con.cursor())\n")
    (package / "sample.py").write_text(
        '"""INSERT INTO nothing: a docstring is not a write."""\n'
        "from framework.core.db import transaction\n\n"
        "def read_things(con, user):\n    return con.execute('SELECT * FROM thing').fetchall()\n\n"
        "def helper(cur, user):\n    cur.execute(f'UPDATE thing SET name = {1}')\n\n"
        "def outer(con, user):\n    def work(cur):\n        helper(cur, user)\n    transaction(con, work)\n\n"
        "def no_user(cur):\n    cur.execute('DELETE FROM thing')\n\n"
        "def by_call(con, user):\n    return outer(con, user)\n\n"
        "def documented(con, user):\n    'Delete from the list: INSERT INTO words only'\n    return 1\n\n"
        "class Store:\n    def save(self, cur, user):\n        cur.execute('INSERT INTO thing VALUES (1)')\n"
    )
    assert user_writes(tmp_path) == {"framework.sample.helper", "framework.sample.outer", "framework.sample.by_call",
                                     "framework.sample.Store.save"}


def test_the_detector_sees_the_known_writes_and_passes_over_the_reads():
    assert {"framework.foundation.systems.create_system", "framework.foundation.systems.insert_system",
            "framework.demo.system.write_demo", "framework.measures.proposals._decide"} <= DISCOVERED
    assert not {"framework.foundation.systems.list_systems", "framework.core.auth.require",
                "framework.reviews.results.comments_to_review", "framework.streamlit_glue.sidebar"} & DISCOVERED


# ---------------------------------------------------------------- how to call each write

HOLDERS = {p: [r for r in ROLES if r in roles] for p, roles in PERMISSIONS.items()}
TODAY = date.today()
CSV = "indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2019,14.2\n"
ENGAGEMENT_CSV = ("Activity ID,Title,Start date,End date,Lead partner,Areas,Method,Level,Communities,Participants,"
                  "Volunteers,Volunteer hours,Outcomes,Principles,Summary\n"
                  "A1,Carers cafe,2024-06-03,,Carers Centre,DEMO-P01,event,involve,carers;core20,25,2,6,O5,8,Tea\n")
STORY = {"period_label": "2025/26", "happening": "More people quit with the new pharmacy service.",
         "learning": "Evening sessions reach shift workers.", "next_steps": "Extend to two more places."}
IDEA = {"name": "Carers who feel listened to", "why_it_matters": "Carers are rarely asked.",
        "who_it_matters_to": "Unpaid carers", "how_measured": "Carers survey", "outcome_code": "O1"}
NEW_MEASURE = {"indicator_code": "I28", "name": "Carers who feel listened to", "kind": "perception", "unit": "%",
               "direction": "higher_is_better", "outcome_code": "O1",
               "definition": "Carers answering 'always' when asked whether services listen to them."}
ROUND = {"title": "Autumn review", "opens_on": TODAY - timedelta(days=1), "closes_on": TODAY + timedelta(days=10),
         "statements": ["S01", "S02"], "groups": ["community", "vcse"], "min_group_size": 5}
ACTIVITY = {"title": "Drop-in at the library", "start_date": "2026-10-01", "lead_partner": "Healthwatch",
            "method": "event", "level": "consult", "areas": "DEMO-P01", "communities": "carers", "participants": 12}
SAID = {"you_said": "Open on Saturdays.", "status": "planned"}


def mod(name: str):
    return importlib.import_module(f"framework.{name}")


def in_transaction(con, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return db.transaction(con, lambda cur: fn(cur, *args, **kwargs))


def first(con, sql: str, params: list[Any] | None = None) -> Any:
    return db.read_rows(con, sql, params)[0]


def _csv_file(con, admin, folder: Path) -> Path:
    path = folder / "values.csv"
    path.write_text(CSV)
    return path


def _plan(con, admin, folder: Path):
    return mod("data_io.importers.core").check_files(con, [_csv_file(con, admin, folder)], system_code="DEMO")


def _imported_batch(con, admin, folder: Path) -> int:
    [summary] = mod("data_io.importers.core").import_files(con, admin, [_csv_file(con, admin, folder)],
                                                          system_code="DEMO")
    return summary.batch_id


def _engagement_batch(con, admin, folder: Path) -> int:
    return mod("engagement.imports").import_engagement(con, admin, "DEMO", [("log.csv", ENGAGEMENT_CSV.encode())])[
        "batch_id"]


def _priority_round(con, admin, folder) -> int:
    return mod("measures.priorities").open_round(con, admin, "DEMO", "Priorities", TODAY - timedelta(days=1),
                                                 TODAY + timedelta(days=9))


def _proposal(con, admin, folder) -> dict[str, Any]:
    number = mod("measures.proposals").propose_measure(con, admin, "DEMO", IDEA)
    return first(con, "SELECT proposal_id FROM measure_proposal WHERE proposal_id = ?", [number])


def _pending_comment(con, admin, folder) -> tuple[int, str, str]:
    rounds = db.read_rows(con, "SELECT round_id FROM review_round WHERE system_code = 'DEMO' ORDER BY round_id")
    for r in rounds:
        pending = mod("reviews.results").comments_to_review(con, admin, r["round_id"])
        if not pending.empty:
            return r["round_id"], pending.iloc[0]["comment_key"], pending.iloc[0]["comment"]
    raise AssertionError("the demo review has no comment waiting to be released")


def _released_comment(con, admin, folder) -> tuple[int, str]:
    round_id, key, text = _pending_comment(con, admin, folder)
    mod("reviews.results").release_comment(con, admin, round_id, key, text)
    return round_id, key


def _new_round(con, admin, folder) -> int:
    return mod("reviews.rounds").create_round(con, admin, "DEMO", ROUND)


def _last_round(con) -> int:
    return first(con, "SELECT max(round_id) AS r FROM review_round")["r"]


def _activity(con) -> int:
    return first(con, "SELECT min(activity_id) AS a FROM engagement_activity")["a"]


def _item(con) -> int:
    return first(con, "SELECT min(item_id) AS i FROM you_said")["i"]


def _action(con, admin, folder) -> int:
    return mod("reviews.discussions").add_action(con, admin, "DEMO", {"action_text": "Publish minutes",
                                                                      "owner": "ICB", "due_on": TODAY})


def _changed_tags(con) -> list[dict[str, Any]]:
    tags = mod("engagement.community_tags").community_tags(con).to_dict("records")
    tags[0]["population_share"] = 31.5
    return tags


def _table_edit(con, user):
    editing = mod("measures.editing")
    base = editing.editable_frame(con, "DEMO")
    row = int(base.index[base["indicator_code"] == "I05"][0])
    return editing.save_table(con, user, "DEMO", base, {row: {"owner_partner": "Healthwatch Northmoor and Vale"}}, [], [])


def _lookup_file(folder: Path) -> Path:
    path = folder / "lsoa26.csv"
    path.write_text("\ufeffLSOA21CD,SICBL26CD,SICBL26CDH,SICBL26NM,ICB26CD,ICB26CDH,ICB26NM,NHSER26CD,NHSER26CDH,"
                    "NHSER26NM,LAD26CD,LAD26NM\nE01007321,E38000006,02P,NHS South Yorkshire ICB - 02P,E54000061,QF7,"
                    "NHS South Yorkshire Integrated Care Board,E40000012,Y63,North East and Yorkshire,E08000016,"
                    "Barnsley\n", encoding="utf-8")
    return path


def _whole_check(con, admin, folder: Path):
    """The check of DEMO's complete return, edited: a target raised and an activity's summary rewritten."""
    import openpyxl

    out = folder / "whole.xlsx"
    mod("board_return").export_return(con, admin, "DEMO", out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Indicators"]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("target_1y") + 1).value = 99
    ws = wb["Activities"]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("summary") + 1).value = "Rewritten"
    wb.save(out)
    [check] = mod("data_io.importers.core").check_files(con, [out], user=admin).files
    assert check.update.changes and check.carried
    return check


NEW_SYSTEM = {"system_code": "NEWICS", "name": "New ICS", "framework_start": date(2024, 4, 1)}
FRAMEWORK = {"areas": [], "system": NEW_SYSTEM, "vision": {"statement": "Everyone is heard."}, "outcomes": [],
             "indicators": []}


@dataclass(frozen=True)
class Write:
    """How to make one write with valid arguments: the permission it needs, the call, an optional setup made by
    an admin beforehand, the database it starts from ('full' demo, 'plain' demo, or 'empty'), and for a
    cursor-level helper the caller through which its transaction and audit row are proved."""

    permission: str
    call: Callable[..., Any]  # (con, user, prepared) -> result
    setup: Callable[..., Any] | None = None  # (con, admin, folder) -> prepared
    base: str = "full"
    via: str | None = None
    role: str | None = None  # the role that makes the valid call, when not the least one holding the permission


F = "framework."
WRITES: dict[str, Write] = {
    # foundation
    F + "foundation.systems.create_system": Write(
        "edit_framework", lambda con, u, _: mod("foundation.systems").create_system(con, u, NEW_SYSTEM)),
    F + "foundation.systems.insert_system": Write(
        "edit_framework", lambda con, u, _: in_transaction(con, mod("foundation.systems").insert_system, u,
                                                             NEW_SYSTEM)),
    F + "foundation.vision.save_vision": Write(
        "edit_framework", lambda con, u, _: mod("foundation.vision").save_vision(
            con, u, "DEMO", {"statement": "Everyone is heard, early.", "ultimate_outcome": "Fairer health."})),
    F + "foundation.vision.save_outcome": Write(
        "edit_framework", lambda con, u, _: mod("foundation.vision").save_outcome(
            con, u, "DEMO", {"outcome_code": "O9", "title": "Better information", "ambition_1y": "Easy Read plans",
                             "principles": [9]}, is_new=True)),
    F + "foundation.starter_questions.save_answers": Write(
        "edit_framework", lambda con, u, _: mod("foundation.starter_questions").save_answers(
            con, u, "DEMO", {"working_now": "Well in two places of four."}), base="plain"),
    F + "foundation.starter_questions.write_answers": Write(
        "edit_framework", lambda con, u, _: in_transaction(con, mod("foundation.starter_questions").write_answers, u,
                                                             "DEMO", {"assets": "Our citizens' panel."}),
        base="plain", via=F + "foundation.starter_questions.save_answers"),
    F + "foundation.starter_questions.save_wording": Write(
        "edit_framework", lambda con, u, _: mod("foundation.starter_questions").save_wording(
            con, u, "DEMO", "assets", "What strengths do we share?"), base="plain"),
    F + "measures.starter_catalogue.adopt_measures": Write(
        "edit_indicators", lambda con, u, _: mod("measures.starter_catalogue").adopt_measures(
            con, u, "DEMO", [{"source_ref": "nhse-ics-2020:avoidable-admissions", "suggested_code": "NHSE07",
                              "name": "Avoidable admissions", "outcome_code": "O1", "direction": "lower_is_better",
                              "target_3y": 900}]), base="plain"),
    F + "foundation.indicators.save_indicator": Write(
        "edit_indicators", lambda con, u, _: mod("foundation.indicators").save_indicator(
            con, u, "DEMO", {"indicator_code": "X1", "name": "Easy Read share", "unit": "%", "kind": "quantitative",
                             "direction": "higher_is_better", "status": "active", "baseline_value": 10,
                             "target_3y": 50}, is_new=True)),
    F + "foundation.starting.start_system": Write(
        "edit_framework", lambda con, u, _: mod("foundation.starting").start_system(con, u, "NEWICS", "New ICS",
                                                                                    "E54000061"), base="empty"),
    F + "foundation.starting._start": Write(
        "edit_framework", lambda con, u, _: in_transaction(con, mod("foundation.starting")._start, u, "NEWICS",
                                                           "New ICS", "E54000061", "sicbl", date(2026, 4, 1)),
        base="empty", via=F + "foundation.starting.start_system"),
    F + "foundation.geography.load_geography": Write(
        "edit_framework", lambda con, u, path: mod("foundation.geography").load_geography(con, u, path),
        setup=lambda con, admin, folder: _lookup_file(folder), base="empty"),
    # demo
    F + "demo.system.load_demo": Write("load_demo", lambda con, u, _: mod("demo.system").load_demo(con, u),
                                       base="empty"),
    F + "demo.system.write_demo": Write(
        "load_demo", lambda con, u, _: in_transaction(con, mod("demo.system").write_demo, u,
                                                      mod("demo.system").build_demo()), base="empty"),
    F + "demo.system.write_demo_extras": Write(
        "load_demo", lambda con, u, _: in_transaction(con, mod("demo.system").write_demo_extras, u, "DEMO"),
        base="plain"),
    F + "demo.engagement_log.load_engagement_demo": Write(
        "load_demo", lambda con, u, _: mod("demo.engagement_log").load_engagement_demo(con, u), base="plain"),
    F + "demo.engagement_log.write_engagement_demo": Write(
        "load_demo", lambda con, u, _: in_transaction(con, mod("demo.engagement_log").write_engagement_demo, u),
        base="plain"),
    F + "demo.review.load_demo_reviews": Write(
        "load_demo", lambda con, u, _: mod("demo.review").load_demo_reviews(con, u), base="plain"),
    F + "demo.review.write_demo_reviews": Write(
        "load_demo", lambda con, u, _: in_transaction(con, mod("demo.review").write_demo_reviews, u, "DEMO"),
        base="plain"),
    # data imports
    F + "data_io.importers.core.import_files": Write(
        "import_data", lambda con, u, path: mod("data_io.importers.core").import_files(con, u, [path],
                                                                                       system_code="DEMO"),
        setup=_csv_file),
    F + "data_io.importers.core.apply_plan": Write(
        "import_data", lambda con, u, plan: mod("data_io.importers.core").apply_plan(con, u, plan), setup=_plan),
    F + "data_io.importers.uploads.import_upload": Write(
        "import_data", lambda con, u, path: mod("data_io.importers.uploads").import_upload(con, u, str(path), "DEMO",
                                                                                           False),
        setup=_csv_file),
    F + "data_io.importers.core._write_framework": Write(
        "import_data", lambda con, u, _: in_transaction(con, mod("data_io.importers.core")._write_framework, u,
                                                        FRAMEWORK, SimpleNamespace(name="return.xlsx")),
        via=F + "data_io.importers.core.apply_plan", role="editor"),  # a new system is the editors' to create
    F + "data_io.importers.whole.before_framework": Write(
        "edit_framework", lambda con, u, check: in_transaction(con, mod("data_io.importers.whole").before_framework,
                                                               u, check),
        setup=_whole_check, via=F + "data_io.importers.core.apply_plan", role="editor"),
    F + "data_io.importers.whole.after_framework": Write(
        "edit_framework", lambda con, u, check: in_transaction(con, mod("data_io.importers.whole").after_framework,
                                                               u, check),
        setup=_whole_check, via=F + "data_io.importers.core.apply_plan", role="editor"),
    F + "data_io.importers.whole.update_framework": Write(
        "edit_framework", lambda con, u, check: in_transaction(con, mod("data_io.importers.whole").update_framework,
                                                               u, check.framework, check.name),
        setup=_whole_check, via=F + "data_io.importers.core.apply_plan", role="editor"),
    F + "data_io.importers.whole.write_carried": Write(
        "edit_framework", lambda con, u, check: in_transaction(con, mod("data_io.importers.whole").write_carried,
                                                               u, "DEMO", check.carried, check.name),
        setup=_whole_check, via=F + "data_io.importers.core.apply_plan", role="editor"),
    F + "data_io.importers.batches.undo_batch": Write(
        "undo_import", lambda con, u, batch: mod("data_io.importers.batches").undo_batch(con, u, batch),
        setup=_imported_batch),
    # measures that matter
    F + "measures.proposals.propose_measure": Write(
        "propose_measure", lambda con, u, _: mod("measures.proposals").propose_measure(con, u, "DEMO", IDEA)),
    F + "measures.proposals.accept_proposal": Write(
        "review_proposals", lambda con, u, p: mod("measures.proposals").accept_proposal(
            con, u, "DEMO", p["proposal_id"], NEW_MEASURE), setup=_proposal),
    F + "measures.proposals.merge_proposal": Write(
        "review_proposals", lambda con, u, p: mod("measures.proposals").merge_proposal(
            con, u, "DEMO", p["proposal_id"], "I01", "I01 already asks carers."), setup=_proposal),
    F + "measures.proposals.decline_proposal": Write(
        "review_proposals", lambda con, u, p: mod("measures.proposals").decline_proposal(
            con, u, "DEMO", p["proposal_id"], "No data exists yet."), setup=_proposal),
    F + "measures.proposals._decide": Write(
        "review_proposals", lambda con, u, p: in_transaction(con, mod("measures.proposals")._decide, u, "DEMO", p,
                                                             "declined", None, "No data exists yet."),
        setup=_proposal),
    F + "measures.priorities.open_round": Write(
        "run_priorities", lambda con, u, _: _priority_round(con, u, None)),
    F + "measures.priorities.close_round": Write(
        "run_priorities", lambda con, u, rid: mod("measures.priorities").close_round(con, u, "DEMO", rid),
        setup=_priority_round),
    F + "measures.priorities.cast_ballot": Write(
        "vote", lambda con, u, rid: mod("measures.priorities").cast_ballot(con, u, "DEMO", rid, "community",
                                                                           {"I01": 5, "I02": 2}),
        setup=_priority_round),
    F + "measures.editing.save_table": Write("edit_indicators", lambda con, u, _: _table_edit(con, u)),
    F + "measures.versions.record_version": Write(
        "edit_framework", lambda con, u, _: mod("measures.versions").record_version(
            con, u, "DEMO", "Framework 2026", date(2026, 4, 1), "ICB Board")),
    # progress
    F + "progress.narratives.add_narrative": Write(
        "write_narrative", lambda con, u, _: mod("progress.narratives").add_narrative(con, u, "DEMO", "I08", STORY)),
    F + "progress.narratives.withdraw_narrative": Write(
        "write_narrative", lambda con, u, n: mod("progress.narratives").withdraw_narrative(con, u, n, "Named someone"),
        setup=lambda con, admin, _: mod("progress.narratives").add_narrative(con, admin, "DEMO", "I08", STORY),
        role="editor"),  # a partner may withdraw only their own stories
    F + "progress.spc_settings.set_rebase": Write(
        "edit_indicators", lambda con, u, _: mod("progress.spc_settings").set_rebase(con, u, "DEMO", "I17",
                                                                                   date(2025, 4, 1), "New service")),
    F + "progress.spc_settings.remove_rebase": Write(
        "edit_indicators", lambda con, u, d: mod("progress.spc_settings").remove_rebase(con, u, "DEMO", "I17", d,
                                                                                      "Entered in error"),
        setup=lambda con, admin, _: mod("progress.spc_settings").set_rebase(con, admin, "DEMO", "I17",
                                                                           date(2025, 4, 1), "New service")),
    F + "progress.spc_settings.set_run_length": Write(
        "edit_indicators", lambda con, u, _: mod("progress.spc_settings").set_run_length(con, u, "DEMO", 6)),
    F + "progress.gap_targets.save_gap_measure": Write(
        "edit_indicators", lambda con, u, _: mod("progress.gap_targets").save_gap_measure(
            con, u, "DEMO", "I01", {"breakdown": "Deprivation", "disadvantaged_group": "Quintile 1 (most deprived)",
                                    "advantaged_group": "Quintile 5 (least deprived)", "target_3y": 6})),
    # stakeholder reviews
    F + "reviews.statements.add_starter_statements": Write(
        "run_reviews", lambda con, u, _: mod("reviews.statements").add_starter_statements(con, u, "DEMO"),
        base="plain"),
    F + "reviews.statements.insert_starter_statements": Write(
        "run_reviews", lambda con, u, _: in_transaction(con, mod("reviews.statements").insert_starter_statements, u,
                                                        "DEMO"),
        base="plain", via=F + "reviews.statements.add_starter_statements"),
    F + "reviews.statements.save_statement": Write(
        "run_reviews", lambda con, u, _: mod("reviews.statements").save_statement(
            con, u, "DEMO", {"theme": "Partnership", "text": "Partners share data.", "principles": [6]})),
    F + "reviews.statements.set_statement_status": Write(
        "run_reviews", lambda con, u, _: mod("reviews.statements").set_statement_status(con, u, "DEMO", "S20",
                                                                                        "retired", "Merged")),
    F + "reviews.rounds.create_round": Write(
        "run_reviews", lambda con, u, _: mod("reviews.rounds").create_round(con, u, "DEMO", ROUND)),
    F + "reviews.rounds.insert_round": Write(
        "run_reviews", lambda con, u, _: in_transaction(con, mod("reviews.rounds").insert_round, u, "DEMO", ROUND)),
    F + "reviews.rounds.close_round": Write(
        "run_reviews", lambda con, u, _: mod("reviews.rounds").close_round(con, u, _last_round(con), "Ended early")),
    F + "reviews.invitations.issue_personal_codes": Write(
        "run_reviews", lambda con, u, r: mod("reviews.invitations").issue_personal_codes(con, u, r, "community", 3),
        setup=_new_round),
    F + "reviews.invitations.set_link_cap": Write(
        "run_reviews", lambda con, u, r: mod("reviews.invitations").set_link_cap(con, u, r, "community", 12),
        setup=_new_round),
    F + "reviews.results.release_comment": Write(
        "run_reviews", lambda con, u, c: mod("reviews.results").release_comment(con, u, *c), setup=_pending_comment),
    F + "reviews.results.withdraw_comment": Write(
        "run_reviews", lambda con, u, c: mod("reviews.results").withdraw_comment(con, u, *c, "Identifies someone"),
        setup=_released_comment),
    F + "reviews.results.link_indicator": Write(
        "run_reviews", lambda con, u, _: mod("reviews.results").link_indicator(con, u, "DEMO", "R10", "S01",
                                                                               "community")),
    F + "reviews.results.feed_indicators": Write(
        "run_reviews", lambda con, u, _: mod("reviews.results").feed_indicators(con, u, _last_round(con))),
    F + "reviews.discussions.save_notes": Write(
        "run_reviews", lambda con, u, _: mod("reviews.discussions").save_notes(con, u, _last_round(con), "S02",
                                                                               "Groups disagreed about budgets.")),
    F + "reviews.discussions.add_action": Write("run_reviews", lambda con, u, _: _action(con, u, None)),
    F + "reviews.discussions.set_action_status": Write(
        "run_reviews", lambda con, u, a: mod("reviews.discussions").set_action_status(con, u, a, "done"),
        setup=_action),
    # engagement
    F + "engagement.activities.save_activity": Write(
        "log_engagement", lambda con, u, _: mod("engagement.activities").save_activity(con, u, "DEMO", ACTIVITY,
                                                                                items=[SAID])),
    F + "engagement.activities.insert_activity": Write(
        "log_engagement", lambda con, u, _: in_transaction(
            con, mod("engagement.activities").insert_activity, u, "DEMO",
            mod("engagement.validation").validate_activity(ACTIVITY, mod("engagement.validation").load_context(con, "DEMO"))[0]),
        via=F + "engagement.activities.save_activity"),
    F + "engagement.activities._update_activity": Write(
        "log_engagement", lambda con, u, _: in_transaction(
            con, mod("engagement.activities")._update_activity, u, "DEMO", _activity(con),
            mod("engagement.validation").validate_activity(ACTIVITY, mod("engagement.validation").load_context(con, "DEMO"))[0]),
        via=F + "engagement.activities.save_activity", role="editor"),
    F + "engagement.you_said.add_you_said": Write(
        "log_engagement", lambda con, u, _: mod("engagement.you_said").add_you_said(con, u, "DEMO", _activity(con), SAID), role="editor"),
    F + "engagement.you_said.insert_item": Write(
        "log_engagement", lambda con, u, _: in_transaction(
            con, mod("engagement.you_said").insert_item, u, "DEMO", _activity(con),
            mod("engagement.validation").validate_you_said(SAID)[0]),
        via=F + "engagement.you_said.add_you_said", role="editor"),
    F + "engagement.you_said.record_item": Write(
        "log_engagement", lambda con, u, _: in_transaction(
            con, mod("engagement.you_said").record_item, u, "DEMO", _activity(con),
            mod("engagement.validation").validate_you_said(SAID)[0]),
        via=F + "engagement.you_said.add_you_said", role="editor"),
    F + "engagement.you_said.update_you_said": Write(
        "log_engagement", lambda con, u, _: mod("engagement.you_said").update_you_said(
            con, u, "DEMO", _item(con), {**SAID, "status": "done", "we_did": "Saturday mornings added."}), role="editor"),
    F + "engagement.activities.delete_activity": Write(
        "log_engagement", lambda con, u, _: mod("engagement.activities").delete_activity(con, u, "DEMO", _activity(con),
                                                                                  reason="Logged twice"), role="editor"),
    F + "engagement.community_tags.save_community_tags": Write(
        "edit_framework", lambda con, u, _: mod("engagement.community_tags").save_community_tags(con, u, _changed_tags(con))),
    F + "engagement.imports.import_engagement": Write(
        "log_engagement", lambda con, u, _: mod("engagement.imports").import_engagement(
            con, u, "DEMO", [("log.csv", ENGAGEMENT_CSV.encode())])),
    F + "engagement.imports.undo_engagement_batch": Write(
        "undo_import", lambda con, u, batch: mod("engagement.imports").undo_engagement_batch(con, u, batch),
        setup=_engagement_batch),
}
DIRECT = sorted(name for name, w in WRITES.items() if w.via is None)
HELPERS = sorted(name for name, w in WRITES.items() if w.via is not None)


def test_every_write_that_takes_a_user_is_registered_here():
    missing = sorted(DISCOVERED - set(WRITES) - set(EXEMPT))
    assert missing == [], f"register each new write in WRITES with a valid call: {missing}"


def test_every_registered_write_and_exemption_is_still_a_write_in_framework():
    assert sorted(set(WRITES) - DISCOVERED) == []
    assert set(EXEMPT) <= DISCOVERED


def test_each_registered_permission_exists_and_some_role_lacks_it():
    for name, write in WRITES.items():
        assert write.permission in PERMISSIONS, name
        assert set(ROLES) - PERMISSIONS[write.permission], f"{name}: every role may do this, so nothing is guarded"


@pytest.mark.parametrize("name", HELPERS)
def test_a_cursor_level_helper_is_proved_through_a_registered_caller_that_uses_it(name):
    via = WRITES[name].via
    assert via in WRITES and WRITES[via].via is None
    assert name in FUNCTIONS[via].calls | {c for f in FUNCTIONS.values() if f.name in FUNCTIONS[via].calls
                                           for c in f.calls}


# ---------------------------------------------------------------- the databases each write starts from

@pytest.fixture(scope="module")
def bases(demo_db_file, tmp_path_factory) -> dict[str, Path]:
    """The demo as built (plain), the demo with its engagement log and stakeholder review (full), and empty."""
    folder = tmp_path_factory.mktemp("every_write")
    full = folder / "full.duckdb"
    shutil.copy(demo_db_file, full)
    con = db.connect(full)
    admin = User("setup", "Setup", "admin")
    mod("demo.engagement_log").load_engagement_demo(con, admin)
    mod("demo.review").load_demo_reviews(con, admin)
    con.close()
    empty = folder / "empty.duckdb"
    db.connect(empty).close()
    return {"plain": demo_db_file, "full": full, "empty": empty}


@pytest.fixture
def prepared(request, bases, tmp_path):
    """A copy of the write's starting database, its setup done by an admin; yields (con, write, prepared)."""
    write = WRITES[request.param]
    path = tmp_path / "copy.duckdb"
    shutil.copy(bases[write.base], path)
    con = db.connect(path)
    ready = write.setup(con, User("setup", "Setup", "admin"), tmp_path) if write.setup else None
    yield con, write, ready
    con.close()


def fingerprint(con) -> dict[str, tuple[int, int]]:
    """Each table's row count and a hash over its rows: equal fingerprints mean nothing was written."""
    tables = [r["table_name"] for r in db.read_rows(
        con, "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name")]
    return {t: tuple(con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{t}" t').fetchone()) for t in tables}


def audit_count(con) -> int:
    return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def acting(write: Write) -> User:
    role = write.role or HOLDERS[write.permission][0]
    return User(f"{role}-1", f"Test {role}", role, group_code="community")


class AuditFailed(RuntimeError):
    """Raised by a stand-in for audit.record after it has written, to break a write midway."""


# ---------------------------------------------------------------- the proofs

def prove_refused(con, write: Write, ready: Any, fingerprint: Callable = fingerprint) -> None:
    """Every role without the write's permission is refused in words, and nothing is written."""
    before = fingerprint(con)
    refused = [r for r in ROLES if r not in PERMISSIONS[write.permission]]
    for role in refused:
        with pytest.raises(PermissionError, match=f"signed in as {role}"):
            write.call(con, User(f"{role}-1", f"Test {role}", role, group_code="community"), ready)
    assert fingerprint(con) == before


def prove_nothing_left(con, write: Write, ready: Any, monkeypatch, fingerprint: Callable = fingerprint) -> None:
    """A write whose audit trail fails midway leaves nothing of itself."""
    before = fingerprint(con)
    real = audit.record

    def record_then_fail(cur, *args, **kwargs):
        real(cur, *args, **kwargs)
        raise AuditFailed("the audit trail failed midway")

    monkeypatch.setattr(audit, "record", record_then_fail)
    with pytest.raises(AuditFailed):
        write.call(con, acting(write), ready)
    assert fingerprint(con) == before


def prove_audited(con, write: Write, ready: Any, name: str, monkeypatch, fingerprint: Callable = fingerprint) -> None:
    """A write by a role that may make it calls the named function, writes, and leaves audit rows in that role."""
    user = acting(write)
    before, rows = fingerprint(con), audit_count(con)
    module_name, function_name = name.rsplit(".", 1)
    module, calls = importlib.import_module(module_name), []
    real = getattr(module, function_name)
    monkeypatch.setattr(module, function_name, lambda *a, **k: calls.append(1) or real(*a, **k))
    write.call(con, user, ready)
    assert calls, f"the registered call does not call {function_name}"
    new = db.read_rows(con, "SELECT user_id, user_role, action, entity FROM audit_log ORDER BY audit_id OFFSET ?",
                       [rows])
    assert new, "the write left no audit row"
    assert {r["user_role"] for r in new} == {user.role}
    assert all(r["action"] and r["entity"] for r in new)
    assert any(r["user_id"] == user.user_id or r["user_id"].startswith("voter:") for r in new)
    changed = {t for t, v in fingerprint(con).items() if before.get(t) != v}
    assert changed - {"audit_log"}, "only the audit trail changed: the call did not write"


@pytest.mark.parametrize("prepared", sorted(WRITES), indirect=True)
def test_every_role_without_the_permission_is_refused_before_anything_is_written(prepared):
    prove_refused(*prepared)


@pytest.mark.parametrize("prepared", DIRECT, indirect=True)
def test_a_write_broken_midway_leaves_nothing_behind(prepared, monkeypatch):
    prove_nothing_left(*prepared, monkeypatch)


@pytest.mark.parametrize("prepared", DIRECT, indirect=True)
def test_a_write_by_a_role_that_may_make_it_leaves_audit_rows_in_that_role(prepared, request, monkeypatch):
    prove_audited(*prepared, request.node.callspec.params["prepared"], monkeypatch)


@pytest.mark.parametrize("prepared", HELPERS, indirect=True)
def test_a_cursor_level_helper_called_by_a_role_that_may_use_it_writes(prepared):
    con, write, ready = prepared
    before = fingerprint(con)
    write.call(con, acting(write), ready)
    assert fingerprint(con) != before


@pytest.mark.parametrize("prepared", [F + "data_io.importers.core._write_framework"], indirect=True)
def test_a_partner_may_import_data_but_not_create_a_new_system_from_a_return(prepared):
    con, write, ready = prepared
    before = fingerprint(con)
    with pytest.raises(ValidationError, match="creates system NEWICS with its vision and outcomes, which needs an "
                                              "engagement lead's"):
        write.call(con, User("partner-1", "Test partner", "partner"), ready)
    assert fingerprint(con) == before
