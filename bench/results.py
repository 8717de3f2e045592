"""One benchmark figure, and the table and RESULTS.md they are reported in."""
from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime


@dataclass
class Figure:
    """A measured figure beside the baseline it is compared with, and the target it is judged by."""

    step: str
    what: str
    scale: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""
    met: bool | None = None
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def machine() -> str:
    """Cores, memory and Python, for the table's heading."""
    cores = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    try:
        load = f", 1-minute load average {os.getloadavg()[0]:.1f}"  # on a shared machine, others slow every figure
    except OSError:
        load = ""
    return f"{cores} cores, {memory} memory, Python {platform.python_version()}, {platform.machine()}{load}"


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit in ("rows/s",) or abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table."""
    head = "| step | what | scale | measured | baseline | baseline figure | target | met | peak RSS |"
    rows = [head, "|" + "---|" * 9]
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        rss = f"{f.peak_rss_mb:,.0f} MB" if f.peak_rss_mb is not None else ""
        rows.append(f"| {f.step} | {f.what} | {f.scale} | {_fmt(f.value, f.unit)} | {f.baseline} | "
                    f"{_fmt(f.baseline_value, f.unit)} | {f.target} | {met} | {rss} |")
    return "\n".join(rows)


def results_markdown(figures: list[Figure], quick: bool, seconds: float) -> str:
    """The whole RESULTS.md."""
    notes = [f"- {f.step}, {f.what}: {n}" for f in figures for n in f.notes]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "# Benchmark results",
        "",
        f"Measured {when} on {machine()}, {'--quick sizes (a smoke run, not the targets)' if quick else 'full sizes'},"
        f" in {seconds:,.0f} s. Re-run with `make bench` (or `python -m bench`).",
        "Each figure is compared with a baseline measured in the same run. Building the data is not timed.",
        "",
        table(figures),
        "",
        *(["## Notes", "", *notes, ""] if notes else []),
    ])
