"""Build a large, realistic srs database quickly, for the benchmarks.

Rows go in with executemany (not through `srs import`) so that a database of 50,000
cards and 1,000,000 reviews takes seconds to build. Card states are plausible FSRS
states (not replays of the generated log): the benchmarks time the queue and answers,
which read and write states, not the history that made them. They are those of a
student who keeps up: each card was last reviewed within its current interval, at
its tier's retention (high-yield topics at 0.95, the rest at 0.90, as srs schedules
them). The miss totals, topic keys and review days srs keeps are then filled in as
migrations m004 and m005 fill them for an existing database.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from srs.store import open_store
from srs import derived
from srs.schedule.scheduler import Scheduler
from srs.timing import UTC, DayRule, to_iso

SUBJECTS = ["Pathology", "Physiology", "Pharmacology", "Microbiology", "Immunology", "Biochemistry & Nutrition"]
SYSTEMS = ["Cardiovascular", "Renal/Urinary", "Respiratory", "Gastrointestinal", "Endocrine", "Multisystem"]


def build(path: Path, cards: int, reviews: int, *, now: datetime, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = now - timedelta(days=365)
    store = open_store(path)
    conn = store.conn
    with store.write():
        conn.executemany(
            "INSERT INTO questions (id, source, qid, subject, subject_text, system, system_text, topic, objective, "
            "created_at) VALUES (?, 'uworld', ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, str(100000 + i), *_names(_topic(i)), f"Topic {_topic(i)}", f"Objective {i}", to_iso(start))
                for i in range(1, cards + 1)
            ),
        )  # fmt: skip
        topic_misses: dict[int, int] = {}
        conn.executemany(
            "INSERT INTO events (question_id, at, kind, result, rating, duration_ms, key, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _events(rng, cards, reviews, start, now, topic_misses),
        )
        conn.executemany(
            "INSERT INTO cards (question_id, created_at, state, step, stability, difficulty, due, last_review, "
            "reps, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _cards(rng, cards, start, now, _high_yield(topic_misses)),
        )
        derived.fill_kept(store, Scheduler(DayRule(), tier_retention=0.95))  # states are not replays: keep them
    store.close()


def _topic(question: int) -> int:
    return question % 2000


def _names(topic: int) -> tuple[str, str, str, str]:
    """Subject and system (as written and as named) of a topic: a topic belongs to one
    discipline and one system, as in a Qbank's own tags."""
    subject, system = SUBJECTS[topic % 6], SYSTEMS[(topic // 6) % 6]
    return subject, subject, system, system


def _high_yield(topic_misses: dict[int, int], setting: int = 3) -> set[int]:
    """Topics in the high-yield tier, as srs.plan.queue.Planner picks them (the top fifth)."""
    counts = sorted(topic_misses.values())
    threshold = max(setting, counts[int(len(counts) * 0.8)])
    return {topic for topic, misses in topic_misses.items() if misses >= threshold}


def _events(rng: random.Random, cards: int, reviews: int, start: datetime, now: datetime, topic_misses: dict):
    span = (now - start).total_seconds()
    for q in range(1, cards + 1):  # every card has its first miss
        topic_misses[_topic(q)] = topic_misses.get(_topic(q), 0) + 1
        yield (q, to_iso(start + timedelta(seconds=rng.random() * span / 4)), "qbank", "incorrect", None, None,
               f"qbank|uworld|{100000 + q}|first", to_iso(now))  # fmt: skip
    for n in range(reviews):
        q = rng.randint(1, cards)
        at = start + timedelta(seconds=span / 4 + rng.random() * (span * 3 / 4 - 86400))  # none today
        rating = rng.choices([1, 2, 3, 4], weights=[12, 8, 70, 10])[0]
        if rating == 1:
            topic_misses[_topic(q)] += 1
        yield (q, to_iso(at), "review", None, rating, rng.randint(3000, 40000), f"review|{q}|{n}", to_iso(now))


def _cards(rng: random.Random, cards: int, start: datetime, now: datetime, high_yield: set[int]):
    scheduler = Scheduler(DayRule(UTC))
    sooner = scheduler.days_per_stability(0.95) / scheduler.days_per_stability(0.9)  # the tier's interval
    for q in range(1, cards + 1):
        if rng.random() < 0.1:  # not studied yet
            yield (q, to_iso(start), 1, 0, None, None, to_iso(start), None, 0, 0)
            continue
        stability = rng.uniform(1, 120)  # a daily user: reviewed within its last interval
        interval = stability * (sooner if _topic(q) in high_yield else 1.0)
        last = now - timedelta(days=rng.uniform(0, interval))
        due = last + timedelta(days=max(1.0, stability * rng.uniform(0.95, 1.05)))
        yield (q, to_iso(start), 2, None, stability, rng.uniform(1, 10), to_iso(due), to_iso(last),
               rng.randint(1, 40), rng.randint(0, 5))  # fmt: skip


if __name__ == "__main__":
    import sys

    build(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), now=datetime.now(UTC))


def build_imported(path: Path, attempts: int, *, now: datetime, seed: int = 16) -> None:
    """A database made as a new user makes one: a generated Qbank log of `attempts` rows
    (first pass, misses redone weeks later, a third pass; tests/support/qbank_year.py)
    imported through srs's importer, so every card is a real replay of its attempts."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
    from qbank_year import qbank_year

    from srs.ingest.importer import import_attempts
    from srs.settings import load

    store = derived.open_database(path)
    try:
        with store.write():
            store.set_config("timezone", "UTC")
        rows = qbank_year(now - timedelta(days=362), attempts=attempts, seed=seed)
        import_attempts(store, rows, load(store).scheduler(), file_label="qbank-year.csv", now=now)
    finally:
        store.close()
