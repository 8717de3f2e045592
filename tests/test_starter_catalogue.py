"""Choosing first measures from a starter catalogue: NHS England's system metrics as shipped, a Fingertips export's
indicators, files that are wrong or cut short, and adopting measures all or nothing, audited, never twice."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from framework.core.errors import ValidationError
from framework.data_io.importers.uploads import check_upload
from framework.foundation.indicators import get_indicator
from framework.foundation.systems import create_system
from framework.foundation.vision import save_outcome
from framework.measures.starter_catalogue import (
    NHSE_FILE,
    NHSE_HEADERS,
    adopt_measures,
    already_adopted,
    fingertips_offers,
    read_nhse_catalogue,
)
from tests.conftest import REFERENCE, make_user, reference_file

FINGERTIPS = "fingertips_91547_smoking_prevalence_qof.csv"


@pytest.fixture
def new_system(con, editor) -> str:
    """A new system with one outcome and no measures."""
    create_system(con, editor, {"system_code": "NEWICS", "name": "New ICS", "framework_start": date(2026, 4, 1)})
    save_outcome(con, editor, "NEWICS", {"outcome_code": "O1", "title": "Fairer health", "ambition_3y": "A gap "
                                         "narrowed"}, is_new=True)
    return "NEWICS"


def _choice(offer: dict, **given) -> dict:
    return {**offer, "outcome_code": "O1", "direction": "higher_is_better", "target_3y": "60", **given}


def _problems(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.problems


def test_the_shipped_catalogue_is_the_published_file_with_its_byte_order_mark_and_header_spelling():
    if (REFERENCE / "nhse_ics_system_metrics_2020.csv").exists():
        assert NHSE_FILE.read_bytes() == (REFERENCE / "nhse_ics_system_metrics_2020.csv").read_bytes()
    assert NHSE_FILE.read_bytes().startswith(b"\xef\xbb\xbfTheme,Metric,")
    assert "Availiable Date" in NHSE_HEADERS and "Geographical Availibilty" in NHSE_HEADERS


def test_the_nhs_england_catalogue_offers_its_twelve_metrics_with_a_source_and_a_unit_where_one_is_clear():
    offers = read_nhse_catalogue()
    assert len(offers) == 12 and offers["source_ref"].is_unique and offers["suggested_code"].is_unique
    physical = offers[offers["name"] == "Percentage of physically active adults"].iloc[0]
    assert (physical["unit"], physical["frequency"], physical["source_ref"]) == (
        "%", "Annual", "nhse-ics-2020:percentage-of-physically-active-adults")
    assert offers[offers["name"] == "Avoidable admissions"].iloc[0]["unit"] == ""
    assert "Prevention & inequalities" in physical["definition"]


@pytest.mark.parametrize("content, message", [
    (b"", "metrics.csv: found 'an empty file'; expected a header row"),
    ("\ufeffTheme,Measure,Long-Term Plan priority area,Availiable Date,Geographical Availibilty,Frequency\n"
     "Prevention,Childhood obesity,Prevention & inequalities,2020/21,Place,Annual\n".encode(),
     "metrics.csv, row 1, column Metric: found 'Measure'; expected the column 'Metric'."),
    (b"Theme,Metric,Long-Term Plan priority area,Availiable Date,Geographical Availibilty,Frequency\n"
     b"Prevention,Childhood obesity,Prevention & inequalities,2020/21,Place,Annual\n"
     b"Prevention,Percentage of physically act",
     "metrics.csv, row 3, column Frequency: found nothing (blank); expected the frequency (the row may be cut short)."),
    (b"Theme,Metric,Long-Term Plan priority area,Availiable Date,Geographical Availibilty,Frequency\n"
     b"Prevention,,Prevention & inequalities,2020/21,Place,Annual\n",
     "metrics.csv, row 2, column Metric: found nothing (blank); expected a metric's name."),
    (b"Theme,Metric\n\xff\xfe\x00broken", "metrics.csv: found 'text that is not UTF-8'; expected a CSV file in UTF-8."),
])
def test_a_wrong_or_cut_short_catalogue_is_refused_naming_its_file_row_and_column(tmp_path, content, message):
    path = tmp_path / "metrics.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        read_nhse_catalogue(path)
    assert any(p.startswith(message) for p in _problems(caught)), _problems(caught)


def test_a_fingertips_export_offers_its_indicator_by_id_name_and_unit(con, new_system, editor):
    path = reference_file(FINGERTIPS)
    offers = fingertips_offers(check_upload(con, str(path), new_system, editor).files[0])
    assert offers[["source_ref", "name", "unit"]].values.tolist() == [
        ["fingertips:91547", "Smoking prevalence in adults (15+) - current smokers (QOF)", "%"]]


def test_a_file_that_is_not_a_fingertips_export_is_refused_naming_the_file(con, new_system, editor):
    check = check_upload(con, str(NHSE_FILE), new_system, editor).files[0]
    with pytest.raises(ValidationError) as caught:
        fingertips_offers(check)
    assert any(p.startswith("nhse_ics_system_metrics_2020.csv") for p in _problems(caught)), _problems(caught)


@pytest.mark.parametrize("cut_after, message", [
    ("Category Type", "cut.csv, row 1: found 'a file that is not a Fingertips data export'"),
    ("Value,", "cut.csv, row 2: found 'a header row and no data'"),
])
def test_a_fingertips_export_cut_short_inside_its_header_is_refused_naming_file_row_and_column(
        con, new_system, editor, tmp_path, cut_after, message):
    text = reference_file(FINGERTIPS).read_text(encoding="utf-8-sig")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: text.index(cut_after) + len(cut_after)], encoding="utf-8")
    check = check_upload(con, str(cut), new_system, editor).files[0]
    with pytest.raises(ValidationError) as caught:
        fingertips_offers(check)
    assert any(p.startswith(message) for p in _problems(caught)), _problems(caught)


def test_a_fingertips_export_cut_short_inside_a_row_still_offers_its_indicator(con, new_system, editor, tmp_path):
    lines = reference_file(FINGERTIPS).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    cut = tmp_path / "cut.csv"
    cut.write_text("".join(lines[:40]) + lines[40][:30], encoding="utf-8")
    check = check_upload(con, str(cut), new_system, editor).files[0]
    assert check.problems_total >= 1  # the cut row is reported by the import check, with its row
    assert list(fingertips_offers(check)["source_ref"]) == ["fingertips:91547"]


def test_adopting_creates_active_measures_with_their_outcome_direction_and_targets_and_audits_each(con, new_system,
                                                                                                   editor):
    offers = read_nhse_catalogue().set_index("name", drop=False)
    result = adopt_measures(con, editor, new_system, [
        _choice(offers.loc["Percentage of physically active adults"].to_dict(), target_1y="55", target_5y="65"),
        _choice(offers.loc["Avoidable admissions"].to_dict(), direction="lower_is_better", target_3y="900"),
    ])
    assert result == {"added": ["NHSE09", "NHSE07"], "already": []}
    active = get_indicator(con, new_system, "NHSE09")
    assert (active["outcome_code"], active["direction"], active["status"], active["unit"], active["source_ref"]) == (
        "O1", "higher_is_better", "active", "%", "nhse-ics-2020:percentage-of-physically-active-adults")
    assert (active["target_1y"], active["target_3y"], active["target_5y"]) == (55, 60, 65)
    assert con.execute("SELECT user_role, action, entity_key FROM audit_log WHERE entity = 'indicator'"
                       " ORDER BY audit_id").fetchall() == [("editor", "create", "NEWICS/NHSE09"),
                                                            ("editor", "create", "NEWICS/NHSE07")]


def test_adopting_the_same_measure_twice_adds_it_once(con, new_system, editor):
    offer = read_nhse_catalogue().iloc[6].to_dict()
    adopt_measures(con, editor, new_system, [_choice(offer)])
    again = adopt_measures(con, editor, new_system, [_choice(offer), _choice(offer)])
    assert again == {"added": [], "already": ["Avoidable admissions", "Avoidable admissions"]}
    assert con.execute("SELECT count(*) FROM indicator WHERE system_code = ?", [new_system]).fetchone()[0] == 1
    assert already_adopted(con, new_system) == {"nhse-ics-2020:avoidable-admissions"}


def test_a_fingertips_indicator_adopted_first_is_the_one_a_later_import_of_that_export_fills(con, new_system, editor):
    path = str(reference_file(FINGERTIPS))
    offer = fingertips_offers(check_upload(con, path, new_system, editor).files[0]).iloc[0].to_dict()
    adopt_measures(con, editor, new_system, [_choice(offer, direction="lower_is_better", target_3y="10")])
    assert fingertips_offers(check_upload(con, path, new_system, editor).files[0]).empty


def test_one_bad_choice_means_nothing_is_adopted_and_each_problem_names_its_measure(con, new_system, editor):
    offers = read_nhse_catalogue().set_index("name", drop=False)
    with pytest.raises(ValidationError) as caught:
        adopt_measures(con, editor, new_system, [
            _choice(offers.loc["Avoidable admissions"].to_dict()),
            _choice(offers.loc["Percentage of physically active adults"].to_dict(), outcome_code=None, direction=None,
                    target_3y="120"),
            _choice(offers.loc["Childhood obesity"].to_dict(), target_3y=""),
            _choice(offers.loc["Healthy Life expectancy"].to_dict(), target_3y="soon", outcome_code="O9"),
        ])
    assert _problems(caught) == [
        "Percentage of physically active adults: choose the outcome it measures.",
        "Percentage of physically active adults: choose whether higher or lower is better (or neither).",
        "Percentage of physically active adults: Target 3y is 120, but a percentage is 0 to 100.",
        "Childhood obesity: give a target for at least one horizon: 1, 3 or 5 years.",
        "Healthy Life expectancy: Outcome 'O9' is not an outcome of this system.",
        "Healthy Life expectancy: Target 3y must be a number; found 'soon'.",
    ]
    assert con.execute("SELECT count(*) FROM indicator WHERE system_code = ?", [new_system]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM audit_log WHERE entity = 'indicator'").fetchone()[0] == 0


def test_a_code_another_measure_already_uses_is_not_taken_over(con, new_system, editor):
    offer = read_nhse_catalogue().iloc[6].to_dict()
    adopt_measures(con, editor, new_system, [_choice({**offer, "source_ref": "local:admissions"})])
    result = adopt_measures(con, editor, new_system, [_choice(offer)])
    assert result["added"] == ["NHSE07-2"]


def test_formula_and_markdown_names_are_kept_as_text(con, new_system, editor):
    offer = {"source_ref": "local:1", "suggested_code": "L1", "name": "=cmd|' /C calc'!A0", "unit": ""}
    other = {"source_ref": "local:2", "suggested_code": "L2", "name": "**bold** [link](javascript:alert(1))", "unit": ""}
    adopt_measures(con, editor, new_system, [_choice(offer), _choice(other)])
    assert get_indicator(con, new_system, "L1")["name"] == "=cmd|' /C calc'!A0"
    assert get_indicator(con, new_system, "L2")["name"] == "**bold** [link](javascript:alert(1))"


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_a_lower_role_adopting_directly_is_refused_and_nothing_is_written(con, new_system, role):
    offer = read_nhse_catalogue().iloc[0].to_dict()
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        adopt_measures(con, make_user(role), new_system, [_choice(offer)])
    assert con.execute("SELECT count(*) FROM indicator WHERE system_code = ?", [new_system]).fetchone()[0] == 0


def test_adopting_nothing_is_refused_in_words(con, new_system, editor):
    with pytest.raises(ValidationError, match="Choose at least one measure"):
        adopt_measures(con, editor, new_system, [])


def test_an_oversized_catalogue_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"Theme," + b"x" * 1_100_000)
    with pytest.raises(ValidationError, match="huge.csv: found 'a file over 1,000,000 bytes'"):
        read_nhse_catalogue(Path(path))
