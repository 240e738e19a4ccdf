"""`srs review` start-up, today's queue and saving an answer on a large database.

    python bench/review_bench.py            # 50,000 cards, 1,000,000 reviews
    python bench/review_bench.py --quick    # 2,000 cards, 20,000 reviews (CI smoke run)

Also an imported history (issue 16): a generated Qbank log of 100,000 attempts (10,000
with --quick) imported through srs's importer, then `srs review` start-up on it.

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
from fixtures import build, build_imported  # noqa: E402

from srs import settings as settings_mod  # noqa: E402
from srs.store import open_store  # noqa: E402
from srs.plan.queue import Planner, Queue  # noqa: E402
from srs.review import ReviewSession  # noqa: E402
from srs.schedule.scheduler import Rating  # noqa: E402
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


def queue_runs(store, settings, count: int, ahead: int) -> tuple[list[float], list[float], Queue]:
    """Seconds of `count` builds of the queue `ahead` days from now, each followed by the fixed loop."""
    times, steady = [], []
    for _ in range(count):
        moment = datetime.now(UTC) + timedelta(days=ahead)
        started = time.perf_counter()
        queue = Planner(store, settings, moment).queue()
        times.append(time.perf_counter() - started)
        steady.append(reference_loop())
    return times, steady, queue


def queue_median(store, settings, runs: int) -> tuple[float, int]:
    """Median seconds of today's queue, and how many cards it holds."""
    times, _, queue = queue_runs(store, settings, runs * 3, 0)
    return statistics.median(times), len(queue.cards)


def reference_loop() -> float:
    """Seconds a fixed pure-Python loop takes: run between the timed runs, its spread shows
    how steady the machine was (a shared machine's speed can change by half from run to run)."""
    started = time.perf_counter()
    total = 0
    for i in range(100_000):
        total += i * i
    return time.perf_counter() - started


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
        review_times = timed_runs([sys.executable, "-m", "srs_cli", "review"], runs, stdin="q\n", env=env, expect="[1]")
        base, ours = statistics.median(click_times), statistics.median(review_times)
        print(f"| review start to first card | import click {base * 1000:.0f} ms | srs review {ours * 1000:.0f} ms "
              f"| ratio {ours / base:.1f}x |")  # fmt: skip
        with open_store(db) as store:
            settings = settings_mod.load(store)
            queue_runs(store, settings, runs * 2, 0)  # warm-up, not timed: the first runs of a process are slower
            for label, ahead in (("today's queue", 0), ("queue after two weeks away", 14)):
                times, steady, queue = queue_runs(store, settings, runs * 6, ahead)
                print(f"| {label} | median {statistics.median(times) * 1000:.1f} ms "
                      f"| p95 {p95(times) * 1000:.1f} ms | {len(queue.cards)} cards, backlog {queue.backlog} "
                      f"| machine: fixed loop median {statistics.median(steady) * 1000:.1f} ms, "
                      f"p95 / median {p95(steady) / statistics.median(steady):.2f} |")  # fmt: skip
            growth = [(cards, reviews, *queue_median(store, settings, runs))]
        for shorter in (reviews // 100, reviews // 10):  # the same cards with a shorter history
            build(Path(tmp) / f"{shorter}.db", cards, shorter, now=datetime.now(UTC))
            with open_store(Path(tmp) / f"{shorter}.db") as small:
                growth.insert(-1, (cards, shorter, *queue_median(small, settings_mod.load(small), runs)))
        for cards_, reviews_, median, queued in growth:
            print(f"| growth: today's queue, {cards_:,} cards / {reviews_:,} reviews | median {median * 1000:.1f} ms "
                  f"| {queued} cards queued | {median / max(1, queued) * 1e6:.0f} µs per queued card |")  # fmt: skip
        imported = Path(tmp) / "imported.db"
        attempts = 10_000 if args.quick else 100_000
        started = time.perf_counter()
        build_imported(imported, attempts, now=datetime.now(UTC))
        built = time.perf_counter() - started
        imported_env = {**os.environ, "SRS_DB": str(imported)}
        imported_times = timed_runs(
            [sys.executable, "-m", "srs_cli", "review"], runs, stdin="q\n", env=imported_env, expect="[1]"
        )
        with open_store(imported) as store:
            settings = settings_mod.load(store)
            learning = store.conn.execute("SELECT count(*) FROM cards WHERE reps > 0 AND state IN (1, 3)").fetchone()[0]
            queue = Planner(store, settings, datetime.now(UTC)).queue()
            print(f"| imported history: {attempts:,} attempts ({built:.1f} s to import), {store.card_count():,} cards, "
                  f"{learning:,} in a step | srs review {statistics.median(imported_times) * 1000:.0f} ms "
                  f"| ratio {statistics.median(imported_times) / base:.1f}x | today {queue.due_count} due, "
                  f"backlog {queue.backlog} |")  # fmt: skip
        with open_store(db) as store:
            settings = settings_mod.load(store)
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
