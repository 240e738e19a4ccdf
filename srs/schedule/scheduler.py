"""FSRS scheduling with Anki's day rule and deterministic fuzz. No I/O.

Every possible outcome of an answer is computed up front (`next_states`), so the
review screen can show each button's interval and applying a rating is just
picking one of them: what is shown is what is saved.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

from srs.model import CardState, Rating, State
from srs.timing import UTC, DayRule

__all__ = ["Rating", "State", "CardState", "Outcome", "Scheduler", "format_interval"]

MAXIMUM_INTERVAL = 36500


@dataclass(frozen=True)
class Outcome:
    rating: Rating
    card: CardState
    interval: timedelta


def format_interval(interval: timedelta) -> str:
    """Anki-style short interval: 1m, 10m, 3h, 1d, 3.2mo, 1.5y."""
    minutes = interval.total_seconds() / 60
    if minutes < 60:
        return f"{max(1, round(minutes))}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")


class Scheduler:
    """FSRS via the `fsrs` package, with elapsed time counted in study days."""

    def __init__(
        self,
        rule: DayRule,
        *,
        parameters: Sequence[float] = DEFAULT_PARAMETERS,
        desired_retention: float = 0.9,
        fuzz: bool = True,
        maximum_interval: int = MAXIMUM_INTERVAL,
        tier_retention: float | None = None,
    ) -> None:
        self.rule = rule
        self.tier_retention = tier_retention  # the high-yield tier's (see study_days)
        self.fuzz = fuzz
        self.maximum_interval = maximum_interval
        self.parameters = tuple(parameters)
        self.desired_retention = desired_retention
        self.follows_store = False  # built from a database's settings (srs.settings.current_scheduler)
        self._fsrs = fsrs.Scheduler(
            parameters=parameters,
            desired_retention=desired_retention,
            maximum_interval=maximum_interval,
            enable_fuzzing=False,
        )
        self._decay = -self.parameters[20]
        self._factor = 0.9 ** (1 / self._decay) - 1

    def next_states(
        self, card: CardState, now: datetime, seed: str, upto: Rating = Rating.Easy
    ) -> dict[Rating, Outcome]:
        """The card after each possible rating at `now`; intervals Again <= ... <= Easy.

        `upto` stops early: a rating's outcome depends only on the ratings below it.
        """
        now = now.astimezone(UTC)
        raw = {rating: self._review(card, rating, now) for rating in Rating if rating <= upto}
        days = self._review_days(raw, now, seed, card.reps)
        outcomes = {}
        for rating, result in raw.items():
            if rating in days:
                due = self.rule.start_of(self.rule.day_of(now) + timedelta(days=days[rating]))
                interval = timedelta(days=days[rating])
            else:
                due = result.due
                interval = result.due - now
            outcomes[rating] = Outcome(rating, self._to_state(card, result, rating, due), interval)
        return outcomes

    def answer(self, card: CardState, rating: Rating, now: datetime, seed: str) -> CardState:
        """The card after `rating`: what `next_states` shows for it, computing only the
        outcomes it depends on (replays of long logs call this once per answer)."""
        rating, now = Rating(rating), now.astimezone(UTC)
        result = self._review(card, rating, now)
        if result.state != State.Review:
            return self._to_state(card, result, rating, result.due)  # lower ratings don't move it
        raw = {lower: self._review(card, lower, now) for lower in self._may_reach_review(rating)}
        raw[rating] = result
        days = self._review_days(raw, now, seed, card.reps)
        due = self.rule.start_of(self.rule.day_of(now) + timedelta(days=days[rating]))
        return self._to_state(card, result, rating, due)

    def _may_reach_review(self, rating: Rating) -> list[Rating]:
        """Ratings below `rating` whose intervals can push its interval up. Again only
        lands in Review when there are no (re)learning steps to go through."""
        steps = self._fsrs.learning_steps and self._fsrs.relearning_steps
        return [r for r in Rating if r < rating and not (r == Rating.Again and steps)]

    def study_days(self, card: CardState) -> tuple[int | None, int | None]:
        """Ordinals of the study day of the card's last review, and of the day it falls due
        at the high-yield tier's retention (None when that does not apply). Stored with the
        card, so the queue's SQL can compute recall and find the tier's due cards."""
        if card.last_review is None:
            return None, None
        last = self.rule.day_of(card.last_review).toordinal()
        tier = None if self.tier_retention is None else self.tier_due_day(card, self.tier_retention)
        return last, None if tier is None else tier.toordinal()

    def tier_due_day(self, card: CardState, retention: float) -> date | None:
        """The study day a review card falls due at a higher `retention` (the high-yield
        tier's): the one rule the store's tier day, the queue and the forecast share."""
        if card.state != State.Review or card.stability is None or card.last_review is None:
            return None
        return self.rule.day_of(card.last_review) + timedelta(days=self.interval_for(card.stability, retention))

    @property
    def forgetting_curve(self) -> tuple[float, float]:
        """(factor, decay) of R = (1 + factor * days / S) ** decay."""
        return self._factor, self._decay

    def days_per_stability(self, retention: float) -> float:
        """Days per unit of stability until recall falls to `retention` (intervals are linear in S)."""
        return float((retention ** (1 / self._decay) - 1) / self._factor)

    def interval_for(self, stability: float, retention: float) -> int:
        """Whole days until recall falls to `retention` (FSRS's interval formula, halves
        rounded up: the queue's SQL computes the same, see Store.ranked_cards)."""
        days = stability * self.days_per_stability(retention)
        return int(min(max(1, math.floor(days + 0.5)), self.maximum_interval))

    def retrievability(self, card: CardState, now: datetime) -> float:
        """Predicted chance of recall at `now` (0 for a card never answered)."""
        if card.last_review is None or card.stability is None:
            return 0.0
        elapsed = max(0, self.rule.elapsed_days(card.last_review, now))
        return float((1 + self._factor * elapsed / card.stability) ** self._decay)

    def steps_over(self, card: CardState, now: datetime) -> bool:
        """The interday rule: a card in (re)learning answered a study day or more after its
        previous event has no intraday steps left (they would all have ended in the gap).

        The previous event is the card's last answer or, before its first, the miss that
        created it (a Qbank miss is the first exposure). See docs/scheduling.md."""
        if card.state not in (State.Learning, State.Relearning):
            return False
        previous = card.last_review if card.last_review is not None else card.due
        return self.rule.elapsed_days(previous, now) >= 1

    def _review(self, card: CardState, rating: Rating, now: datetime) -> fsrs.Card:
        last = card.last_review
        step = card.step
        if step is not None and self.steps_over(card, now):
            # fsrs graduates Hard/Good/Easy past the last step; Again restarts the steps
            step = len(self._fsrs.relearning_steps if card.state == State.Relearning else self._fsrs.learning_steps)
        if last is not None:
            # fsrs counts whole 24-hour periods; hand it study days instead.
            last = now - timedelta(days=max(0, self.rule.elapsed_days(last, now)))
        fcard = fsrs.Card(
            card_id=1,
            state=card.state,
            step=step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=last,
        )
        result, _log = self._fsrs.review_card(fcard, rating, now)
        return result

    def _review_days(self, raw: dict[Rating, fsrs.Card], now: datetime, seed: str, reps: int) -> dict[Rating, int]:
        """Whole-day intervals of the outcomes that land in Review, fuzzed, ordered."""
        days: dict[Rating, int] = {}
        previous: int | None = None
        factor = _fuzz_factor(seed, reps) if self.fuzz else None
        for rating, result in raw.items():
            if result.state != State.Review:
                previous = None
                continue
            ivl = max(1, round((result.due - now) / timedelta(days=1)))
            if factor is not None:
                ivl = _fuzzed(ivl, factor, self.maximum_interval)
            if previous is not None:
                ivl = max(ivl, previous + 1)
            ivl = min(ivl, self.maximum_interval)
            days[rating] = ivl
            previous = ivl
        return days

    @staticmethod
    def _to_state(card: CardState, result: fsrs.Card, rating: Rating, due: datetime) -> CardState:
        lapsed = rating == Rating.Again and card.state == State.Review
        return CardState(  # every field given: quicker than dataclasses.replace, once per answer replayed
            due=due,
            state=result.state,
            step=result.step,
            stability=result.stability,
            difficulty=result.difficulty,
            last_review=result.last_review,
            reps=card.reps + 1,
            lapses=card.lapses + (1 if lapsed else 0),
        )


def _fuzz_factor(seed: str, reps: int) -> float:
    """Same card, same review count: same fuzz, so `due` and `review` agree."""
    return random.Random(zlib.crc32(f"{seed}#{reps}".encode())).random()


def _fuzzed(interval: int, factor: float, maximum: int) -> int:
    """Anki's fuzz ranges (as in the `fsrs` package), with a given factor."""
    if interval < 2.5:
        return interval
    delta = 1.0
    for fuzz_range in FUZZ_RANGES:
        delta += fuzz_range["factor"] * max(min(float(interval), fuzz_range["end"]) - fuzz_range["start"], 0.0)
    lower = max(2, round(interval - delta))
    upper = min(round(interval + delta), maximum)
    lower = min(lower, upper)
    return min(int(factor * (upper - lower + 1)) + lower, upper)
