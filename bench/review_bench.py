"""`srs review` start-up, today's queue and saving an answer on a large database.

    python bench/review_bench.py            # 50,000 cards, 1,000,000 reviews
    python bench/review_bench.py --quick    # 2,000 cards, 20,000 reviews (CI smoke run)

Baseline for start-up: `python -c "import click"` in the same run (the least a click
CLI can cost). Start-up is measured to the first card shown (stdin is a pipe answering
`q`). Queue and answer times are in-process, over repeated runs (median and p95).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from fixtures import build  # noqa: E402

from srs import settings as settings_mod  # noqa: E402
from srs.db import open_store  # noqa: E402
from srs.queue import Planner  # noqa: E402
from srs.review import ReviewSession  # noqa: E402
from srs.scheduling import Rating  # noqa: E402
from srs.timing import UTC  # noqa: E402


def timed_runs(
    command: list[str], runs: int, stdin: str = "", env: dict | None = None, expect: str = ""
) -> list[float]:
    """Wall times of `runs` runs; each must succeed and print `expect` (else the time means nothing)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, input=stdin, text=True, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or expect not in done.stdout:
            raise SystemExit(f"{command} failed: {done.stderr or done.stdout}")
    return times


def compiled() -> None:
    """Byte-compile srs as `pip install` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile every module at each start."""
    import compileall

    import srs
    import srs_cli

    for package in (srs, srs_cli):
        compileall.compile_dir(str(Path(package.__file__).parent), quiet=1)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    cards, reviews = (2_000, 20_000) if args.quick else (50_000, 1_000_000)
    runs = 3 if args.quick else 10
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "big.db"
        started = time.perf_counter()
        build(db, cards, reviews, now=datetime.now(UTC))
        print(f"built {cards:,} cards / {reviews:,} reviews in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "SRS_DB": str(db)}
        compiled()
        click_times = timed_runs([sys.executable, "-c", "import click"], runs)
        review_times = timed_runs([sys.executable, "-m", "srs", "review"], runs, stdin="q\n", env=env, expect="[1]")
        base, ours = statistics.median(click_times), statistics.median(review_times)
        print(f"| review start to first card | import click {base * 1000:.0f} ms | srs review {ours * 1000:.0f} ms "
              f"| ratio {ours / base:.1f}x |")  # fmt: skip
        with open_store(db) as store:
            settings = settings_mod.load(store)
            for label, ahead in (("today's queue", 0), ("queue after two weeks away", 14)):
                queue_times, size = [], (0, 0)
                for _ in range(runs * 2):
                    moment = datetime.now(UTC) + timedelta(days=ahead)
                    started = time.perf_counter()
                    queue = Planner(store, settings, moment).queue()
                    queue_times.append(time.perf_counter() - started)
                    size = (len(queue.cards), queue.backlog)
                print(f"| {label} | median {statistics.median(queue_times) * 1000:.1f} ms "
                      f"| p95 {p95(queue_times) * 1000:.1f} ms | {size[0]} cards, backlog {size[1]} |")  # fmt: skip
            session = ReviewSession(store, settings, now=datetime.now(UTC))
            answer_times = []
            for _ in range(50 if args.quick else 200):
                now = datetime.now(UTC)
                row = session.next_card(now)
                if row is None:
                    break
                started = time.perf_counter()
                session.answer(row, Rating.Good, now)
                answer_times.append(time.perf_counter() - started)
            print(f"| save one answer | median {statistics.median(answer_times) * 1000:.2f} ms "
                  f"| p95 {p95(answer_times) * 1000:.2f} ms | {len(answer_times)} answers |")  # fmt: skip


if __name__ == "__main__":
    main()
