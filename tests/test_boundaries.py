"""Meta-tests that keep the shape honest: framework/ stays free of Streamlit, pages hold no SQL."""
from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import ROOT

GLUE = "streamlit_glue.py"
CAPABILITIES = {"progress", "measures", "data_io", "reviews", "engagement"}
BASE = {"core", "foundation"}
ASSEMBLERS = {"demo", "migrations"}  # build the demo and the views from every capability
TOP_LEVEL_MODULES = {"__init__", "__main__", "cli", "streamlit_glue", "board_return", "board_report",
                     "board_report_print"}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_framework_imports_streamlit_only_in_its_glue_module():
    offenders = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "framework").rglob("*.py")
        if p.name != GLUE and any(m.split(".")[0] == "streamlit" for m in imported_modules(p))
    )
    assert offenders == []


def test_the_glue_module_exists_and_is_the_one_that_imports_streamlit():
    assert "streamlit" in set(imported_modules(ROOT / "framework" / GLUE))


SQL_SHAPES = re.compile(
    r"\bSELECT\s+(DISTINCT\s+)?(\*|[a-z_][\w.]*)(\s*,|\s+AS\b|\s+FROM\b)|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|VIEW)\b",
    re.IGNORECASE | re.DOTALL,
)


@pytest.mark.parametrize("text, is_sql", [
    ("SELECT * FROM measurement", True),
    ("select value from v_progress where x = 1", True),
    ("UPDATE indicator SET status = 'retired'", True),
    ("insert into audit_log values (1)", True),
    ("Update an action's status", False),
    ("Select a measure from the list", False),
])
def test_the_sql_detector_tells_statements_from_sentences(text, is_sql):
    assert bool(SQL_SHAPES.search(text)) is is_sql


def test_pages_and_the_frame_hold_no_sql():
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_SHAPES.search(node.value):
                offenders.append(f"{path.name}: {node.value[:40]!r}")
    assert offenders == []


def test_pages_never_import_duckdb_directly():
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py")]:
        assert "duckdb" not in {m.split(".")[0] for m in imported_modules(path)}, path.name


def test_no_page_url_matches_a_file_name_in_pages():
    """Streamlit falls back to its automatic page list on a deep link whose path equals a pages/ file name."""
    import re

    stems = {p.stem for p in (ROOT / "pages").glob("*.py")}
    url_paths = set(re.findall(r'url_path="([^"]+)"', (ROOT / "app.py").read_text()))
    assert url_paths and not (url_paths & stems)
    assert all(stem.endswith("_page") for stem in stems)


def framework_imports(path):
    """The framework packages (or top-level modules) a file imports, by their first name below framework."""
    for module in imported_modules(path):
        parts = module.split(".")
        if parts[0] == "framework" and len(parts) > 1:
            yield parts[1]


def test_framework_holds_only_capability_packages_and_the_few_top_level_modules():
    packages = {p.name for p in (ROOT / "framework").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in (ROOT / "framework").glob("*.py")}
    assert packages == CAPABILITIES | BASE | ASSEMBLERS
    assert modules == TOP_LEVEL_MODULES


@pytest.mark.parametrize("package", sorted(CAPABILITIES | BASE))
def test_a_package_uses_only_core_foundation_and_itself(package):
    allowed = {"core"} if package == "core" else BASE | {package}
    offenders = set()
    for path in (ROOT / "framework" / package).rglob("*.py"):
        for used in framework_imports(path):
            if used not in allowed and not (package == "core" and used == "migrations" and path.name == "db.py"):
                offenders.add(f"{path.relative_to(ROOT)} imports framework.{used}")
    assert sorted(offenders) == []


def test_the_layering_check_would_catch_one_capability_importing_another(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from framework.reviews.suppression import suppress\nimport framework.core.db\n")
    assert set(framework_imports(sample)) == {"reviews", "core"}


def test_no_module_is_imported_by_a_name_in_a_string_outside_the_migration_loader():
    offenders = []
    for path in [*(ROOT / "framework").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]:
        if path.relative_to(ROOT).as_posix() == "framework/core/db.py":
            continue  # the migration loader finds the migrations by name
        if "importlib" in set(imported_modules(path)) or "__import__(" in path.read_text():
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
