"""The command line: `python -m framework --db PATH <command>`.

Commands: `init [--demo]`, `import FILE... [--skip-invalid] [--system CODE] [--update]`,
`export OUT.xlsx [--system CODE] [--kind full|board|pack]`, `add-system CODE --name NAME --footprint ICB_CODE [--places sicbl|lad|both]` and
`geography FILE`. A complete return of a system that already exists is imported only with --update; without it, the
changes it would make are listed and nothing is written.

Exit codes: 0 on success; 2 on any failure, always with a message on stderr and never a traceback: bad arguments,
bad files, an unusable database, a file that cannot be written. Nothing is left half-written: imports are all or
nothing, and a return or rejects file replaces the one at its path only once complete. An error the command line
does not expect (a fault in Shared Measures) also exits 2, with one line naming the error and asking for a report;
set SHARED_MEASURES_DEBUG=1 to see its traceback. Ctrl+C stops with exit code 130.

Every name and message printed has its control characters escaped (a line break shows as \\n), so a file name
can neither forge a line nor send terminal escape codes.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from framework.core import db
from framework.core.atomic_file import CannotWrite, file_kind
from framework.core.errors import StoreError, ValidationError
from framework.core.model import User
from framework.core.safe_text import printable
from framework.measures.priorities import KEY_FILE_SUFFIX

CLI_USER = User("cli", "Command line", "admin")
DEBUG_VAR = "SHARED_MEASURES_DEBUG"


def say(text: str, *, err: bool = False) -> None:
    """Print one message, control characters escaped; errors go to stderr."""
    print(printable(text), file=sys.stderr if err else sys.stdout, flush=True)


def fail(text: str) -> int:
    """Print an error line and return the failure exit code."""
    say(f"error: {text}", err=True)
    return 2
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
            say("The demo system is already loaded.")
        else:
            load_demo(con, CLI_USER, extras=True)
            counts = db.read_rows(con, "SELECT (SELECT count(*) FROM indicator WHERE system_code = 'DEMO') AS i,"
                                       " (SELECT count(*) FROM measurement WHERE system_code = 'DEMO') AS m")[0]
            say(f"Loaded the demo system: {counts['i']} indicators, {counts['m']:,} measurements.")
    versions = sorted(db.applied_versions(con))
    say(f"Database ready at schema version {versions[-1]}.")
    return 0



def _progress(fraction: float, message: str) -> None:
    say(f"[{fraction:4.0%}] {message}")


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="an Excel return or template (.xlsx), the app's CSV, or a Fingertips data export (.csv)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows and write the rejected ones, with reasons, to FILE.rejects.csv")
    p.add_argument("--system", metavar="CODE", default=None,
                   help="the system for rows that do not name one (default: the only or first system)")
    p.add_argument("--update", action="store_true",
                   help="apply the changes a complete return makes to a system that already exists")


@command("import", "import measurements: all or nothing unless --skip-invalid")(_import_args)
def run_import(con, args) -> int:
    from framework.data_io.importers import ImportRejected, import_files
    from framework.data_io.importers.whole import UpdateNotConfirmed
    from framework.foundation.systems import get_system

    if args.system and not get_system(con, args.system):
        return fail(f"There is no system {args.system!r} in this database.")
    try:
        summaries = import_files(con, CLI_USER, args.files, system_code=args.system, skip_invalid=args.skip_invalid,
                                 progress=_progress, update=args.update)
    except UpdateNotConfirmed as exc:
        for line in exc.problems:
            say(line, err=True)
        return 2
    except ImportRejected as exc:
        for problem in exc.problems:
            fail(str(problem))
        say("Nothing was written." + ("" if args.skip_invalid else
            " Fix the rows above, or use --skip-invalid to import the valid rows."), err=True)
        return 2
    for summary in summaries:
        say(summary.sentence())
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT.xlsx",
                   help="where to write the return (.xlsx), or the data pack (.zip)")
    p.add_argument("--system", metavar="CODE", default=None, help="which system (default: the only or first)")
    p.add_argument("--kind", choices=["full", "board", "pack"], default="full",
                   help="full: the full data return, every breakdown and period (the default; it moves a system "
                        "whole); board: the board return, each measure's headline rows of its last three years; "
                        "pack: the data pack, every table as Parquet files in a zip, for analysts")


@command("export", "write the Excel return (full or board) or the data pack for a system")(_export_args)
def run_export(con, args) -> int:
    from framework.board_return import export_product
    from framework.data_io.importers import default_system

    database = Path(args.db or db.default_path())
    if database.exists() and args.out.exists() and args.out.resolve() == database.resolve():
        return fail(f"{args.out} is the database itself; name another file for the return.")
    code = args.system or default_system(con)
    if code is None:
        return fail("There is no system in this database to export.")
    counts = export_product(con, CLI_USER, code, args.kind, args.out)
    say(f"Wrote {args.out}: " + ", ".join(f"{sheet} {n:,} rows" for sheet, n in counts.items()) + ".")
    return 0


def _add_system_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("code", metavar="CODE", help="a short code for the system, letters, digits, '-' and '_'")
    p.add_argument("--name", required=True, help="the system's name")
    p.add_argument("--footprint", required=True, metavar="ICB_CODE", help="the ICB code of today's footprint")
    p.add_argument("--places", choices=("sicbl", "lad", "both"), default="sicbl",
                   help="its places: sub-ICB locations (default), local authorities, or both")


@command("add-system", "create a system on an ICB footprint of today's geography")(_add_system_args)
def run_add_system(con, args) -> int:
    from framework.foundation.starting import start_system

    done = start_system(con, CLI_USER, args.code, args.name, args.footprint, args.places)
    say(f"Created system {done['system_code']} on {done['footprint']} ({done['footprint_name']}), "
        f"region {done['region_name']}: {len(done['places'])} places, "
        f"{len(done['predecessors'])} former ICB codes linked" +
        (f" ({', '.join(done['predecessors'])})." if done["predecessors"] else "."))
    return 0


def _copy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help="a new DuckDB file, or an empty PostgreSQL database "
                   "(postgresql://user@host:port/dbname)")


@command("copy-to", "copy the whole store, every table, into a new DuckDB file or an empty PostgreSQL database")(
    _copy_args)
def run_copy_to(con, args) -> int:
    from framework.data_io.store_copy import copy_store, describe

    done = copy_store(con, args.target, source_at=args.db or db.default_path())
    say(f"Copied {done.tables} tables ({done.rows:,} rows) to {describe(args.target)}.")
    return 0


@command("convert", "convert a database file written by an earlier release (DuckDB 2.0) for this release, keeping "
         "the original as FILE.duckdb-2.0.bak")(lambda _p: None)
def run_convert(_con, args) -> int:
    from framework.core.store_convert import convert, needs_conversion, storage_version

    path = args.db or db.default_target()
    if db.is_server(path):
        return fail("convert is for a database file; a PostgreSQL store needs no conversion.")
    if storage_version(Path(path)) is not None and not needs_conversion(path):
        say(f"{path} already opens with this release; there is nothing to convert.")
        return 0
    convert(path, say=say)
    db.connect(path, create=False).close()  # brings it up to date and rebuilds the views with today's code
    say(f"{path} opens with this release.")
    return 0


def _geography_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, metavar="FILE", help="an ONS lookup CSV: LSOA to SICBL to ICB to NHSER to LAD, "
                   "or LOC/SICBL to ICB to NHSER, or ICB to NHSER")


@command("geography", "load a newer ONS lookup of sub-ICB locations, ICBs, regions and local authorities")(
    _geography_args)
def run_geography(con, args) -> int:
    from framework.foundation.geography import load_geography

    for line in load_geography(con, CLI_USER, args.file).sentences():
        say(line)
    return 0


@command("tidy", "keep measurements in the order pages read them, so pages stay fast after large imports")(
    lambda p: None)
def run_tidy(con, args) -> int:
    from framework.foundation.measurement_order import tidy_measurements

    done = tidy_measurements(con, CLI_USER)
    if done.get("skipped"):
        say(done["skipped"])
        return 0
    say(f"Tidied {done['rows']:,} measurement rows in {done['seconds']:.1f} s; no row was changed.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    parser = argparse.ArgumentParser(prog="python -m framework", description="Shared Measures command line")
    parser.add_argument("--db", type=db.store_argument, default=None,
                        help=f"database file or postgresql://user@host:port/dbname address (default ${db.ENV_VAR}, "
                             f"else {db.DEFAULT_PATH})")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (configure, _run, help_text) in COMMANDS.items():
        configure(sub.add_parser(name, help=help_text))
    return parser



def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 or 2; 130 when stopped with Ctrl+C)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        say("Stopped. Nothing was written.", err=True)
        return 130
    except Exception as exc:  # a fault in Shared Measures: one line, not a traceback, unless debugging
        if os.environ.get(DEBUG_VAR):
            traceback.print_exc()
        return fail(f"an unexpected {type(exc).__name__} stopped the command: {str(exc)[:300]}. This is a fault "
                    "in Shared Measures: please report it with the command you ran "
                    f"(set {DEBUG_VAR}=1 to see the details).")


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    path = args.db or db.default_target()
    kind = file_kind(path) if not db.is_server(path) and Path(path).exists() else None
    if kind:
        return fail(f"{path} is {kind}, not a database file.")
    if args.command == "convert":  # before opening: this release cannot open the file until it is converted
        return _convert(args)
    # A new database made with the demo is built beside its place and moved there whole, so a build that fails or
    # is killed midway never leaves a half-loaded demo where the app would open it.
    target = Path(path)
    building = (args.command == "init" and getattr(args, "demo", False) and not db.is_server(path)
                and not target.exists())
    work = target.with_name(target.name + ".building") if building else (path if db.is_server(path) else target)
    if building:
        _remove_build(work)
    try:
        con = db.connect(work, create=(args.command == "init"))
    except StoreError as exc:
        return fail(str(exc))
    try:
        code = COMMANDS[args.command][1](con, args)
        if building and code == 0:
            con.execute("CHECKPOINT")
            con.close()
            key = Path(f"{work}{KEY_FILE_SUFFIX}")
            if key.exists():
                os.replace(key, f"{target}{KEY_FILE_SUFFIX}")
            os.replace(work, target)
        return code
    except ValidationError as exc:
        for problem in exc.problems:
            fail(problem)
        return 2
    except (StoreError, ValueError, CannotWrite) as exc:
        return fail(str(exc))
    except OSError as exc:  # PermissionError included
        if exc.errno is None:  # a role that may not do this: the message says so in words
            return fail(str(exc))
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{(exc.strerror or str(exc)).lower().rstrip('.')}. Nothing was written.")
    finally:
        con.close()
        if building:
            _remove_build(work)


def _convert(args) -> int:
    try:
        return run_convert(None, args)
    except StoreError as exc:
        return fail(str(exc))


def _remove_build(work: Path) -> None:
    """Remove what a demo build left beside the database's place, finished or not."""
    for leftover in (work, Path(f"{work}.wal"), Path(f"{work}{KEY_FILE_SUFFIX}")):
        leftover.unlink(missing_ok=True)
