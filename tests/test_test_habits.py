"""The tests keep their own habits: the demo each test gets is its own copy, reference data that is missing fails
in CI, and browser tests wait for conditions instead of sleeping or counting the moment something appears."""
from __future__ import annotations

import hashlib
import re

import pytest

import tests.conftest as conftest
from framework.core.db import scalar
from tests.conftest import ROOT, reference_file

BROWSER_TESTS = sorted((ROOT / "tests").glob("test_browser_*.py")) + [ROOT / "tests" / "browser.py"]
FIXED_WAITS = re.compile(r"wait_for_timeout\(|time\.sleep\((?!.*between two health checks)")
COUNT_AT_ONCE = re.compile(r"assert [^\n]*\.count\(\)\s*(==|>=|>|<=|<|!=)|assert [^\n]*\.is_(checked|visible)\(\)")


def test_a_demo_connection_is_the_same_connection_as_con(demo_con, con):
    assert demo_con is con
    assert scalar(con.cursor(), "SELECT count(*) FROM system WHERE system_code = 'DEMO'") == 1


def test_writing_to_a_test_demo_leaves_the_shared_demo_file_as_it_was(demo_con, demo_db_file, db_path):
    before = hashlib.sha256(demo_db_file.read_bytes()).hexdigest()
    demo_con.execute("DELETE FROM measurement")
    demo_con.execute("CHECKPOINT")
    assert db_path != demo_db_file
    assert hashlib.sha256(demo_db_file.read_bytes()).hexdigest() == before


def test_a_fresh_con_without_the_demo_is_empty(con):
    assert scalar(con.cursor(), "SELECT count(*) FROM system") == 0


def test_reference_data_that_is_there_is_found():
    assert reference_file("ons_loc22_icb22_nhser22_lookup.csv").exists()


@pytest.mark.parametrize(("ci", "outcome", "says"), [
    ("", pytest.skip.Exception, "not at"),  # a developer's machine skips the test
    ("false", pytest.skip.Exception, "not at"),
    ("true", pytest.fail.Exception, "CI must have the reference data"),  # CI fails it
    ("1", pytest.fail.Exception, "CI must have the reference data"),
])
def test_missing_reference_data_skips_the_test_on_a_developers_machine_and_fails_it_in_ci(monkeypatch, tmp_path, ci,
                                                                                         outcome, says):
    monkeypatch.setattr(conftest, "REFERENCE", tmp_path)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=says):
        reference_file("fingertips_91547_smoking_prevalence_qof.csv")


@pytest.mark.parametrize("path", BROWSER_TESTS, ids=lambda p: p.name)
def test_browser_tests_wait_for_conditions_not_for_time(path):
    source = path.read_text(encoding="utf-8")
    assert FIXED_WAITS.findall(source) == []
    assert [m.group(0) for m in COUNT_AT_ONCE.finditer(source)] == []


@pytest.mark.parametrize("line, flagged", [
    ("page.wait_for_timeout(500)", True),
    ("time.sleep(1)", True),
    ('assert page.locator(".js-plotly-plot").count() == 3', True),
    ("assert options.nth(0).is_checked()", True),
    ('expect(page.locator(".js-plotly-plot")).to_have_count(3)', False),
])
def test_the_browser_habit_check_flags_sleeps_and_counts_right_away(line, flagged):
    assert bool(FIXED_WAITS.search(line) or COUNT_AT_ONCE.search(line)) == flagged
