"""The confirm step on the Data page for a complete return of a system that already exists: what it would change,
in words, before anything is written; the state those changes were worked out from is kept, so a confirmation
made after someone else changed the system is refused."""
from typing import Any

import streamlit as st

from framework import streamlit_glue as glue

SEEN = "data.update_seen"  # {upload path: the system's state when its changes were first shown}


def changes(check: Any, path: str) -> dict[str, Any] | None:
    """Show what the return would change; return the import's update arguments, or None with nothing to confirm."""
    update = check.update
    if update is None or not update.changes:
        return None
    seen = st.session_state.setdefault(SEEN, {}).setdefault(path, update.fingerprint)
    st.warning(f"This complete return would change system {glue.text(update.system_code)}. Nothing has changed "
               "yet: read the changes, then apply them.")
    st.markdown("\n".join(f"- {glue.text(line)}" for line in update.lines))
    st.caption("Rows the return does not have (stories, actions, activities...) are kept. The changes are applied "
               "all together or not at all, and each is recorded in the history.")
    return {"update": True, "seen": seen}


def forget(path: str) -> None:
    """Work the changes out again on the next run (after a refused or finished update), from the system as it is."""
    if st.session_state.setdefault(SEEN, {}).pop(path, None) is not None:
        st.cache_data.clear()
