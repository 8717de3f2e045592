"""Today's geography (ICB 2026) and the older vintages, loading newer ONS lookups, and starting a new system on an
ICB footprint: from the domain functions and from the command line."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from framework.core import db
from framework.core.errors import ValidationError
from framework.foundation.geography import load_geography, todays_icbs
from framework.foundation.starting import start_system
from tests.conftest import ROOT, make_user

HEADER = ("LSOA21CD,SICBL26CD,SICBL26CDH,SICBL26NM,ICB26CD,ICB26CDH,ICB26NM,NHSER26CD,NHSER26CDH,NHSER26NM,"
          "LAD26CD,LAD26NM")
SY = "E38000006,02P,NHS South Yorkshire ICB - 02P,E54000061,QF7,NHS South Yorkshire Integrated Care Board,E40000012,Y63," \
     "North East and Yorkshire"
CE = "E38000049,06K,NHS Central East ICB - 06K,E54000065,QXA,NHS Central East Integrated Care Board,E40000007,Y61," \
     "East of England"
ROWS = [f"E01007321,{SY},E08000016,Barnsley", f"E01007322,{SY},E08000016,Barnsley",
        f"E01007330,{SY},E08000017,Doncaster", f"E01023456,{CE},E07000095,Broxbourne",
        f"E01023457,{CE},E07000099,North Hertfordshire"]


def lookup_file(folder: Path, rows: list[str], header: str = HEADER, name: str = "lsoa26.csv") -> Path:
    """A small lookup in the ONS format: UTF-8 with a byte order mark, CRLF line ends."""
    path = folder / name
    path.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "framework", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def areas(con, where: str = "true") -> dict[str, dict]:
    return {r["area_code"]: r for r in db.read_rows(con, f"SELECT * FROM area WHERE {where}")}


# ---------------------------------------------------------------- the shipped geography

def test_a_new_database_knows_england_seven_regions_and_the_36_icbs_in_force_today(con):
    icbs = todays_icbs(con)
    assert len(icbs) == 36 and icbs["region_code"].nunique() == 7
    assert "NHS Central East Integrated Care Board" in set(icbs["icb_name"])
    assert "E54000025" not in set(icbs["icb_code"])  # Hertfordshire and West Essex was abolished
    assert areas(con, "area_type = 'England'").keys() == {"E92000001"}


def test_the_2022_icbs_and_sub_icb_locations_stay_marked_with_the_years_they_were_in_force(con):
    every = areas(con)
    assert sum(a["area_type"] == "Sub-ICB location" for a in every.values()) == 106
    assert sum(a["area_type"] == "ICB" and a["vintage"] == 2022 for a in every.values()) == 13
    herts = every["E54000025"]
    assert (str(herts["in_force_from"]), str(herts["in_force_to"])) == ("2022-07-01", "2026-03-31")
    assert str(every["E54000052"]["in_force_to"]) == "2023-03-31"  # Surrey Heartlands' first code
    surrey = every["E54000063"]
    assert (surrey["area_name"], str(surrey["in_force_from"]), surrey["parent_code"]) == (
        "NHS Surrey Heartlands Integrated Care Board", "2023-04-01", "E40000005")
    assert every["E54000061"]["in_force_to"] is None and every["E54000061"]["vintage"] == 2026


def test_each_abolished_icb_is_linked_to_its_successors_whole_or_in_part(con):
    links = {(r["old_code"], r["new_code"]): (r["share"], r["part_name"])
             for r in db.read_rows(con, "SELECT * FROM area_successor")}
    assert links[("E54000025", "E54000065")] == ("part", "Hertfordshire")
    assert links[("E54000025", "E54000066")] == ("part", "west Essex")
    assert links[("E54000024", "E54000065")] == ("whole", None)
    assert links[("E54000052", "E54000063")] == ("whole", None)
    assert links[("E54000063", "E54000069")] == ("whole", None)
    assert not any(old == new for old, new in links)  # "unchanged" ICBs are not successions


@pytest.mark.parametrize("location, icb", [
    ("E38000049", "E54000065"),  # 06K East and North Hertfordshire: to Central East
    ("E38000197", "E54000066"),  # 07H West Essex: to Essex
    ("E38000117", "E54000066"),  # 06T North East Essex: to Essex
    ("E38000204", "E54000068"),  # 07K West Suffolk: to Norfolk and Suffolk
    ("E38000246", "E54000069"),  # Surrey Heartlands, through its 2023 code, to Surrey and Sussex
    ("E38000249", "E54000065"),  # Bedfordshire, Luton and Milton Keynes moved whole
    ("E38000006", "E54000061"),  # South Yorkshire kept its code
])
def test_sub_icb_locations_sit_under_the_icb_that_took_them_over(con, location, icb):
    assert areas(con)[location]["parent_code"] == icb


def test_frimleys_one_location_spans_three_icbs_so_it_stays_under_frimley_no_longer_in_force(con):
    frimley = areas(con)["E38000252"]
    assert frimley["parent_code"] == "E54000034" and str(frimley["in_force_to"]) == "2026-03-31"


def test_an_older_release_database_upgrades_without_losing_its_systems_areas_or_links(demo_db_file, tmp_path):
    old = tmp_path / "old.duckdb"
    shutil.copy(ROOT / "tests" / "data" / "release_ae2f384.duckdb", old)
    con = db.connect(old)
    try:
        assert db.read_rows(con, "SELECT count(*) AS n FROM system_area WHERE system_code = 'DEMO'")[0]["n"] > 3
        assert len(todays_icbs(con)) == 36
        assert areas(con)["E54000025"]["in_force_to"] is not None
    finally:
        con.close()


# ---------------------------------------------------------------- loading a newer lookup

def test_the_april_2026_lsoa_lookup_adds_local_authorities_and_reports_what_changed(con, editor, tmp_path):
    changes = load_geography(con, editor, lookup_file(tmp_path, ROWS + [ROWS[0]]))  # a repeated LSOA row
    every = areas(con)
    assert every["E08000016"]["area_type"] == "Local authority" and every["E08000016"]["parent_code"] == "E54000061"
    assert {c for c, _n, kind in changes.added if kind == "Local authority"} == {
        "E08000016", "E08000017", "E07000095", "E07000099"}
    assert ("E38000049", "NHS Hertfordshire and West Essex ICB - 06K", "NHS Central East ICB - 06K") in changes.renamed
    assert changes.duplicates == 1
    text = "\n".join(changes.sentences())
    assert "4 Local authority" in text and "1 renamed" in text and "repeated an LSOA" in text
    assert db.read_rows(con, "SELECT action, entity FROM audit_log WHERE entity = 'geography'") == [
        {"action": "load", "entity": "geography"}]


def test_a_local_authority_split_between_icbs_sits_under_the_one_holding_most_of_it(con, editor, tmp_path):
    split = [f"E01007321,{SY},E07000099,North Hertfordshire", f"E01023456,{CE},E07000099,North Hertfordshire",
             f"E01023457,{CE},E07000099,North Hertfordshire"]
    load_geography(con, editor, lookup_file(tmp_path, split))
    assert areas(con)["E07000099"]["parent_code"] == "E54000065"
    overlap = db.read_rows(con, "SELECT icb_code, lsoa_count FROM area_overlap ORDER BY icb_code")
    assert overlap == [{"icb_code": "E54000061", "lsoa_count": 1}, {"icb_code": "E54000065", "lsoa_count": 2}]


def test_a_sub_icb_location_moved_to_another_icb_is_reported_as_moved(con, editor, tmp_path):
    moved = SY.replace("E38000006,02P", "E38000049,06K")
    changes = load_geography(con, editor, lookup_file(tmp_path, [f"E01007321,{moved},E08000016,Barnsley"]))
    assert ("E38000049", "E54000065", "E54000061") in changes.moved


def test_the_shipped_2022_lookup_never_undoes_the_newer_placing(con, editor):
    changes = load_geography(con, editor, ROOT / "data" / "reference" / "ons_loc22_icb22_nhser22_lookup.csv")
    assert changes.kept_newer > 0 and not changes.moved and not changes.added
    assert areas(con)["E38000049"]["parent_code"] == "E54000065"


BAD_FILES = [
    ("a missing column", HEADER.replace(",LAD26NM", ""), [r.rsplit(",", 1)[0] for r in ROWS],
     "row 1, column LAD26NM: found nothing (blank); expected a column named LAD26NM"),
    ("a truncated file", HEADER, [ROWS[0], ROWS[1][:40]], "row 3: found '4 values'; expected 12 values"),
    ("a wrong code", HEADER, [ROWS[0].replace("E54000061", "X54000061")], "row 2, column ICB26CD: found 'X54000061'"),
    ("a blank name", HEADER, [ROWS[0].replace(",Barnsley", ",")], "row 2, column LAD26NM: found nothing (blank)"),
    ("an LSOA placed twice", HEADER, [ROWS[0], ROWS[0].replace("E08000016,Barnsley", "E08000017,Doncaster")],
     "row 3, column LSOA21CD: found 'E01007321'; expected each LSOA once: row 2"),
    ("an unknown header", "a,b,c", ["1,2,3"], "row 1: found the columns 'a, b, c'; expected the header of an ONS"),
    ("no rows", HEADER, [], "expected at least one row"),
]


@pytest.mark.parametrize("case, header, rows, words", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_lookup_names_file_row_and_column_and_loads_nothing(con, editor, tmp_path, case, header, rows, words):
    before = areas(con)
    with pytest.raises(ValidationError) as caught:
        load_geography(con, editor, lookup_file(tmp_path, rows, header))
    assert any(words in p and p.startswith("lsoa26.csv") for p in caught.value.problems), caught.value.problems
    assert areas(con) == before


def test_a_binary_file_is_refused_in_words(con, editor, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(ValidationError, match="junk.csv: found binary data"):
        load_geography(con, editor, junk)


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_only_editors_and_admins_may_load_a_lookup(con, tmp_path, role):
    with pytest.raises(PermissionError):
        load_geography(con, make_user(role), lookup_file(tmp_path, ROWS))


# ---------------------------------------------------------------- starting a system

def links(con, code: str) -> dict[str, str]:
    return {r["area_code"]: r["role"] for r in db.read_rows(
        con, "SELECT area_code, role FROM system_area WHERE system_code = ?", [code])}


def test_a_new_system_gets_its_icb_region_england_places_and_former_icbs(con, editor):
    done = start_system(con, editor, "SSX", "Surrey and Sussex Health and Care", "E54000069")
    system = db.read_rows(con, "SELECT * FROM system WHERE system_code = 'SSX'")[0]
    assert (system["icb_code"], system["region_code"], system["region_name"]) == (
        "E54000069", "E40000005", "South East")
    assert str(system["framework_start"]) == "2026-04-01" or system["framework_start"].month == 4
    linked = links(con, "SSX")
    assert linked["E54000069"] == "system" and linked["E92000001"] == linked["E40000005"] == "comparator"
    assert {c for c, r in linked.items() if r == "predecessor"} == {
        "E54000063", "E54000064", "E54000052", "E54000053", "E54000034"}
    assert {c for c, r in linked.items() if r == "place"} == {"E38000021", "E38000235", "E38000246", "E38000248"}
    assert done["places"] and db.read_rows(con, "SELECT entity FROM audit_log WHERE system_code = 'SSX' ORDER BY 1"
                                           ) == [{"entity": "system"}, {"entity": "system_area"}]


def test_local_authorities_become_places_once_a_lookup_has_loaded_them(con, editor, tmp_path):
    with pytest.raises(ValidationError, match="geography FILE"):
        start_system(con, editor, "SY", "South Yorkshire", "E54000061", "lad")
    load_geography(con, editor, lookup_file(tmp_path, ROWS))
    start_system(con, editor, "SY", "South Yorkshire", "E54000061", "both")
    places = {c for c, r in links(con, "SY").items() if r == "place"}
    assert {c for c in places if c.startswith("E08")} == {"E08000016", "E08000017"}  # not Central East's
    assert len({c for c in places if c.startswith("E38")}) == 4 and "E38000006" in places


@pytest.mark.parametrize("code, name, footprint, words", [
    ("S Y", "South Yorkshire", "E54000061", "may use only letters, digits"),
    ("SY", "   ", "E54000061", "System name is required"),
    ("SY", "South Yorkshire", "E54009999", "There is no ICB 'E54009999'"),
    ("SY", "South Yorkshire", "E54000025", "was abolished: it was in force until 31 March 2026. Its area is now in "
                                          "E54000065 (NHS Central East Integrated Care Board: the Hertfordshire part)"),
    ("SY", "South Yorkshire", "E38000006", "There is no ICB 'E38000006'"),
    ("=cmd", "South Yorkshire", "E54000061", "may use only letters, digits"),
])
def test_a_bad_start_is_refused_in_words_and_writes_nothing(con, editor, code, name, footprint, words):
    with pytest.raises(ValidationError) as caught:
        start_system(con, editor, code, name, footprint)
    assert any(words in p for p in caught.value.problems), caught.value.problems
    assert db.read_rows(con, "SELECT count(*) AS n FROM system")[0]["n"] == 0


def test_formula_text_in_a_name_is_kept_exactly_as_text(con, editor):
    start_system(con, editor, "F1", '=HYPERLINK("http://x.example","Click")', "E54000061")
    assert db.read_rows(con, "SELECT name FROM system")[0]["name"] == '=HYPERLINK("http://x.example","Click")'


def test_a_code_already_taken_is_refused_and_the_first_system_is_untouched(con, editor):
    start_system(con, editor, "SY", "South Yorkshire", "E54000061")
    with pytest.raises(ValidationError, match="System code 'SY' is already used"):
        start_system(con, editor, "SY", "Another", "E54000054")
    assert db.read_rows(con, "SELECT name, icb_code FROM system") == [
        {"name": "South Yorkshire", "icb_code": "E54000061"}]


@pytest.mark.parametrize("role", ["viewer", "community", "partner"])
def test_a_lower_role_calling_start_system_directly_is_refused_and_nothing_is_written(con, role):
    with pytest.raises(PermissionError, match=f"signed in as {role}"):
        start_system(con, make_user(role), "SY", "South Yorkshire", "E54000061")
    assert db.read_rows(con, "SELECT count(*) AS n FROM system_area")[0]["n"] == 0


def test_two_sessions_starting_the_same_code_at_once_make_exactly_one_system(con, editor):
    barrier, outcomes = threading.Barrier(2), []

    def attempt(name: str, footprint: str) -> None:
        barrier.wait()
        try:
            start_system(con, editor, "SAME", name, footprint)
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.problems))
        except Exception as exc:  # a conflict reported in words is also a refusal
            outcomes.append(str(exc))

    threads = [threading.Thread(target=attempt, args=a) for a in (("One", "E54000061"), ("Two", "E54000054"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("created") == 1
    refusal = next(o for o in outcomes if o != "created")
    assert "already used" in refusal or "Someone else was saving" in refusal
    assert db.read_rows(con, "SELECT count(*) AS n FROM system")[0]["n"] == 1
    assert db.read_rows(con, "SELECT count(DISTINCT role) AS n FROM system_area WHERE role = 'system'")[0]["n"] == 1


# ---------------------------------------------------------------- the command line

def test_the_command_line_starts_a_system_on_an_empty_database(tmp_path):
    path = str(tmp_path / "new.duckdb")
    assert run_cli("--db", path, "init").returncode == 0
    done = run_cli("--db", path, "add-system", "SY", "--name", "South Yorkshire", "--footprint", "E54000061")
    assert done.returncode == 0, done.stderr
    assert "Created system SY on E54000061 (NHS South Yorkshire Integrated Care Board)" in done.stdout


@pytest.mark.parametrize("args, words", [
    (["add-system", "SY", "--name", "", "--footprint", "E54000061"], "System name is required"),
    (["add-system", "SY", "--name", "X", "--footprint", "E54000028"], "NHS West and North London"),
    (["add-system", "SY", "--name", "X", "--footprint", "E54000061", "--places", "lad"], "geography FILE"),
    (["add-system", "SY", "--name", "X", "--footprint", "E54000061", "--places", "wards"], "invalid choice"),
    (["geography", "{t}/missing.csv"], "no such file"),
    (["geography", "{t}/junk.csv"], "found binary data"),
    (["geography", "{t}/short.csv"], "the file may be cut short"),
])
def test_a_bad_command_exits_2_with_words_and_never_a_traceback(tmp_path, args, words):
    path = str(tmp_path / "new.duckdb")
    run_cli("--db", path, "init")
    (tmp_path / "junk.csv").write_bytes(bytes(range(256)) * 8)
    lookup_file(tmp_path, [ROWS[0], ROWS[1][:30]], name="short.csv")
    result = run_cli("--db", path, *[a.replace("{t}", str(tmp_path)) for a in args])
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout
    assert words in result.stderr, result.stderr
    assert db.read_rows(db.connect(path, read_only=True), "SELECT count(*) AS n FROM system")[0]["n"] == 0


def test_the_geography_command_reports_what_it_added(tmp_path):
    path = str(tmp_path / "new.duckdb")
    run_cli("--db", path, "init")
    result = run_cli("--db", path, "geography", str(lookup_file(tmp_path, ROWS)))
    assert result.returncode == 0, result.stderr
    assert "lsoa26.csv: 4 areas added (4 Local authority), 1 renamed" in result.stdout
