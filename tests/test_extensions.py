"""DuckDB extensions from their Python packages: found for this DuckDB, copied under the name DuckDB loads them by
when that differs, refused in words when missing, and loaded with the signature checked."""
from __future__ import annotations

import types

import duckdb
import pytest

from framework.core import extensions, postgres_store
from framework.core.errors import StoreError


def _package_at(folder):
    module = types.ModuleType("fake_extension_package")
    module.__file__ = str(folder / "__init__.py")
    return lambda: module


def _missing():
    raise ImportError("not here")


def test_a_missing_package_is_named_with_what_needs_it_and_where_it_is_listed():
    with pytest.raises(StoreError) as caught:
        extensions.extension_file(_missing, "duckdb-extension-fts", "fts", needed_for="Comparing the search engines",
                                  listed_in="requirements-dev.txt")
    assert str(caught.value) == ("Comparing the search engines needs the package duckdb-extension-fts (see "
                                 "requirements-dev.txt); it is not installed.")


def test_a_package_without_a_build_for_this_duckdb_says_which_version_is_needed(tmp_path):
    (tmp_path / "extensions" / "v0.0.1").mkdir(parents=True)
    (tmp_path / "extensions" / "v0.0.1" / "fts.duckdb_extension").write_bytes(b"old")
    with pytest.raises(StoreError, match=f"has no build for DuckDB {duckdb.__version__}"):
        extensions.extension_file(_package_at(tmp_path), "duckdb-extension-fts", "fts", needed_for="Search")


def test_a_file_named_as_duckdb_loads_it_is_used_where_it_is_and_another_is_copied_under_that_name(
        tmp_path, monkeypatch):
    shipped = tmp_path / "pkg" / "extensions" / f"v{duckdb.__version__}"
    shipped.mkdir(parents=True)
    (shipped / "postgres.duckdb_extension").write_bytes(b"x" * 10)
    (shipped / "fts.duckdb_extension").write_bytes(b"y" * 10)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    package = _package_at(tmp_path / "pkg")
    assert extensions.extension_file(package, "p", "fts", needed_for="x") == shipped / "fts.duckdb_extension"
    copy = extensions.extension_file(package, "p", "postgres", load_as="postgres_scanner", needed_for="x")
    assert copy.name == "postgres_scanner.duckdb_extension" and copy.parent != shipped
    assert copy.read_bytes() == b"x" * 10


def test_a_file_that_is_not_a_signed_extension_is_refused_on_load(tmp_path):
    fake = tmp_path / "fts.duckdb_extension"
    fake.write_bytes(b"\0" * 4096)
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        extensions.load(con, fake)
    assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0] is False


def test_the_postgresql_extension_loads_from_its_package_with_the_signature_checked():
    con = duckdb.connect()
    extensions.load(con, postgres_store.extension_file())
    assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'postgres_scanner'"
                       ).fetchone()[0] is True
