"""`make test` runs the benchmark at --quick sizes as a smoke test that it works. No test asserts a timing."""
from __future__ import annotations

import subprocess
import sys

from bench.steps import STEPS
from tests.conftest import ROOT


def test_the_quick_benchmark_runs_every_step_and_writes_its_table(tmp_path):
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--workdir", str(tmp_path / "data"), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = out.read_text()
    assert "cores" in text and "memory" in text
    assert "--quick sizes" in text
    for name in STEPS:
        assert f"running {name}" in done.stdout
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| step")]
    assert len(rows) >= len(STEPS)
    assert all(" MB |" in row for row in rows), "every figure reports its peak memory"
