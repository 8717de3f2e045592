"""DuckDB extensions shipped as Python packages (duckdb-extension-postgres, duckdb-extension-fts): signed files,
installed with pip beside DuckDB, loaded from disk with the signature checked (nothing is downloaded).

Each package holds its build for one DuckDB version under `extensions/v<version>/<name>.duckdb_extension`. DuckDB
loads a file only under the extension's own name, so a package whose file is named otherwise (the PostgreSQL
extension calls itself postgres_scanner) is copied once per DuckDB version into a cache folder under that name.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import duckdb

from framework.core.errors import StoreError


def extension_file(package: Callable[[], ModuleType], distribution: str, name: str, *, needed_for: str,
                   load_as: str | None = None, listed_in: str = "requirements.txt") -> Path:
    """The file DuckDB loads the extension `name` from, shipped in the Python package that `package()` imports
    (pip's `distribution`) for this DuckDB; copied under the name `load_as` when DuckDB knows the extension by
    another name. Raises StoreError, in words saying what `needed_for` needs, when the package or its build for this
    DuckDB is missing."""
    try:
        module = package()
    except ImportError:
        raise StoreError(f"{needed_for} needs the package {distribution} (see {listed_in}); it is not installed."
                         ) from None
    version = duckdb.__version__
    shipped = Path(module.__file__).parent / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not shipped.exists():
        raise StoreError(f"The installed {distribution} has no build for DuckDB {version}: install the same version "
                         f"of both ({listed_in} pins them).")
    if load_as is None or load_as == name:
        return shipped
    return _cached_copy(shipped, f"{load_as}.duckdb_extension", version)


def _cached_copy(shipped: Path, file_name: str, version: str) -> Path:
    """The shipped file copied once under file_name into this user's cache (or the temporary folder)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shared-measures" / f"duckdb-{version}"
    copy = cache / file_name
    if copy.exists() and copy.stat().st_size == shipped.stat().st_size:
        return copy
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        cache = Path(tempfile.gettempdir()) / f"shared-measures-{os.getuid()}" / f"duckdb-{version}"
        cache.mkdir(parents=True, exist_ok=True)
        copy = cache / file_name
        if copy.exists() and copy.stat().st_size == shipped.stat().st_size:
            return copy
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".part")
    os.close(fd)
    shutil.copyfile(shipped, tmp)
    os.replace(tmp, copy)  # whole or not at all, even with two processes copying at once
    return copy


def load(con, path: Path) -> None:
    """Load an extension file into a connection; DuckDB checks its signature (unsigned files are refused)."""
    con.execute(f"LOAD '{str(path).replace(chr(39), chr(39) * 2)}'")
