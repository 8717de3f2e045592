"""Runs every step in a fresh process, gathers the figures, prints the table and writes RESULTS.md.

The parent stays small: the data is built in child processes too, and each step reports its own peak memory
(VmHWM, see bench/memory.py), so no figure carries the size of another step or of the data build."""
from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.results import Figure, machine, results_markdown, table

ROOT = Path(__file__).resolve().parents[1]
MARK = "BENCH-FIGURES:"


def _child(args: list[str], what: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "bench.runner", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"Benchmark {what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def build_data(scale_name: str, workdir: Path, quick: bool) -> None:
    """Build (or find) one scale's database in a child process, so the parent never holds the data."""
    _child(["--build", scale_name, "--workdir", str(workdir)] + (["--quick"] if quick else []), f"data build {scale_name}")


def run_step(name: str, workdir: Path, quick: bool) -> list[Figure]:
    """Run one step in a child process and read back its figures with the child's own peak memory."""
    done = _child(["--step", name, "--workdir", str(workdir)] + (["--quick"] if quick else []), f"step {name}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        raise RuntimeError(f"Benchmark step {name} printed no figures:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return [Figure(**f) for f in json.loads(lines[-1][len(MARK):])]


def find_step(name: str):
    """A registered step by name, or any function named as 'module:function' (how tests run a probe step)."""
    if ":" in name:
        module, function = name.split(":", 1)
        return getattr(importlib.import_module(module), function)
    from bench.steps import STEPS

    return STEPS[name]


def child(name: str, workdir: Path, quick: bool) -> None:
    """Inside the child: run the step, attach this process's own peak memory, print the figures as JSON."""
    from bench.memory import peak_mb

    figures = find_step(name)(workdir, quick)
    peak = peak_mb()
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
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        child(args.step, args.workdir, args.quick)
        return 0
    if args.build:
        from bench.build import database

        database(args.workdir, args.build, args.quick)
        return 0
    from bench.scales import scales
    from bench.steps import STEPS

    started = time.perf_counter()
    print(f"Shared Measures benchmark on {machine()}{' (--quick)' if args.quick else ''}", flush=True)
    for name in scales(args.quick):
        t = time.perf_counter()
        build_data(name, args.workdir, args.quick)
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
