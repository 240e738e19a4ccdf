"""A generated Qbank year, the shape issue 16 was found on: a first pass, the misses
redone weeks later, a third pass of a sample. Deterministic for a seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from srs.ingest.misslog import Attempt
from srs.timing import UTC

SUBJECTS = ("Pathology", "Pharmacology", "Physiology", "Microbiology", "Biochemistry")
SYSTEMS = ("Renal/Urinary", "Cardiovascular", "Respiratory", "Nervous System", "Endocrine")


def qbank_year(start: datetime, attempts: int = 3000, seed: int = 16) -> list[Attempt]:
    """`attempts` attempts over about a year from `start` (60% of them the first pass)."""
    rng = random.Random(seed)
    first = attempts * 6 // 10
    redo_share = attempts - first
    rows: list[tuple[datetime, str, str]] = []
    missed: list[tuple[datetime, str]] = []
    for n in range(first):
        at = start + timedelta(days=n * 240 / first, hours=rng.uniform(8, 22))
        result = "incorrect" if rng.random() < 0.4 else "correct"
        rows.append((at, str(n), result))
        if result == "incorrect":
            missed.append((at, str(n)))
    redo = missed[: redo_share * 6 // 10]
    for at, qid in redo:  # misses redone 3 to 6 weeks later
        rows.append((at + timedelta(days=rng.uniform(21, 42)), qid, "incorrect" if rng.random() < 0.35 else "correct"))
    third = attempts - len(rows)
    for qid in rng.sample(range(first), third):  # a third pass in the last months
        at = start + timedelta(days=rng.uniform(280, 360), hours=rng.uniform(0, 4))
        rows.append((at, str(qid), "incorrect" if rng.random() < 0.25 else "correct"))
    rows.sort()
    out = []
    for line, (at, qid, result) in enumerate(rows, start=2):
        q = int(qid)
        fields = {"topic": f"Topic {q % 97}", "subject": SUBJECTS[q % 5], "system": SYSTEMS[q // 5 % 5]}
        out.append(Attempt(line, "uworld", qid, at.astimezone(UTC), result, fields))
    return out
