"""The miss signals the priority score reads: recency-weighted misses by question,
topic, subject and system, the subject-and-system tilt, and the exam factor (the
outline's tilt times the score-report bands' lift, srs.plan.readiness)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from srs.model import CardRow, MissCount, topic_key
from srs.plan.weights import QUESTION, SUBJECT, SYSTEM, exam_weights
from srs.store import Store

if TYPE_CHECKING:  # the readiness rules load only when there are score-report bands
    from srs.plan.readiness import BandLift


@dataclass
class MissSignals:
    """Miss totals by question, topic, subject and system: counts, and weights against the
    store's epoch (`scale` turns them into weights as of now; see MissBasis)."""

    question: dict[int, float] = field(default_factory=dict)
    topic: dict[str, float] = field(default_factory=dict)
    subject: dict[str, float] = field(default_factory=dict)
    system: dict[str, float] = field(default_factory=dict)
    question_count: dict[int, int] = field(default_factory=dict)
    topic_count: dict[str, int] = field(default_factory=dict)
    scale: float = 1.0
    typical_topic: float = 0.0  # mean weight of a topic (of a question, where none has a topic)
    bands: dict[str, BandLift] = field(default_factory=dict)  # content area -> its bands' lift

    @classmethod
    def from_counts(
        cls, counts: list[MissCount], scale: float = 1.0, bands: dict[str, BandLift] | None = None
    ) -> MissSignals:
        """Signals summed from per-question counts (the store keeps these sums up to date)."""
        signals = cls(scale=scale, bands=dict(bands or {}))
        for c in counts:
            signals.question[c.question_id] = c.weight
            signals.question_count[c.question_id] = c.count
            for table, name in (
                (signals.topic, topic_key(c.topic)),
                (signals.subject, c.subject),
                (signals.system, c.system),
            ):
                if name:
                    table[name] = table.get(name, 0.0) + c.weight
            if c.topic:
                key = topic_key(c.topic)
                signals.topic_count[key] = signals.topic_count.get(key, 0) + c.count
        signals.typical_topic = _mean(signals.topic) or _mean(signals.question)
        return signals

    def weighted(self, kind: str) -> dict[str, float]:
        """Recency-weighted misses as of now, by topic, subject or system."""
        table = {"topic": self.topic, "subject": self.subject, "system": self.system}[kind]
        return {name: mass * self.scale for name, mass in table.items()}

    def groups_term(self, subject: str, system: str) -> float:
        """(S/S̄ + Y/Ȳ)/4 typical topics: a subject or system missed twice as often as the
        average one adds half a typical topic, however long the history."""
        relative = SUBJECT * _relative(self.subject, subject) + SYSTEM * _relative(self.system, system)
        return self.typical_topic * relative

    def band_factor(self, subject: str, system: str) -> float:
        """How much the score reports' bands lift a subject and system (1 without bands)."""
        if not self.bands:
            return 1.0
        from srs.plan.readiness import band_factor

        return band_factor(self.bands, subject, system)

    def exam_factor(self, subject: str, system: str) -> float:
        """E: the exam outline's tilt times the bands' lift (docs/priority.md)."""
        return exam_weights().factor(subject, system) * self.band_factor(subject, system)

    def counts(self, row: CardRow) -> tuple[int, int]:
        """Misses of the card's question, and of its topic (its own when it has none)."""
        own, key = self.question_count.get(row.question_id, 0), topic_key(row.topic)
        return own, (self.topic_count.get(key, 0) if key else own)

    def miss_signal(self, row: CardRow) -> float:
        """T + Q/2 + subject and system term against the epoch, summed in the order the queue's
        SQL sums it."""
        own, key = self.question.get(row.question_id, 0.0), topic_key(row.topic)
        topic = self.topic.get(key, 0.0) if key else own
        return topic + QUESTION * own + self.groups_term(row.subject, row.system)


def load_signals(store: Store, now: datetime, *, complete: bool = True) -> MissSignals:
    """The store's miss totals (kept up to date as misses are logged); only the subjects'
    and systems' unless `complete` (the queue's SQL reads the rest itself)."""
    signals = MissSignals(scale=store.miss_basis().scale(now))
    for question_id, misses, mass in store.card_misses() if complete else ():
        signals.question[question_id] = mass
        signals.question_count[question_id] = misses
    tables = {"topic": signals.topic, "subject": signals.subject, "system": signals.system}
    for kind, name, misses, mass in store.miss_groups(*(() if complete else ("subject", "system"))):
        tables[kind][name] = mass
        if kind == "topic":
            signals.topic_count[name] = misses
    signals.typical_topic = store.typical_topic_mass()
    if store.has_bands():
        from srs.plan.readiness import band_lifts

        signals.bands = band_lifts(store.assessments())
    return signals


def _mean(table: dict) -> float:
    return math.fsum(table.values()) / len(table) if table else 0.0


def _relative(table: dict[str, float], name: str) -> float:
    """A group's weight against the average group of its kind (0 where unknown)."""
    mean = _mean(table)
    return table.get(name, 0.0) / mean if mean else 0.0


def pair_terms(signals: MissSignals, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """Per (subject, system): the score's subject and system term, and the exam factor with the
    bands' lift in it (for SQL: the ranking reads both from temp.pairs)."""
    return {(d, s): (signals.groups_term(d, s), signals.exam_factor(d, s)) for d, s in pairs}
