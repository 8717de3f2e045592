"""Former ICB codes of a footprint, each kept as its own series: a 2026 ICB (NHS Surrey and Sussex, E54000069) that
took over Surrey Heartlands (E54000063, E54000052 before April 2023), Sussex (E54000064) and part of Frimley
(E54000034), with Fingertips rows still arriving on the former codes. The series are labelled with their years,
linked to the footprint in words, drawn apart with the break marked, and never added or averaged into the
footprint's own figures."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from framework.core.db import read_df
from framework.data_io.importers import import_files
from framework.foundation.starting import start_system
from framework.progress.detail import indicator_progress
from framework.progress.lineage import lineage, lineage_sentence, predecessors
from framework.progress.lineage_chart import lineage_chart
from framework.progress.spc_sql import spc_table
from tests.test_import_footprint import ft_row, write_ft

QUARTERS = [f"{y}/{str(y + 1)[2:]} Q{q}" for y in range(2022, 2026) for q in (1, 2, 3, 4)]
FORMER = {  # area code -> the quarters its data covers, and a value that falls a little each quarter
    "E54000052": (QUARTERS[:4], 15.0),
    "E54000063": (QUARTERS[4:], 14.2),
    "E54000064": (QUARTERS[4:10], 16.4),
}
FOOTPRINT = ["Apr 2026", "May 2026", "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026"]
FOOTPRINT_VALUES = [13.9, 13.8, 13.8, 13.6, 13.5, 13.4]


def rows_for(code: str, periods: list[str], start: float, step: float = -0.1) -> list[str]:
    return [ft_row(f"n{code}", f"{start + i * step:.1f}", area_type="ICBs", period=p, parent="E40000005")
            for i, p in enumerate(periods)]


def footprint_rows() -> list[str]:
    return [ft_row("nE54000069", f"{v}", area_type="ICBs", period=p, parent="E40000005")
            for p, v in zip(FOOTPRINT, FOOTPRINT_VALUES)]


def former_rows() -> list[str]:
    return [r for code, (periods, start) in FORMER.items() for r in rows_for(code, periods, start)]


def load(con, editor, folder: Path, rows: list[str], name: str = "fingertips.csv") -> None:
    import_files(con, editor, [write_ft(folder / name, rows)])


@pytest.fixture
def ssx(con, editor, tmp_path):
    """NHS Surrey and Sussex started on 2026 geography, with its own rows and rows on three former codes."""
    start_system(con, editor, "SSX", "Surrey and Sussex Health and Care", "E54000069")
    load(con, editor, tmp_path, footprint_rows() + former_rows())
    return con


def by_code(items: list[dict]) -> dict[str, dict]:
    return {p["area_code"]: p for p in items}


# ---------------------------------------------------------------- the series, their years and their words

def test_each_former_code_is_its_own_series_labelled_with_its_years_and_linked_to_the_footprint_in_words(ssx):
    found = by_code(predecessors(ssx, "SSX", "FT91547"))
    assert set(found) == {"E54000034", "E54000052", "E54000053", "E54000063", "E54000064"}
    heartlands = found["E54000063"]
    assert heartlands["words"] == ("Surrey Heartlands (E54000063), 2023/24 Q1 to 2025/26 Q4, now part of NHS Surrey "
                                   "and Sussex")
    assert heartlands["label"] == "Former ICB: Surrey Heartlands (E54000063), 2023/24 Q1 to 2025/26 Q4"
    assert (heartlands["in_force_from"], heartlands["in_force_to"]) == (date(2023, 4, 1), date(2026, 3, 31))
    assert (heartlands["share"], heartlands["took_over"], heartlands["periods"]) == ("whole", date(2026, 4, 1), 12)
    assert found["E54000052"]["words"] == (
        "Surrey Heartlands (E54000052), 2022/23 Q1 to 2022/23 Q4, its code became E54000063 in April 2023, now part "
        "of NHS Surrey and Sussex")
    assert found["E54000064"]["words"].startswith("Sussex (E54000064), 2023/24 Q1 to 2024/25 Q2, now part of")
    # a former code with no data for this measure says so, with the years it was in force
    assert found["E54000053"]["periods"] == 0
    assert found["E54000053"]["words"].startswith("Sussex (E54000053), in force 2022 to 2023, no data for this measure")


def test_the_lineage_keeps_every_value_exactly_as_imported_under_its_own_code(ssx):
    found = lineage(ssx, "SSX", "FT91547")
    assert found["footprint_code"] == "E54000069" and found["footprint_name"] == "NHS Surrey and Sussex"
    assert found["took_over"] == date(2026, 4, 1)
    series = {p["area_code"]: p["points"] for p in found["predecessors"]}
    assert set(series) == set(FORMER)  # only former codes with data
    for code, (periods, start) in FORMER.items():
        assert list(series[code]["period_label"]) == periods
        assert list(series[code]["value"]) == pytest.approx([start - 0.1 * i for i in range(len(periods))])
        assert set(series[code]["area_code"]) == {code}
    assert list(found["points"]["value"]) == FOOTPRINT_VALUES
    assert set(found["points"]["area_code"]) == {"E54000069"}


def test_the_sentence_says_what_is_shown_and_that_the_figures_are_not_combined(ssx):
    text = lineage_sentence(lineage(ssx, "SSX", "FT91547"))
    assert text.startswith("Shown: NHS Surrey and Sussex (E54000069) with its own figures from 1 April 2026, and "
                           "each former ICB whose area it took over, as its own series under its own code.")
    assert "The figures are not combined: nothing is added, averaged or joined across areas" in text


def test_before_the_footprint_has_figures_of_its_own_the_former_icbs_are_still_shown_and_the_words_say_so(
        con, editor, tmp_path):
    start_system(con, editor, "SSX", "Surrey and Sussex Health and Care", "E54000069")
    load(con, editor, tmp_path, former_rows())
    found = lineage(con, "SSX", "FT91547")
    assert found["points"].empty and len(found["predecessors"]) == 3
    assert lineage_sentence(found).startswith(
        "Shown: no figures yet for NHS Surrey and Sussex (E54000069) itself (it took over on 1 April 2026), and each "
        "former ICB")
    fig = lineage_chart(found, measure="Smoking", unit="%")
    assert "NHS Surrey and Sussex (E54000069)" not in [t.name for t in fig.data] and len(fig.data) == 3


# ---------------------------------------------------------------- never added, averaged or fed into the footprint

def test_former_codes_add_nothing_to_the_footprints_progress_projection_spc_or_v_progress_row(con, editor, tmp_path):
    start_system(con, editor, "SSX", "Surrey and Sussex Health and Care", "E54000069")
    load(con, editor, tmp_path, footprint_rows(), "own.csv")
    con.execute("UPDATE indicator SET baseline_value = 14.0, target_1y = 13.0, target_3y = 12.0, target_5y = 11.0,"
                " direction = 'lower_is_better' WHERE indicator_code = 'FT91547'")

    def footprint_figures():
        progress = read_df(con, "SELECT * FROM v_progress WHERE area_code = 'E54000069' ORDER BY horizon_years")
        measured = read_df(con, "SELECT * FROM v_measurement WHERE area_code = 'E54000069' ORDER BY period_end")
        spc = spc_table(con, "SSX", indicator_code="FT91547", area_code="E54000069")
        detail = indicator_progress(con, "SSX", "FT91547")
        return progress, measured, spc, detail

    before = footprint_figures()
    load(con, editor, tmp_path, former_rows(), "former.csv")
    after = footprint_figures()
    assert read_df(con, "SELECT count(DISTINCT area_code) FROM measurement WHERE area_code LIKE 'E5400%'").iloc[0, 0] == 4
    for was, now in zip(before[:3], after[:3]):
        pd.testing.assert_frame_equal(was, now)
    assert list(after[0]["latest_value"]) == [13.4] * 3  # the footprint's own latest value, not a mix
    assert set(after[0]["status"]) - {"no_target", "not_enough_data"}  # judged, so a former figure could change it
    assert after[0]["projected_at_horizon"].notna().all()  # projected from its own six points
    was, now = before[3], after[3]
    assert now["area_code"] == "E54000069" and list(now["points"]["value"]) == FOOTPRINT_VALUES
    pd.testing.assert_frame_equal(was["rows"], now["rows"])
    assert now["trend"] is not None and (was["trend"].n, was["trend"].at(date(2028, 3, 31))) == (
        now["trend"].n, now["trend"].at(date(2028, 3, 31))) and now["trend"].n == len(FOOTPRINT)
    # and nothing anywhere holds a sum or mean of the former ICBs' figures
    former = read_df(con, "SELECT period_end, value FROM measurement WHERE area_code IN "
                          "('E54000052', 'E54000063', 'E54000064')")
    pooled = set(former.groupby("period_end")["value"].sum().round(6)) | set(
        former.groupby("period_end")["value"].mean().round(6))
    singles = set(former["value"].round(6))
    made_up = pooled - singles
    stored = set(read_df(con, "SELECT value FROM measurement")["value"].round(6))
    assert made_up and not (made_up & stored)


def test_the_chart_draws_each_area_apart_with_its_own_dash_and_marker_and_marks_the_break(ssx):
    found = lineage(ssx, "SSX", "FT91547")
    fig = lineage_chart(found, measure="Smoking prevalence", unit="%", source="OHID Fingertips")
    traces = {t.name: t for t in fig.data}
    assert list(traces) == ["Surrey Heartlands (E54000052), 2022/23 Q1 to 2022/23 Q4",
                            "Surrey Heartlands (E54000063), 2023/24 Q1 to 2025/26 Q4",
                            "Sussex (E54000064), 2023/24 Q1 to 2024/25 Q2", "NHS Surrey and Sussex (E54000069)"]
    for item in found["predecessors"]:
        trace = next(t for t in fig.data if f"({item['area_code']})" in t.name)
        assert list(trace.y) == list(item["points"]["value"])  # exactly its own points, none borrowed
    styles = [(t.line.color, t.line.dash, t.marker.symbol) for t in fig.data]
    assert len({s[0] for s in styles}) == len({s[1] for s in styles}) == len({s[2] for s in styles}) == 4
    [line] = fig.layout.shapes
    assert line.x0 == line.x1 == date(2026, 4, 1)
    assert [a.text for a in fig.layout.annotations] == ["1 Apr 2026: NHS Surrey and Sussex took over"]
    assert "figures are not combined" in fig.layout.title.text


# ---------------------------------------------------------------- misuse

def test_data_on_a_former_code_after_it_ended_is_shown_and_said_not_hidden(ssx, editor, tmp_path):
    load(ssx, editor, tmp_path, rows_for("E54000063", ["2026/27 Q1", "2026/27 Q2"], 13.0), "late.csv")
    heartlands = by_code(predecessors(ssx, "SSX", "FT91547"))["E54000063"]
    assert heartlands["after_end"] == 2 and heartlands["last_label"] == "2026/27 Q2"
    assert heartlands["words"].endswith(
        "2 of its periods end after its code ended on 31 March 2026: the source still publishes figures on the "
        "former code, and they are shown as they came")
    points = next(p for p in lineage(ssx, "SSX", "FT91547")["predecessors"] if p["area_code"] == "E54000063")["points"]
    assert list(points["period_label"])[-2:] == ["2026/27 Q1", "2026/27 Q2"]
    assert list(lineage(ssx, "SSX", "FT91547")["points"]["value"]) == FOOTPRINT_VALUES


def test_a_former_icb_only_part_of_which_is_in_the_footprint_says_part_of(ssx, editor, tmp_path):
    load(ssx, editor, tmp_path, rows_for("E54000034", QUARTERS[:6], 12.0), "frimley.csv")
    frimley = by_code(predecessors(ssx, "SSX", "FT91547"))["E54000034"]
    assert frimley["share"] == "part"
    assert frimley["words"] == ("Frimley (E54000034), 2022/23 Q1 to 2023/24 Q2, only part of its area is now part of "
                                "NHS Surrey and Sussex, so its figures cover more than NHS Surrey and Sussex")
    fig = lineage_chart(lineage(ssx, "SSX", "FT91547"), measure="Smoking", unit="%")
    names = [t.name for t in fig.data]
    assert names[-2] == "Frimley (E54000034), 2022/23 Q1 to 2023/24 Q2, only part of it is now in NHS Surrey and Sussex"
    assert [p["area_code"] for p in predecessors(ssx, "SSX")][-1] == "E54000034"  # the part comes after the wholes


def test_a_system_with_no_former_icbs_has_no_lineage(demo_con):
    assert predecessors(demo_con, "DEMO", "I08") == []
    found = lineage(demo_con, "DEMO", "I08")
    assert found["predecessors"] == [] and lineage_sentence(found) == ""


def test_an_unknown_system_or_measure_has_no_lineage(ssx):
    assert predecessors(ssx, "NOPE", "FT91547") == []
    assert lineage(ssx, "NOPE", "FT91547")["predecessors"] == []
    assert lineage(ssx, "SSX", "NOPE")["predecessors"] == []
    assert all(p["periods"] == 0 for p in predecessors(ssx, "SSX", "NOPE"))


def test_another_system_on_a_neighbouring_footprint_does_not_see_this_systems_former_data(ssx, editor):
    start_system(ssx, editor, "TV", "Thames Valley", "E54000070")
    assert {p["area_code"] for p in predecessors(ssx, "TV")} >= {"E54000034"}
    assert lineage(ssx, "TV", "FT91547")["predecessors"] == []


def build_ssx_database(path: Path, folder: Path, *, frimley: bool = False) -> Path:
    """A closed database file holding NHS Surrey and Sussex with its own and its former ICBs' rows, for page tests."""
    from framework.core import db
    from tests.conftest import make_user

    connection = db.connect(path)
    editor = make_user("editor")
    start_system(connection, editor, "SSX", "Surrey and Sussex Health and Care", "E54000069")
    extra = rows_for("E54000034", QUARTERS[:14], 12.6, -0.05) if frimley else []
    load(connection, editor, folder, footprint_rows() + former_rows() + extra)
    connection.close()
    return path
