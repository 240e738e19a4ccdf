"""Helpers for the reliability tests: generated logs, real `srs` processes, and looks
straight into the database file (never through the code under test when avoidable)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from srs import settings as settings_mod
from srs.schedule.replay import replay_all
from srs.store import open_store

HEADER = ["qid", "source", "date", "subject", "system", "topic", "result", "objective"]
SUBJECTS = ["Pharmacology", "Pathology", "Physiology", "Microbiology", "Immunology", "Biochemistry"]
SYSTEMS = ["Cardiovascular", "Renal", "Respiratory", "Gastrointestinal", "Endocrine", "Neuro"]


def make_log(path: Path, rows: int, *, seed: int = 1, qid_base: int = 100_000) -> Path:
    """A realistic miss log: questions repeat (about 3 attempts each), one date per row and
    question at most, so every row is one attempt (rows == events after an import)."""
    rng = random.Random(seed)
    start = date(2025, 11, 1)
    questions = max(1, rows // 3)
    seen: set[tuple[int, date]] = set()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        written = 0
        while written < rows:
            q = rng.randrange(questions)
            day = start + timedelta(days=rng.randrange(365))
            if (q, day) in seen:
                continue
            seen.add((q, day))
            writer.writerow([
                qid_base + q, "uworld", day.isoformat(), SUBJECTS[q % 6], SYSTEMS[(q // 6) % 6],
                f"Topic {q % 97}", "correct" if rng.random() < 0.3 else "incorrect",
                f"Learning point {q}, in the student's own words.",
            ])  # fmt: skip
            written += 1
    return path


def srs_argv(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "srs_cli", "--db", str(db), *args]


def run_srs(db: Path, *args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`srs` in a real process (its own interpreter, its own SQLite connection)."""
    return subprocess.run(srs_argv(db, *args), input=input, capture_output=True, text=True, timeout=timeout)


def assert_clean_error(code: int, text: str, *words: str) -> str:
    """Exit status not 0, no traceback, and the last line is one `Error: ...` naming `words`."""
    assert code != 0, text
    assert "Traceback" not in text, text
    lines = [line for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], text
    for word in words:
        assert word.lower() in errors[0].lower(), errors[0]
    return errors[0]


def process_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    return assert_clean_error(done.returncode, done.stdout + done.stderr, *words)


def counts(db: Path) -> dict[str, int]:
    """Rows per table, read with plain sqlite3."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("questions", "events", "cards", "imports")
        }


def integrity(db: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")] + [
            repr(r) for r in conn.execute("PRAGMA foreign_key_check")
        ]


def cards_equal_replay(db: Path) -> bool:
    """Every stored card is exactly the replay of its log, and there is no other card."""
    with open_store(db) as store:
        scheduler = settings_mod.load(store).scheduler()
        rebuilt = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
        return store.cards() == rebuilt


def digest(*paths: Path) -> str:
    """Hash of files' bytes: proves nothing was written. A missing file counts as empty
    (a read-only connection may leave an empty WAL behind: it holds nothing)."""
    h = hashlib.sha256()
    for path in paths:
        data = path.read_bytes() if path.exists() else b""
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def checkpoint(db: Path) -> None:
    """Fold the WAL into the main file, so the file alone holds everything."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def copy_db(source: Path, target: Path) -> Path:
    checkpoint(source)
    shutil.copyfile(source, target)
    return target


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable, even for root (who ignores file modes: chattr +i)."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i not permitted here: {made.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
