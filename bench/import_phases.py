"""Where an import's time goes, step by step, per row, at several sizes.

    python bench/import_phases.py 10000 300000     # rows of each log (generated as import_bench does)

Each step is a method of the store or the importer, timed by a wrapper around it; a nested
step's time is part of its parent's. What grows from one size to the next is what makes the
time per row grow.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import make_log  # noqa: E402

from srs.ingest import importer as ingest  # noqa: E402
from srs.schedule import replay as cards  # noqa: E402
from srs.store import Store, log  # noqa: E402
from srs.store import totals as misstotals  # noqa: E402

STEPS = [  # (owner, method, label); indented labels are parts of the step above
    (ingest._Writer, "flush", "write chunks"),
    (ingest._Writer, "_questions", "  questions and their text"),
    (log.Log, "question_texts", "    look up stored questions"),
    (log.Log, "insert_questions", "    insert new questions"),
    (log.Log, "set_text_ranks", "    update text ranks"),
    (log.Log, "known_event_keys", "  look up known attempts"),
    (log.Log, "insert_events", "  insert events"),
    (Store, "replace_cards", "replay cards"),
    (cards, "replay", "  FSRS replay"),
    (log.Log, "_save_card_states", "  save cards"),
    (misstotals.MissTotals, "refresh_misses", "  miss totals"),
]


def timed(times: dict[str, float]) -> None:
    for owner, name, label in STEPS:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                times[_label] += time.perf_counter() - started

        setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="+", type=int)
    args = parser.parse_args()
    times: dict[str, float] = defaultdict(float)
    timed(times)
    from srs_cli.main import cli

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.sizes:
            log, database = Path(tmp) / f"{rows}.csv", Path(tmp) / f"{rows}.db"
            make_log(log, rows)
            times.clear()
            started = time.perf_counter()
            cli(["--db", str(database), "import", str(log)], standalone_mode=False)
            results.append((rows, time.perf_counter() - started, dict(times)))
    print("| step | " + " | ".join(f"{rows:,} rows, µs/row" for rows, _, _ in results) + " |")
    print("|---|" + "---|" * len(results))
    print("| whole import | " + " | ".join(f"{total / rows * 1e6:.0f}" for rows, total, _ in results) + " |")
    for _, _, label in STEPS:
        cells = " | ".join(f"{steps.get(label, 0.0) / rows * 1e6:.1f}" for rows, _, steps in results)
        print(f"| {label.replace(' ', '&nbsp;', len(label) - len(label.lstrip()))} | {cells} |")


if __name__ == "__main__":
    main()
