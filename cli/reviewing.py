"""`srs review`: the daily session in a terminal (or scripted on stdin)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from srs import card_text as notes
from srs import settings as settings_mod
from srs.model import CardRow, Question
from srs.review import ReviewSession
from srs.schedule.scheduler import Outcome, Rating, format_interval
from srs.store import Store
from srs.timing import utc_now

from . import safe
from .common import open_db
from .terminal import keypresses, read_key, use_color

KEYS = {
    "1": Rating.Again, "a": Rating.Again,
    "2": Rating.Hard, "h": Rating.Hard,
    "3": Rating.Good, "g": Rating.Good,
    "4": Rating.Easy, "e": Rating.Easy,
}  # fmt: skip
WORDS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


class Keys:
    """Single keypresses on a terminal; one line per answer otherwise (scripts)."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()

    def reveal(self) -> str:
        """Wait for the key that shows the back; returns 'q' or 'u' to quit or undo."""
        if not self.interactive:
            return ""
        while True:
            key = read_key().lower()
            if key in ("q", "u"):
                return key
            if key in (" ", "\r", "\n"):
                return ""

    def choice(self) -> str:
        """A rating key (1-4, a/h/g/e), 'u' or 'q'."""
        while True:
            if self.interactive:
                key = read_key().lower()
            else:
                line = sys.stdin.readline()
                if not line:
                    return "q"
                key = line.strip().lower()
                key = {"undo": "u", "quit": "q"}.get(key, key)
                if key in WORDS:
                    return str(int(WORDS[key]))
            if key in KEYS or key in ("u", "q"):
                return key if key in ("u", "q") else str(int(KEYS[key]))
            if not self.interactive:
                click.echo(f"'{safe.line(key)}' is not an answer: use 1-4 (or a h g e), u to undo, q to quit")


def _wrapped(text: str) -> str:
    """Text folded at word boundaries to the terminal's width (at most 100 columns)."""
    width = max(10, min(100, shutil.get_terminal_size((100, 24)).columns - 1))
    return "\n".join(_fold(line, width) if line else "" for line in safe.lines(text).split("\n"))


def _fold(line: str, width: int) -> str:
    """One line folded greedily at spaces, a word longer than the width cut into pieces.

    Linear in the length of the line: click's wrap_text (textwrap) copies the rest of a long
    word at every piece it cuts off, which took minutes on a cell of a few megabytes."""
    rows: list[str] = []
    row: list[str] = []
    used = 0
    for word in line.split():
        if len(word) > width:
            if row:
                rows.append(" ".join(row))
                row, used = [], 0
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            rows.extend(pieces[:-1])
            word = pieces[-1]
        if row and used + 1 + len(word) > width:
            rows.append(" ".join(row))
            row, used = [], 0
        used += len(word) + (1 if row else 0)
        row.append(word)
    if row:
        rows.append(" ".join(row))
    return "\n".join(rows)


# Around a cloze's hidden phrase while the text is folded to the terminal's width (one
# column each, never in the student's text), then turned into colour codes or dropped.
_OPEN, _CLOSE = "\ue000", "\ue001"


def _marked(card: notes.Card, front: bool) -> str:
    """The card's sentence with each hidden phrase (front: its gap) between the markers."""
    parts = []
    for piece in card.pieces:
        text = _unmarked(piece.text)
        if piece.hidden:
            text = (f"[{piece.hint}]" if piece.hint else notes.GAP) if front else text
            parts.append(f"{_OPEN}{text}{_CLOSE}")
        else:
            parts.append(text)
    return "".join(parts)


def _unmarked(text: str) -> str:
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _styled(text: str, base: dict[str, Any], color: bool) -> str:
    """Wrapped text in the base style, the marked phrases highlighted (plain without colour)."""
    chunks = re.split(f"[{_OPEN}{_CLOSE}]", _wrapped(text))  # markers alternate: odd chunks are marked
    if not color:
        return "".join(chunks)
    return "".join(
        click.style(chunk, bold=True, underline=True, fg="yellow") if i % 2 else click.style(chunk, **base)
        for i, chunk in enumerate(chunks)
        if chunk
    )


