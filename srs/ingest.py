"""Storing a miss log: new cards for first misses, recalls for later attempts.

One import is one transaction: every row or none. Rows are streamed: memory
does not grow with the file (sets of ids live in temporary tables). An attempt
is known by (source, qid, date), so importing an overlapping log again skips
what is already there.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from .cards import rebuild
from .db import Store
from .errors import InputError, InvalidRows, shown
from .misslog import Attempt, ReadOptions, ReadReport, read_attempts
from .scheduling import Scheduler
from .tables import SNIFF_BYTES, open_table
from .timing import DayRule, to_iso

MAX_LISTED_ERRORS = 20


@dataclass
class ImportSummary:
    rows: int = 0
    new_cards: int = 0
    repeated_misses: int = 0
    correct: int = 0
    omitted: int = 0
    duplicates: int = 0
    invalid: int = 0
    updated_questions: int = 0
    errors: list[InputError] = field(default_factory=list)  # the first few invalid rows
    report: ReadReport = field(default_factory=ReadReport)
    dry_run: bool = False

    def line(self) -> str:
        text = (
            f"{self.rows} rows read: {self.new_cards} new cards, "
            f"{self.repeated_misses} repeated misses, {self.correct} correct attempts, "
            f"{self.duplicates} duplicates skipped"
        )
        if self.invalid:
            text += f", {self.invalid} invalid rows skipped"
        if self.updated_questions:
            text += f", {self.updated_questions} cards' text updated"
        return ("Dry run (nothing written): " if self.dry_run else "") + text

    def notes(self) -> list[str]:
        """Things to tell the student besides the counts."""
        report, notes = self.report, []
        if report.unknown_subjects:
            notes.append(f"Subjects kept as written (not USMLE names): {_listed(sorted(report.unknown_subjects))}")
        if report.unknown_systems:
            notes.append(f"Systems kept as written (not USMLE names): {_listed(sorted(report.unknown_systems))}")
        if report.ignored_columns:
            notes.append(f"Ignored columns: {_listed(report.ignored_columns)}")
        if report.unnamed_columns:
            numbers = ", ".join(str(n) for n in report.unnamed_columns)
            notes.append(f"Columns without a name were ignored (column {numbers})")
        return notes


def _listed(values: list[str], most: int = 15) -> str:
    text = ", ".join(shown(v, 40) for v in values[:most])
    return text + (f" and {len(values) - most} more" if len(values) > most else "")


def attempt_key(attempt: Attempt, rule: DayRule, undated: Counter[tuple[str, str]]) -> str:
    """Identity of an attempt: the same question on the same day is the same attempt.

    Rows without a date are told apart by their order in the file, so the same
    undated log imported twice is still recognised.
    """
    if attempt.at is not None:
        day = attempt.at.astimezone(rule.tz).date().isoformat()
        return f"qbank|{attempt.source}|{attempt.qid}|{day}"
    undated[(attempt.source, attempt.qid)] += 1
    return f"qbank|{attempt.source}|{attempt.qid}|undated|{undated[(attempt.source, attempt.qid)]}"


def text_rank(is_miss: bool, at_iso: str) -> str:
    """Misses outrank correct attempts; later outranks earlier (see merge_question_text)."""
    return f"{1 if is_miss else 0}|{at_iso}"


class _DryRun(Exception):
    """Raised to roll back a dry run after counting."""


def import_attempts(
    store: Store,
    items: Iterable[Attempt | InputError],
    scheduler: Scheduler,
    *,
    file_label: str,
    now: datetime,
    skip_invalid: bool = False,
    dry_run: bool = False,
    report: ReadReport | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Add the attempts in one transaction; any exception leaves the database as it was.

    Invalid rows (InputError items) are all collected; unless `skip_invalid`,
    they make the whole import fail with InvalidRows.
    """
    summary = ImportSummary(report=report or ReadReport(), dry_run=dry_run)
    writer = _Writer(store, scheduler.rule, now, summary)
    misses = 0
    try:
        with store.write():
            store.scratch_set("touched")
            store.scratch_set("created")
            for item in items:
                if isinstance(item, InputError):
                    summary.invalid += 1
                    if len(summary.errors) < MAX_LISTED_ERRORS:
                        summary.errors.append(item)
                    continue
                summary.rows += 1
                if progress is not None and summary.rows % 1000 == 0:
                    progress(summary.rows)
                inserted = writer.store_attempt(item)
                if inserted:
                    misses += 1 if item.is_miss else 0
                    summary.correct += 0 if item.is_miss else 1
            if summary.invalid and not skip_invalid:
                raise InvalidRows(summary.errors, summary.invalid, file_label)
            summary.new_cards = rebuild(store, scheduler, store.scratch_items("touched"), scratch="touched")
            summary.repeated_misses = misses - summary.new_cards
            store.record_import(file_label, now, vars(summary))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


