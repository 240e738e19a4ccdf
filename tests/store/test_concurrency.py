"""Two `srs` processes on one database at once: no "database is locked", exact counts.

Real processes, started together; every writer takes the write lock up front
(BEGIN IMMEDIATE) and waits for the other through SQLite's busy timeout.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from safety_helpers import cards_equal_replay, counts, integrity, make_log, srs_argv

from srs.store.file import use_wal

pytestmark = pytest.mark.slow


def start(db: Path, *args: str, input: str = "") -> subprocess.Popen[str]:
    """Start `srs`; its standard input is a file already holding `input` (no pipe to feed)."""
    with tempfile.TemporaryFile("w+") as stdin:
        stdin.write(input)
        stdin.seek(0)
        return subprocess.Popen(
            srs_argv(db, *args), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


def finish(child: subprocess.Popen[str]) -> tuple[str, float]:
    """Output of a child that must succeed without a word about locks; and when it ended."""
    out, err = child.communicate(timeout=120)
    ended = time.monotonic()
    assert child.returncode == 0, out + err
    assert "locked" not in (out + err).lower() and "busy" not in (out + err).lower(), out + err
    return out, ended


def review_events(db: Path) -> int:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0]


@pytest.fixture
def seeded(srs, sample, db_path: Path) -> Path:
    assert srs("import", str(sample)).exit_code == 0
    return db_path


def test_two_imports_at_once(seeded, tmp_path):
    a = make_log(tmp_path / "a.csv", 1500, seed=1, qid_base=100_000)
    b = make_log(tmp_path / "b.csv", 1500, seed=2, qid_base=500_000)
    before = counts(seeded)
    first, second = start(seeded, "import", str(a)), start(seeded, "import", str(b))
    for child in (first, second):
        out, _ = finish(child)
        assert out.startswith("1500 rows read:")
    after = counts(seeded)
    assert after["events"] == before["events"] + 3000
    assert after["imports"] == before["imports"] + 2
    assert integrity(seeded) == ["ok"]
    assert cards_equal_replay(seeded)


def test_two_first_imports_into_a_new_database(db_path, tmp_path):
    """Both processes find no schema; one creates it, the other waits and finds it made."""
    a = make_log(tmp_path / "a.csv", 300, seed=3, qid_base=100_000)
    b = make_log(tmp_path / "b.csv", 300, seed=4, qid_base=500_000)
    children = [start(db_path, "import", str(a)), start(db_path, "import", str(b))]
    for child in children:
        finish(child)
    assert counts(db_path)["events"] == 600
    assert integrity(db_path) == ["ok"]


def test_a_review_during_an_import(seeded, tmp_path):
    log = make_log(tmp_path / "big.csv", 3000, seed=5, qid_base=700_000)
    answers = 25
    importing = start(seeded, "import", str(log))
    time.sleep(0.3)  # the import is reading and writing by now
    started = time.monotonic()
    reviewing = start(seeded, "review", "--limit", str(answers), input="3\n1\n4\n2\n" * answers)
    review_out, review_end = finish(reviewing)
    import_out, import_end = finish(importing)
    assert f"({answers} answers)" in review_out
    assert import_out.startswith("3000 rows read:")
    assert review_events(seeded) == answers
    assert counts(seeded)["events"] == 93 + 3000 + answers
    assert integrity(seeded) == ["ok"]
    assert cards_equal_replay(seeded)
    assert started < import_end  # the review began before the import had finished
    del review_end


def test_two_reviews_at_once(seeded):
    # both within the day's 20 new cards: a new card answered Good a study day or more after
    # its miss graduates (the interday rule) instead of coming back in a 10-minute step
    answers = 9
    children = [start(seeded, "review", "--limit", str(answers), input="3\n" * answers) for _ in range(2)]
    for child in children:
        out, _ = finish(child)
        assert f"({answers} answers)" in out
    assert review_events(seeded) == 2 * answers
    assert integrity(seeded) == ["ok"]
    assert cards_equal_replay(seeded)


# The same card changed by another process while a session shows it
##########################################################################


def _session(db: Path, now):  # type: ignore[no-untyped-def]
    from srs import settings as settings_mod
    from srs.review import ReviewSession
    from srs.store import open_store

    store = open_store(db)
    return store, ReviewSession(store, settings_mod.load(store), now=now)


def test_two_sessions_answering_the_same_card_both_count(seeded):
    """Each session read the card before the other answered it: the second answer must not
    overwrite the first one's effect (a lost update); the card is the replay of both."""
    from datetime import timedelta

    from srs.schedule.scheduler import Rating
    from srs.timing import utc_now

    now = utc_now()
    first_store, first = _session(seeded, now)
    second_store, second = _session(seeded, now)
    try:
        row_a, row_b = first.next_card(now), second.next_card(now)
        assert row_a is not None and row_b is not None and row_a.question_id == row_b.question_id
        first.answer(row_a, Rating.Good, now + timedelta(seconds=5))
        outcome = second.answer(row_b, Rating.Again, now + timedelta(seconds=9))
    finally:
        first_store.close()
        second_store.close()
    assert review_events(seeded) == 2
    assert cards_equal_replay(seeded)
    assert outcome.card.reps == 2  # what the second session shows and queues is the real card


def test_an_import_landing_on_the_card_under_review(seeded, tmp_path, srs):
    from datetime import timedelta

    from srs.schedule.scheduler import Rating
    from srs.timing import utc_now

    now = utc_now()
    store, session = _session(seeded, now)
    try:
        row = session.next_card(now)
        assert row is not None
        question = store.question(row.question_id)
        log = tmp_path / "repeat.csv"
        log.write_text(f"qid,source,date,result\n{question.qid},{question.source},{now:%Y-%m-%d %H:%M},incorrect\n")
        assert srs("import", str(log)).exit_code == 0  # another connection: a repeated miss of this card
        session.answer(row, Rating.Good, now + timedelta(seconds=30))
    finally:
        store.close()
    assert cards_equal_replay(seeded)


class _RefusedTwice:
    """A connection whose switch to WAL is refused at once twice, as SQLite refuses one of two
    processes that ask at the same moment, then granted."""

    def __init__(self, error: str = "SQLITE_BUSY") -> None:
        self.calls, self.error = 0, error

    def execute(self, sql: str) -> None:
        assert sql == "PRAGMA journal_mode = WAL"
        self.calls += 1
        if self.calls <= 2:
            refused = sqlite3.OperationalError("database is locked")
            refused.sqlite_errorname = self.error
            raise refused


def test_the_switch_to_wal_is_tried_again_when_another_process_holds_it():
    conn = _RefusedTwice()
    use_wal(conn)  # type: ignore[arg-type]
    assert conn.calls == 3


def test_the_switch_to_wal_gives_up_after_the_wait_and_on_other_errors():
    with pytest.raises(sqlite3.OperationalError):
        use_wal(_RefusedTwice(), wait=0)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.OperationalError):
        use_wal(_RefusedTwice("SQLITE_READONLY"))  # type: ignore[arg-type]
