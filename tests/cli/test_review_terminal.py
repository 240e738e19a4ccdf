"""`srs review` end to end: in a real pseudo-terminal (single keypresses) and scripted.

The terminal tests drive the real command with pexpect, wait for stable text
(the card front, the buttons line, the confirmation line) before every key, and
then look straight into the database: what was answered is saved, what was
undone is not, and every card still equals the replay of its own log.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest

from srs import card_text as notes
from srs import settings as settings_mod
from srs.schedule.replay import replay_all
from srs.store import open_store

pytestmark = pytest.mark.slow

TIMEOUT = 15  # seconds per expected line: generous, the tests never wait on timing
RATINGS = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}
KEY_RATING = {"1": 1, "a": 1, "2": 2, "h": 2, "3": 3, "g": 3, "4": 4, "e": 4}

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FRONT = re.compile(r"\[(\d+)\]  (.+?)  \((new|learning|review)\)\r\n(.+?)\r\n")
PROMPT = "space: show answer"
BUTTONS = r"1 Again \S+ +2 Hard \S+ +3 Good \S+ +4 Easy \S+ +u undo +q quit"
CONFIRM = r"→ (Again|Hard|Good|Easy), next in (.+?)\r\n"
SUMMARY = r"Reviewed (\d+) cards? \((\d+) answers?\)"


def plain(text: str) -> str:
    return ANSI.sub("", text)


@dataclass(frozen=True)
class Front:
    position: int
    context: str
    label: str
    prompt: str


class Review:
    """One `srs review` running in a pseudo-terminal."""

    def __init__(self, db: Path) -> None:
        env = dict(os.environ, TERM="xterm")
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "srs_cli", "--db", str(db), "review"],
            env=env,
            encoding="utf-8",
            timeout=TIMEOUT,
            dimensions=(40, 200),
        )

    def front(self) -> Front:
        """Wait until a card's front and the reveal hint are on screen."""
        self.child.expect_exact(PROMPT)
        fronts = FRONT.findall(plain(self.child.before))
        assert fronts, f"no card front before the prompt: {self.child.before!r}"
        position, context, label, prompt = fronts[-1]
        return Front(int(position), context, label, prompt)

    def press(self, key: str) -> None:
        """Send one keypress once the program is really waiting for it.

        The prompt is printed just before click.getchar puts the terminal in raw
        mode, and tty.setraw flushes pending input (TCSAFLUSH): a key sent in
        that gap would be thrown away. Raw mode turns echo off, so waiting for
        "no echo" (read from the pty's settings, not a sleep) closes the gap.
        """
        assert self.child.waitnoecho(TIMEOUT), "the review never waited for a key"
        self.child.send(key)

    def reveal(self) -> str:
        """Space shows the back; returns the card's reference ('UWorld #82256')."""
        self.press(" ")
        self.child.expect(r"Source: (.+?), missed \d+×")
        reference = self.child.match.group(1)
        self.child.expect(BUTTONS)
        return reference

    def rate(self, key: str) -> str:
        """One keypress; returns the rating the confirmation line names."""
        self.press(key)
        self.child.expect(CONFIRM)
        return self.child.match.group(1)

    def finish(self) -> tuple[str, int]:
        """Read to the end; returns everything printed after the last match and the exit status."""
        self.child.expect(pexpect.EOF)
        rest = plain(self.child.before)
        self.child.close()
        return rest, self.child.exitstatus

    def close(self) -> None:
        if self.child.isalive():
            self.child.close(force=True)


@pytest.fixture
def review():
    """Start `srs review` in a pty: review(db) -> Review; every child is ended afterwards."""
    started: list[Review] = []

    def start(db: Path) -> Review:
        session = Review(db)
        started.append(session)
        return session

    yield start
    for session in started:
        session.close()


@pytest.fixture
def imported(srs, sample, db_path: Path) -> Path:
    result = srs("--db", str(db_path), "import", str(sample))
    assert result.exit_code == 0, result.output
    return db_path


def review_events(db: Path) -> list[tuple[int, int, str]]:
    """(question_id, rating, at) of every review event, in the order saved."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT question_id, rating, at FROM events WHERE kind = 'review' ORDER BY id").fetchall()


def question_ids(db: Path) -> dict[str, int]:
    """Card reference as shown on the back ('UWorld #82256') -> question id."""
    with open_store(db) as store:
        return {notes.reference(q): q.id for q in store.questions()}


def assert_consistent(db: Path) -> None:
    """The file is sound and every stored card is exactly the replay of its log."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with open_store(db) as store:
        scheduler = settings_mod.load(store).scheduler()
        rebuilt = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
        stored = store.cards()
        assert len(stored) == 77  # the sample's cards, none lost or added
        assert stored == rebuilt


