"""`srs doctor`: is the file sound, and is every card what its log says it is?

The event log is the truth and the cards table a cache of its replay, so a card that
differs from its replay can always be repaired by rebuilding it; a damaged file
cannot, and the way back is the newest backup that passes the full check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from srs import card_text as notes
from srs import settings as settings_mod
from srs.derived import open_database
from srs.model import GroupTotal
from srs.schedule.replay import rebuild_all, replay_all
from srs.schedule.scheduler import Scheduler
from srs.store import Store
from srs.store.backup import Backup, FileCheck, backup_now, check_file, newest_good


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
    totals_differ: bool = False  # the miss totals by topic, subject and system (kept for the queue)
    texts_differ: list[str] = field(default_factory=list)  # cards whose text is not their latest `srs edit`
    good_backup: Backup | None = None  # only looked for when the file is damaged
    unreadable: list[str] = field(default_factory=list)  # stored values srs cannot read (garbled times)
    log_unreadable: bool = False  # some are in the log or the questions: the cards cannot be replayed

    @property
    def ok(self) -> bool:
        return (
            self.file.ok and not self.problems and not self.totals_differ and not self.texts_differ
            and not self.unreadable
        )


def unapplied_edits(store: Store) -> dict[int, dict[str, str]]:
    """Question id -> the edited fields (latest text event) its stored text does not equal."""
    edited = store.edited_fields()
    questions = {q.id: q for q in store.questions(edited)}
    found = {}
    for question_id, fields in edited.items():
        wrong = {name: value for name, value in fields.items() if getattr(questions[question_id], name) != value}
        if wrong:
            found[question_id] = wrong
    return found


def card_problems(store: Store, scheduler: Scheduler) -> list[CardProblem]:
    """Every stored card compared with the replay of its question's events."""
    rebuilt = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
    stored = store.cards()
    kept, recounted = store.kept_beside_cards(), store.recounted_beside_cards()
    kinds = {}
    for question_id in sorted(set(rebuilt) | set(stored)):
        if question_id not in stored:
            kinds[question_id] = "missing"
        elif question_id not in rebuilt:
            kinds[question_id] = "extra"
        elif stored[question_id] != rebuilt[question_id] or not _kept_right(
            kept[question_id], scheduler.study_days(rebuilt[question_id]), recounted[question_id]
        ):
            kinds[question_id] = "differs"
    questions = {q.id: q for q in store.questions(kinds)}
    return [
        CardProblem(qid, notes.reference(questions[qid]) if qid in questions else f"question {qid}", kind)
        for qid, kind in kinds.items()
    ]


def totals_differ(store: Store) -> bool:
    """Whether the miss totals by topic, subject and system differ from the cards' sums, or
    a card's copy of its topic's totals from the topic's."""
    return not _same_totals(store.miss_groups(), store.groups_recounted()) or store.topic_copies_differ()


def _kept_right(kept: tuple, days: tuple, recounted: tuple) -> bool:
    """A card's study days, miss totals and topic, subject and system are as its log and question say."""
    last_day, tier_day, misses, mass, *names = kept
    right_misses, right_mass, *right_names = recounted
    return (
        (last_day, tier_day) == days
        and misses == right_misses
        and math.isclose(mass, right_mass, rel_tol=1e-9, abs_tol=1e-9)
        and names == right_names
    )


def _same_totals(kept: list[GroupTotal], recounted: dict[tuple[str, str], tuple[int, float]]) -> bool:
    mine = {(kind, name): (misses, mass) for kind, name, misses, mass in kept}
    return mine.keys() == recounted.keys() and all(
        mine[key][0] == misses and math.isclose(mine[key][1], mass, rel_tol=1e-9, abs_tol=1e-9)
        for key, (misses, mass) in recounted.items()
    )


def diagnose(db: Path) -> Diagnosis:
    """Full integrity and foreign-key checks, then (if the file is sound) every card."""
    checked = check_file(db)
    if not checked.ok:
        return Diagnosis(checked, good_backup=newest_good(db))
    with open_database(db) as store:
        unreadable = store.unreadable_values()
        if unreadable:  # nothing can be compared with a log srs cannot read
            in_log = any(value.table != "cards" for value in unreadable)
            return Diagnosis(
                checked,
                store.card_count(),
                unreadable=[str(value).split(" (", 1)[0] for value in unreadable],
                log_unreadable=in_log,
                good_backup=newest_good(db) if in_log else None,
            )
        scheduler = settings_mod.load(store).scheduler()
        texts = [notes.reference(q) for q in store.questions(unapplied_edits(store))]
        return Diagnosis(checked, store.card_count(), card_problems(store, scheduler), totals_differ(store), texts)


@dataclass(frozen=True)
class Repair:
    backup: Path
    rebuilt: int  # cards that were wrong
    texts: int = 0  # cards given their edited text again


def repair(db: Path, now: datetime) -> Repair:
    """Back up, then rebuild every card from the log in one transaction."""
    with open_database(db) as store:
        scheduler = settings_mod.load(store).scheduler()
        garbled = store.unreadable_values()  # in the cards only (a cache): the replay replaces them
        wrong = len({v.row for v in garbled}) if garbled else len(card_problems(store, scheduler))
        saved = backup_now(store, now, reason="repair")
        edits = unapplied_edits(store)
        with store.write():
            rebuild_all(store, scheduler)
            for question_id, fields in edits.items():  # the text events are the truth for what they changed
                question = store.question(question_id)
                ((_, rank, _),) = store.question_texts([(question.source, question.qid)]).values()
                store.set_question_text(question_id, fields, rank)
    return Repair(saved, wrong, len(edits))
