"""A throwaway PostgreSQL server for the tests: started on first use, one per test process, stopped at the end.

`initdb` makes a new cluster in a temporary folder as an unprivileged OS user (PostgreSQL refuses to run as root:
when the tests run as root, as CI does, the cluster belongs to Debian's `postgres` user and every server command
runs through `runuser -u postgres --`). The server listens on a free port on 127.0.0.1 only, with no Unix socket,
trusting its own user on that address alone. Each test that asks for `pg_url` gets a database of its own, made
from a template in a few hundredths of a second.

A run that was killed cannot leave a server in the way of the next: each cluster's folder records the test
process that owns it, and the next run stops any server whose owner has gone and deletes its folder. Every run
uses a new folder and a free port, so even a server still running never blocks another.

Set SHARED_MEASURES_TEST_PG=postgresql://user@host:port/dbname to use a server of your own instead (the user must
be allowed to create databases). Where PostgreSQL is not installed, the tests that need it are skipped with that
reason, as the browser tests are without Chromium; `make test` installs it where the machine allows.
"""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_VAR = "SHARED_MEASURES_TEST_PG"
USER = "sm_test"
FOLDER_PREFIX = "sm-test-pg-"
OWNER_FILE = "owner.pid"
SKIP_WORDS = ("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); `make test` "
              "installs Debian's postgresql package where the machine allows.")


def server_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, psql), newest version first; None if absent."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0, reverse=True)
    return Path(versions[0]).parent if versions else None


def _run(args: list[str]) -> subprocess.CompletedProcess:
    """Run a server program as the cluster's owner, from a folder that owner can read."""
    return subprocess.run(_as_owner(args), capture_output=True, text=True, check=False, cwd=tempfile.gettempdir())


def _as_owner(args: list[str]) -> list[str]:
    """The command as the unprivileged user that owns the cluster: ourselves, or `postgres` when we are root."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_abandoned(bin_dir: Path, parent: Path | None = None) -> list[Path]:
    """Stop every test server whose owning test process has gone, and delete its folder; return the folders."""
    parent = parent or Path(tempfile.gettempdir())
    cleared = []
    for folder in parent.glob(FOLDER_PREFIX + "*"):
        try:
            owner = int((folder / OWNER_FILE).read_text().strip())
        except (OSError, ValueError):
            owner = None
        if owner is not None and _alive(owner):
            continue
        if owner is None and time.time() - folder.stat().st_mtime < 600:
            continue  # a folder still being set up by a run that has not written its owner yet
        _stop(bin_dir, folder / "data")
        shutil.rmtree(folder, ignore_errors=True)
        cleared.append(folder)
    return cleared


def _stop(bin_dir: Path, data: Path) -> None:
    """Stop the server of a cluster at once (a throwaway store has nothing to flush); kill it if pg_ctl cannot."""
    if not (data / "postmaster.pid").exists():
        return
    _run([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w", "-t", "20"])
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)


class PostgresServer:
    """One running throwaway server: its URL, and databases made and dropped on it."""

    def __init__(self, url: str, bin_dir: Path | None, folder: Path | None = None) -> None:
        self.url, self.bin_dir, self.folder = url, bin_dir, folder
        self._numbers = itertools.count(1)
        self._tag = f"w{os.getpid()}"

    def url_for(self, dbname: str) -> str:
        """The URL of one database on this server."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + dbname))

    def sql(self, statement: str, dbname: str | None = None) -> str:
        """Run one statement as the server's own user with psql; return its unaligned output."""
        psql = str(self.bin_dir / "psql") if self.bin_dir and (self.bin_dir / "psql").exists() else "psql"
        target = self.url_for(dbname) if dbname else self.url
        done = subprocess.run([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", statement],
                              capture_output=True, text=True, check=False, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if done.returncode != 0:
            raise RuntimeError(f"psql failed on {statement!r}: {done.stderr.strip()}")
        return done.stdout.strip()

    def new_database(self, template: str = "template1", prefix: str = "sm") -> str:
        """Make a new database from a template and return its URL."""
        name = f"{prefix}_{self._tag}_{next(self._numbers)}"
        self.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        """Drop one database, closing any connection still open to it."""
        name = urlsplit(url).path.lstrip("/")
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and delete its folder (a server given through SHARED_MEASURES_TEST_PG is left alone)."""
        if self.folder is None:
            return
        _stop(self.bin_dir, self.folder / "data")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server(bin_dir: Path, attempts: int = 3) -> PostgresServer:
    """initdb a new cluster in a temporary folder and start it on a free port of 127.0.0.1; raise RuntimeError."""
    clear_abandoned(bin_dir)
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    (folder / OWNER_FILE).write_text(str(os.getpid()))
    data, log = folder / "data", folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o755)
    done = _run([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync"])
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    # Only 127.0.0.1, by TCP: no Unix socket. The trust rule covers only the server's own user there; any other user
    # must give a password, as on a real server, so a wrong user or password is refused the way a real one is.
    (data / "pg_hba.conf").write_text(f"host all {USER} 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    failure = ""
    for _ in range(attempts):
        port = _free_port()
        options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        done = _run([str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "30", "-l", str(log),
                     "-o", options])
        if done.returncode == 0:
            return PostgresServer(f"postgresql://{USER}@127.0.0.1:{port}/postgres", bin_dir, folder)
        failure = log.read_text(errors="replace")[-800:] if log.exists() else done.stderr
        _stop(bin_dir, data)  # a port taken between choosing and binding: try another
    shutil.rmtree(folder, ignore_errors=True)
    raise RuntimeError(f"The test PostgreSQL server did not start: {failure.strip()}")


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL server of this test process (started on first use and stopped at the end); skips the test
    when PostgreSQL is not installed. Sets SHARED_MEASURES_TEST_PG to its URL while it runs."""
    given = os.environ.get(ENV_VAR, "").strip()
    if given:
        yield PostgresServer(given, server_bin())
        return
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip(SKIP_WORDS)
    server = start_server(bin_dir)
    os.environ[ENV_VAR] = server.url
    try:
        yield server
    finally:
        os.environ.pop(ENV_VAR, None)
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a new, empty PostgreSQL database for this test only, dropped afterwards."""
    url = pg_server.new_database()
    yield url
    with contextlib.suppress(RuntimeError):
        pg_server.drop_database(url)



# Fixtures that reach PostgreSQL: the store tests' (tests/store_backends.py) and this module's.
PG_FIXTURES = {"pg_server", "pg_url", "pg_templates", "pg"}


def needs_postgres(item: pytest.Item) -> bool:
    """Whether a collected test runs on PostgreSQL."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("backend") == "duckdb":
        return False
    return bool(PG_FIXTURES & set(getattr(item, "fixturenames", ()))) or "postgres" in item.nodeid.split("::")[0]


@pytest.fixture(scope="session", autouse=True)
def _postgres_for_store_tests(request):
    """Start the test server at the start of a session that will run a test on PostgreSQL, so that
    SHARED_MEASURES_TEST_PG names it for every such test; a session without one starts nothing."""
    if any(needs_postgres(item) for item in request.session.items):
        # Where PostgreSQL is not installed, each test that needs it is skipped with the reason.
        with contextlib.suppress(pytest.skip.Exception):
            request.getfixturevalue("pg_server")
