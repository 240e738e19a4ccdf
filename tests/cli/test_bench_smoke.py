"""The benchmark scripts run (quick sizes), so they cannot rot between real runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import_bench.py", ["raw csv+executemany", "peak memory"]),
        ("review_bench.py", ["review start to first card", "today's queue", "save one answer"]),
        ("export_bench.py", ["export 1,000 notes", "file size"]),
        ("report_bench.py", ["srs report, whole command", "page size", "with the FSRS-fit section"]),
    ],
)
def test_bench_script_quick_mode(script, expected, tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for text in expected:
        assert text in done.stdout
    assert "ratio" in done.stdout


def test_import_phases_times_each_step(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "import_phases.py"), "300", "600"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = {line.split("|")[1].strip(): line for line in done.stdout.splitlines() if line.startswith("| ")}
    assert "300 rows, µs/row" in done.stdout and "600 rows, µs/row" in done.stdout
    for step in ("whole import", "&nbsp;&nbsp;insert events", "&nbsp;&nbsp;FSRS replay"):
        cells = [float(c) for c in rows[step].split("|")[2:-1]]
        assert len(cells) == 2 and all(c > 0 for c in cells), rows[step]
