"""A review session as plain steps: next card, its outcomes, answer, undo.

The terminal front end (in the CLI) only shows cards and reads keys. Every
answer is committed before the next card is shown, so nothing answered is
lost if the session dies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from srs.errors import SrsError
from srs.model import CardRow
from srs.plan.queue import LEARN_AHEAD, is_learning, todays_queue
from srs.schedule.replay import card_seed, rebuild
from srs.schedule.scheduler import Outcome, Rating
from srs.settings import Settings, current_scheduler
from srs.store import Store
from srs.timing import to_iso


@dataclass(frozen=True)
class Answer:
    row: CardRow  # the card as it was before the answer
    rating: Rating
    event_id: int


@dataclass(frozen=True)
class SessionSummary:
    answers: int
    cards: int
    again: int
    elapsed: timedelta
    waiting: int  # learning cards that come back later today

    @property
    def again_rate(self) -> float:
        return self.again / self.answers if self.answers else 0.0

    def line(self) -> str:
        minutes = self.elapsed.total_seconds() / 60
        cards = f"{self.cards} card" + ("" if self.cards == 1 else "s")
        answers = f"{self.answers} answer" + ("" if self.answers == 1 else "s")
        text = f"Reviewed {cards} ({answers}) in {minutes:.0f} min; again {self.again_rate:.0%} ({self.again})"
        if self.waiting:
            waiting = "1 learning card comes" if self.waiting == 1 else f"{self.waiting} learning cards come"
            text += f"; {waiting} back later today"
        return text


class ReviewSession:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        now: datetime,
        limit: int | None = None,
        minutes: float | None = None,
    ) -> None:
        self.store = store
        self.rule = settings.day_rule()
        self.scheduler = settings.scheduler()
        self.started = now
        self.limit = limit
        self.deadline = now + timedelta(minutes=minutes) if minutes is not None else None
        self.pending: list[CardRow] = todays_queue(store, settings, now).cards
        self.history: list[Answer] = []

    def next_card(self, now: datetime) -> CardRow | None:
        """The highest-priority card that can be shown now, or None when done."""
        if self.limit is not None and len(self.history) >= self.limit:
            return None
        if self.deadline is not None and now >= self.deadline:
            return None
        for row in self.pending:
            if not is_learning(row.state) or row.state.due <= now:
                return row
        soonest = min(self.pending, key=lambda r: r.state.due, default=None)
        if soonest is not None and soonest.state.due <= now + LEARN_AHEAD:
            return soonest
        return None

    def outcomes(self, row: CardRow, now: datetime) -> dict[Rating, Outcome]:
        return self.scheduler.next_states(row.state, now, card_seed(row.source, row.qid))

    def answer(self, row: CardRow, rating: Rating, now: datetime, duration_ms: int | None = None) -> Outcome:
        """Save the answer (event and card together) before returning.

        The answer is recorded no earlier than the card's last event: if the wall clock
        moved back, it still comes after them in the log, so the replay gives the card stored."""
        with self.store.write():
            self._follow_store()
            last = self.store.last_event_time(row.question_id)
            at = max(now, last) if last is not None else now
            outcome = self.outcomes(row, at)[Rating(rating)]
            event_id = self.store.insert_event(
                row.question_id,
                at=at,
                kind="review",
                # unique per answer: two sessions may answer one card in the same millisecond
                key=f"review|{row.question_id}|{to_iso(at)}|{uuid.uuid4().hex}",
                recorded=now,
                rating=int(rating),
                duration_ms=duration_ms,
            )
            if event_id is None:
                raise SrsError("this card was already answered at this very moment")
            if self.store.card(row.question_id) == row.state:
                self.store.update_card(row.question_id, outcome.card, self.scheduler.study_days(outcome.card))
            else:  # another srs (an import, a second review) changed it meanwhile: the log decides
                rebuild(self.store, self.scheduler, [row.question_id])
                outcome = replace(outcome, card=self.store.card(row.question_id) or outcome.card)
        self._drop(row.question_id)
        if is_learning(outcome.card) and outcome.card.due < self.rule.next_day_start(at):
            self.pending.append(replace(row, state=outcome.card))
        self.history.append(Answer(row, Rating(rating), event_id))
        return outcome

    def undo(self) -> CardRow | None:
        """Take back the last answer: its event is deleted and the card rebuilt from the log."""
        if not self.history:
            return None
        last = self.history.pop()
        with self.store.write():
            self._follow_store()
            self.store.delete_event(last.event_id)
            rebuild(self.store, self.scheduler, [last.row.question_id])
            restored = self.store.card(last.row.question_id)
        self._drop(last.row.question_id)
        row = replace(last.row, state=restored) if restored is not None else last.row
        self.pending.insert(0, row)
        return row

    def summary(self, now: datetime) -> SessionSummary:
        return SessionSummary(
            answers=len(self.history),
            cards=len({a.row.question_id for a in self.history}),
            again=sum(1 for a in self.history if a.rating == Rating.Again),
            elapsed=now - self.started,
            waiting=sum(1 for r in self.pending if is_learning(r.state)),
        )

    def _follow_store(self) -> None:
        """Inside a write: the parameters stored now (another srs may have optimized since the
        session began; the cards it rebuilt then differ from the session's copies, and the
        answered card is rebuilt from the log with the new ones)."""
        self.scheduler = current_scheduler(self.store, self.scheduler)
        self.rule = self.scheduler.rule

    def _drop(self, question_id: int) -> None:
        self.pending = [r for r in self.pending if r.question_id != question_id]
