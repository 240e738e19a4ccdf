"""Reviews done in Anki come home: `srs sync-anki FILE`.

A note srs exported is found in the student's Anki collection by its GUID
(srs.anki.package.note_guid). Each answer in Anki's review log becomes one 'review'
event, keyed by the note and the log row's id, so syncing the same file, or a
later export of the same collection, never counts an answer twice. The ratings
are Anki's buttons; an Again counts as a miss for priority, like one in
`srs review`. The cards touched are then rebuilt from the log: the log stays
the truth, whatever Anki's own scheduler made of those answers.

Like Anki's FSRS, manual changes (set due date, forget, reschedule) and
filtered-deck previews that did not reschedule are left out: they are not
recalls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from srs import settings as settings_mod
from srs.anki.collection import LIMITS, AnkiReview, Limits, open_collection
from srs.anki.identity import note_guid
from srs.anki.notetype import NoteTypes
from srs.anki.notetype import load as load_note_types
from srs.schedule.replay import rebuild
from srs.settings import Settings
from srs.store import Store
from srs.store.backup import before_import
from srs.timing import UTC

MANUAL, RESCHEDULED, FILTERED = 4, 5, 3
EARLIEST = datetime(2006, 1, 1, tzinfo=UTC)  # before Anki existed: a broken row, not a review
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SyncSummary:
    notes: int  # srs notes found in the collection
    reviews: int  # their answers in Anki's log
    added: int  # answers recorded now
    known: int  # answers already recorded by an earlier sync
    skipped: int  # manual changes, previews, broken rows
    cards: int  # cards rebuilt from the log


@dataclass(frozen=True)
class Answer:
    question_id: int
    key: str
    at: datetime
    rating: int
    duration_ms: int | None


def sync_anki(
    store: Store,
    settings: Settings,
    path: Path,
    *,
    now: datetime,
    limits: Limits = LIMITS,
    note_types: NoteTypes | None = None,
) -> SyncSummary:
    """Record the Anki answers to srs's notes found in `path`; nothing is written if it cannot be read.

    Bringing Anki's reviews home is an import: the database is checked and backed up first."""
    before_import(store, now)
    questions = {note_guid(q.source, q.qid): q.id for q in store.questions()}
    with open_collection(path, limits) as collection:
        found = collection.note_types(questions)
        log = collection.reviews(found)
    answers = [a for a in (as_answer(r, questions[r.guid], now) for r in log) if a is not None]
    types = note_types or load_note_types()
    in_anki = [
        (questions[guid], guid, known.version)
        for guid, model_id in found.items()
        if (known := types.by_model_id(model_id)) is not None
    ]
    with store.write():
        touched = [a.question_id for a in answers if _record(store, a, now)]
        store.record_in_anki(in_anki)
        rebuilt = sorted(set(touched))
        rebuild(store, settings_mod.current_scheduler(store, settings.scheduler()), rebuilt)  # read under the lock
    return SyncSummary(
        len(found), len(log), len(touched), len(answers) - len(touched), len(log) - len(answers), len(rebuilt)
    )


def is_recall(review: AnkiReview) -> bool:
    """An answer to a question, as Anki's FSRS counts them: not a manual change or a preview."""
    if review.ease not in (1, 2, 3, 4) or review.kind in (MANUAL, RESCHEDULED):
        return False
    return not (review.kind == FILTERED and review.factor == 0)


def as_answer(review: AnkiReview, question_id: int, now: datetime) -> Answer | None:
    """The review as an srs answer, or None when it is not a recall or its time is impossible."""
    if not is_recall(review):
        return None
    try:
        at = EPOCH + timedelta(milliseconds=review.revlog_id)
    except OverflowError:
        return None
    if not EARLIEST <= at <= now + timedelta(days=1):
        return None
    duration = review.duration_ms if 0 <= review.duration_ms <= 3_600_000 else None
    return Answer(question_id, f"anki|{review.guid}|{review.revlog_id}", at, review.ease, duration)


def _record(store: Store, answer: Answer, now: datetime) -> bool:
    """Log the answer; False when an earlier sync already did."""
    event_id = store.insert_event(
        answer.question_id,
        at=answer.at,
        kind="review",
        key=answer.key,
        recorded=now,
        rating=answer.rating,
        duration_ms=answer.duration_ms,
    )
    return event_id is not None
