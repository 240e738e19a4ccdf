"""The priority model: what the student keeps missing, weighted by the exam.

    score = (T + Q/2 + G) * E * (1.5 - R/2),    G = T_typical * (S/S_mean + Y/Y_mean) / 4

T and Q are the recency-weighted misses of the card's topic (its own misses
included) and question: each miss counts 2^(-age/half-life), half-life 30 days by
default. A miss is a wrong, omitted or guessed Qbank attempt, or an Again in review.
The topic dominates: it is the high-yield signal. G lifts weak subjects and systems
(S, Y: their weighted misses, against the average subject's and system's) by a
fraction of a typical topic's weight, so it stays a tilt however long the history.
E tilts by the exam's weight for the card's system and discipline (USMLE Step 1
outline, `srs/data/exam_weights.json`): 1 + (sqrt(w_sys * w_disc) - 1)/4, about 0.8
to 1.3, times the lift of the score reports' bands (a system or discipline reported
lower than overall counts more, srs.plan.readiness.band_lifts). R is FSRS retrievability
now (0 for a card not yet studied), so what is being forgotten comes a little sooner. See docs/priority.md.
"""

from __future__ import annotations

from datetime import datetime

from srs.model import CardRow
from srs.plan.signals import MissSignals
from srs.plan.weights import RECALL_BASE, RECALL_SLOPE
from srs.schedule.scheduler import Scheduler


def score(row: CardRow, signals: MissSignals, scheduler: Scheduler, now: datetime) -> float:
    """The priority score (the reference the queue's SQL is tested against)."""
    exam = signals.exam_factor(row.subject, row.system)
    recall = scheduler.retrievability(row.state, now)
    return signals.miss_signal(row) * exam * (RECALL_BASE - RECALL_SLOPE * recall) * signals.scale


def rank(rows: list[CardRow], signals: MissSignals, scheduler: Scheduler, now: datetime) -> list[CardRow]:
    """Rows with their score and miss counts filled in, highest score first.

    Ties break on the due time, then the card id, so the order is deterministic.
    """
    scored = [row.with_priority(score(row, signals, scheduler, now), *signals.counts(row)) for row in rows]
    return sorted(scored, key=lambda r: (-r.score, r.state.due, r.question_id))
