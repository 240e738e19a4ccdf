"""The plain data srs works with: questions, events, cards, and what a miss is.

No I/O here: the store hands these out, the scheduler and the priority model take them.
Rules the whole program shares are written once, here: what counts as a miss (in
Python and, generated from the same constants, in SQL) and how topics are grouped.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from fsrs import Rating, State

from srs.timing import LN2, julian_day

# -- what a miss is ------------------------------------------------------------
MISS_RESULTS = ("incorrect", "omitted", "guessed")  # Qbank results that count as a miss
RESULTS = ("incorrect", "correct", "omitted", "guessed")  # every Qbank result
MISSED_RATING = int(Rating.Again)  # a review answered Again is a miss too
UNCLASSIFIED = "unclassified"  # the reason kind of a reason that matches no kind (srs.ingest.reasons)


def is_miss(kind: str, result: str | None, rating: int | None) -> bool:
    """A wrong, omitted or guessed Qbank attempt, or a review answered Again."""
    return (kind == "qbank" and result in MISS_RESULTS) or (kind == "review" and rating == MISSED_RATING)


def no_misses_yet(attempts: int) -> str:
    """Why there is nothing to study, for 'No misses yet: ...': no log imported, or (after a
    log of right answers) every attempt so far was right, so no card was made."""
    if attempts == 0:
        return "import a miss log first (srs import FILE)"
    every = "the 1 attempt" if attempts == 1 else f"all {attempts:,} attempts"
    return f"{every} so far {'was' if attempts == 1 else 'were'} answered right"


def miss_sql(alias: str = "e") -> str:
    """`is_miss` as an SQL condition on an events row (`alias`)."""
    results = ", ".join(f"'{r}'" for r in MISS_RESULTS)
    return (
        f"(({alias}.kind = 'qbank' AND {alias}.result IN ({results})) "
        f"OR ({alias}.kind = 'review' AND {alias}.rating = {MISSED_RATING}))"
    )


@dataclass(frozen=True)
class CardState:
    """A card's memory state; `last_review` is None until it is first answered."""

    due: datetime
    state: State = State.Learning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @classmethod
    def new(cls, created: datetime) -> CardState:
        return cls(due=created)

    @property
    def is_new(self) -> bool:
        return self.reps == 0


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
    reason_kind: str  # one of srs.ingest.taxonomy.REASON_KINDS, UNCLASSIFIED, or '' (no reason)
    created_at: datetime
    cloze: str = ""  # the objective with {{c1::...}} markup, from a `cloze` column
    why_wrong: str = ""  # in the student's words, why the chosen answer was wrong


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
    "cloze",
    "why_wrong",
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

    @property
    def is_miss(self) -> bool:
        return is_miss(self.kind, self.result, self.rating)


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
def group_key(name: str) -> str:
    """A topic, subject or system as grouped: the one rule for every grouping (srs weak,
    the report, the priority signals, the miss totals in SQL through the stored keys).

    Case, spacing and Unicode form do not make a new group: 'Renal', 'renal ' and an
    NFD 'Ménière' typed on macOS group with 'RENAL' and 'Ménière'. The text shown keeps
    the student's form."""
    if name.isascii():
        return " ".join(name.lower().split())
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(folded.split())


topic_key = group_key  # the topic's key, stored beside it (questions.topic_key, cards.topic_key)


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


# -- what the store hands out in bulk (named, so no caller counts positions) ------------
class History(NamedTuple):
    """A question's identity and its events in time order."""

    question_id: int
    source: str
    qid: str
    events: list[Event]


class QuestionStats(NamedTuple):
    """A question's names, reason kind, Qbank attempts (and correct ones) and misses."""

    question_id: int
    topic: str
    subject: str
    system: str
    reason_kind: str
    attempts: int
    correct: int
    misses: int


class GroupTotal(NamedTuple):
    """Misses (and their weight against the epoch) of one topic, subject or system."""

    kind: str
    name: str
    misses: int
    mass: float


class CardMisses(NamedTuple):
    question_id: int
    misses: int
    mass: float


class KeptBeside(NamedTuple):
    """What srs keeps beside a card's state: its study days, miss totals and group names."""

    last_day: int | None
    tier_day: int | None
    misses: int
    mass: float
    topic_key: str
    subject: str
    system: str


class Recounted(NamedTuple):
    """A card's misses recounted from the log, and its question's group names."""

    misses: int
    mass: float
    topic_key: str
    subject: str
    system: str


class CardWrite(NamedTuple):
    """A replayed card to store: its state, creation and study days; `card` None when the
    question's log holds no miss (so it has no card)."""

    question_id: int
    card: CardState | None
    created: datetime | None
    days: tuple[int | None, int | None]  # Scheduler.study_days


# -- self-assessments (srs score, srs ready) ---------------------------------------------
ASSESSMENT_KINDS = ("nbme", "uwsa", "free120", "cbssa", "step1", "other")  # what --kind accepts
KIND_LABELS = {"nbme": "NBME", "uwsa": "UWSA", "free120": "Free 120", "cbssa": "CBSSA", "step1": "Step 1",
               "other": "Other"}  # fmt: skip
BANDS = ("lower", "borderline", "same", "higher")  # a content area against overall, as score reports show it


@dataclass(frozen=True)
class Band:
    """One content area's band on a score report: `area` is a USMLE system or discipline name."""

    area: str
    band: str  # one of BANDS


@dataclass(frozen=True)
class Assessment:
    """A self-assessment (or the failed exam's own report), as the score report gives it.

    At most what the report shows: an equated percent correct, a pass probability, a
    scaled score; none of them is converted into another. `id` is None until stored."""

    taken: date
    kind: str  # one of ASSESSMENT_KINDS
    form: str = ""  # e.g. "NBME 30"
    percent: float | None = None
    pass_probability: float | None = None
    scaled: int | None = None
    bands: tuple[Band, ...] = ()
    id: int | None = None

    @property
    def label(self) -> str:
        """"NBME 30": the kind's name, then the form (not repeated when the form starts with it)."""
        kind = KIND_LABELS.get(self.kind, self.kind)
        form = self.form.strip()
        if form.lower().startswith(kind.lower()):
            return form
        return f"{kind} {form}".strip()
