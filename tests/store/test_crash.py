"""SIGKILL at random moments: during `srs import`, during `srs review`, during a migration.

After every kill the file passes `PRAGMA integrity_check`, holds all or none of the
killed import (and importing again adds exactly what is missing), holds every answer
the screen confirmed, and every card equals the replay of its log.

Quick versions run with the suite; `-m heavy` runs hundreds of kill points:
    python -m pytest -m heavy tests/test_crash.py -s
"""

from __future__ import annotations

import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pexpect
import pytest
from safety_helpers import cards_equal_replay, copy_db, counts, integrity, make_log, srs_argv

from srs.store.backup import list_backups

pytestmark = pytest.mark.slow


# srs import
##########################################################################


@pytest.fixture
def base(srs, sample, tmp_path) -> Path:
    """The sample imported, in one self-contained file each kill point starts from."""
    db = tmp_path / "base.db"
    assert srs("--db", str(db), "import", str(sample)).exit_code == 0
    return db


def _timed_import(db: Path, log: Path) -> float:
    started = time.monotonic()
    subprocess.run(srs_argv(db, "import", str(log)), check=True, capture_output=True)
    return time.monotonic() - started


def kill_imports(base: Path, tmp_path: Path, *, points: int, rows: int, seed: int) -> Counter[str]:
    """Kill `srs import` `points` times at random moments; check each wreck; count outcomes."""
    rng = random.Random(seed)
    log = make_log(tmp_path / "big.csv", rows, seed=seed, qid_base=300_000)
    before = counts(base)
    duration = _timed_import(copy_db(base, tmp_path / "timing.db"), log)
    outcomes: Counter[str] = Counter()
    for point in range(points):
        db = copy_db(base, tmp_path / f"kill-{point}.db")
        child = subprocess.Popen(srs_argv(db, "import", str(log)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # mostly inside the import, some after its commit: the commit comes near the end of a
        # run, and a run can take longer than the timed one (this machine's speed varies by
        # more than half), so the moments reach a quarter past the timed run's end
        time.sleep(rng.uniform(0.0, duration * 1.25))
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate()
        outcomes[_check_killed_import(db, log, before, rows, child.returncode, err)] += 1
    return outcomes


def _check_killed_import(db: Path, log: Path, before: dict[str, int], rows: int, code: int, err: bytes) -> str:
    assert b"Traceback" not in err, err
    assert integrity(db) == ["ok"]
    after = counts(db)
    outcome = "all" if after["events"] == before["events"] + rows else "none"
    if outcome == "none":
        assert after == before, "a killed import left part of itself behind"
    else:
        assert after["imports"] == before["imports"] + 1
    assert cards_equal_replay(db)
    for backup in list_backups(db):  # a backup on disk is whole, never a torn copy
        assert integrity(backup.path) == ["ok"]
    again = subprocess.run(srs_argv(db, "import", str(log)), capture_output=True, text=True, check=True)
    missing = rows if outcome == "none" else 0
    assert again.stdout.startswith(f"{rows} rows read:")
    assert f"{rows - missing} duplicates skipped" in again.stdout
    assert counts(db)["events"] == before["events"] + rows
    assert cards_equal_replay(db)
    return outcome if code == -signal.SIGKILL else f"finished first ({outcome})"


def test_import_killed_at_random_points(base, tmp_path):
    outcomes = kill_imports(base, tmp_path, points=4, rows=1500, seed=11)
    print(f"\nimport kills (quick): {dict(outcomes)}")
    assert sum(outcomes.values()) == 4


@pytest.mark.heavy
def test_import_killed_at_many_points(base, tmp_path):
    outcomes = kill_imports(base, tmp_path, points=200, rows=5000, seed=12)
    print(f"\nimport kills (heavy): {dict(outcomes)}")
    assert outcomes["none"] > 20 and outcomes["all"] + outcomes["finished first (all)"] > 5


# srs review
##########################################################################


def _review_events(db: Path) -> list[tuple[int, int]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT question_id, rating FROM events WHERE kind = 'review' ORDER BY id").fetchall()


def kill_reviews(db: Path, *, sessions: int, seed: int) -> Counter[str]:
    """Answer a few cards in a real terminal, then SIGKILL at a random moment: on a front,
    on a back, or just after a rating key (the answer may or may not have been saved)."""
    from test_review_terminal import Review, question_ids

    rng = random.Random(seed)
    moments: Counter[str] = Counter()
    for _ in range(sessions):
        ids = question_ids(db)
        saved_before = _review_events(db)
        session = Review(db)
        confirmed: list[tuple[int, int]] = []
        in_flight: tuple[int, int] | None = None
        moment = rng.choice(["front", "back", "key", "key+delay"])
        try:
            for _ in range(rng.randrange(0, 4)):
                session.front()
                reference = session.reveal()
                key = rng.choice("1234")
                session.rate(key)
                confirmed.append((ids[reference], int(key)))
            session.front()
            if moment != "front":
                reference = session.reveal()
                if moment.startswith("key"):
                    key = rng.choice("1234")
                    session.press(key)
                    in_flight = (ids[reference], int(key))
                    if moment == "key+delay":
                        time.sleep(rng.uniform(0, 0.05))
            session.child.kill(signal.SIGKILL)
            session.child.expect(pexpect.EOF)
        finally:
            session.close()
        new = _review_events(db)[len(saved_before) :]
        assert new[: len(confirmed)] == confirmed  # every answer the screen confirmed is saved, in order
        assert new[len(confirmed) :] in ([], [in_flight] if in_flight else [])
        assert integrity(db) == ["ok"]
        assert cards_equal_replay(db)
        moments[moment + (" (saved)" if len(new) > len(confirmed) else "")] += 1
    return moments


@pytest.fixture
def reviewed(srs, sample, db_path, tmp_path) -> Path:
    """The sample and about 300 more questions, with no daily limit: sixty sessions never run dry."""
    assert srs("import", str(sample)).exit_code == 0
    assert srs("import", str(make_log(tmp_path / "more.csv", 900, seed=3, qid_base=900_000))).exit_code == 0
    for key in ("new-per-day", "max-reviews-per-day"):
        assert srs("config", "set", key, "5000").exit_code == 0
    return db_path


def test_review_killed_at_random_moments(reviewed):
    moments = kill_reviews(reviewed, sessions=3, seed=21)  # checks the log and every card after each kill
    print(f"\nreview kills (quick): {dict(moments)}")
    assert sum(moments.values()) == 3


@pytest.mark.heavy
def test_review_killed_at_many_moments(reviewed):
    moments = kill_reviews(reviewed, sessions=60, seed=22)
    print(f"\nreview kills (heavy): {dict(moments)}")
    assert sum(moments.values()) == 60


# Migrations
##########################################################################

M999 = """
def m999_slow(db):
    db.execute("ALTER TABLE questions ADD COLUMN extra TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE TABLE m999_made (id INTEGER PRIMARY KEY)")
    db.execute("UPDATE questions SET extra = qid")
    {tail}
"""

RUNNER = """
import sys, time
import srs.store.migrations as m
exec({code!r}, m.__dict__)
m.MIGRATIONS.append(m.m999_slow)
m.NAMES.append("m999_slow")
from srs.store import open_store
open_store(sys.argv[1]).close()
print("migrated", flush=True)
"""


def _schema(db: Path) -> tuple[list[str], list[str], list[str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return (
            [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")],
            sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")),
            [r[1] for r in conn.execute("PRAGMA table_info(questions)")],
        )


def _run_migration(db: Path, tail: str) -> subprocess.Popen[str]:
    code = RUNNER.format(code=M999.format(tail=tail))
    return subprocess.Popen(
        [sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_migration_killed_midway_leaves_the_old_schema(reviewed):
    db = reviewed
    before, rows = _schema(db), counts(db)
    child = _run_migration(db, 'print("inside", flush=True); time.sleep(60)')
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "inside"  # the migration has written, not committed
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert _schema(db) == before
    assert counts(db) == rows and integrity(db) == ["ok"]
    (saved,) = [b for b in list_backups(db) if b.reason == "migration"]
    assert _schema(saved.path) == before

    done = _run_migration(db, "pass")  # the same migration, allowed to finish: applied once, data kept
    out, err = done.communicate(timeout=60)
    assert out.strip() == "migrated", err
    names, tables, columns = _schema(db)
    assert names == [*before[0], "m999_slow"] and "m999_made" in tables and "extra" in columns
    assert counts(db) == rows


def test_a_migration_that_fails_is_rolled_back(reviewed):
    db = reviewed
    before, rows = _schema(db), counts(db)
    child = _run_migration(db, 'raise RuntimeError("boom")')
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0 and "boom" in err
    assert _schema(db) == before and counts(db) == rows
    assert integrity(db) == ["ok"]
