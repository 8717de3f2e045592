"""Who may do what. Every write function in framework/ calls `require()` with the acting user, so a page
that forgets a check still cannot write."""
from __future__ import annotations

from framework.core.model import ROLE_NAMES, ROLES, User, role_name, role_names

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "edit_framework": frozenset({"editor", "admin"}),
    "edit_indicators": frozenset({"editor", "admin"}),
    "load_demo": frozenset({"editor", "admin"}),
    "import_data": frozenset({"partner", "editor", "admin"}),
    "undo_import": frozenset({"editor", "admin"}),
    "propose_measure": frozenset({"community", "partner", "editor", "admin"}),
    "review_proposals": frozenset({"editor", "admin"}),
    "vote": frozenset({"community", "partner", "editor", "admin"}),
    "run_priorities": frozenset({"editor", "admin"}),
    "view_history": frozenset({"editor", "admin"}),
    "run_reviews": frozenset({"editor", "admin"}),
    "write_narrative": frozenset({"partner", "editor", "admin"}),
    "log_engagement": frozenset({"partner", "editor", "admin"}),
    "administer": frozenset({"admin"}),
}

ROLE_DOES = {
    "viewer": "reads the public view",
    "community": "explores, proposes and rates measures",
    "partner": "adds data, engagement and stories",
    "editor": "sets up the framework and reviews progress",
    "admin": "users, settings and audit",
}
ROLE_WORDS = {role: f"{ROLE_NAMES[role].capitalize()}: {ROLE_DOES[role]}" for role in ROLES}


def can(user: User, permission: str) -> bool:
    """Whether the user's role holds the permission."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    return user.role in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    """Raise PermissionError, in words, unless the user's role holds the permission."""
    if not can(user, permission):
        allowed = role_names(r for r in ROLES if r in PERMISSIONS[permission])
        raise PermissionError(
            f"{user.name} is signed in as {role_name(user.role)}; only {allowed} can {permission.replace('_', ' ')}."
        )


def role_for_email(email: str | None, emails: dict[str, str] | None = None, domains: dict[str, str] | None = None,
                   default: str = "viewer") -> str:
    """The role for a signed-in email: an exact address wins over its domain; otherwise the default role.

    `emails` maps addresses and `domains` maps domains (e.g. "nhs.net") to roles, as in secrets.toml [roles].
    A mapping to an unknown role falls back to viewer, so a typo never grants more than reading."""
    email = (email or "").strip().lower()
    emails = {k.strip().lower(): v for k, v in (emails or {}).items()}
    domains = {k.strip().lower().lstrip("@"): v for k, v in (domains or {}).items()}
    role = default
    if email in emails:
        role = emails[email]
    elif "@" in email:
        domain = email.rsplit("@", 1)[1]
        parts = domain.split(".")
        for i in range(len(parts)):  # the most specific domain first: a.b.nhs.uk, b.nhs.uk, nhs.uk
            candidate = ".".join(parts[i:])
            if candidate in domains:
                role = domains[candidate]
                break
    if not email:
        role = "viewer"
    return role if role in ROLES else "viewer"


def group_for_email(email: str | None, emails: dict[str, str] | None = None,
                    domains: dict[str, str] | None = None) -> str | None:
    """The stakeholder group a signed-in email belongs to (secrets.toml [groups]), or None when not mapped."""
    email = (email or "").strip().lower()
    emails = {k.strip().lower(): v for k, v in (emails or {}).items()}
    domains = {k.strip().lower().lstrip("@"): v for k, v in (domains or {}).items()}
    if email in emails:
        return emails[email]
    if "@" in email:
        parts = email.rsplit("@", 1)[1].split(".")
        for i in range(len(parts)):
            if ".".join(parts[i:]) in domains:
                return domains[".".join(parts[i:])]
    return None
