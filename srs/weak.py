"""Weak areas: topics, subjects and systems ranked by misses, like a score report's bands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from srs.model import QuestionStats, group_key
from srs.plan.signals import MissSignals, load_signals
from srs.plan.weights import exam_weights
from srs.store import Store

GROUPS = ("topic", "subject", "system")


@dataclass
class Area:
    name: str
    misses: int = 0
    attempts: int = 0  # Qbank attempts
    correct: int = 0
    weighted: float = 0.0  # recency-weighted misses
    reasons: Counter[str] = field(default_factory=Counter)
    share: float = 0.0  # of all misses

    @property
    def accuracy(self) -> float | None:
        """Share of Qbank attempts answered correctly, when any are known."""
        return self.correct / self.attempts if self.attempts else None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "misses": self.misses,
            "share": round(self.share, 4),
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "attempts": self.attempts,
            "recent_weight": round(self.weighted, 3),
            "reasons": dict(self.reasons.most_common()),
        }


def weak_report(store: Store, *, now: datetime, groups: Iterable[str] = GROUPS) -> dict[str, list[Area]]:
    """Weak areas of each grouping, the log read once for all of them."""
    stats, signals = store.question_stats(), load_signals(store, now)
    reasons: dict[int, list[tuple[str, int]]] = {}
    for question_id, kind, count in store.miss_reasons():
        reasons.setdefault(question_id, []).append((kind, count))
    return {by: weak_areas(stats, signals, by=by, reasons=reasons) for by in groups}


def weak_areas(
    stats: list[QuestionStats],
    signals: MissSignals,
    *,
    by: str,
    reasons: Mapping[int, list[tuple[str, int]]] | None = None,
) -> list[Area]:
    """Areas of one kind (`topic`, `subject` or `system`), most missed first, from
    `Store.question_stats` and the miss signals.

    The reason mix counts every Qbank miss by its own row's reason (`reasons`: question id
    -> (kind, misses), from `Store.miss_reasons`; 'unclassified' where the words matched no
    kind); without it, each missed question's latest reason counts once.
    Ties break on recent misses, then on the exam weight of the area, then name.
    """
    if by not in GROUPS:
        raise ValueError(by)
    areas: dict[str, Area] = {}
    by_label: dict[str, Area] = {}  # labels repeat across thousands of questions: fold each once
    for row in stats:
        label = getattr(row, by) or "(none)"
        area = by_label.get(label)
        if area is None:
            key = group_key(label)  # the one grouping rule: case and Unicode form make no new area
            area = areas.get(key)
            if area is None:
                area = areas[key] = Area(label)  # shown as first met
            by_label[label] = area
        area.misses += row.misses
        area.attempts += row.attempts
        area.correct += row.correct
        if reasons is not None:
            for kind, count in reasons.get(row.question_id, ()):
                area.reasons[kind] += count
        elif row.misses and row.reason_kind:
            area.reasons[row.reason_kind] += 1
    table: dict[str, float] = {}
    for name, weight in signals.weighted(by).items():
        table[group_key(name)] = table.get(group_key(name), 0.0) + weight
    total = sum(a.misses for a in areas.values()) or 1
    exam = exam_weights()
    for key, area in areas.items():
        area.weighted = table.get(key, 0.0)
        area.share = area.misses / total
    ranked = [a for a in areas.values() if a.misses]

    def exam_weight(area: Area) -> float:
        return exam.systems.get(area.name, exam.disciplines.get(area.name, 1.0))

    return sorted(ranked, key=lambda a: (-a.misses, -a.weighted, -exam_weight(a), a.name))