def test_keypresses_undo_and_sigkill_keep_the_database_consistent(imported: Path, review) -> None:
    db = imported
    session = review(db)
    answered: list[tuple[str, int]] = []  # (card reference, rating) as they should be saved

    # Five answers, one keypress each, digits and letters mixed.
    seen: list[str] = []
    for number, key in enumerate(["3", "1", "g", "e", "h"], start=1):
        front = session.front()
        assert front.position == number
        reference = session.reveal()
        assert reference not in seen, "a card came back before the others were shown"
        seen.append(reference)
        rating = session.rate(key)
        assert RATINGS[rating] == KEY_RATING[key]
        answered.append((reference, KEY_RATING[key]))
        if number == 5:
            undone_front = front

    # u on the next card's front takes back the fifth answer and shows that card again.
    next_front = session.front()
    assert next_front.position == 6
    session.press("u")
    session.child.expect_exact("Undid the last answer.")
    answered.pop()
    again = session.front()
    assert again == undone_front
    assert session.reveal() == seen[-1]
    assert session.rate("a") == "Again"  # a different rating than the undone Hard
    answered.append((seen[-1], 1))

    # The card after it is on screen, not answered: the session dies without warning.
    assert session.front().position == 6
    session.child.kill(signal.SIGKILL)
    session.child.expect(pexpect.EOF)
    session.child.close()
    assert session.child.signalstatus == signal.SIGKILL

    # Six answers given, one undone: exactly five saved, in order, with their ratings.
    ids = question_ids(db)
    events = review_events(db)
    assert [(q, r) for q, r, _ in events] == [(ids[ref], rating) for ref, rating in answered]
    assert [r for _, r, _ in events] == [3, 1, 3, 4, 1]

    assert_consistent(db)
    with open_store(db) as store:
        cards = store.cards()
        for question_id, _, at in events:
            card = cards[question_id]
            assert card.reps > 0
            assert card.last_review is not None and card.last_review.isoformat(timespec="milliseconds") == at


def test_q_quits_cleanly_with_a_summary(imported: Path, review) -> None:
    db = imported
    session = review(db)
    session.front()
    first = session.reveal()
    assert session.rate("4") == "Easy"
    session.front()
    session.reveal()
    session.press("q")  # the second card's back is shown but it is not answered
    session.child.expect(SUMMARY)
    assert session.child.match.groups() == ("1", "1")
    _, status = session.finish()
    assert status == 0

    ids = question_ids(db)
    assert [(q, r) for q, r, _ in review_events(db)] == [(ids[first], 4)]
    assert_consistent(db)


def test_ctrl_c_ends_with_summary_and_keeps_answers(imported: Path, review) -> None:
    db = imported
    session = review(db)
    answered = []
    for key in ("2", "a"):
        session.front()
        reference = session.reveal()
        session.rate(key)
        answered.append((reference, KEY_RATING[key]))
    session.front()
    session.reveal()
    session.press("\x03")  # mid-card: the back is shown, no answer given
    session.child.expect(SUMMARY)
    assert session.child.match.groups() == ("2", "2")
    rest, status = session.finish()
    assert "Traceback" not in rest
    assert status == 130

    ids = question_ids(db)
    assert [(q, r) for q, r, _ in review_events(db)] == [(ids[ref], r) for ref, r in answered]
    assert_consistent(db)


def test_scripted_answers_one_per_line(srs, imported: Path) -> None:
    db = imported
    result = srs("--db", str(db), "review", "--limit", "3", input="3\nx\n1\n4\n2\n2\n")
    assert result.exit_code == 0, result.output
    out = result.output

    assert "'x' is not an answer: use 1-4 (or a h g e), u to undo, q to quit" in out
    assert re.findall(r"→ (\w+), next in", out) == ["Good", "Again", "Easy"]
    assert "[4]" not in out  # --limit 3: no fourth card is shown
    summary = re.search(SUMMARY, out)
    assert summary is not None and summary.groups() == ("3", "3")

    events = review_events(db)
    assert [r for _, r, _ in events] == [3, 1, 4]
    assert len({q for q, _, _ in events}) == 3
    assert_consistent(db)


CLOZE_LOG = (
    "qid,source,date,subject,system,topic,result,objective,correct_answer,my_answer,why_wrong\n"
    "C1,uworld,2026-11-01,Pharmacology,Cardiovascular,Antidotes,incorrect,"
    "Beta-blocker overdose is treated with glucagon which raises cAMP,Glucagon,Atropine,atropine only fixes the rate\n"
)


def spawn_review(db: Path, **env: str) -> pexpect.spawn:
    environ = dict(os.environ, TERM="xterm", **env)
    if "NO_COLOR" not in env:
        environ.pop("NO_COLOR", None)
    return pexpect.spawn(sys.executable, ["-m", "srs_cli", "--db", str(db), "review"], env=environ,
                         encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 200))  # fmt: skip


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
def test_a_cloze_card_in_the_terminal(srs, write_log, db_path: Path, no_color: bool) -> None:
    assert srs("import", str(write_log("cloze.csv", CLOZE_LOG))).exit_code == 0
    child = spawn_review(db_path, **({"NO_COLOR": "1"} if no_color else {}))
    try:
        child.expect_exact(PROMPT)
        front = child.before
        assert "Beta-blocker overdose is treated with [...] which raises cAMP" in plain(front)
        assert "glucagon" not in front.lower()
        assert "Antidotes" not in front  # the topic can name the answer: not above a cloze
        assert child.waitnoecho(TIMEOUT)
        child.send(" ")
        child.expect(BUTTONS)
        back = child.before
        assert "Beta-blocker overdose is treated with glucagon which raises cAMP" in plain(back)
        assert "Why not Atropine: atropine only fixes the rate" in plain(back)
        if no_color:
            assert "\x1b[" not in front + back
        else:  # the answer highlighted: bold, underlined, yellow, inside the green sentence
            assert re.search(r"\x1b\[33m\x1b\[1m\x1b\[4mglucagon\x1b\[0m", back), repr(back)
        assert child.waitnoecho(TIMEOUT)
        child.send("3")
        child.expect(CONFIRM)
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert review_events(db_path)[0][1] == 3
