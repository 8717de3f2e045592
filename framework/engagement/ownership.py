"""Who may change an engagement record: editors and administrators change any; a partner changes only the
activities their own account logged, and the "you said" items they wrote or that sit on their activities."""
from __future__ import annotations

from framework.core.auth import can, require
from framework.core.model import User, role_name


def may_change(user: User, *owners: str | None) -> bool:
    """Whether the user may change a record logged by any of these accounts."""
    if can(user, "edit_framework"):
        return True
    return can(user, "log_engagement") and user.user_id in owners


def require_owner(user: User, what: str, *owners: str | None) -> None:
    """Raise PermissionError, in words, unless the user may change the record."""
    require(user, "log_engagement")
    if not may_change(user, *owners):
        raise PermissionError(
            f"{user.name} is signed in as {role_name(user.role)}; a partner organisation can change only the {what} their own account "
            "logged. Nothing was changed: ask the partner who logged it, or an engagement lead, to change it.")
