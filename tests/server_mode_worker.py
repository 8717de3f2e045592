"""One app server's writes, run as its own process for tests/test_server_mode_processes.py: it opens the store as
the app does, waits for the signal to start, then proposes measures and edits one shared indicator in turn (each edit saving the version it opened), and
writes what became of each attempt (kept, or refused and with which words) to a JSON file.

Usage: python -m tests.server_mode_worker ADDRESS NAME ROUNDS START_FILE OUT_FILE (OUT_FILE.ready once open)"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from framework.core import db
from framework.core.errors import StaleEdit, WriteConflict
from framework.core.model import User
from framework.foundation.indicators import EDITABLE, save_indicator
from framework.measures.proposals import propose_measure

FIELDS = ("indicator_code", *EDITABLE)


def attempt(outcomes: list[dict], kind: str, label: str, write) -> None:
    try:
        write()
        outcomes.append({"kind": kind, "label": label, "outcome": "kept"})
    except (StaleEdit, WriteConflict) as exc:
        outcomes.append({"kind": kind, "label": label, "outcome": type(exc).__name__, "words": str(exc)})
    except Exception as exc:  # anything else is what the test looks for: it must never happen
        outcomes.append({"kind": kind, "label": label, "outcome": type(exc).__name__, "words": str(exc)[:500]})


def _indicator(con) -> dict:
    return db.read_rows(con, "SELECT * FROM indicator WHERE system_code = 'DEMO' AND indicator_code = 'I08'")[0]


def main(address: str, name: str, rounds: int, start: Path, out: Path) -> None:
    con = db.connect(address)
    Path(f"{out}.ready").touch()
    community, editor = User(f"{name}-c", f"{name} community", "community"), User(f"{name}-e", name, "editor")
    # Both servers open the indicator before the start, as two editors with the same page open: their first saves
    # name the same version, so only one of them can be kept.
    opened = _indicator(con)
    deadline = time.monotonic() + 120
    while not start.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    outcomes: list[dict] = []
    for i in range(rounds):
        label = f"{name} measure {i}"
        attempt(outcomes, "proposal", label, lambda label=label: propose_measure(
            con, community, "DEMO", {"name": label, "why_it_matters": "People told us.", "who_it_matters_to": "Carers",
                                      "how_measured": "A short survey.", "outcome_code": "O1"}))
        opened = opened if i == 0 else _indicator(con)
        label = f"Smoking prevalence, edited by {name} ({i})"
        attempt(outcomes, "edit", label, lambda opened=opened, label=label: save_indicator(
            con, editor, "DEMO", {**{k: opened[k] for k in FIELDS}, "name": label},
            expected_version=opened["version"]))
    con.close()
    out.write_text(json.dumps(outcomes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
