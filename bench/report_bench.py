"""`srs report` on a large database: the whole command, and its phases.

    python bench/report_bench.py                 # 50,000 cards, 1,000,000 reviews (target: under 5 s)
    python bench/report_bench.py --quick         # 2,000 cards, 20,000 reviews (CI smoke run)
    python bench/report_bench.py --db FILE       # reuse a database built by an earlier run

The exam date is set 60 days ahead, so the forecast plays 60 days forward. The whole
command (`srs report -o`, a fresh process: start-up, reading, drawing, writing) is timed
over repeated runs; baseline: `python -c "import click"` in the same run. The phases are
timed in-process. A last run stores fitted parameters, which adds the FSRS-fit section
(it reads every review).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))  # the simulated student
from fixtures import build  # noqa: E402

from srs import settings as settings_mod  # noqa: E402
from srs.derived import open_database  # noqa: E402
from srs.store import open_store  # noqa: E402
from srs.schedule.parameters import CONFIG_KEY, FittedParameters  # noqa: E402
from srs.report import charts, html  # noqa: E402
from srs.report.data import gather  # noqa: E402
from srs.report.engine import ChartEngine  # noqa: E402
from synthetic import TRUE_PARAMETERS  # noqa: E402


def timed(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{command} failed: {done.stderr or done.stdout}")
    return times


def phases(db: Path, now: datetime) -> tuple[float, float, float, int]:
    """(gather, draw, page) seconds and the page's size, in-process, as `srs report` runs them."""
    started = time.perf_counter()
    with ChartEngine() as engine:  # its own process, warming up while the log is read
        with open_store(db) as store:
            report = gather(store, settings_mod.load(store), now)
        gathered = time.perf_counter()
        svgs = engine.draw(charts.specs(report))
        drawn = time.perf_counter()
    text = html.page(report, svgs)
    return gathered - started, drawn - gathered, time.perf_counter() - drawn, len(text.encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db", type=Path, help="an existing benchmark database to use")
    args = parser.parse_args()
    cards, reviews = (2_000, 20_000) if args.quick else (50_000, 1_000_000)
    runs = 2 if args.quick else 5
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "bench.db"
        if args.db is None:
            started = time.perf_counter()
            build(db, cards, reviews, now=now)
            print(f"built {cards:,} cards / {reviews:,} reviews in {time.perf_counter() - started:.1f} s")
        # opened as the commands open it: the first open records the time zone (a write, and
        # the check before it: 1.7 s once on this file), which is set-up, not the report
        with open_database(db) as store, store.write():
            settings_mod.save(store, "exam-date", (now + timedelta(days=60)).date().isoformat())
            store.delete_config(CONFIG_KEY)
            counts = store.card_count(), store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
        print(f"database: {counts[0]:,} cards, {counts[1]:,} events; exam in 60 days")
        env = {**os.environ, "SRS_DB": str(db)}
        out = Path(folder) / "report.html"
        base = statistics.median(timed([sys.executable, "-c", "import click"], runs, env))
        whole = timed([sys.executable, "-m", "srs_cli", "report", "-o", str(out)], runs, env)
        print("| what | baseline | srs | ratio |")
        print("|---|---|---|---|")
        print(
            f"| srs report, whole command | import click {base * 1000:.0f} ms | median {statistics.median(whole):.2f} s, "
            f"max {max(whole):.2f} s ({runs} runs) | {statistics.median(whole) / base:.0f} |"
        )
        gathered, drawn, paged, size = phases(db, now)
        print(f"| phases (in-process) | | read {gathered:.2f} s, draw {drawn:.2f} s, page {paged * 1000:.0f} ms | |")
        print(f"| page size | | {size / 1024:.0f} kB | |")
        with open_store(db) as store, store.write():
            fitted = FittedParameters(TRUE_PARAMETERS, fitted_at=now, reviews=reviews)
            store.set_config(CONFIG_KEY, fitted.to_json())  # no rebuild: the cards' states do not matter here
        fit_runs = timed([sys.executable, "-m", "srs_cli", "report", "-o", str(out)], max(1, runs // 2), env)
        print(
            f"| srs report with the FSRS-fit section | | median {statistics.median(fit_runs):.2f} s | "
            f"{statistics.median(fit_runs) / base:.0f} |"
        )
        with open_store(db) as store, store.write():
            store.delete_config(CONFIG_KEY)


if __name__ == "__main__":
    main()
