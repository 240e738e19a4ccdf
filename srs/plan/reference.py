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
to 1.3. R is FSRS retrievability now (0 for a card not yet studied), so what is being
forgotten comes a little sooner. See docs/priority.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources

from srs.model import CardRow, MissCount, topic_key
from srs.schedule.scheduler import Scheduler
from srs.store.log import Store

QUESTION, SUBJECT, SYSTEM = 0.5, 0.25, 0.25
EXAM_TILT = 0.25


@dataclass(frozen=True)
class ExamWeights:
    version: str
    systems: dict[str, float]  # USMLE system name -> weight (mean 1)
    disciplines: dict[str, float]

    def factor(self, subject: str, system: str) -> float:
        """A gentle tilt by the exam's weight: misses, not the outline, lead. 1 where unknown."""
        weight = math.sqrt(self.systems.get(system, 1.0) * self.disciplines.get(subject, 1.0))
        return 1.0 + EXAM_TILT * (weight - 1.0)


@lru_cache(maxsize=1)
def exam_weights() -> ExamWeights:
    data = json.loads(resources.files("srs").joinpath("data/exam_weights.json").read_text(encoding="utf-8"))
    systems: dict[str, float] = {}
    for group in data["systems"]:
        low, high = group["range"]
        for member in group["members"]:
            systems[member] = (low + high) / 2 / len(group["members"])
    disciplines = {d["name"]: sum(d["range"]) / 2 for d in data["disciplines"]}
    return ExamWeights(data["version"], _mean_one(systems), _mean_one(disciplines))


def _mean_one(values: dict[str, float]) -> dict[str, float]:
    mean = sum(values.values()) / len(values)
    return {k: v / mean for k, v in values.items()}


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

    @classmethod
    def from_counts(cls, counts: list[MissCount], scale: float = 1.0) -> MissSignals:
        """Signals summed from per-question counts (the store keeps these sums up to date)."""
        signals = cls(scale=scale)
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
    return signals


def _mean(table: dict) -> float:
    return math.fsum(table.values()) / len(table) if table else 0.0


def _relative(table: dict[str, float], name: str) -> float:
    """A group's weight against the average group of its kind (0 where unknown)."""
    mean = _mean(table)
    return table.get(name, 0.0) / mean if mean else 0.0


def pair_terms(signals: MissSignals, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """Per (subject, system): the score's subject and system term, and the exam factor (for SQL)."""
    exam = exam_weights()
    return {(d, s): (signals.groups_term(d, s), exam.factor(d, s)) for d, s in pairs}


def score(row: CardRow, signals: MissSignals, scheduler: Scheduler, now: datetime) -> float:
    """The priority score (the reference the queue's SQL is tested against)."""
    exam = exam_weights().factor(row.subject, row.system)
    recall = scheduler.retrievability(row.state, now)
    return signals.miss_signal(row) * exam * (1.5 - recall / 2) * signals.scale


def rank(rows: list[CardRow], signals: MissSignals, scheduler: Scheduler, now: datetime) -> list[CardRow]:
    """Rows with their score and miss counts filled in, highest score first.

    Ties break on the due time, then the card id, so the order is deterministic.
    """
    scored = [row.with_priority(score(row, signals, scheduler, now), *signals.counts(row)) for row in rows]
    return sorted(scored, key=lambda r: (-r.score, r.state.due, r.question_id))
