"""The app's public address, for links people receive outside the app (review invitations): checked, trimmed to
scheme, host and path, and joined to a page of the app."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode, urlsplit

PUBLIC_URL_VAR = "SHARED_MEASURES_PUBLIC_URL"
MAX_URL = 300


def public_base(value: Any) -> str | None:
    """An http(s) address with a host, trimmed to scheme://host[:port][/path] without a trailing slash; None when
    the value is not one (blank, another scheme, no host, spaces, or absurdly long)."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  raises on a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc}{parts.path.rstrip('/')}"


def page_address(base: str | None, page: str, **params: str) -> str:
    """The address of one page of the app, complete when the base is known: https://host/respond?code=ABCD-EFGH.
    Without a base it is the page's path alone."""
    path = "/" + quote(page.strip("/"))
    query = f"?{urlencode(params)}" if params else ""
    return f"{(base or '').rstrip('/')}{path}{query}"
