"""The documentation keeps up with the code: every repository path that README.md and docs/*.md name exists, and
every command of the command line is in the README."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from framework.cli import build_parser
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP_LEVEL = {p.name for p in ROOT.iterdir() if not p.name.startswith(".git")}
# Paths the docs name that are made on a user's machine, never kept in the repository.
MADE_LOCALLY = {
    "data/shared_measures.duckdb": "the live database, created by `make run`",
    "data/shared_measures.analyst.duckdb": "the analyst copy the running app keeps beside the live database",
    ".streamlit/secrets.toml": "a deployment's own secrets, copied from the example",
    "tests/screenshots/": "written by the browser tests",
    "data/postgres/": "the local PostgreSQL that `make run-server` starts when no server is given",
}
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def named_paths(doc: Path) -> list[str]:
    """Code spans and link targets in a document that look like paths inside this repository."""
    text = doc.read_text(encoding="utf-8")
    found = []
    for span in CODE_SPAN.findall(text):
        if re.search(r"[\s<>*=(){}$]|NNN", span):
            continue
        if span.split("/")[0] in TOP_LEVEL and ("/" in span or span in TOP_LEVEL):
            found.append(span)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:|#", target):
            continue
        found.append(str((doc.parent / target.split("#")[0]).resolve().relative_to(ROOT)))
    return found


def exists(path: str) -> bool:
    """Whether a named path is in the repository: as a file or folder, or as a module and its attribute."""
    target = ROOT / path.rstrip("/")
    if target.exists():
        return True
    module, _, attribute = path.rpartition(".")
    return bool(module and attribute.isidentifier() and (ROOT / f"{module}.py").exists())


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_repository_path_a_document_names_exists(doc):
    paths = named_paths(doc)
    missing = [p for p in paths if p not in MADE_LOCALLY and not exists(p)]
    assert missing == [], f"{doc.name} names paths that are not in the repository"


def test_the_path_check_finds_paths_in_spans_and_links_and_misses_a_wrong_one(tmp_path, monkeypatch):
    doc = ROOT / "docs" / "DEVELOPING.md"
    assert "framework/streamlit_glue.py" in named_paths(doc)
    assert "tests/apptest_helpers.open_app" in named_paths(doc) and exists("tests/apptest_helpers.open_app")
    assert "README.md" in named_paths(ROOT / "README.md") or "docs/DEVELOPING.md" in named_paths(ROOT / "README.md")
    assert "app.py" in named_paths(doc)
    assert not exists("framework/no_such_module.py") and not exists("pages/no_such_page.py")
    assert not exists("tests/apptest_helpers.py.open_app")


def cli_commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


def test_the_command_line_has_commands_to_check():
    assert {"init", "import", "export"} <= set(cli_commands())


@pytest.mark.parametrize("command", cli_commands())
def test_every_command_line_command_is_in_the_readme(command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"python -m framework(?: --db PATH)? {re.escape(command)}\b", readme), command
