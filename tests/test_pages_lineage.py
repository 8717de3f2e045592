"""The indicator page beside former ICB codes: the area picker names each former ICB with data and its years, and
for the system's ICB or a former ICB the page draws the footprint and the former ICBs apart, saying the figures are
not combined; a place, or a system with no former ICBs, shows none of it."""
from __future__ import annotations

import pytest

from tests.apptest_helpers import as_read, open_app
from tests.test_lineage import build_ssx_database

HEADING = "NHS Surrey and Sussex and the former ICBs before it"


@pytest.fixture
def ssx_file(tmp_path):
    return build_ssx_database(tmp_path / "ssx.duckdb", tmp_path, frimley=True)


def page_text(at) -> str:
    return as_read(" ".join(m.value for m in [*at.markdown, *at.caption, *at.info]))


@pytest.mark.parametrize("role", ["viewer", "community", "editor"])
def test_the_systems_icb_shows_its_former_icbs_apart_with_their_years_for_every_role(monkeypatch, ssx_file, role):
    at = open_app(monkeypatch, ssx_file, page="indicators_page", role=role, query={"indicator": "FT91547"})
    assert not at.exception
    picker = at.selectbox(key="indicators.area")
    assert picker.value == "E54000069"
    assert "Former ICB: Surrey Heartlands (E54000063), 2023/24 Q1 to 2025/26 Q4" in picker.options
    assert "Former ICB: Frimley (E54000034), 2022/23 Q1 to 2025/26 Q2" in picker.options
    assert not any("E54000053" in o for o in picker.options)  # a former code without data is not offered
    text = page_text(at)
    assert f"#### {HEADING}" in [as_read(m.value) for m in at.markdown]
    assert "The figures are not combined: nothing is added, averaged or joined across areas" in text
    assert ("Frimley (E54000034), 2022/23 Q1 to 2025/26 Q2, only part of its area is now part of NHS Surrey and "
            "Sussex") in text
    assert "Surrey Heartlands (E54000052), 2022/23 Q1 to 2022/23 Q4, its code became E54000063 in April 2023" in text


def test_choosing_a_former_icb_shows_its_own_figures_and_says_when_its_code_was_in_force(monkeypatch, ssx_file):
    at = open_app(monkeypatch, ssx_file, page="indicators_page", query={"indicator": "FT91547"})
    at.selectbox(key="indicators.area").select("E54000063").run()
    assert not at.exception
    assert at.selectbox(key="indicators.area").value == "E54000063"  # the choice holds across reruns
    assert any("Surrey Heartlands (E54000063) is a former ICB, in force from April 2023 to March 2026. The figures "
               "above are its own, kept apart from NHS Surrey and Sussex." in as_read(i.value) for i in at.info)
    assert HEADING in page_text(at)


def test_a_place_shows_no_former_icbs(monkeypatch, ssx_file):
    at = open_app(monkeypatch, ssx_file, page="indicators_page", query={"indicator": "FT91547"})
    at.selectbox(key="indicators.area").set_value("E38000246").run()
    assert not at.exception
    assert at.selectbox(key="indicators.area").value == "E38000246"
    assert HEADING not in page_text(at)


def test_a_system_with_no_former_icbs_shows_none_of_it(monkeypatch, demo_db_file):
    at = open_app(monkeypatch, demo_db_file, page="indicators_page", query={"indicator": "I08"})
    assert not at.exception
    assert "former ICB" not in page_text(at)
    assert not any(o.startswith("Former ICB") for o in at.selectbox(key="indicators.area").options)


def test_before_the_footprint_has_figures_the_page_still_shows_the_former_icbs(monkeypatch, tmp_path):
    from framework.core import db
    from tests.conftest import make_user
    from tests.test_lineage import former_rows, load, start_system

    path = tmp_path / "early.duckdb"
    connection = db.connect(path)
    start_system(connection, make_user("editor"), "SSX", "Surrey and Sussex Health and Care", "E54000069")
    load(connection, make_user("editor"), tmp_path, former_rows())
    connection.close()
    at = open_app(monkeypatch, path, page="indicators_page", query={"indicator": "FT91547"})
    assert not at.exception
    text = page_text(at)
    assert "There is no data for this measure in NHS Surrey and Sussex Integrated Care Board yet" in text
    assert "Shown: no figures yet for NHS Surrey and Sussex (E54000069) itself" in text
