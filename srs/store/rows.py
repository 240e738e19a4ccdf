"""The plain records the database hands out, and how stored rows become records.

Kept apart from `srs.store.log`, which holds every query, so that module stays about SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from srs.schedule.scheduler import CardState, State
from srs.timing import from_iso, to_iso

MISS_RESULTS = ("incorrect", "omitted", "guessed")  # Qbank results that count as a miss


@dataclass(frozen=True)
class Question:
    id: int
    source: str
    qid: str
    subject: str  # USMLE discipline name when known, else as written
    subject_text: str  # as the student wrote it
    system: str
    system_text: str
    topic: str
    category: str
    prompt: str
    objective: str
    explanation: str
    my_answer: str
    correct_answer: str
    reason: str
    reason_kind: str  # one of srs.ingest.taxonomy.REASON_KINDS, or ''
    created_at: datetime


QUESTION_TEXT_FIELDS = (
    "subject",
    "subject_text",
    "system",
    "system_text",
    "topic",
    "category",
    "prompt",
    "objective",
    "explanation",
    "my_answer",
    "correct_answer",
    "reason",
    "reason_kind",
)


@dataclass(frozen=True)
class Event:
    id: int
    question_id: int
    at: datetime
    kind: str
    result: str | None
    rating: int | None
    duration_ms: int | None


@dataclass(frozen=True)
class CardRow:
    """A card with what the queue needs to rank it (score and counts set by srs.plan.reference)."""

    question_id: int
    source: str
    qid: str
    topic: str
    subject: str
    system: str
    state: CardState
    misses: int = 0
    topic_misses: int = 0
    score: float = 0.0

    def with_priority(self, score: float, misses: int, topic_misses: int) -> CardRow:
        return replace(self, score=score, misses=misses, topic_misses=topic_misses)


@lru_cache(maxsize=65536)
def topic_key(topic: str) -> str:
    """A topic as grouped: case and spacing do not make a new topic."""
    return " ".join(topic.lower().split())


LN2 = 0.6931471805599453
UNIX_EPOCH_JULIAN_DAY = 2440587.5


def julian_day(moment: datetime) -> float:
    """Days since the Julian epoch, as SQLite's julianday() counts them."""
    return moment.timestamp() / 86400 + UNIX_EPOCH_JULIAN_DAY


@dataclass(frozen=True)
class MissBasis:
    """How stored miss weights are counted: 2^((t - epoch) / half_life), t in Julian days.

    Weights against a fixed epoch only ever add up, so totals can be kept up to
    date as misses arrive; `scale(now)` turns them into weights as of now
    (2^(-age / half_life) per miss).
    """

    epoch: float
    half_life: float

    def scale(self, now: datetime) -> float:
        return math.exp(LN2 * (self.epoch - julian_day(now)) / self.half_life)

    def stale(self, now: datetime) -> bool:
        """True when weights grow too big for comfort (2^400): time to re-base on a new epoch."""
        return abs(julian_day(now) - self.epoch) / self.half_life > 400


@dataclass(frozen=True)
class Scoring:
    """What the queue's SQL needs to score cards as srs.plan.reference does, at one moment."""

    today: int  # ordinal of today's study day
    factor: float  # FSRS forgetting curve: R = (1 + factor * days / S) ** decay
    decay: float
    scale: float  # MissBasis.scale(now)
    pairs: dict[tuple[str, str], tuple[float, float]]  # (subject, system) -> (subject+system term, exam factor)


class Ranked(NamedTuple):
    """A card's place in a ranking, before its row is read (Store.top_cards)."""

    question_id: int
    misses: int
    topic_misses: int
    raw: float  # the score against the miss epoch (times Scoring.scale: the score now)
    due: str  # stored form: text order is time order


@dataclass(frozen=True)
class AnkiNote:
    """A question's note as srs exported it to (or found it in) Anki."""

    version: int  # note type version (srs.anki.notetype)
    position: int | None  # new-card position given at its first export; None if not known


@dataclass(frozen=True)
class MissCount:
    """One question's misses: how many, and their recency-weighted sum."""

    question_id: int
    topic: str
    subject: str
    system: str
    count: int
    weight: float


def merge_text(
    current_rank: str, current: dict[str, str], fields: dict[str, str], rank: str
) -> tuple[dict[str, str], str]:
    """A row's text against a question's: the fields it changes, and the new text rank.

    The row's text is taken where it ranks at least as high as what set the current
    text (a later miss beats an earlier one, any miss beats a correct attempt);
    otherwise it only fills empty fields.
    """
    wins = rank >= current_rank
    changed = {
        n: v for n, v in fields.items()
        if n in QUESTION_TEXT_FIELDS and current.get(n, "") != v and (wins or not current.get(n, ""))
    }  # fmt: skip
    return changed, max(rank, current_rank)


QUESTION_COLUMNS = "id, source, qid, " + ", ".join(QUESTION_TEXT_FIELDS) + ", created_at"
EVENT_COLUMNS = "id, question_id, at, kind, result, rating, duration_ms"
CARD_COLUMNS = "state, step, stability, difficulty, due, last_review, reps, lapses"


def question_from(row: tuple) -> Question:
    values = dict(zip(("id", "source", "qid", *QUESTION_TEXT_FIELDS), row, strict=False))
    return Question(**values, created_at=from_iso(row[-1]))


def event_from(row: tuple) -> Event:
    event_id, question_id, at, kind, result, rating, duration = row
    return Event(event_id, question_id, from_iso(at), kind, result, rating, duration)


def card_values(card: CardState) -> tuple:
    """A card state as stored, in CARD_COLUMNS order."""
    last_review = to_iso(card.last_review) if card.last_review else None
    state = (int(card.state), card.step, card.stability, card.difficulty)
    return (*state, to_iso(card.due), last_review, card.reps, card.lapses)


def card_state_from(row: tuple) -> CardState:
    state, step, stability, difficulty, due, last_review, reps, lapses = row
    return CardState(
        due=from_iso(due),
        state=State(state),
        step=step,
        stability=stability,
        difficulty=difficulty,
        last_review=from_iso(last_review) if last_review else None,
        reps=reps,
        lapses=lapses,
    )


def card_row_from(row: tuple, misses: int = 0, topic_misses: int = 0, score: float = 0.0) -> CardRow:
    question_id, source, qid, topic, subject, system = row[:6]
    state = card_state_from(row[6:14])
    return CardRow(question_id, source, qid, topic, subject, system, state, misses, topic_misses, score)
