"""`srs review`: the daily session in a terminal (or scripted on stdin)."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable

import click

from srs import card_text as notes
from srs import settings as settings_mod
from srs.model import CardRow
from srs.review import ReviewSession
from srs.schedule.scheduler import Outcome, Rating, format_interval
from srs.store import Store
from srs.timing import utc_now

from . import safe
from .common import open_db
from .terminal import keypresses, read_key

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


def _front(store: Store, row: CardRow, position: str) -> None:
    question = store.question(row.question_id)
    label = "new" if row.state.is_new else ("learning" if row.state.step is not None else "review")
    click.echo()
    click.secho(f"{position}  {safe.line(notes.context(question) or notes.reference(question))}  ({label})", dim=True)
    click.secho(_wrapped(notes.prompt(question)), bold=True)


def _back(store: Store, row: CardRow, outcomes: dict[Rating, Outcome]) -> None:
    question = store.question(row.question_id)
    click.echo("─" * 40)
    click.secho(_wrapped(notes.answer(question)), fg="green")
    for label, text in notes.answer_details(question, row.misses):
        click.echo(_wrapped(f"{label}: {text}"))
    buttons = "   ".join(f"{int(r)} {r.name} {format_interval(outcomes[r].interval)}" for r in Rating)
    click.secho(f"{buttons}    u undo  q quit", fg="cyan")


def run_session(session: ReviewSession, store: Store, keys: Keys, clock: Callable = utc_now) -> None:
    while True:
        row = session.next_card(clock())
        if row is None:
            return
        shown = time.monotonic()
        _front(store, row, f"[{len(session.history) + 1}]")
        if keys.interactive:
            click.secho("space: show answer   u undo   q quit", dim=True)
        key = keys.reveal()
        if key == "q":
            return
        if key == "u":
            _undo(session)
            continue
        outcomes = session.outcomes(row, clock())
        _back(store, row, outcomes)
        key = keys.choice()
        if key == "q":
            return
        if key == "u":
            _undo(session)
            continue
        elapsed_ms = int((time.monotonic() - shown) * 1000)
        outcome = session.answer(row, Rating(int(key)), clock(), elapsed_ms)
        click.secho(f"→ {outcome.rating.name}, next in {format_interval(outcome.interval)}", dim=True)


def _undo(session: ReviewSession) -> None:
    row = session.undo()
    click.secho("Undid the last answer." if row else "Nothing to undo.", fg="yellow")


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
                run_session(session, store, keys)
        except (KeyboardInterrupt, EOFError):
            click.echo()
            click.echo(session.summary(utc_now()).line())
            ctx.exit(130)
        click.echo()
        click.echo(session.summary(utc_now()).line())
