"""Moving questions to another source (`srs questions move-source other uworld`).

A log imported without `--source` is stored as 'other'; importing it again with the
right source would make every question twice (the import stops and says so). Moving
renames the questions, or, where the target source holds the same question already,
merges the two: one question with both histories, its card replayed from the merged
log. One transaction, after a backup, as an import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from srs import settings as settings_mod
from srs.errors import SrsError
from srs.ingest.identity import normalize_qid, normalize_source
from srs.model import QUESTION_TEXT_FIELDS
from srs.schedule.replay import rebuild
from srs.schedule.scheduler import Scheduler
from srs.store import Store
from srs.store.backup import before_import


@dataclass
class MoveSummary:
    source: str
    target: str
    renamed: int = 0  # questions the target source did not hold
    merged: int = 0  # questions merged into the target's same question
    duplicates: int = 0  # attempts both questions held (the same file imported under both), kept once
    in_anki: int = 0  # moved questions already exported to Anki
    dry_run: bool = False

    def line(self) -> str:
        moved = self.renamed + self.merged
        text = (
            f"{'Would move' if self.dry_run else 'Moved'} {moved} question{'s' if moved != 1 else ''} "
            f"from '{self.source}' to '{self.target}': {self.renamed} renamed, {self.merged} merged with "
            f"the same question under '{self.target}'"
        )
        if self.duplicates:
            text += f" ({self.duplicates} attempt{'s' if self.duplicates != 1 else ''} both held, kept once)"
        return text

    def notes(self) -> list[str]:
        if not self.in_anki:
            return []
        return [
            f"{self.in_anki} of them were exported to Anki already: their notes there keep the old source, so "
            "a new export adds them again under the new one (delete the old notes in Anki)"
        ]


class _DryRun(Exception):
    pass


def move_source(
    store: Store, scheduler: Scheduler, source: str, target: str, *, now: datetime, dry_run: bool = False
) -> MoveSummary:
    """Move every question of `source` to `target` (names as a student writes them: 'UW'
    is uworld), merging with the target's same questions; the ids are read again as the
    target bank's (an 'other' 118154.0 is uworld 118154)."""
    old, new = normalize_source(source), normalize_source(target)
    if not old or not new:
        raise SrsError("give the source the questions are under and the one to move them to")
    if old == new:
        raise SrsError(f"'{source}' and '{target}' are both the source '{old}'; nothing to move")
    sources = store.sources()
    if old not in sources:
        known = ", ".join(f"{name} ({n})" for name, n in sorted(sources.items())) or "none yet"
        raise SrsError(f"no questions are stored under source '{old}' (sources: {known})")
    summary = MoveSummary(old, new, dry_run=dry_run)
    if not dry_run:
        before_import(store, now)
    try:
        with store.write():
            scheduler = settings_mod.current_scheduler(store, scheduler)
            _move(store, scheduler, old, new, summary)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _move(store: Store, scheduler: Scheduler, old: str, new: str, summary: MoveSummary) -> None:
    rows = [(question_id, qid, normalize_qid(qid, new)) for question_id, qid in store.questions_of_source(old)]
    texts = store.question_texts([(new, qid) for _, _, qid in rows] + [(old, qid) for _, qid, _ in rows])
    exported = store.anki_notes()
    targets = {qid: entry[0] for (source, qid), entry in texts.items() if source == new}
    touched: set[int] = set()
    for question_id, qid, new_qid in rows:
        into = targets.get(new_qid)
        summary.in_anki += 1 if question_id in exported else 0
        if into is None:
            summary.duplicates += store.move_question(question_id, new, new_qid, None)
            targets[new_qid] = question_id
            summary.renamed += 1
            touched.add(question_id)
            continue
        _, rank, fields = texts[(old, qid)]
        target_rank, target_fields = texts.get((new, new_qid), ("", "", {}))[1:]
        filled = {n: v for n, v in fields.items() if n in QUESTION_TEXT_FIELDS and v and not target_fields.get(n)}
        if filled or rank > target_rank:
            store.set_question_text(into, filled, max(rank, target_rank))
        summary.duplicates += store.move_question(question_id, new, new_qid, into)
        summary.merged += 1
        touched.add(into)
    rebuild(store, scheduler, sorted(touched))
