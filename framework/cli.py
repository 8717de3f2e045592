"""The command line: `python -m framework --db PATH <command>`.

Commands: `init [--demo]`, `import FILE... [--skip-invalid] [--system CODE]` and `export OUT.xlsx [--system CODE]`.
Exit codes: 0 on success, 2 on bad input or an unusable database (with every problem printed, nothing written).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from framework.core import db
from framework.core.errors import StoreError, ValidationError
from framework.core.model import User

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
    from framework.demo.system import load_demo
    from framework.foundation.systems import get_system

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



def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", flush=True)


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="an Excel return or template (.xlsx), the app's CSV, or a Fingertips data export (.csv)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows and write the rejected ones, with reasons, to FILE.rejects.csv")
    p.add_argument("--system", metavar="CODE", default=None,
                   help="the system for rows that do not name one (default: the only or first system)")


@command("import", "import measurements: all or nothing unless --skip-invalid")(_import_args)
def run_import(con, args) -> int:
    from framework.data_io.importers import ImportRejected, import_files
    from framework.foundation.systems import get_system

    if args.system and not get_system(con, args.system):
        print(f"error: There is no system {args.system!r} in this database.", file=sys.stderr)
        return 2
    try:
        summaries = import_files(con, CLI_USER, args.files, system_code=args.system, skip_invalid=args.skip_invalid,
                                 progress=_progress)
    except ImportRejected as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print("Nothing was written." + ("" if args.skip_invalid else
              " Fix the rows above, or use --skip-invalid to import the valid rows."), file=sys.stderr)
        return 2
    for s in summaries:
        print(s.sentence())
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT.xlsx", help="where to write the Excel return")
    p.add_argument("--system", metavar="CODE", default=None, help="which system (default: the only or first)")


@command("export", "write the Excel return for a system")(_export_args)
def run_export(con, args) -> int:
    from framework.board_return import export_return
    from framework.data_io.importers import default_system

    code = args.system or default_system(con)
    if code is None:
        print("error: There is no system in this database to export.", file=sys.stderr)
        return 2
    counts = export_return(con, code, args.out, user_name=CLI_USER.name)
    print(f"Wrote {args.out}: " + ", ".join(f"{sheet} {n:,} rows" for sheet, n in counts.items()) + ".")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = argparse.ArgumentParser(prog="python -m framework", description="Shared Measures command line")
    parser.add_argument("--db", type=Path, default=None,
                        help=f"database file (default ${db.ENV_VAR}, else {db.DEFAULT_PATH})")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, _run, help_text) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text))
    return parser



def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    path = args.db or db.default_path()
    try:
        con = db.connect(path, create=(args.command == "init"))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[args.command][1](con, args)
    except ValidationError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except (StoreError, PermissionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
