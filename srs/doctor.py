"""`srs doctor`: is the file sound, and is every card what its log says it is?

The event log is the truth and the cards table a cache of its replay, so a card that
differs from its replay can always be repaired by rebuilding it; a damaged file
cannot, and the way back is the newest backup that passes the full check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import notes
from . import settings as settings_mod
from .backup import Backup, FileCheck, backup_now, check_file, newest_good
from .cards import rebuild_all, replay_all
from .db import Store, open_store
from .scheduling import Scheduler


@dataclass(frozen=True)
class CardProblem:
    question_id: int
    reference: str  # 'UWorld #82256'
    kind: str  # 'differs' (from its replay), 'missing' (a miss but no card), 'extra' (a card without a miss)


@dataclass
class Diagnosis:
    file: FileCheck
    cards: int = 0  # cards stored
    problems: list[CardProblem] = field(default_factory=list)
    good_backup: Backup | None = None  # only looked for when the file is damaged

    @property
    def ok(self) -> bool:
        return self.file.ok and not self.problems


def card_problems(store: Store, scheduler: Scheduler) -> list[CardProblem]:
    """Every stored card compared with the replay of its question's events."""
    rebuilt = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
    stored = store.cards()
    kinds = {}
    for question_id in sorted(set(rebuilt) | set(stored)):
        if question_id not in stored:
            kinds[question_id] = "missing"
        elif question_id not in rebuilt:
            kinds[question_id] = "extra"
        elif stored[question_id] != rebuilt[question_id]:
            kinds[question_id] = "differs"
    questions = {q.id: q for q in store.questions(kinds)}
    return [
        CardProblem(qid, notes.reference(questions[qid]) if qid in questions else f"question {qid}", kind)
        for qid, kind in kinds.items()
    ]


def diagnose(db: Path) -> Diagnosis:
    """Full integrity and foreign-key checks, then (if the file is sound) every card."""
    checked = check_file(db)
    if not checked.ok:
        return Diagnosis(checked, good_backup=newest_good(db))
    with open_store(db) as store:
        scheduler = settings_mod.load(store).scheduler()
        return Diagnosis(checked, store.card_count(), card_problems(store, scheduler))


@dataclass(frozen=True)
class Repair:
    backup: Path
    rebuilt: int  # cards that were wrong


def repair(db: Path, now: datetime) -> Repair:
    """Back up, then rebuild every card from the log in one transaction."""
    with open_store(db) as store:
        scheduler = settings_mod.load(store).scheduler()
        wrong = len(card_problems(store, scheduler))
        saved = backup_now(store, now, reason="repair")
        with store.write():
            rebuild_all(store, scheduler)
    return Repair(saved, wrong)
