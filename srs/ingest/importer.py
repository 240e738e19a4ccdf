"""Storing a miss log: new cards for first misses, recalls for later attempts.

One import is one transaction: every row or none. Rows are streamed: memory
does not grow with the file (sets of ids live in temporary tables). An attempt
is known by (source, qid, study day), so importing an overlapping log again skips
what is already there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from srs import card_text
from srs import settings as settings_mod
from srs.errors import InputError, InvalidRows, shown
from srs.ingest.misslog import Attempt, ReadOptions, ReadReport, read_attempts
from srs.ingest.readers import SNIFF_BYTES, open_table
from srs.model import QUESTION_TEXT_FIELDS
from srs.schedule.replay import rebuild
from srs.schedule.scheduler import Scheduler
from srs.store import Store
from srs.store.backup import before_import
from srs.timing import DayRule, to_iso

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
    recall_prompts: int = 0  # new cards whose front is a real recall test (own prompt or cloze)
    fallbacks: int = 0  # new cards left on the generic prompt
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
        if self.recall_prompts or self.fallbacks:
            text = (
                f"New cards: {self.recall_prompts} test a fact (your prompt or a cloze), "
                f"{self.fallbacks} use a generic prompt"
            )
            if self.fallbacks:
                text += " (`srs cards --weak-prompts` lists them; `srs edit QID` fixes one)"
            notes.append(text)
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
    """Identity of an attempt: the same question on the same study day is the same attempt.

    The study day is the scheduler's (DayRule: the rollover hour in the student's zone),
    not the calendar date: 03:30 and 04:30 are two study days, 23:30 and 00:30 one.

    Rows without a date are told apart by their order in the file, so the same
    undated log imported twice is still recognised.
    """
    if attempt.at is not None:
        day = rule.day_of(attempt.at).isoformat()
        return f"qbank|{attempt.source}|{attempt.qid}|{day}"
    undated[(attempt.source, attempt.qid)] += 1
    return f"qbank|{attempt.source}|{attempt.qid}|undated|{undated[(attempt.source, attempt.qid)]}"


def study_day_key(key: str, at: datetime, rule: DayRule) -> str | None:
    """The key `attempt_key` gives today to a stored attempt keyed by an earlier rule (the
    calendar date), or None when it is already right or was not keyed by a day."""
    prefix, _, day = key.rpartition("|")
    if not prefix.startswith("qbank|") or len(day) != 10 or day[4] != "-" or prefix.endswith("|undated"):
        return None
    new = f"{prefix}|{rule.day_of(at).isoformat()}"
    return None if new == key else new


def text_rank(is_miss: bool, at_iso: str) -> str:
    """Misses outrank correct attempts; later outranks earlier (see merge_text)."""
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
    try:
        with store.write():
            scheduler = settings_mod.current_scheduler(store, scheduler)  # read under the write lock
            store.scratch_set("touched")
            writer = _Writer(store, scheduler.rule, now, summary)
            for item in items:
                if isinstance(item, InputError):
                    summary.invalid += 1
                    if len(summary.errors) < MAX_LISTED_ERRORS:
                        summary.errors.append(item)
                    continue
                summary.rows += 1
                if progress is not None and summary.rows % 1000 == 0:
                    progress(summary.rows)
                writer.add(item)
            writer.flush()
            if summary.invalid and not skip_invalid:
                raise InvalidRows(summary.errors, summary.invalid, file_label)
            store.scratch_uncarded("touched", "uncarded")
            summary.new_cards = rebuild(store, scheduler, store.scratch_items("touched"), scratch="touched")
            _count_prompts(store, summary)
            summary.repeated_misses = writer.misses - summary.new_cards
            store.record_import(file_label, now, vars(summary))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _count_prompts(store: Store, summary: ImportSummary) -> None:
    """How many new cards (questions without a card before, with one now) got a real recall
    front, and how many the generic prompt. Streamed: a big import's new cards are many."""
    for question in store.carded_questions("uncarded"):
        if question.prompt or card_text.card(question).kind.recalls:
            summary.recall_prompts += 1
        else:
            summary.fallbacks += 1


CHUNK = 2000  # attempts written together: a few statements per chunk instead of five per row