class Screen:
    """What the review shows of a card: the same card text the Anki export writes."""

    def __init__(self, store: Store, show_wrong_choice: bool, color: bool) -> None:
        self.store, self.show_wrong_choice, self.color = store, show_wrong_choice, color

    def card(self, row: CardRow) -> tuple[Question, notes.Card]:
        question = self.store.question(row.question_id)
        return question, notes.card(question, show_wrong_choice=self.show_wrong_choice)

    def front(self, row: CardRow, position: str) -> None:
        question, card = self.card(row)
        label = "new" if row.state.is_new else ("learning" if row.state.step is not None else "review")
        self.echo()
        where = notes.context(question, front_of_cloze=card.is_cloze) or notes.reference(question)
        self.echo(self._dim(f"{position}  {safe.line(where)}  ({label})"))
        if card.is_cloze:
            text = _marked(card, front=True) + (f" (not {card.not_choice})" if card.not_choice else "")
            self.echo(_styled(text, {"bold": True}, self.color))
        else:
            self.echo(_styled(_unmarked(notes.front_text(card)), {"bold": True}, self.color))

    def back(self, row: CardRow, outcomes: dict[Rating, Outcome]) -> None:
        question, card = self.card(row)
        self.echo("─" * 40)
        text = _marked(card, front=False) if card.pieces else _unmarked(notes.answer(question))
        self.echo(_styled(text, {"fg": "green"}, self.color))
        for label, line in notes.answer_details(question, row.misses):
            self.echo(_wrapped(f"{label}: {line}"))
        buttons = "   ".join(f"{int(r)} {r.name} {format_interval(outcomes[r].interval)}" for r in Rating)
        self.echo(self._style(f"{buttons}    u undo  q quit", fg="cyan"))

    def note(self, text: str, **style: Any) -> None:
        self.echo(self._style(text, **style))

    def echo(self, text: str = "") -> None:
        click.echo(text, color=self.color)

    def _dim(self, text: str) -> str:
        return self._style(text, dim=True)

    def _style(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text


def run_session(session: ReviewSession, screen: Screen, keys: Keys, clock: Callable = utc_now) -> None:
    while True:
        row = session.next_card(clock())
        if row is None:
            return
        shown = time.monotonic()
        screen.front(row, f"[{len(session.history) + 1}]")
        if keys.interactive:
            screen.note("space: show answer   u undo   q quit", dim=True)
        key = keys.reveal()
        if key == "q":
            return
        if key == "u":
            _undo(session, screen)
            continue
        outcomes = session.outcomes(row, clock())
        screen.back(row, outcomes)
        key = keys.choice()
        if key == "q":
            return
        if key == "u":
            _undo(session, screen)
            continue
        elapsed_ms = int((time.monotonic() - shown) * 1000)
        outcome = session.answer(row, Rating(int(key)), clock(), elapsed_ms)
        screen.note(f"→ {outcome.rating.name}, next in {format_interval(outcome.interval)}", dim=True)


def _undo(session: ReviewSession, screen: Screen) -> None:
    row = session.undo()
    screen.note("Undid the last answer." if row else "Nothing to undo.", fg="yellow")


@click.command("review")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many answers.")
@click.option(
    "--minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many minutes (default: the session-minutes setting; light-day-minutes on the light day).",
)
@click.pass_context
def review_command(ctx: click.Context, limit: int | None, minutes: float | None) -> None:
    """Review today's cards, most-missed topics first.

    Space shows the answer; 1-4 (or a h g e) rate Again / Hard / Good / Easy;
    u undoes the last answer; q quits. Every answer is saved as it is given.
    Without a terminal, read one answer per line from standard input.
    """
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        now = utc_now()
        if minutes is None:
            minutes = settings_mod.session_length(settings, settings.day_rule().day_of(now))
        session = ReviewSession(store, settings, now=now, limit=limit, minutes=minutes)
        if session.next_card(utc_now()) is None:
            click.echo("Nothing due now. `srs due` shows what comes next.")
            return
        keys = Keys()
        try:
            with keypresses() if keys.interactive else contextlib.nullcontext():
                screen = Screen(store, settings.show_wrong_choice, use_color(os.environ, sys.stdout.isatty()))
                run_session(session, screen, keys)
        except (KeyboardInterrupt, EOFError):
            click.echo()
            click.echo(session.summary(utc_now()).line())
            ctx.exit(130)
        click.echo()
        click.echo(session.summary(utc_now()).line())
