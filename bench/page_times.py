"""Page server time: how long the app takes to run a page script against a database, measured with AppTest."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from framework.core import db

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def page_seconds(db_path: Path, page: str, query: dict[str, str] | None = None, repeats: int = 3) -> float:
    """Median seconds to run pages/<page>.py with an empty read cache, after one warm-up of the app frame."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ[db.ENV_VAR] = str(db_path)
    at = AppTest.from_file(APP, default_timeout=300)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if at.exception:
        raise RuntimeError(f"The app failed to start: {at.exception[0].message}")
    times = []
    for _ in range(repeats):
        st.cache_data.clear()
        started = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"pages/{page}.py failed: {at.exception[0].message}")
    return statistics.median(times)
