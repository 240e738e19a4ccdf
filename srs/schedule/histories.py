"""Review histories as FSRS learns from them: each card's answers, in study days.

A card's answers are the events after the miss that created it, rated as
`srs.schedule.replay` rates them (a later miss is Again, a correct attempt Good, a review
its own rating), so what the optimizer fits is what the scheduler replays.
Elapsed time is counted in study days by the student's day rule, as Anki does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from srs.model import Event
from srs.schedule.replay import rating_of
from srs.schedule.scheduler import Rating
from srs.store import Store
from srs.timing import DayRule


@dataclass(frozen=True)
class Answer:
    at: datetime
    rating: Rating


@dataclass(frozen=True)
class CardHistory:
    card_id: int
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Item:
    """One thing to predict: a card's answers up to and including the target answer.

    `delta_ts[i]` is the number of study days between answer i-1 and answer i (0 for
    the first answer): the form FSRS (and Anki's optimizer) reads a history in.
    """

    card_id: int
    at: datetime  # when the target answer was given
    ratings: tuple[int, ...]
    delta_ts: tuple[int, ...]

    @property
    def elapsed(self) -> int:
        return self.delta_ts[-1]

    @property
    def recalled(self) -> bool:
        return self.ratings[-1] > Rating.Again

    def history(self) -> Item:
        """The answers before the target (what the prediction may use)."""
        return Item(self.card_id, self.at, self.ratings[:-1], self.delta_ts[:-1])


def answers(events: Iterable[Event]) -> list[Answer]:
    """A question's answers: every event after its first miss, in time order."""
    found: list[Answer] = []
    created = False
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        if created:
            found.append(Answer(event.at, rating_of(event)))
        elif event.is_miss:
            created = True
    return found


def card_histories(store: Store) -> list[CardHistory]:
    """Every card's answers from the event log (cards never answered are left out)."""
    result = []
    for question_id, events in groupby(store.all_events(), key=lambda e: e.question_id):
        found = answers(events)
        if found:
            result.append(CardHistory(question_id, tuple(found)))
    return result


def delta_ts(history: CardHistory, rule: DayRule) -> list[int]:
    """Study days since the previous answer, 0 for the first (Anki's delta_t)."""
    times = [a.at for a in history.answers]
    return [0] + [rule.elapsed_days(before, after) for before, after in zip(times, times[1:], strict=False)]


def items(histories: Iterable[CardHistory], rule: DayRule) -> list[Item]:
    """The prediction targets, oldest first: every answer given at least one study day
    after the card's previous answer (same-day answers are kept as history only, as in
    Anki's optimizer: FSRS predicts no recall probability for them)."""
    found = list(_items(histories, rule))
    found.sort(key=lambda item: (item.at, item.card_id))
    return found


def _items(histories: Iterable[CardHistory], rule: DayRule) -> Iterator[Item]:
    for history in histories:
        deltas = delta_ts(history, rule)
        ratings = [int(a.rating) for a in history.answers]
        for end in range(1, len(ratings)):
            if deltas[end] > 0:
                yield Item(
                    history.card_id,
                    history.answers[end].at,
                    tuple(ratings[: end + 1]),
                    tuple(deltas[: end + 1]),
                )


def card_count(found: Sequence[Item]) -> int:
    return len({item.card_id for item in found})
