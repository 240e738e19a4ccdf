"""Storing a miss log: new cards for first misses, recalls for later attempts.

One import is one transaction. Each attempt has a key (source, qid, time,
result), so importing the same log again finds every row already there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .cards import rebuild
from .db import Store
from .misslog import Attempt
from .scheduling import Scheduler
from .timing import to_iso


@dataclass
class ImportSummary:
    rows: int = 0
    new_cards: int = 0
    repeated_misses: int = 0
    correct: int = 0
    omitted: int = 0
    duplicates: int = 0
    updated_questions: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"{self.rows} rows read: {self.new_cards} new cards, "
            f"{self.repeated_misses} repeated misses, {self.correct} correct attempts, "
            f"{self.duplicates} duplicates skipped"
        )
        if self.updated_questions:
            text += f", {self.updated_questions} cards' text updated"
        return text


def attempt_key(attempt: Attempt, undated_seen: Counter[tuple[str, str, str]]) -> str:
    """Identity of an attempt. Undated rows are told apart by their order in the file."""
    if attempt.at is not None:
        return f"qbank|{attempt.source}|{attempt.qid}|{to_iso(attempt.at)}|{attempt.result}"
    ident = (attempt.source, attempt.qid, attempt.result)
    undated_seen[ident] += 1
    return f"qbank|{attempt.source}|{attempt.qid}|undated|{attempt.result}|{undated_seen[ident]}"


def import_attempts(
    store: Store,
    attempts: Iterable[Attempt],
    scheduler: Scheduler,
    *,
    file_label: str,
    now: datetime,
) -> ImportSummary:
    """Add the attempts in one transaction; an exception leaves the database as it was."""
    summary = ImportSummary()
    undated: Counter[tuple[str, str, str]] = Counter()
    touched: set[int] = set()
    questions = _Questions(store, now)
    misses = 0
    with store.write():
        for attempt in attempts:
            summary.rows += 1
            question_id = questions.id_for(attempt)
            inserted = store.insert_event(
                question_id,
                at=attempt.at or now,
                kind="qbank",
                key=attempt_key(attempt, undated),
                recorded=now,
                result=attempt.result,
            )
            if inserted is None:
                summary.duplicates += 1
                continue
            touched.add(question_id)
            if attempt.result == "correct":
                summary.correct += 1
            else:
                misses += 1
                summary.omitted += 1 if attempt.result == "omitted" else 0
        summary.updated_questions = questions.write_text()
        summary.new_cards = rebuild(store, scheduler, sorted(touched))
        summary.repeated_misses = misses - summary.new_cards
        store.record_import(file_label, now, vars(summary))
    return summary


class _Questions:
    """Finds or creates each attempt's question and gathers its text.

    A question's text comes from its latest miss; a correct attempt only fills
    fields no miss gave (its "my answer" is the right one, not the missed one).
    The text is written once, at the end, so row order cannot flip it back and
    forth and a repeated import updates nothing.
    """

    def __init__(self, store: Store, now: datetime) -> None:
        self.store, self.now = store, now
        self.ids: dict[tuple[str, str], int] = {}
        self.created: set[int] = set()
        self.text: dict[int, dict[str, tuple[tuple, str]]] = {}

    def id_for(self, attempt: Attempt) -> int:
        ident = (attempt.source, attempt.qid)
        if ident not in self.ids:
            question = self.store.find_question(*ident)
            if question is None:
                new_id = self.store.insert_question(*ident, {}, attempt.at or self.now)
                self.created.add(new_id)
                self.ids[ident] = new_id
            else:
                self.ids[ident] = question.id
        question_id = self.ids[ident]
        rank = (attempt.is_miss, to_iso(attempt.at or self.now), attempt.line)
        fields = self.text.setdefault(question_id, {})
        for name, value in attempt.fields.items():
            if name not in fields or fields[name][0] <= rank:
                fields[name] = (rank, value)
        return question_id

    def write_text(self) -> int:
        """Store the gathered text; returns how many existing questions changed."""
        updated = 0
        for question_id, fields in self.text.items():
            question = self.store.question(question_id)
            changed = {k: v for k, (_, v) in fields.items() if getattr(question, k) != v}
            if changed:
                self.store.update_question(question_id, changed)
                updated += question_id not in self.created
        return updated
