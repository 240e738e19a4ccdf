"""The priority score's weights, once: Python (srs.plan.reference) and SQL
(srs.store.ranking) both read them from here. See docs/priority.md.

    score = (T + QUESTION*Q + G) * E * (RECALL_BASE - RECALL_SLOPE*R)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

QUESTION, SUBJECT, SYSTEM = 0.5, 0.25, 0.25  # a question's own misses; the subject and system tilt
EXAM_TILT = 0.25  # how far the exam outline's weight moves the score
RECALL_BASE, RECALL_SLOPE = 1.5, 0.5  # (1.5 - R/2): what is being forgotten comes a little sooner

# A new card's score within its subject and system grows with this (the cards_new index's order)
NEW_CARD_ORDER = f"topic_mass + {QUESTION!r} * miss_mass"


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
