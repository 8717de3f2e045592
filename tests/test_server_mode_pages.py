"""Server mode reads the same as the embedded file: every page, opened on the demo in PostgreSQL, show the same
titles, headings, key figures and tables as on the DuckDB file; the command line makes, imports into and exports
from a PostgreSQL store."""
from __future__ import annotations

import pytest

from bench.page_times import PAGES as EVERY_PAGE
from framework import cli
from framework.core import db
from framework.data_io import store_copy
from tests.apptest_helpers import open_app
from tests.test_store_copy import open_server_store

# (page, role): the pages a community representative, a viewer and an engagement lead open most.
PAGES = [
    ("home_page", "community"),
    ("progress_page", "viewer"),
    ("indicators_page", "viewer"),
    ("framework_page", "editor"),
    ("engagement_page", "community"),
    ("you_said_page", "community"),
    ("review_results_page", "editor"),
    ("board_report_page", "editor"),
    ("history_page", "editor"),
    ("proposals_page", "community"),
]
# ... and every page a system's users see (the list the benchmark keeps in step with app.py), as an engagement lead,
# with one measure open on the indicator page.
PAGES += [(page, "editor") for _, page, _ in EVERY_PAGE if (page, "editor") not in PAGES]
OPEN_ONE = {"indicators_page": {"indicator": "I08"}}


@pytest.fixture(scope="module")
def pg_demo(pg_server, demo_db_file):
    """The demo, copied table for table into a PostgreSQL database that this module's tests only read."""
    url = pg_server.new_database()
    open_server_store(url).close()
    with db.connect(demo_db_file) as source:
        store_copy.copy_store(source, url)
    yield url
    pg_server.drop_database(url)


def what_a_reader_sees(at) -> dict:
    """The parts of a page that must read the same on both stores."""
    return {
        "exception": [str(e.value)[:300] for e in at.exception],
        "error": [e.value for e in at.error],
        "title": [t.value for t in at.title],
        "headers": [h.value for h in at.header] + [s.value for s in at.subheader],
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": [(list(frame.value.columns), frame.value.astype(str).values.tolist()) for frame in at.dataframe],
        "text": [m.value for m in at.markdown],
    }


@pytest.mark.parametrize(("page", "role"), PAGES)
def test_each_main_page_reads_the_same_on_postgresql_as_on_the_file(page, role, pg_demo, demo_db_file, monkeypatch):
    query = OPEN_ONE.get(page) if role == "editor" else None
    on_file = what_a_reader_sees(open_app(monkeypatch, demo_db_file, page=page, role=role, query=query))
    on_server = what_a_reader_sees(open_app(monkeypatch, pg_demo, page=page, role=role, query=query))
    assert on_file["exception"] == [] and on_file["title"], f"{page} does not open on the file"
    for part in ("exception", "error", "title", "headers", "metrics", "tables", "text"):
        assert on_server[part] == on_file[part], f"{page}: the {part} differ"


def test_home_on_postgresql_shows_the_demo_system_and_its_measure_counts(pg_demo, monkeypatch):
    at = open_app(monkeypatch, pg_demo)
    assert not at.exception
    assert at.title[0].value == "Northmoor and Vale Health and Care Partnership (demo)"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Measures in use": "24", "Planned, not yet in use": "2", "Retired": "1", "All measures": "27"}


