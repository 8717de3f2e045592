"""Runs every step in a fresh process, gathers the figures, prints the table and writes RESULTS.md."""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.build import database
from bench.results import Figure, machine, results_markdown, table
from bench.scales import scales

ROOT = Path(__file__).resolve().parents[1]
MARK = "BENCH-FIGURES:"


def run_step(name: str, workdir: Path, quick: bool) -> list[Figure]:
    """Run one step in a child process and read back its figures with the child's peak memory."""
    cmd = [sys.executable, "-m", "bench.runner", "--step", name, "--workdir", str(workdir)] + (["--quick"] if quick else [])
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"Benchmark step {name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return [Figure(**f) for f in json.loads(lines[-1][len(MARK):])]


def child(name: str, workdir: Path, quick: bool) -> None:
    """Inside the child: run the step, attach this process's peak RSS, print the figures as JSON."""
    from bench.steps import STEPS

    figures = STEPS[name](workdir, quick)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for f in figures:
        f.peak_rss_mb = f.peak_rss_mb if f.peak_rss_mb is not None else peak
    print(MARK + json.dumps([f.as_dict() for f in figures]), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Build the data, run the steps, print and write the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test that the benchmark works")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "data", help="where benchmark data is kept")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--only", nargs="*", help="run only these steps")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        child(args.step, args.workdir, args.quick)
        return 0
    from bench.steps import STEPS

    started = time.perf_counter()
    print(f"Shared Measures benchmark on {machine()}{' (--quick)' if args.quick else ''}", flush=True)
    for name in scales(args.quick):
        t = time.perf_counter()
        database(args.workdir, name, args.quick)
        print(f"  data ready: {name} ({time.perf_counter() - t:.1f} s, not timed)", flush=True)
    figures: list[Figure] = []
    for name in args.only or list(STEPS):
        print(f"  running {name} ...", flush=True)
        figures += run_step(name, args.workdir, args.quick)
    seconds = time.perf_counter() - started
    print()
    print(table(figures))
    args.out.write_text(results_markdown(figures, args.quick, seconds))
    print(f"\nWritten to {args.out}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args))
