"""Running the real app for browser tests: a Streamlit server on a free port and headless Debian Chromium."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
SCREENSHOTS = ROOT / "tests" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# How the server is started: the way `make run` does it, and a bare `streamlit run app.py`.
LAUNCHERS = {
    "glue": [sys.executable, "-m", "framework.streamlit_glue"],
    "streamlit run": [sys.executable, "-m", "streamlit", "run", "app.py"],
}
# Streamlit marks the app element with the state of the script run, and marks elements left from an earlier run
# as stale until the new run replaces them.
APP_SETTLED = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return app && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector("[data-testid='stStatusWidget']")
    && !document.querySelector("[data-stale='true']")
    && document.querySelectorAll('h1').length > 0
    && document.querySelector("[data-testid='stSidebarNav']") !== null;
}"""


@contextlib.contextmanager
def running_app(db_file: Path, env_extra: dict[str, str] | None = None, launcher: str = "glue"):
    """Start the app server against db_file (as `make run` does, or with launcher="streamlit run" as a bare
    `streamlit run app.py`); yield its base URL; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "SHARED_MEASURES_DB": str(db_file), **(env_extra or {})}
    proc = subprocess.Popen(
        [*LAUNCHERS[launcher], "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"The app did not start: {proc.stdout.read() if proc.stdout else ''}")
            time.sleep(0.3)  # the interval between two health checks, not a wait for the app to draw
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def browser_page():
    """A Playwright page in Debian's headless Chromium at laptop size; skips when Chromium is absent."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed; `make test` installs it where the machine allows.")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        yield page
        browser.close()


def wait_for_app(page) -> None:
    """Wait until Streamlit has finished running the script and has replaced every element of the last run."""
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(APP_SETTLED, timeout=30_000)


@contextlib.contextmanager
def app_opened_at(page, db_file: Path, tmp_path: Path, path: str = ""):
    """Run the app on a copy of db_file, open `path` in the page and wait for it; yield the app's base URL."""
    from tests.apptest_helpers import copy_db

    with running_app(copy_db(db_file, tmp_path)) as url:
        page.goto(f"{url}/{path}")
        wait_for_app(page)
        yield url


def search_catalogue(page, words: str, heading: str) -> None:
    """Search the Indicators page for words that match one measure, and check that measure opens under heading."""
    page.get_by_role("textbox", name="Search").fill(words)
    page.get_by_role("textbox", name="Search").press("Enter")
    page.get_by_text("1 measure shown.").wait_for()
    wait_for_app(page)
    expect(page.locator("h2").first).to_contain_text(heading)
    assert_no_exception(page)


def rerun_after(page, action) -> None:
    """Do an action that makes Streamlit run the script again (a click, a choice, an edit), then wait until that
    run has started and finished, rather than until the page merely looks quiet. A run already under way when the
    action comes takes the action in (Streamlit starts it again without going idle), so it counts as started; and
    if no run is seen to start within 15 s, the page must still settle, and the test's next check says whether the
    action took."""
    page.evaluate("""() => {
      const app = document.querySelector("[data-testid='stApp']");
      if (window.__runWatch) window.__runWatch.disconnect();
      window.__runStarted = app.dataset.testScriptState !== 'notRunning';
      window.__runWatch = new MutationObserver(() => {
        if (app.dataset.testScriptState !== 'notRunning') window.__runStarted = true;
      });
      window.__runWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    }""")
    action()
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function("() => window.__runStarted === true", timeout=15_000)
    wait_for_app(page)


def next_frame(page) -> None:
    """Wait until the browser has painted the current layout (after a scroll, before a screenshot)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))")


def assert_no_exception(page) -> None:
    """No exception box on the page, which the caller has let settle (wait_for_app); shows any box's text."""
    assert page.locator("[data-testid='stException']").all_inner_texts() == []
