"""A simulated student whose memory follows known FSRS parameters.

Benchmarks and tests need review histories with a known truth: here the
student is scheduled by srs (default parameters, fuzz on, reviews often late),
but recalls each card with the probability that FSRS gives under the *true*
parameters. Fitting those histories should find the true parameters again.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from srs.schedule.histories import Answer, CardHistory
from srs.schedule.parameters import DEFAULT
from srs.schedule.scheduler import CardState, Rating, Scheduler, State
from srs.timing import DayRule

# A learner unlike FSRS's average one: slower to start, forgets faster, harder cards.
TRUE_PARAMETERS: tuple[float, ...] = (
    0.6, 1.8, 4.2, 15.0, 6.9, 0.6, 2.2, 0.02, 1.4, 0.25, 1.1,
    1.9, 0.09, 0.35, 1.3, 0.45, 2.6, 0.4, 0.25, 0.12, 0.35,
)  # fmt: skip


@dataclass(frozen=True)
class Learner:
    """How the simulated student answers: the truth is `parameters`."""

    parameters: Sequence[float] = TRUE_PARAMETERS
    first_ratings: tuple[float, float, float, float] = (0.3, 0.1, 0.5, 0.1)  # Again..Easy
    recall_ratings: tuple[float, float, float] = (0.15, 0.75, 0.10)  # Hard, Good, Easy
    same_day_again: float = 0.15  # failing a learning step within the day
    late_chance: float = 0.3  # a review done 1-7 days after it fell due


def simulate(
    learner: Learner,
    *,
    cards: int,
    days: int,
    start: datetime,
    rule: DayRule,
    seed: int = 0,
) -> list[CardHistory]:
    """Each card's answers: cards start over the first two thirds of `days`."""
    rng = random.Random(seed)
    truth = Scheduler(rule, parameters=learner.parameters, fuzz=False)
    scheduler = Scheduler(rule, parameters=DEFAULT)
    end = start + timedelta(days=days)
    histories = []
    for card_id in range(1, cards + 1):
        first = start + timedelta(days=rng.uniform(0, days * 2 / 3))
        answers = _card(learner, truth, scheduler, rng, first, end, f"sim-{seed}-{card_id}")
        histories.append(CardHistory(card_id, tuple(answers)))
    return histories


def _card(
    learner: Learner,
    truth: Scheduler,
    scheduler: Scheduler,
    rng: random.Random,
    at: datetime,
    end: datetime,
    seed: str,
) -> list[Answer]:
    known = scheduled = CardState.new(at)
    answers: list[Answer] = []
    while at < end and len(answers) < 200:
        rating = _rating(learner, truth, known, at, rng)
        answers.append(Answer(at, rating))
        known = truth.answer(known, rating, at, seed)
        scheduled = scheduler.answer(scheduled, rating, at, seed)
        at = _next_time(learner, scheduled, at, rng)
    return answers


def _rating(learner: Learner, truth: Scheduler, card: CardState, at: datetime, rng: random.Random) -> Rating:
    if card.is_new:
        return rng.choices(list(Rating), weights=learner.first_ratings)[0]
    assert card.last_review is not None
    if truth.rule.elapsed_days(card.last_review, at) == 0:
        return Rating.Again if rng.random() < learner.same_day_again else Rating.Good
    if rng.random() >= truth.retrievability(card, at):
        return Rating.Again
    return rng.choices([Rating.Hard, Rating.Good, Rating.Easy], weights=learner.recall_ratings)[0]


def _next_time(learner: Learner, card: CardState, after: datetime, rng: random.Random) -> datetime:
    """When the student actually answers next: learning steps a little late, reviews at
    some hour of the day they fall due, sometimes days late."""
    if card.state != State.Review:
        return max(card.due, after) + timedelta(minutes=rng.uniform(0, 30))
    late = rng.randint(1, 7) if rng.random() < learner.late_chance else 0
    return card.due + timedelta(days=late, hours=rng.uniform(1, 19))
