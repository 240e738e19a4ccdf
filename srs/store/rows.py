"""How stored rows become records (srs.model), and records stored rows.

The column lists and conversions every part of the store shares.
"""

from __future__ import annotations

from datetime import datetime

from srs.errors import DamagedValue
from srs.model import QUESTION_TEXT_FIELDS, CardRow, CardState, Event, Question, State
from srs.timing import from_iso, to_iso


def stored_time(text: object, table: str, row: object, column: str) -> datetime:
    """A stored time as a datetime; a garbled one fails naming its table, row and value."""
    try:
        return from_iso(text)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise DamagedValue(table, row, column, text) from None


QUESTION_COLUMNS = "id, source, qid, " + ", ".join(QUESTION_TEXT_FIELDS) + ", created_at"
EVENT_COLUMNS = "id, question_id, at, kind, result, rating, duration_ms"
CARD_COLUMNS = "state, step, stability, difficulty, due, last_review, reps, lapses"


def question_from(row: tuple) -> Question:
    values = dict(zip(("id", "source", "qid", *QUESTION_TEXT_FIELDS), row, strict=False))
    return Question(**values, created_at=stored_time(row[-1], "questions", row[0], "created_at"))


def event_from(row: tuple) -> Event:
    event_id, question_id, at, kind, result, rating, duration = row
    return Event(event_id, question_id, stored_time(at, "events", event_id, "at"), kind, result, rating, duration)


def card_values(card: CardState) -> tuple:
    """A card state as stored, in CARD_COLUMNS order."""
    last_review = to_iso(card.last_review) if card.last_review else None
    state = (int(card.state), card.step, card.stability, card.difficulty)
    return (*state, to_iso(card.due), last_review, card.reps, card.lapses)


def card_state_from(row: tuple, question_id: object = "?") -> CardState:
    state, step, stability, difficulty, due, last_review, reps, lapses = row
    where = f"question_id {question_id}"
    try:
        kind = State(state)
    except ValueError:
        raise DamagedValue("cards", where, "state", state, "a card state") from None
    return CardState(
        due=stored_time(due, "cards", where, "due"),
        state=kind,
        step=step,
        stability=stability,
        difficulty=difficulty,
        last_review=stored_time(last_review, "cards", where, "last_review") if last_review else None,
        reps=reps,
        lapses=lapses,
    )


def card_row_from(row: tuple, misses: int = 0, topic_misses: int = 0, score: float = 0.0) -> CardRow:
    question_id, source, qid, topic, subject, system = row[:6]
    state = card_state_from(row[6:14], question_id)
    return CardRow(question_id, source, qid, topic, subject, system, state, misses, topic_misses, score)
