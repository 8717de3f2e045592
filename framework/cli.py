"""The command line: `python -m framework --db PATH <command>`.

Exit codes: 0 on success, 2 on bad input or an unusable database (with every problem printed, nothing written).
Further commands register themselves through COMMANDS.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from framework import db
from framework.model import User, ValidationError

CLI_USER = User("cli", "Command line", "admin")
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[..., int]]] = {}


def command(name: str, help_text: str):
    """Register a sub-command: the decorated function adds its arguments; run(con, args) does the work."""

    def wrap(configure: Callable[[argparse.ArgumentParser], None]):
        def with_run(run: Callable[..., int]):
            COMMANDS[name] = (configure, run, help_text)
            return run

        return with_run

    return wrap


def _init_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--demo", action="store_true", help="also load the demo system")


@command("init", "create the schema, and with --demo load the demo system")(_init_args)
def run_init(con, args) -> int:
    from framework.demo import load_demo
    from framework.systems import get_system

    if args.demo:
        if get_system(con, "DEMO"):
            print("The demo system is already loaded.")
        else:
            load_demo(con, CLI_USER, extras=True)
            counts = db.read_rows(con, "SELECT (SELECT count(*) FROM indicator WHERE system_code = 'DEMO') AS i,"
                                       " (SELECT count(*) FROM measurement WHERE system_code = 'DEMO') AS m")[0]
            print(f"Loaded the demo system: {counts['i']} indicators, {counts['m']:,} measurements.")
    versions = sorted(db.applied_versions(con))
    print(f"Database ready at schema version {versions[-1]}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    _load_command_modules()
    parser = argparse.ArgumentParser(prog="python -m framework", description="Shared Measures command line")
    parser.add_argument("--db", type=Path, default=None,
                        help=f"database file (default ${db.ENV_VAR}, else {db.DEFAULT_PATH})")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, _run, help_text) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text))
    return parser


def _load_command_modules() -> None:
    """Import the modules that register further commands (they are optional until their features exist)."""
    import importlib

    for module in ("framework.cli_data",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    path = args.db or db.default_path()
    try:
        con = db.connect(path, create=(args.command == "init"))
    except db.StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command][1](con, args)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except (db.StoreError, PermissionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
