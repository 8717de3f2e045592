"""What an import may change for whoever runs it: an import does only what the importer could do by hand.

Partners may load data (`import_data`) but not change the framework (`edit_framework`). So from a complete Excel
return a partner's import loads the measurements and adds missing areas; its new indicators arrive as *proposed*
measures without baselines or targets (as a Fingertips import's do), for an editor to review; the system's
footprint is left as it is; and a return whose system does not exist yet is refused, because creating a system
with its vision and outcomes is an editor's work. Editors and administrators import a return whole."""
from __future__ import annotations

from typing import Any

from framework.core.auth import can
from framework.core.db import read_rows
from framework.core.errors import ValidationError
from framework.core.model import User
from framework.core.problems import FileCheck, Problem

TARGET_FIELDS = ("baseline_value", "baseline_date", "target_1y", "target_3y", "target_5y")


def as_proposed(indicator: dict[str, Any], user: User) -> dict[str, Any]:
    """A new indicator as a partner's proposal: status proposed, no baseline or targets, proposed by them."""
    return {**indicator, **dict.fromkeys(TARGET_FIELDS), "status": "proposed", "proposed_by": user.name}


def new_system_refusal(code: str) -> str:
    return (f"a system that already exists: this return creates system {code} with its vision and outcomes, which"
            " needs an engagement lead's (editor's) rights. Ask an editor to import it, or import its measurements"
            " into an existing system")


def limit_to_role(con, framework: dict[str, Any], check: FileCheck, user: User) -> dict[str, Any]:
    """The parts of a return this user may write; what is left out is noted on the check, and a return that would
    create a system is refused."""
    if can(user, "edit_framework"):
        return framework
    system = framework.get("system")
    code = (system or {}).get("system_code")
    if not code:
        return framework
    if not read_rows(con, "SELECT system_code FROM system WHERE system_code = ?", [code]):
        check.refuse(Problem(check.name, None, "Cover: System code", code, new_system_refusal(code)))
        return framework
    known = {r["indicator_code"] for r in read_rows(
        con, "SELECT indicator_code FROM indicator WHERE system_code = ?", [code])}
    new = [i for i in framework["indicators"] if i["indicator_code"] not in known]
    if new:
        check.notes.append(
            f"{len(new)} new indicator(s) ({', '.join(i['indicator_code'] for i in new[:10])}"
            f"{', ...' if len(new) > 10 else ''}) arrive as proposed measures without baselines or targets:"
            " as a partner, you propose measures and an editor adopts them.")
    if any(a.get("role") for a in framework["areas"]):
        check.notes.append("The system's footprint (the roles on the Areas sheet) is left as it is: an editor"
                           " changes it.")
    return {**framework, "indicators": [i if i["indicator_code"] in known else as_proposed(i, user)
                                        for i in framework["indicators"]]}


def check_may_write(cur, user: User, framework: dict[str, Any]) -> bool:
    """Whether the user may write the framework parts; raise when the return would create a system they may not."""
    if can(user, "edit_framework"):
        return True
    code = (framework.get("system") or {}).get("system_code")
    if code and not cur.execute("SELECT 1 FROM system WHERE system_code = ?", [code]).fetchall():
        raise ValidationError([f"Cover: found {code!r}; expected {new_system_refusal(code)}."])
    return False
