"""Who may do what. Every write function in framework/ calls `require()` with the acting user, so a page
that forgets a check still cannot write."""
from __future__ import annotations

from framework.model import ROLES, User

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
    "run_reviews": frozenset({"editor", "admin"}),
    "write_narrative": frozenset({"partner", "editor", "admin"}),
    "log_engagement": frozenset({"partner", "editor", "admin"}),
    "administer": frozenset({"admin"}),
}

ROLE_WORDS = {
    "viewer": "Viewer: reads the public view",
    "community": "Community representative: explores, proposes and rates measures",
    "partner": "Partner organisation: adds data, engagement and stories",
    "editor": "Engagement lead (editor): sets up the framework and reviews progress",
    "admin": "Administrator: users, settings and audit",
}


def can(user: User, permission: str) -> bool:
    """Whether the user's role holds the permission."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")
    return user.role in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    """Raise PermissionError, in words, unless the user's role holds the permission."""
    if not can(user, permission):
        allowed = ", ".join(r for r in ROLES if r in PERMISSIONS[permission])
        raise PermissionError(
            f"{user.name} is signed in as {user.role}; only {allowed} can {permission.replace('_', ' ')}."
        )
