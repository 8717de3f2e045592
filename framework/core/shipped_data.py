"""Data shipped with the app in data/: the starter statement library and the demo system's words, read as plain
Python values."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def load_json(name: str) -> Any:
    """The JSON file data/<name>, as lists and dicts."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    """The text file data/<name>."""
    return (DATA_DIR / name).read_text(encoding="utf-8")
