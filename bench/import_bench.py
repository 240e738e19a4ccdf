"""Import speed and memory, as ratios against a raw load measured in the same run.

    python bench/import_bench.py            # 100,000 rows; memory at 10,000 and 1,000,000
    python bench/import_bench.py --quick    # small sizes, for CI: the script must not rot

Baseline: `csv.reader` + `sqlite3.executemany` of the same rows into one table in one
transaction - the least any importer has to do. A second one: the attempts srs stored,
inserted again straight into a new database's events table (`schema_floor`) - the least an
importer that keeps srs's log has to do. Memory: peak RSS of a fresh process
importing 10,000 rows vs one importing 1,000,000 (streaming keeps it flat).
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

SUBJECTS = ["Pharmacology", "Pathology", "Physiology", "Microbiology", "Immunology", "Biochemistry"]
SYSTEMS = ["Cardiovascular", "Renal", "Respiratory", "Gastrointestinal", "Endocrine", "Neuro"]
HEADER = ["qid", "source", "date", "subject", "system", "topic", "result", "objective", "reason"]


def make_log(path: Path, rows: int, seed: int = 1) -> None:
    """A realistic log: questions repeat (about 3 attempts each), dates over a year."""
    rng = random.Random(seed)
    start = date(2025, 11, 1)
    questions = max(1, rows // 3)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            q = rng.randrange(questions)
            day = start + timedelta(days=(i * 365) // rows)
            writer.writerow([
                100000 + q, "uworld", day.isoformat(), SUBJECTS[q % 6], SYSTEMS[(q // 6) % 6],
                f"Topic {q % 500}", "correct" if rng.random() < 0.3 else "incorrect",
                f"Learning point number {q}: a sentence of the student's own words.", "knowledge gap",
            ])  # fmt: skip


def raw_load(log: Path, db: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE rows ({', '.join(HEADER)})")
    with log.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        with conn:
            conn.executemany(f"INSERT INTO rows VALUES ({', '.join('?' * len(HEADER))})", reader)
    conn.close()
    return time.perf_counter() - started


def schema_floor(imported: Path, db: Path) -> float:
    """Seconds to insert the attempts an import stored straight into a new database's events
    table (its questions already there): one `executemany`, nothing checked, no cards. No
    importer that keeps srs's log can be faster: the events must be deduplicated on the next
    import (a unique key) and indexed for the queue."""
    from srs.store import open_store

    with sqlite3.connect(imported) as source:
        questions = source.execute("SELECT * FROM questions ORDER BY id").fetchall()
        names = [r[1] for r in source.execute("PRAGMA table_info(questions)")]
        events = source.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id").fetchall()
    store = open_store(db)
    try:
        with store.conn:
            store.conn.executemany(
                f"INSERT INTO questions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", questions
            )
        started = time.perf_counter()
        with store.conn:
            store.conn.executemany(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 8)})", events)
        return time.perf_counter() - started
    finally:
        store.close()


EVENT_COLUMNS = "question_id, at, kind, result, rating, duration_ms, key, recorded_at"


def srs_import(log: Path, db: Path) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of `srs import` in a fresh process."""
    code = (
        "import resource, sys, time\n"
        "from srs_cli.main import cli\n"
        "t = time.perf_counter()\n"
        "try:\n"
        f"    cli(['--db', {str(db)!r}, 'import', {str(log)!r}], standalone_mode=False)\n"
        "finally:\n"
        "    print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, rss = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke run)")
    args = parser.parse_args()
    speed_rows = 2_000 if args.quick else 100_000
    memory_sizes = (1_000, 20_000) if args.quick else (10_000, 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        log = work / "log.csv"
        make_log(log, speed_rows)
        baseline = statistics.median(raw_load(log, work / f"raw-{n}.db") for n in range(3))
        seconds, _ = srs_import(log, work / "srs.db")
        print(f"| import {speed_rows:,} rows | raw csv+executemany {baseline:.2f} s | srs import {seconds:.2f} s "
              f"| ratio {seconds / baseline:.1f}x |")  # fmt: skip
        imports = []
        for rows in memory_sizes:
            make_log(log, rows)
            # the small import three times (median): a single second-long run is at the mercy
            # of a shared machine's speed, and it is what the large run's time per row is held to
            runs = [srs_import(log, work / f"mem-{rows}-{n}.db") for n in range(3 if rows == memory_sizes[0] else 1)]
            imports.append((rows, statistics.median(r[0] for r in runs), max(r[1] for r in runs)))
        # The floors run last, in this process: a child started after they grew it would report
        # this process's memory as its own peak (Linux keeps the peak across fork and exec).
        floor = schema_floor(work / "srs.db", work / "floor.db")
        print(f"| the same attempts into srs's events table alone | {floor:.2f} s | {floor / baseline:.1f}x raw "
              f"| srs import {seconds / floor:.1f}x this |")  # fmt: skip
        for rows, seconds, rss in imports:
            floor = schema_floor(work / f"mem-{rows}-0.db", work / f"floor-{rows}.db")
            print(f"| import {rows:,} rows | {seconds:.2f} s | {seconds / rows * 1e6:.1f} us/row "
                  f"| peak RSS {rss / 1024:.0f} MiB | events table alone {floor / rows * 1e6:.1f} us/row |")  # fmt: skip
        small, large = imports
        print(f"| peak memory {large[0]:,} vs {small[0]:,} rows | ratio {large[2] / small[2]:.2f}x |")


if __name__ == "__main__":
    main()
