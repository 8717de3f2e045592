"""Each benchmark step reports its own peak memory, not the size of the process that started it."""
from __future__ import annotations

from pathlib import Path

from bench.memory import peak_mb, resident_mb
from bench.results import Figure
from bench.runner import run_step

MB = 1 << 20


def allocate_200_mb(workdir: Path, quick: bool) -> list[Figure]:
    """A probe step: holds about 200 MB, touched so that it is resident."""
    block = bytearray(b"\x01") * (200 * MB)
    return [Figure("probe", "holds 200 MB", "none", float(len(block) // MB), "MB")]


def allocate_nothing(workdir: Path, quick: bool) -> list[Figure]:
    """A probe step that holds nothing of its own."""
    return [Figure("probe", "holds nothing", "none", 0.0, "MB")]


def test_a_step_holding_200_mb_reports_about_200_mb_though_its_parent_holds_far_more(tmp_path):
    parent_block = bytearray(b"\x01") * (900 * MB)
    assert resident_mb() > 900 and peak_mb() > 900
    small = run_step(f"{__name__}:allocate_nothing", tmp_path, True)[0].peak_rss_mb
    large = run_step(f"{__name__}:allocate_200_mb", tmp_path, True)[0].peak_rss_mb
    del parent_block
    assert small < 300, f"a step holding nothing reported {small:.0f} MB"
    assert 190 <= large - small <= 260, f"the 200 MB step reported {large:.0f} MB against {small:.0f} MB for nothing"
    assert large < 600