class _Recent:
    """A bounded memory of recent lookups: repeats skip a query, memory stays flat."""

    def __init__(self, size: int) -> None:
        self.size, self.items = size, OrderedDict[object, object]()

    def get(self, key: object) -> object | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: object, value: object) -> None:
        self.items[key] = value
        if len(self.items) > self.size:
            self.items.popitem(last=False)


class _Writer:
    """Stores attempts one by one, remembering just enough to skip repeated work."""

    def __init__(self, store: Store, rule: DayRule, now: datetime, summary: ImportSummary) -> None:
        self.store, self.rule, self.summary = store, rule, summary
        self.now_iso = to_iso(now)
        self.now = now
        self.undated: Counter[tuple[str, str]] = Counter()
        # small on purpose: a log's repeats of one question sit close together, and
        # memory must not grow with the file (the text cache holds whole rows)
        self.ids = _Recent(10_000)
        self.texts = _Recent(1_000)

    def store_attempt(self, attempt: Attempt) -> bool:
        """Store one attempt and its question's text; False when it was already known."""
        at_iso = to_iso(attempt.at) if attempt.at is not None else self.now_iso
        rank = text_rank(attempt.is_miss, at_iso)
        question = self._question_id(attempt, at_iso, rank)
        event = self.store.insert_event(
            question,
            at=at_iso,
            kind="qbank",
            key=attempt_key(attempt, self.rule, self.undated),
            recorded=self.now_iso,
            result=attempt.result,
        )
        if event is None:
            self.summary.duplicates += 1
            return False
        self.summary.omitted += 1 if attempt.result == "omitted" else 0
        self.store.scratch_add("touched", question)
        return True

    def _question_id(self, attempt: Attempt, at_iso: str, rank: str) -> int:
        ident = (attempt.source, attempt.qid)
        cached = self.ids.get(ident)
        question = cached if isinstance(cached, int) else self.store.find_question_id(*ident)
        if question is None:
            question = self.store.insert_question(*ident, attempt.fields, attempt.at or self.now, rank)
            self.store.scratch_add("created", question)
        elif attempt.fields and not self._same_text(question, attempt.fields, rank):
            if self.store.merge_question_text(question, attempt.fields, rank):
                self.summary.updated_questions += 0 if self.store.scratch_has("created", question) else 1
        self.ids.put(ident, question)
        if attempt.fields:
            self.texts.put(question, (rank, attempt.fields))
        return question

    def _same_text(self, question: int, fields: dict[str, str], rank: str) -> bool:
        """True when this row can change nothing: same text as the last one, ranked no higher."""
        last = self.texts.get(question)
        return isinstance(last, tuple) and last[1] == fields and rank <= last[0]


def import_stream(
    store: Store,
    scheduler: Scheduler,
    stream: IO[bytes],
    name: str,
    *,
    now: datetime,
    format: str | None = None,
    sheet: str | None = None,
    options: ReadOptions | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Read a miss log in any supported format from a seekable binary stream and import it."""
    sample = _sample(stream)
    table = open_table(stream, name, format=format, sheet=sheet)
    report = ReadReport()
    if table.format == "xlsx":
        sample = " ".join(table.header or [])
    items = read_attempts(
        table,
        name,
        rule=scheduler.rule,
        now=now,
        options=options or ReadOptions(),
        report=report,
        sample=sample,
    )
    try:
        return import_attempts(
            store,
            items,
            scheduler,
            file_label=name,
            now=now,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            report=report,
            progress=progress,
        )
    finally:
        table.close()


def _sample(stream: IO[bytes]) -> str:
    """The start of the file as text, to recognise score reports."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace")
