"""Helpers for AppTest page tests: run the real app frame against a copy of the demo database."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from framework.core import db
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def open_app(monkeypatch, db_file: Path, *, page: str | None = None, role: str = "editor", query=None) -> AppTest:
    """Start the app on db_file as the given role and, optionally, switch to pages/<page>.py."""
    monkeypatch.setenv(db.ENV_VAR, str(db_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["app.view_as"] = role
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return at


def copy_db(source: Path, folder: Path) -> Path:
    """A private copy of a database file, so a test can write to it."""
    target = folder / source.name
    shutil.copy(source, target)
    return target


def as_read(markdown: str) -> str:
    """Markdown source as a reader sees its characters: backslash escapes (which pages put around user text) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)
