"""Command-line data in and out: `import FILE... [--skip-invalid] [--system CODE]` and
`export OUT.xlsx [--system CODE]`. Exit 0 on success; 2 on bad input, with every problem printed and nothing
written."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framework.cli import CLI_USER, command


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
    from framework.importers import ImportRejected, import_files
    from framework.systems import get_system

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
    from framework.excel_return import export_return
    from framework.importers import default_system

    code = args.system or default_system(con)
    if code is None:
        print("error: There is no system in this database to export.", file=sys.stderr)
        return 2
    counts = export_return(con, code, args.out, user_name=CLI_USER.name)
    print(f"Wrote {args.out}: " + ", ".join(f"{sheet} {n:,} rows" for sheet, n in counts.items()) + ".")
    return 0
