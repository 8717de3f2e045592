"""Where the store lives: a DuckDB file path, or a PostgreSQL server named by a `postgresql://` address.

The address comes from `--db` or $SHARED_MEASURES_DB. A password may be in the address, in $PGPASSWORD, or in
`.streamlit/secrets.toml` (`password` under `[postgres]`). Every description of the target that a user may see
leaves the password out, and `redact` takes it out of any text that may have picked it up.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from framework.core.errors import StoreError

SCHEMES = ("postgresql", "postgres")
SECRETS_FILE = Path(".streamlit/secrets.toml")
# Connection settings that may follow '?' in the address; anything else is more likely a typo than a wish.
ALLOWED_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
                   "target_session_attrs", "options"}


USERINFO = re.compile(r"([^:/@]*):[^@]*@")


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL database to use as the store."""

    host: str
    port: int
    user: str
    dbname: str
    password: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        """The address as a user may see it: never with the password."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def libpq(self) -> str:
        """The connection settings without the password (it travels in a DuckDB secret, which is never shown)."""
        parts = [f"host={_quote(self.host)}", f"port={self.port}", f"user={_quote(self.user)}",
                 f"dbname={_quote(self.dbname)}"]
        parts += [f"{key}={_quote(value)}" for key, value in self.options]
        if not any(key == "connect_timeout" for key, _ in self.options):
            parts.append("connect_timeout=10")
        return " ".join(parts)

    def redact(self, text: str) -> str:
        """The text with the password, if any, replaced by ***."""
        if self.password:
            text = text.replace(self.password, "***")
        return text

    def __str__(self) -> str:
        return self.describe()


def _quote(value: str) -> str:
    """A libpq keyword value, quoted when it needs to be."""
    if value and all(ch.isalnum() or ch in "._-/:" for ch in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def is_server_address(target: str | os.PathLike[str]) -> bool:
    """True when the target names a PostgreSQL server rather than a file."""
    text = str(target).strip()
    return any(text.lower().startswith(f"{scheme}:") for scheme in SCHEMES)


def parse(address: str, *, environ: dict[str, str] | None = None, secrets_file: Path | None = None
          ) -> PostgresTarget:
    """Read a `postgresql://user[:password]@host[:port]/dbname` address; raise StoreError naming what is wrong,
    without the password."""
    environ = os.environ if environ is None else environ
    text = address.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
        password = unquote(parts.password) if parts.password is not None else None
    except ValueError:
        raise StoreError(_without_password(text, None) + " is not a PostgreSQL address: write it as "
                         "postgresql://user@host:port/dbname (the port is a number).") from None
    shown = _without_password(text, password)
    if parts.scheme.lower() not in SCHEMES or not text.lower().startswith(f"{parts.scheme.lower()}://"):
        raise StoreError(f"{shown} is not a PostgreSQL address: it must start with postgresql://")
    problems = []
    if not parts.hostname:
        problems.append("the server name after @")
    if not parts.username:
        problems.append("the user name before @")
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        problems.append("one database name after the last /")
    if problems:
        raise StoreError(f"{shown} is not a complete PostgreSQL address: it lacks {', '.join(problems)}. "
                         "Write it as postgresql://user@host:port/dbname.")
    options = tuple(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted({key for key, _ in options} - ALLOWED_OPTIONS)
    if unknown:
        raise StoreError(f"{shown} has settings this app does not know: {', '.join(unknown)}. "
                         f"Known settings: {', '.join(sorted(ALLOWED_OPTIONS))}.")
    if password is None:
        password = environ.get("PGPASSWORD") or _secrets_password(secrets_file or SECRETS_FILE)
    return PostgresTarget(host=parts.hostname, port=port or 5432, user=unquote(parts.username), dbname=dbname,
                          password=password or None, options=options)


def _without_password(text: str, password: str | None) -> str:
    """The address with any password in it (user:password@, however mistyped the rest) replaced by ***."""
    text = USERINFO.sub(r"\1:***@", text)
    if password:
        text = text.replace(password, "***")
    return text


def _secrets_password(path: Path) -> str | None:
    """The password under [postgres] in Streamlit's secrets file, if the file and the entry are there."""
    try:
        with open(path, "rb") as fh:
            secrets = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    section = secrets.get("postgres")
    value = section.get("password") if isinstance(section, dict) else None
    return str(value) if value else None