class _Writer:
    """Stores attempts a chunk at a time: questions and their text first, then the new events.

    Memory holds one chunk; what must span the whole file (which questions were
    touched) lives in a temporary table.
    """

    def __init__(self, store: Store, rule: DayRule, now: datetime, summary: ImportSummary) -> None:
        self.store, self.rule, self.summary = store, rule, summary
        self.now, self.now_iso = now, to_iso(now)
        self.undated: Counter[tuple[str, str]] = Counter()
        self.first_new_id = store.last_question_id() + 1  # questions from here on are this import's
        self.pending: list[Attempt] = []
        self.times: dict[datetime, str] = {}
        self.misses = 0
        # the fields the student edited in srs (few: edits are made by hand), which no row overwrites
        self.edited = {question_id: set(fields) for question_id, fields in store.edited_fields().items()}

    def add(self, attempt: Attempt) -> None:
        self.pending.append(attempt)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        keys = [attempt_key(a, self.rule, self.undated) for a in rows]
        times = [self._iso(a.at) for a in rows]
        ids = self._questions(rows, times)
        known = self.store.known_event_keys(keys)
        events, touched, reasons = [], set(), []
        for attempt, key, at_iso in zip(rows, keys, times, strict=True):
            reason = attempt.fields.get("reason_kind", "")  # each attempt keeps its own row's reason
            if key in known:
                self.summary.duplicates += 1
                if reason:
                    reasons.append((reason, key))  # fills one logged before kinds were kept per attempt
                continue
            known.add(key)  # the same attempt twice in one file counts once
            question = ids[(attempt.source, attempt.qid)]
            events.append((question, at_iso, "qbank", attempt.result, None, None, key, self.now_iso, reason))
            touched.add(question)
            self.misses += 1 if attempt.is_miss else 0
            self.summary.correct += 0 if attempt.is_miss else 1
            self.summary.omitted += 1 if attempt.result == "omitted" else 0
        events.sort()  # by question: index pages are visited in order, not at random
        self.store.insert_events(events)
        if reasons:
            self.store.fill_event_reasons(reasons)
        self.store.scratch_add_many("touched", touched)

    def _iso(self, at: datetime | None) -> str:
        if at is None:
            return self.now_iso
        if at not in self.times:
            if len(self.times) > 4096:
                self.times.clear()
            self.times[at] = to_iso(at)
        return self.times[at]

    def _questions(self, rows: list[Attempt], times: list[str]) -> dict[tuple[str, str], int]:
        """Ids of the chunk's questions: new ones created with their text, stored ones'
        text merged row by row (see merge_text)."""
        idents = list(dict.fromkeys((a.source, a.qid) for a in rows))
        stored = self.store.question_texts(idents)
        pinned = {ident: self.edited[entry[0]] for ident, entry in stored.items() if entry[0] in self.edited}
        texts = {ident: (rank, dict(fields)) for ident, (_, rank, fields) in stored.items()}
        created: dict[tuple[str, str], datetime] = {}
        changed: dict[tuple[str, str], dict[str, str]] = {}
        for attempt, at_iso in zip(rows, times, strict=True):
            ident, rank = (attempt.source, attempt.qid), text_rank(attempt.is_miss, at_iso)
            if ident not in texts:
                texts[ident] = (rank, dict(attempt.fields))
                created[ident] = attempt.at or self.now
                continue
            current_rank, current = texts[ident]
            diff, new_rank = merge_text(current_rank, current, attempt.fields, rank)
            if pinned.get(ident):  # text the student edited in srs: no row overwrites it
                diff = {n: v for n, v in diff.items() if n not in pinned[ident]}
            current.update(diff)
            texts[ident] = (new_rank, current)
            if diff or new_rank != current_rank:
                changed.setdefault(ident, {}).update(diff)
                if diff and ident in stored and stored[ident][0] < self.first_new_id:
                    self.summary.updated_questions += 1
        ids = {ident: entry[0] for ident, entry in stored.items()}
        ranks_only = []
        for ident, diff in changed.items():
            if ident in stored and diff:
                self.store.set_question_text(ids[ident], diff, texts[ident][0])
            elif ident in stored:
                ranks_only.append((texts[ident][0], ids[ident]))
        self.store.set_text_ranks(ranks_only)
        ids.update(
            self.store.insert_questions(
                [(*ident, texts[ident][1], to_iso(when), texts[ident][0]) for ident, when in created.items()]
            )
        )
        return ids


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
    """Read a miss log in any supported format from a seekable binary stream and import it.

    The backup policy lives here, not in its callers: unless `dry_run`, the database is
    checked and backed up before anything is read (srs.store.backup.before_import).
    A new database opened provisionally (`open_store(provisional=True)`) goes into place
    only once the import succeeded: a failed import or a dry run leaves no file behind.
    When another srs created the database meanwhile, the file is imported into that one."""
    summary = _import_stream(
        store, scheduler, stream, name, now=now, format=format, sheet=sheet, options=options,
        skip_invalid=skip_invalid, dry_run=dry_run, progress=progress,
    )  # fmt: skip
    if dry_run or store.publish():
        return summary
    stream.seek(0)
    return _import_stream(
        store, scheduler, stream, name, now=now, format=format, sheet=sheet, options=options,
        skip_invalid=skip_invalid, dry_run=dry_run, progress=progress,
    )  # fmt: skip


def _import_stream(
    store: Store,
    scheduler: Scheduler,
    stream: IO[bytes],
    name: str,
    *,
    now: datetime,
    format: str | None,
    sheet: str | None,
    options: ReadOptions | None,
    skip_invalid: bool,
    dry_run: bool,
    progress: Callable[[int], None] | None,
) -> ImportSummary:
    if not dry_run:
        before_import(store, now)
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


def merge_text(
    current_rank: str, current: dict[str, str], fields: dict[str, str], rank: str
) -> tuple[dict[str, str], str]:
    """A row's text against a question's: the fields it changes, and the new text rank.

    The row's text is taken where it ranks at least as high as what set the current
    text (a later miss beats an earlier one, any miss beats a correct attempt);
    otherwise it only fills empty fields.
    """
    wins = rank >= current_rank
    changed = {
        n: v for n, v in fields.items()
        if n in QUESTION_TEXT_FIELDS and current.get(n, "") != v and (wins or not current.get(n, ""))
    }  # fmt: skip
    return changed, max(rank, current_rank)