def test_the_command_line_makes_imports_into_and_exports_from_a_postgresql_store(pg_url, tmp_path, capsys,
                                                                                 monkeypatch):
    open_server_store(pg_url).close()
    # On a server there is no folder beside the store for a ballot key file: the secret comes from the environment.
    monkeypatch.setenv("SHARED_MEASURES_BALLOT_SECRET", "a-long-random-test-secret")
    assert cli.main(["--db", pg_url, "init", "--demo"]) == 0
    assert "Loaded the demo system" in capsys.readouterr().out
    monkeypatch.delenv("SHARED_MEASURES_BALLOT_SECRET")
    assert cli.main(["--db", pg_url, "init", "--demo"]) == 0
    assert "already loaded" in capsys.readouterr().out
    data = tmp_path / "new.csv"
    data.write_text("indicator_code,area_code,period_label,value\nI08,DEMO-ICB,2026/27,17.5\n")
    assert cli.main(["--db", pg_url, "import", str(data), "--system", "DEMO"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    out = tmp_path / "return.xlsx"
    assert cli.main(["--db", pg_url, "export", str(out)]) == 0, capsys.readouterr().err
    assert out.stat().st_size > 10_000
    with open_server_store(pg_url) as con:
        assert db.scalar(con.cursor(), "SELECT value FROM measurement WHERE indicator_code = 'I08' "
                                       "AND period_label = '2026/27' AND area_code = 'DEMO-ICB'") == 17.5
        assert db.scalar(con.cursor(), "SELECT count(*) FROM audit_log WHERE user_id = 'cli'") >= 2


def test_the_command_line_on_a_wrong_password_exits_2_and_never_prints_it(pg_server, capsys):
    from urllib.parse import urlsplit

    parts = urlsplit(pg_server.url)
    address = f"postgresql://nobody_here:Wr0ng-Secret@{parts.hostname}:{parts.port}/postgres"
    code = cli.main(["--db", address, "export", "x.xlsx"])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err
    assert "nobody_here" in err and "Cannot reach" not in err, err
    assert "Wr0ng-Secret" not in out + err


def test_a_pg_dump_backup_restored_into_a_new_database_opens_in_the_app_with_every_row(pg_demo, pg_server, tmp_path,
                                                                                     monkeypatch):
    import subprocess

    if pg_server.bin_dir is None or not (pg_server.bin_dir / "pg_dump").exists():
        pytest.skip("pg_dump is not installed beside the test server")
    backup = tmp_path / "shared_measures.dump"
    dumped = subprocess.run([str(pg_server.bin_dir / "pg_dump"), "--format=custom", "--no-owner", "-f", str(backup),
                             "-d", pg_demo], capture_output=True, text=True, check=False)
    assert dumped.returncode == 0, dumped.stderr
    restored = pg_server.new_database(template="template0")
    done = subprocess.run([str(pg_server.bin_dir / "pg_restore"), "--no-owner", "--exit-on-error", "-d", restored,
                           str(backup)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    from tests.test_store_copy import table_contents

    with open_server_store(pg_demo) as original, open_server_store(restored) as copy:
        assert table_contents(copy) == table_contents(original)
        assert db.scalar(copy.cursor(), "SELECT count(*) FROM measurement") > 1000
    at = open_app(monkeypatch, restored)
    assert not at.exception
    assert at.title[0].value == "Northmoor and Vale Health and Care Partnership (demo)"
    pg_server.drop_database(restored)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _page_words(at) -> str:
    return " ".join([e.value for e in at.error] + [m.value for m in at.markdown] + [t.value for t in at.title])


def test_the_app_on_an_unreachable_server_says_so_in_words_without_the_password(monkeypatch):
    at = open_app(monkeypatch, f"postgresql://sm:S3cret-Pw@127.0.0.1:{_free_port()}/shared")
    assert not at.exception
    assert [e.value for e in at.error] and "could not be opened" in at.error[0].value
    assert "127.0.0.1" in at.error[0].value and "Traceback" not in _page_words(at)
    assert "S3cret-Pw" not in _page_words(at)


def test_the_app_with_a_user_the_server_does_not_know_names_the_user_not_the_password(pg_server, monkeypatch):
    from urllib.parse import urlsplit

    parts = urlsplit(pg_server.url)
    at = open_app(monkeypatch, f"postgresql://nobody_here:Wr0ng-Secret@{parts.hostname}:{parts.port}/postgres")
    assert not at.exception
    assert at.error and "nobody_here" in at.error[0].value and "Cannot reach" not in at.error[0].value
    assert "Wr0ng-Secret" not in _page_words(at)
