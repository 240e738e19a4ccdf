"""What a desired retention costs: answers per day expected over the coming weeks.

Every current card is played forward with the scheduler. Due cards are answered
on the day they fall due, recalled with the probability FSRS predicts for that
moment; new cards enter under the daily new-card limit. Each card draws from its
own seeded random stream, so the same collection always gives the same forecast.
Every answer counts, learning steps included, as `srs review` would ask them.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from srs.model import CardRow
from srs.plan import tiers
from srs.plan.queue import Planner
from srs.schedule.replay import card_seed
from srs.schedule.scheduler import CardState, Rating, Scheduler
from srs.settings import Settings, is_light_day
from srs.store import Store
from srs.timing import DayRule

DAYS = 30
MAX_ANSWERS_PER_CARD = 200  # a guard: a card answered this often in a month is a bug


@dataclass(frozen=True)
class Workload:
    retention: float
    per_day: tuple[int, ...]  # answers on today, tomorrow, ...
    high_yield_retention: float | None = None  # for the high-yield cards, when tiers apply
    high_yield_cards: int = 0

    @property
    def average(self) -> float:
        return sum(self.per_day) / len(self.per_day)

    @property
    def peak(self) -> int:
        return max(self.per_day)


SAMPLE = 2000  # cards of a kind (new, studied) played one by one; past that, 1 in N, counted N times


def sample_every(count: int) -> int:
    """N for a forecast over `count` cards of one kind: every card up to SAMPLE, then 1 in N."""
    return max(1, math.ceil(count / SAMPLE))


def new_cards_per_day(fresh: int, started: int, intakes: Sequence[int]) -> list[int]:
    """New cards begun on each day from today, the one rule every forecast uses: day d takes
    up to `intakes[d]` (0 on a light or rest day, see `daily_intakes`), today less the
    `started` cards already begun, until the `fresh` ones run out."""
    found, left = [], fresh
    for d, intake in enumerate(intakes):
        taken = min(left, max(0, intake - (started if d == 0 else 0)))
        found.append(taken)
        left -= taken
    return found


def daily_intakes(settings: Settings, today: date, days: int, intake: int) -> list[int]:
    """The new-card intake of each day from today: `intake`, and none on a light or rest day
    (light review only: new cards are not review, and they add to the days after)."""
    return [0 if is_light_day(settings, today + timedelta(days=d)) else intake for d in range(days)]


def expected_workload(store: Store, settings: Settings, now: datetime, days: int = DAYS) -> Workload:
    """The forecast with the retention tiers: high-yield cards come due at their higher retention."""
    planner = Planner(store, settings, now)
    rows = planner.ranked
    high_yield = {r.question_id for r in rows if planner.high_yield(r)}
    return simulate(rows, settings, now, days, high_yield=high_yield)


def simulate(
    rows: Sequence[CardRow],
    settings: Settings,
    now: datetime,
    days: int = DAYS,
    *,
    high_yield: frozenset[int] | set[int] = frozenset(),
    new_every: int = 1,
    new_days: Sequence[int] | None = None,
) -> Workload:
    """Answers per study day over `days` days from `now`'s day (no I/O).

    `new_every` > 1 plays 1 in N new cards (each entering on the day its place in the queue
    gives it) and counts each of its answers N times: thousands of new cards cost seconds
    to play one by one, and the forecast is an estimate (see `sample_every`). `new_days`:
    how many new cards begin on each day (`new_cards_per_day`); by default `new-per-day`
    every day."""
    rule = settings.day_rule()
    scheduler = settings.scheduler()
    tier = tiers.tier_retention(settings)
    per_day = [0] * days
    fresh = sorted((r for r in rows if r.state.is_new), key=lambda r: r.question_id)  # which ones: no matter
    counts = new_days if new_days is not None else new_cards_per_day(len(fresh), 0, [settings.new_per_day] * days)
    entry = [d for d, n in enumerate(counts[:days]) for _ in range(n)]  # the day each new card begins
    today = rule.day_of(now)
    for index, row in enumerate(fresh):
        if index >= len(entry):
            break
        if index % new_every:
            continue
        start = max(now, rule.start_of(today + timedelta(days=entry[index])))
        retention = tier if row.question_id in high_yield else None
        _play(row, start, scheduler, rule, now, per_day, retention, weight=new_every)
    for row in rows:
        if not row.state.is_new:
            retention = tier if row.question_id in high_yield else None
            _play(row, max(_due(row.state, scheduler, rule, retention), now), scheduler, rule, now, per_day, retention)
    return Workload(settings.desired_retention, tuple(per_day), tier if high_yield else None, len(high_yield))


def _due(card: CardState, scheduler: Scheduler, rule: DayRule, retention: float | None) -> datetime:
    """When a card is due; at a high-yield card's higher retention, sooner (as srs.plan.queue does)."""
    day = None if retention is None else scheduler.tier_due_day(card, retention)
    return card.due if day is None else min(card.due, rule.start_of(day))


def _play(
    row: CardRow,
    at: datetime,
    scheduler: Scheduler,
    rule: DayRule,
    now: datetime,
    per_day: list[int],
    retention: float | None = None,
    weight: int = 1,
) -> None:
    """Answer one card whenever it falls due until the window ends, counting each answer
    `weight` times (a sampled card stands for `weight` cards)."""
    seed = card_seed(row.source, row.qid)
    draws = random.Random(zlib.crc32(seed.encode()))
    card, today = row.state, rule.day_of(now)
    for _ in range(MAX_ANSWERS_PER_CARD):
        offset = (rule.day_of(at) - today).days
        if offset >= len(per_day):
            return
        per_day[offset] += weight
        card = scheduler.answer(card, _rating(scheduler, card, at, draws), at, seed)
        at = max(_due(card, scheduler, rule, retention), at)


def _rating(scheduler: Scheduler, card: CardState, at: datetime, draws: random.Random) -> Rating:
    """Good when recalled, Again when not; learning steps within the day always pass."""
    if card.is_new or (card.last_review is not None and scheduler.rule.elapsed_days(card.last_review, at) == 0):
        return Rating.Good
    return Rating.Good if draws.random() < scheduler.retrievability(card, at) else Rating.Again
