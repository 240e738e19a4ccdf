"""Today's queue and the plan for the days ahead.

Cards are ranked by the priority model (srs.plan.reference). Each day has a capacity
(max reviews per day, fewer on a light day); due cards beyond it wait for the
next days, most important first, instead of piling onto one day. High-yield
cards (topics missed often) are due when their recall falls to a higher
retention than the rest. New cards enter under the daily limit, faster when an
exam date would otherwise arrive before every card has been seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from srs.model import CardRow, Ranked, Scoring
from srs.plan import tiers
from srs.plan.signals import load_signals, pair_terms
from srs.schedule.scheduler import CardState, State
from srs.settings import Settings, is_light_day, study_days_between
from srs.store import Store
from srs.timing import from_iso

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default learn-ahead limit
EXAM_WINDOW = 10  # days before the exam in which every review card is seen at least once


def priority_key(row: CardRow) -> tuple:
    """Sort key for rows ranked by srs.plan.reference (highest score first, then most overdue)."""
    return (-row.score, row.state.due, row.question_id)


def is_learning(card: CardState) -> bool:
    return not card.is_new and card.state in (State.Learning, State.Relearning)


@dataclass(frozen=True)
class Queue:
    cards: list[CardRow]  # in the order to show them
    new_left: int  # new cards still allowed today after these
    backlog: int  # due cards over today's capacity, moved to the next days
    ahead: int = 0  # cards due tomorrow, a light or rest day, taken today instead
    exam: int = 0  # cards pulled forward for the exam (their interval ends after it)

    @property
    def new_count(self) -> int:
        return sum(1 for c in self.cards if c.state.is_new)

    @property
    def due_count(self) -> int:
        return len(self.cards) - self.new_count


@dataclass(frozen=True)
class DayLoad:
    day: date
    due: int  # reviews planned that day
    new: int = 0  # new cards planned that day
    backlog: int = 0  # due cards still waiting after that day


class Planner:
    """What is due when, for one moment `now`.

    Cards are scored and ordered by SQLite (`Store.ranked_cards`, tested against the
    reference model in srs.plan.reference), and only what a question needs is read: the
    few due cards that fit today, the new cards allowed today. `ranked` (every card,
    for exports) is computed on first use.
    """

    def __init__(self, store: Store, settings: Settings, now: datetime) -> None:
        self.store, self.settings, self.now = store, settings, now
        self.rule = settings.day_rule()
        self.scheduler = settings.scheduler()
        self.signals = load_signals(store, now, complete=False)
        self.today = self.rule.day_of(now)
        self.high_yield_misses = tiers.threshold(settings, store)
        factor, decay = self.scheduler.forgetting_curve
        subjects, systems = [*self.signals.subject, ""], [*self.signals.system, ""]
        self.scoring = Scoring(
            today=self.today.toordinal(),
            factor=factor,
            decay=decay,
            scale=self.signals.scale,
            pairs=pair_terms(self.signals, [(d, y) for d in subjects for y in systems]),
        )
        self._ranked: list[CardRow] | None = None

    @property
    def ranked(self) -> list[CardRow]:
        """Every card, highest priority first."""
        if self._ranked is None:
            self._ranked = self.store.ranked_cards(self.scoring, "all")
        return self._ranked

    def ranking(self) -> list[Ranked]:
        """Every card's place and miss counts, highest priority first (no rows read)."""
        return self.store.ranking(self.scoring)

    def new_cards(self, limit: int | None = None) -> list[CardRow]:
        """Cards not studied yet, highest priority first (the first `limit`)."""
        if limit is None:
            return self.store.ranked_cards(self.scoring, "new")
        return self.store.rows_of(self.store.top_cards(self.scoring, "new", limit)[0], self.scoring.scale)

    def high_yield(self, row: CardRow) -> bool:
        return tiers.is_high_yield(row.topic_misses, self.high_yield_misses)

    def _tiers_apply(self) -> bool:
        return tiers.tiers_apply(self.settings)

    def effective_due(self, row: CardRow) -> datetime:
        """When the card is due at its tier's retention (high-yield cards come sooner)."""
        card = row.state
        if not self.high_yield(row) or not self._tiers_apply():
            return card.due
        day = self.scheduler.tier_due_day(card, self.settings.high_yield_retention)
        return card.due if day is None else min(card.due, self.rule.start_of(day))

    def _learning(self, end: datetime) -> list[CardRow]:
        return self.store.ranked_cards(self.scoring, "learning", end=end)

    def _due(self, end: datetime, room: int | None = None) -> tuple[list[CardRow], int]:
        """Review cards due before `end` at their tier's retention: the first `room` by
        priority (all when None), and how many there are in all."""
        if room is None:
            due = self.store.ranked_cards(self.scoring, "review", end=end)
            if self._tiers_apply():
                due += self.store.ranked_cards(self.scoring, "tier", end=end, tier=self._tier(end))
            return sorted(due, key=priority_key), len(due)
        top, total = self.store.top_cards(self.scoring, "review", room, end=end)
        if self._tiers_apply():
            sooner, more = self.store.top_cards(self.scoring, "tier", room, end=end, tier=self._tier(end))
            top, total = sorted(top + sooner, key=lambda r: (-r.raw, r.due, r.question_id))[:room], total + more
        return self.store.rows_of(top, self.scoring.scale), total

    def _tier(self, end: datetime) -> tuple[int, int]:
        """What the SQL needs to find high-yield cards due before `end` (a study day's start)."""
        return self.high_yield_misses, self.rule.day_of(end).toordinal()

    def due_moments(self, end: datetime) -> list[datetime]:
        """When each studied card due before `end` (at its tier's retention) falls due: what
        `effective_due` gives for `studied_due_before(end)`, without reading or ranking rows."""
        tiers = self._tiers_apply()
        threshold = self.high_yield_misses if tiers else None
        starts: dict[int, datetime] = {}
        moments = []
        for due_text, tier_day in self.store.due_moments(end, self.rule.day_of(end).toordinal(), threshold):
            due = from_iso(due_text)
            if tier_day is not None:
                if tier_day not in starts:
                    starts[tier_day] = self.rule.start_of(date.fromordinal(tier_day))
                due = min(due, starts[tier_day])
            if due < end:
                moments.append(due)
        return moments

    def studied_due_before(self, end: datetime) -> list[CardRow]:
        """Studied cards due before `end` at their tier's retention, ranked."""
        return sorted(self._learning(end) + self._due(end)[0], key=priority_key)

    def capacity(self, day: date) -> int:
        """Reviews that fit in a day: the daily maximum, or a light day's minutes."""
        cap = self.settings.max_reviews_per_day
        if is_light_day(self.settings, day):
            per_card = self.store.typical_answer_seconds()
            cap = min(cap, int(self.settings.light_day_minutes * 60 / per_card))
            if self.settings.light_day_reviews is not None:
                cap = min(cap, self.settings.light_day_reviews)
        return cap

    def new_allowance(self) -> int:
        """New cards allowed today: the daily limit, raised to meet the exam date over the
        days that take new cards (none on a light or rest day: light review only)."""
        if self.capacity(self.today) == 0 or is_light_day(self.settings, self.today):
            return 0
        start, end = self.rule.day_start(self.now), self.rule.next_day_start(self.now)
        introduced = self.store.first_answers_between(start, end)
        return max(0, self._new_per_day(self.today, self.store.new_card_count() + introduced) - introduced)

    def queue(self) -> Queue:
        with self.store.snapshot():
            return self._queue()

    def _queue(self) -> Queue:
        end = self.rule.next_day_start(self.now)
        answered = self.store.answers_between(self.rule.day_start(self.now), self.now)
        learning = self._learning(end)
        room = max(0, self.capacity(self.today) - answered - len(learning))
        exam = self._exam_today(room)
        room -= len(exam)
        due, total = self._due(end, room)
        if exam:  # a high-yield card due at its tier's retention may be pulled forward too
            pulled = {row.question_id for row in exam}
            due = [row for row in due if row.question_id not in pulled]
        ahead = self._ahead(end, due, room - len(due))
        allowance = self.new_allowance()
        fresh = self.new_cards(allowance) if allowance else []
        cards = sorted(learning + due + ahead + exam + fresh, key=priority_key)
        return Queue(cards, allowance - len(fresh), max(0, total - room), len(ahead), len(exam))

    def _ahead(self, end: datetime, due: list[CardRow], room: int) -> list[CardRow]:
        """When tomorrow is a light or rest day, what it cannot take comes today (Anki's Easy
        Days prefer the day before: one day early costs little recall), within today's room."""
        tomorrow = self.today + timedelta(days=1)
        if room <= 0 or self.capacity(tomorrow) >= self.settings.max_reviews_per_day:
            return []
        after = self.rule.start_of(tomorrow + timedelta(days=1))
        over = len([m for m in self.due_moments(after) if m >= end]) - self.capacity(tomorrow)
        if over <= 0:
            return []
        taken = {row.question_id for row in due}
        later, _ = self._due(after, len(due) + min(room, over))
        return [row for row in later if row.question_id not in taken][: min(room, over)]

    # -- the exam: intervals that would end after it come due in its final days ----------

    def exam_window(self) -> tuple[date, date] | None:
        """(first day of the exam window, exam day), or None without an exam date ahead."""
        exam = self._exam_day()
        if exam is None:
            return None
        return exam - timedelta(days=EXAM_WINDOW), exam

    def exam_cards(self) -> list[CardRow]:
        """Review cards pulled forward for the exam, most important first: their interval
        ends on or after exam day and they have not been answered since the window opened.
        Before the window opens, the cards that would be pulled forward as things stand."""
        window = self.exam_window()
        if window is None:
            return []
        start, exam = window
        exam_start = self.rule.start_of(exam)
        rows = self.store.ranked_cards(self.scoring, "exam", end=exam_start, tier=(0, start.toordinal()))
        # a high-yield card due before the exam at its tier's retention is due anyway
        return [row for row in rows if self.effective_due(row) >= exam_start]

    def exam_card_count(self) -> int:
        """len(exam_cards()), without reading and scoring the cards when no tier can make one
        of them due sooner (the plan and the forecast only count them)."""
        window = self.exam_window()
        if window is None:
            return 0
        if self._tiers_apply():
            return len(self.exam_cards())
        start, exam = window
        return self.store.card_count_of("exam", end=self.rule.start_of(exam), tier=(0, start.toordinal()))

    def _exam_share(self, pending: int, day: date) -> int:
        """Pulled-forward cards for `day`: the rest spread evenly over the window's days left."""
        window = self.exam_window()
        if window is None or pending <= 0 or not window[0] <= day < window[1]:
            return 0
        return math.ceil(pending / (window[1] - day).days)

    def _exam_today(self, room: int) -> list[CardRow]:
        window = self.exam_window()
        if window is None or room <= 0 or self.today < window[0]:
            return []
        pulled = self.exam_cards()
        return pulled[: min(room, self._exam_share(len(pulled), self.today))]

    def plan(self, days: int = 7) -> list[DayLoad]:
        """Today and the next `days`: reviews and new cards planned, and the backlog left."""
        queue = self.queue()
        loads = [DayLoad(self.today, queue.due_count, queue.new_count, queue.backlog)]
        horizon = self.rule.start_of(self.today + timedelta(days=days + 2))
        today_end = self.rule.next_day_start(self.now)
        upcoming = self.due_moments(horizon)
        dues = [0] * (days + 2)
        for offset in range(1, days + 2):
            day = self.today + timedelta(days=offset)
            start, end = self.rule.start_of(day), self.rule.start_of(day + timedelta(days=1))
            dues[offset] = sum(1 for moment in upcoming if max(start, today_end) <= moment < end)
        dues[1] = max(0, dues[1] - queue.ahead)
        waiting, unseen = queue.backlog, self.store.new_card_count() - queue.new_count
        exam_left = self.exam_card_count() - queue.exam if self.exam_window() else 0
        for offset in range(1, days + 1):
            day = self.today + timedelta(days=offset)
            cap = self.capacity(day)
            exam = min(cap, self._exam_share(exam_left, day))
            exam_left -= exam
            planned = min(dues[offset] + waiting, cap - exam)
            waiting = dues[offset] + waiting - planned
            # tomorrow a light or rest day: what it cannot take comes the day before
            over = dues[offset + 1] - self.capacity(day + timedelta(days=1))
            ahead = max(0, min(over, cap - exam - planned)) if not waiting else 0
            dues[offset + 1] -= ahead
            new = min(unseen, self._new_per_day(day, unseen)) if cap and not is_light_day(self.settings, day) else 0
            unseen -= new
            loads.append(DayLoad(day, planned + ahead + exam, new, waiting))
        return loads

    def _new_per_day(self, day: date, unseen: int) -> int:
        """The day's new-card limit: `new-per-day`, raised so the `unseen` cards all begin
        before the exam on the days that take new cards (light and rest days take none)."""
        exam = self._exam_day()
        if exam is None or day >= exam:
            return self.settings.new_per_day
        return max(self.settings.new_per_day, math.ceil(unseen / study_days_between(self.settings, day, exam)))

    def _exam_day(self) -> date | None:
        if not self.settings.exam_date:
            return None
        exam = date.fromisoformat(self.settings.exam_date)
        return exam if exam > self.today else None

    def tiers(self) -> tuple[int, int]:
        """Cards in the high-yield tier and in the rest."""
        high = self.store.high_yield_card_count(self.high_yield_misses)
        return high, self.store.card_count() - high


def todays_queue(store: Store, settings: Settings, now: datetime) -> Queue:
    return Planner(store, settings, now).queue()


def forecast(store: Store, settings: Settings, now: datetime, days: int = 7) -> list[DayLoad]:
    return Planner(store, settings, now).plan(days)
