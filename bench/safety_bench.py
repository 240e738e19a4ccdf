"""What the safety checks cost: a backup (VACUUM INTO), `PRAGMA quick_check` (run once
before the first write of each command) and the full `integrity_check` (`srs doctor`),
on databases of a few sizes built by `srs import` of generated logs.

    python bench/safety_bench.py            # 1,000 / 10,000 / 30,000 attempts
    python bench/safety_bench.py --quick    # 1,000 / 3,000
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from import_bench import make_log  # the same generated logs as the import benchmark

from srs.store.backup import make_backup


def best_of(runs: int, action: Callable[[], object]) -> float:
    """Median seconds of `runs` runs (warm cache: what a second command in a row sees)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(work: Path, rows: int) -> str:
    db = work / f"srs-{rows}.db"
    log = work / f"log-{rows}.csv"
    make_log(log, rows)
    subprocess.run([sys.executable, "-m", "srs_cli", "--db", str(db), "import", str(log)], check=True, capture_output=True)
    conn = sqlite3.connect(db)
    try:
        size = db.stat().st_size / 1e6
        quick = best_of(5, lambda: conn.execute("PRAGMA quick_check").fetchall())
        full = best_of(3, lambda: conn.execute("PRAGMA integrity_check").fetchall())
        copies: list[Path] = []
        backup = best_of(5, lambda: copies.append(make_backup(conn, db, "manual", datetime.now(UTC))))
    finally:
        conn.close()
    return (
        f"| {rows:,} attempts | {size:.1f} MB | quick_check {quick * 1000:.0f} ms "
        f"| integrity_check {full * 1000:.0f} ms | backup {backup * 1000:.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes only (CI smoke run)")
    args = parser.parse_args()
    sizes = (1_000, 3_000) if args.quick else (1_000, 10_000, 30_000)
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            print(measure(Path(tmp), rows), flush=True)


if __name__ == "__main__":
    main()
