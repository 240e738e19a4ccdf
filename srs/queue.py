"""Today's queue: which cards are due, and in what order.

Priority for now: cards whose topic has been missed most come first, then the
card's own misses, then the longest overdue. New cards enter under the daily
new-card limit, highest priority first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .db import CardRow, Store
from .scheduling import CardState, State
from .settings import Settings

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default learn-ahead limit


def priority_key(row: CardRow) -> tuple:
    return (-row.topic_misses, -row.misses, row.state.due, row.question_id)


def is_learning(card: CardState) -> bool:
    return not card.is_new and card.state in (State.Learning, State.Relearning)


@dataclass(frozen=True)
class Queue:
    cards: list[CardRow]  # in the order to show them
    new_left: int  # new cards still allowed today after these

    @property
    def new_count(self) -> int:
        return sum(1 for c in self.cards if c.state.is_new)

    @property
    def due_count(self) -> int:
        return len(self.cards) - self.new_count


def new_allowance(store: Store, settings: Settings, now: datetime) -> int:
    rule = settings.day_rule()
    introduced = store.first_answers_between(rule.day_start(now), rule.next_day_start(now))
    return max(0, settings.new_per_day - introduced)


def todays_queue(store: Store, settings: Settings, now: datetime) -> Queue:
    """Every card due today (learning cards later today too) plus today's new cards."""
    end = settings.day_rule().next_day_start(now)
    due = store.card_rows(due_before=end, new=False)
    allowance = new_allowance(store, settings, now)
    fresh = sorted(store.card_rows(new=True), key=priority_key)[:allowance]
    return Queue(sorted(due + fresh, key=priority_key), allowance - len(fresh))


@dataclass(frozen=True)
class DayLoad:
    day: date
    due: int
    new: int = 0


def forecast(store: Store, settings: Settings, now: datetime, days: int = 7) -> list[DayLoad]:
    """Cards due today (overdue included) and on each of the next `days` days."""
    rule = settings.day_rule()
    today = rule.day_of(now)
    queue = todays_queue(store, settings, now)
    loads = [DayLoad(today, queue.due_count, queue.new_count)]
    later = store.card_rows(due_before=rule.start_of(today + timedelta(days=days + 1)), new=False)
    for offset in range(1, days + 1):
        start = rule.start_of(today + timedelta(days=offset))
        end = rule.start_of(today + timedelta(days=offset + 1))
        count = sum(1 for r in later if start <= r.state.due < end)
        loads.append(DayLoad(today + timedelta(days=offset), count))
    return loads
