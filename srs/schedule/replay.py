"""A card's state is a fold over its question's events, in time order.

The first miss of a question creates its card (new, not yet studied). After
that, a Qbank miss is a failed recall (Again), a correct Qbank attempt a
successful one (Good), and a review carries its own rating. Attempts before
the first miss don't touch the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from srs.model import CardWrite, Event, History
from srs.schedule.scheduler import CardState, Rating, Scheduler
from srs.store import Store


def rating_of(event: Event) -> Rating:
    if event.kind == "review":
        assert event.rating is not None
        return Rating(event.rating)
    return Rating.Again if event.is_miss else Rating.Good


def card_seed(source: str, qid: str) -> str:
    """Fuzz seed from the question's identity, stable across databases."""
    return f"{source}:{qid}"


@dataclass(frozen=True)
class Replayed:
    created: datetime
    card: CardState


def replay(events: Iterable[Event], scheduler: Scheduler, seed: str) -> Replayed | None:
    """The card these events produce, or None when none of them is a miss."""
    created: datetime | None = None
    card: CardState | None = None
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        if card is None or created is None:
            if event.is_miss:
                created = event.at
                card = CardState.new(event.at)
            continue
        card = scheduler.answer(card, rating_of(event), event.at, seed)
    if card is None or created is None:
        return None
    return Replayed(created, card)


def rebuild(store: Store, scheduler: Scheduler, question_ids: Iterable[int], *, scratch: str | None = None) -> int:
    """Recompute and store the cards of these questions, and their miss totals; returns how
    many cards appeared. `scratch`: the questions are those of that scratch set (big imports,
    read in one stream)."""
    before = store.card_count()
    if scratch is None:
        ids = list(question_ids)
        histories = (History(i, *store.question_identity(i), store.events(i)) for i in ids)
        store.replace_cards(replayed(histories, scheduler), question_ids=ids)
    else:
        store.replace_cards(replayed(store.histories(scratch), scheduler), scratch=scratch)
    return store.card_count() - before


def replayed(histories: Iterable[History], scheduler: Scheduler) -> Iterator[CardWrite]:
    """Each question's card as its events make it, ready to store (streamed)."""
    for question_id, source, qid, events in histories:
        result = replay(events, scheduler, card_seed(source, qid))
        if result is None:
            yield CardWrite(question_id, None, None, (None, None))
        else:
            yield CardWrite(question_id, result.card, result.created, scheduler.study_days(result.card))


def replay_all(store: Store, scheduler: Scheduler) -> Iterator[tuple[int, Replayed | None]]:
    """Every question's card as its log says it should be (for checks and rebuilds)."""
    seeds = {q.id: card_seed(q.source, q.qid) for q in store.questions()}
    for question_id, events in groupby(store.all_events(), key=lambda e: e.question_id):
        yield question_id, replay(events, scheduler, seeds[question_id])


def rebuild_all(store: Store, scheduler: Scheduler) -> int:
    """Recompute every stored card and miss total from the log (after new parameters, or a repair)."""
    before = store.card_count()
    store.replace_cards(replayed(store.histories(), scheduler))
    return store.card_count() - before
