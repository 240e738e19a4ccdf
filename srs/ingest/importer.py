"""Storing a miss log: new cards for first misses, recalls for later attempts.

One import is one transaction: every row or none. Rows are streamed: memory
does not grow with the file (sets of ids live in temporary tables). An attempt
is known by (source, qid, study day), so importing an overlapping log again skips
what is already there.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from srs import card_text
from srs import settings as settings_mod
from srs.errors import InputError, InvalidRows, shown
from srs.ingest.dates import DateScan
from srs.ingest.identity import OTHER
from srs.ingest.misslog import Attempt, ReadOptions, ReadReport, read_attempts, scan_dates
from srs.ingest.readers import SNIFF_BYTES, Layout, Table, open_table
from srs.model import QUESTION_TEXT_FIELDS, group_key
from srs.schedule.replay import rebuild
from srs.schedule.scheduler import Scheduler
from srs.store import Store
from srs.store.backup import before_import, rotate
from srs.timing import DayRule, to_iso

MAX_LISTED_ERRORS = 20
PREVIEW_ROWS = 5


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
    preview: list[PreviewRow] = field(default_factory=list)  # a dry run's first rows, as they would be stored

    def line(self) -> str:
        text = (
            f"{counted(self.rows, 'row')} read: {counted(self.new_cards, 'new card')}, "
            f"{counted(self.repeated_misses, 'repeated miss', 'repeated misses')}, "
            f"{counted(self.correct, 'correct attempt')}, {counted(self.duplicates, 'duplicate')} skipped"
        )
        if self.invalid:
            text += f", {counted(self.invalid, 'invalid row')} skipped"
        if self.updated_questions:
            cards = counted(self.updated_questions, "card's", "cards'")
            text += f", {cards} text updated"
        return ("Dry run (nothing written): " if self.dry_run else "") + text

    def notes(self) -> list[str]:
        """Things to tell the student besides the counts."""
        report, notes = self.report, []
        if report.skipped_count:
            shown_rows = ", ".join(f"line {line} '{shown(text, 30)}'" for line, text in report.skipped_rows[:5])
            more = report.skipped_count - min(len(report.skipped_rows), 5)
            notes.append(
                f"{counted(report.skipped_count, 'non-question row')} skipped"
                + (f": {shown_rows}" if shown_rows else "")
                + (f" and {more:,} more" if more > 0 and shown_rows else "")
            )
        if self.recall_prompts or self.fallbacks:
            text = (
                f"New cards: {self.recall_prompts} {'tests' if self.recall_prompts == 1 else 'test'} a fact "
                f"(your prompt or a cloze), {self.fallbacks} {'uses' if self.fallbacks == 1 else 'use'} "
                "a generic prompt"
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
            if len(report.unnamed_columns) == 1:
                notes.append(f"A column without a name was ignored (column {numbers})")
            else:
                notes.append(f"Columns without a name were ignored (columns {numbers})")
        return notes


def counted(count: int, one: str, many: str | None = None) -> str:
    """'1 new card', '3 new cards', '2 repeated misses': a count with its noun in the right number."""
    return f"{count} {one if count == 1 else many or one + 's'}"


@dataclass(frozen=True)
class PreviewRow:
    """One attempt as it would be stored: what `--dry-run` shows the student to check."""

    line: int
    source: str
    qid: str
    day: str  # the local date, or "(today)" for a row without one
    result: str
    fields: dict[str, str]


def _listed(values: list[str], most: int = 15) -> str:
    text = ", ".join(shown(v, 40) for v in values[:most])
    return text + (f" and {len(values) - most} more" if len(values) > most else "")


def attempt_key(attempt: Attempt, rule: DayRule, undated: Counter[tuple[str, str]]) -> str:
    """Identity of an attempt: the same question on the same study day is the same attempt.

    The study day is the scheduler's (DayRule: the rollover hour in the student's zone),
    not the calendar date: 03:30 and 04:30 are two study days, 23:30 and 00:30 one.

    Rows without a date are keyed by the paste they came in (`undated_key`); this is the
    key earlier versions gave them (by order alone), still recognised in stored logs.
    """
    if attempt.at is not None:
        day = rule.day_of(attempt.at).isoformat()
        return f"qbank|{attempt.source}|{attempt.qid}|{day}"
    undated[(attempt.source, attempt.qid)] += 1
    return f"qbank|{attempt.source}|{attempt.qid}|undated|{undated[(attempt.source, attempt.qid)]}"


def paste_fingerprint(idents: Iterable[tuple[str, str]]) -> str:
    """What identifies a set of undated rows (a pasted test): its questions, in any order."""
    import hashlib  # here: most runs of srs import nothing

    digest = hashlib.sha1(usedforsecurity=False)
    for source, qid in sorted(idents):
        digest.update(f"{source}|{qid}\n".encode())
    return digest.hexdigest()[:12]


def undated_key(source: str, qid: str, fingerprint: str, occurrence: int) -> str:
    """An undated row's key: its question, the paste it came in, and which time in that paste."""
    return f"qbank|{source}|{qid}|undated|{fingerprint}|{occurrence}"


def _undated_parts(key: str, prefix: str) -> tuple[str, int] | None:
    """(paste fingerprint, or '' for the earlier order-only key; occurrence) of a stored key."""
    parts = key[len(prefix) :].split("|")
    if len(parts) == 1 and parts[0].isdigit():
        return "", int(parts[0])
    if len(parts) == 2 and parts[1].isdigit():
        return parts[0], int(parts[1])
    return None


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
                if dry_run and len(summary.preview) < PREVIEW_ROWS:
                    summary.preview.append(_preview(item, scheduler.rule))
                if progress is not None and summary.rows % 1000 == 0:
                    progress(summary.rows)
                writer.add(item)
            writer.finish()
            if summary.invalid and not skip_invalid:
                raise InvalidRows(summary.errors, summary.invalid, file_label)
            clash = writer.source_clash(file_label)
            if clash is not None:
                raise clash
            if writer.result_clashes > MAX_TOPIC_CLASHES:
                more = writer.result_clashes - MAX_TOPIC_CLASHES
                rows = "1 more row gives" if more == 1 else f"{more} more rows give"
                summary.report.assumptions.append(f"{rows} a question a second result for one day")
            if writer.topic_clashes > MAX_TOPIC_CLASHES:
                more = writer.topic_clashes - MAX_TOPIC_CLASHES
                questions = "1 more question has" if more == 1 else f"{more} more questions have"
                summary.report.assumptions.append(f"{questions} two topics in this file")
            summary.updated_questions = len(writer.updated)
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


def _preview(attempt: Attempt, rule: DayRule) -> PreviewRow:
    day = attempt.at.astimezone(rule.tz).date().isoformat() if attempt.at is not None else "(today)"
    return PreviewRow(attempt.line, attempt.source, attempt.qid, day, attempt.result, dict(attempt.fields))


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
    touched, and seen) lives in temporary tables. Undated rows wait for the end of the
    file: they are known by the paste they came in, which only the whole file tells.
    """

    def __init__(self, store: Store, rule: DayRule, now: datetime, summary: ImportSummary) -> None:
        self.store, self.rule, self.summary = store, rule, summary
        self.now, self.now_iso = now, to_iso(now)
        self.undated: Counter[tuple[str, str]] = Counter()
        self.undated_rows: list[Attempt] = []
        self.first_new_id = store.last_question_id() + 1  # questions from here on are this import's
        self.pending: list[Attempt] = []
        self.times: dict[datetime, str] = {}
        self.misses = 0
        # the fields the student edited in srs (few: edits are made by hand), which no row overwrites
        self.edited = {question_id: set(fields) for question_id, fields in store.edited_fields().items()}
        # one spelling per subject and system group (model.group_key), the stored one first
        self.spellings = store.group_spellings()
        self.spelled: dict[str, set[str]] = {"subject": set(), "system": set()}
        self.topic_clashes = 0
        self.clashed: set[tuple[str, str]] = set()
        self.updated: set[int] = set()  # stored questions whose text this import changed
        self.result_clashes = 0  # one question, one day, two results in this file: the first is kept
        store.scratch_set("seen")

    def add(self, attempt: Attempt) -> None:
        if attempt.at is None:
            self.undated_rows.append(attempt)
            return
        self.pending.append(attempt)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if rows:
            self._write(rows, [attempt_key(a, self.rule, self.undated) for a in rows])

    def finish(self) -> None:
        """The last chunk, then the undated rows keyed by their paste."""
        self.flush()
        rows, self.undated_rows = self.undated_rows, []
        if rows:
            self._write(rows, self._undated_keys(rows))

    def _undated_keys(self, rows: list[Attempt]) -> list[str]:
        """Keys of the undated rows: the rows of a paste already stored (most of this one's rows
        are in it: the same test pasted again, or part of it) keep their stored keys, so they
        count as duplicates; a test that only shares a question or two is a new attempt."""
        occurrence: Counter[tuple[str, str]] = Counter()
        slots = []
        for attempt in rows:
            ident = (attempt.source, attempt.qid)
            occurrence[ident] += 1
            slots.append((*ident, occurrence[ident]))
        fingerprint = paste_fingerprint((source, qid) for source, qid, _ in slots)
        stored: dict[tuple[str, str, int], dict[str, str]] = {}  # row -> paste -> its stored key
        for source, qid in dict.fromkeys((a.source, a.qid) for a in rows):
            prefix = f"qbank|{source}|{qid}|undated|"
            for key in self.store.event_keys_with_prefix(prefix):
                parts = _undated_parts(key, prefix)
                if parts is not None:
                    stored.setdefault((source, qid, parts[1]), {})[parts[0]] = key
        pastes = Counter(paste for slot in slots for paste in stored.get(slot, {}))
        again = {paste for paste, n in pastes.items() if 2 * n > len(slots)}
        keys = []
        for slot in slots:
            earlier = [key for paste, key in stored.get(slot, {}).items() if paste in again]
            keys.append(earlier[0] if earlier else undated_key(*slot[:2], fingerprint, slot[2]))
        return keys

    def _write(self, rows: list[Attempt], keys: list[str]) -> None:
        times = [self._iso(a.at) for a in rows]
        ids = self._questions(rows, times)
        self.store.scratch_add_many("seen", ids.values())
        known = self.store.known_event_keys(keys)
        earlier = self.store.event_results([k for k in keys if k in known]) if known else {}
        kept: dict[str, tuple[str, int]] = {}  # this chunk's new attempts: key -> (result, line)
        again: set[str] = set()  # keys stored by an earlier import that this chunk has had a row for
        events, touched, reasons = [], set(), []
        for attempt, key, at_iso in zip(rows, keys, times, strict=True):
            reason = attempt.fields.get("reason_kind", "")  # each attempt keeps its own row's reason
            if key in known:
                self.summary.duplicates += 1
                stored = key in earlier and earlier[key][1] != self.now_iso
                first = kept.get(key) or ((earlier[key][0], 0) if key in earlier else None)
                if first is not None and first[0] != attempt.result and key not in again:
                    self._result_clash(attempt, first, stored=stored)
                if stored:
                    again.add(key)  # a file imported again: its own second rows were said the first time
                if reason:
                    reasons.append((reason, key))  # fills one logged before kinds were kept per attempt
                continue
            known.add(key)  # the same attempt twice in one file counts once
            kept[key] = (attempt.result, attempt.line)
            question = ids[(attempt.source, attempt.qid)]
            events.append((question, at_iso, "qbank", attempt.result, None, None, key, self.now_iso, reason))
            touched.add(question)
            self.misses += 1 if attempt.is_miss else 0
            self.summary.correct += 0 if attempt.is_miss else 1
            self.summary.omitted += 1 if attempt.result == "omitted" else 0
        events.sort()  # by question: index pages are visited in order, not at random
        self.store.insert_events(events)
        if reasons:
            self.store.fill_event_reasons(reasons, self.now_iso)
        self.store.scratch_add_many("touched", touched)

    def _iso(self, at: datetime | None) -> str:
        if at is None:
            return self.now_iso
        if at not in self.times:
            if len(self.times) > 4096:
                self.times.clear()
            self.times[at] = to_iso(at)
        return self.times[at]

    def _grouped(self, fields: dict[str, str]) -> dict[str, str]:
        """The row's subject and system under the spelling their group has (the first seen)."""
        for name in ("subject", "system"):
            value = fields.get(name)
            if value and value not in self.spelled[name]:
                spelling = self.spellings.setdefault(name, {}).setdefault(group_key(value), value)
                if spelling == value:
                    self.spelled[name].add(value)  # the usual case: a name as its group has it
                else:
                    fields = {**fields, name: spelling}
        return fields

    def _questions(self, rows: list[Attempt], times: list[str]) -> dict[tuple[str, str], int]:
        """Ids of the chunk's questions: new ones created with their text, stored ones'
        text merged row by row (see merge_text)."""
        idents = list(dict.fromkeys((a.source, a.qid) for a in rows))
        stored = self.store.question_texts(idents)
        pinned = {ident: self.edited[entry[0]] for ident, entry in stored.items() if entry[0] in self.edited}
        texts = {ident: (rank, dict(fields)) for ident, (_, rank, fields) in stored.items()}
        created: dict[tuple[str, str], datetime] = {}
        first_topic: dict[tuple[str, str], tuple[str, int]] = {}
        changed: dict[tuple[str, str], dict[str, str]] = {}
        for attempt, at_iso in zip(rows, times, strict=True):
            ident, rank = (attempt.source, attempt.qid), text_rank(attempt.is_miss, at_iso)
            fields = self._grouped(attempt.fields)
            self._check_topic(ident, stored, first_topic, fields.get("topic", ""), attempt.line)
            if ident not in texts:
                texts[ident] = (rank, dict(fields))
                created[ident] = attempt.at or self.now
                continue
            current_rank, current = texts[ident]
            diff, new_rank = merge_text(current_rank, current, fields, rank)
            if pinned.get(ident):  # text the student edited in srs: no row overwrites it
                diff = {n: v for n, v in diff.items() if n not in pinned[ident]}
            current.update(diff)
            texts[ident] = (new_rank, current)
            if diff or new_rank != current_rank:
                changed.setdefault(ident, {}).update(diff)
        ids = {ident: entry[0] for ident, entry in stored.items()}
        ranks_only = []
        for ident, diff in changed.items():
            if ident in stored:  # what the rows changed, against the text stored before them
                before, after = stored[ident][2], texts[ident][1]
                diff = {n: after[n] for n in diff if before.get(n, "") != after.get(n, "")}
                if diff and ids[ident] < self.first_new_id:
                    self.updated.add(ids[ident])  # a question counts once, however many rows change it
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

    def _check_topic(
        self,
        ident: tuple[str, str],
        stored: dict[tuple[str, str], tuple[int, str, dict[str, str]]],
        first_topic: dict[tuple[str, str], tuple[str, int]],
        topic: str,
        line: int,
    ) -> None:
        """Two topics for one question in one file: most likely two questions under one id
        (Q# without its form or block); said, not refused."""
        if not topic or ident in self.clashed:
            return
        question_id = stored[ident][0] if ident in stored else None
        if question_id is not None and question_id < self.first_new_id:
            return  # stored before this import: its topic may have been corrected since
        # made by an earlier chunk of this import: its stored topic came from this file's rows
        # (read back from the database, so memory stays flat however many questions the file has)
        earlier = stored[ident][2].get("topic", "") if question_id is not None else ""
        first: tuple[str, int | None] = (earlier, None) if earlier else first_topic.setdefault(ident, (topic, line))
        if first[0] == topic or group_key(first[0]) == group_key(topic):
            return
        self.clashed.add(ident)
        self.topic_clashes += 1
        if self.topic_clashes <= MAX_TOPIC_CLASHES:
            source, qid = ident
            self.summary.report.assumptions.append(
                f"question {source} {qid} has two topics in this file ('{shown(first[0], 40)}' on "
                f"{'an earlier line' if first[1] is None else f'line {first[1]}'}, '{shown(topic, 40)}' on line "
                f"{line}), so it was kept as one question; if "
                "they are two questions, the id needs its form or block: add a Form or Block column "
                '(or --map "Your Column=form")'
            )

    def _result_clash(self, attempt: Attempt, first: tuple[str, int], *, stored: bool) -> None:
        """One question on one study day with two results (in this file, or this file and the
        log): one attempt, the first result kept; said, since the other row's is dropped."""
        self.result_clashes += 1
        if self.result_clashes > MAX_TOPIC_CLASHES:
            return
        day = self.rule.day_of(attempt.at).isoformat() if attempt.at is not None else "one paste"
        if stored:
            self.summary.report.assumptions.append(
                f"question {attempt.source} {attempt.qid} is stored already as {first[0]} for {day}; line "
                f"{attempt.line} says {attempt.result}: one question on one day is one attempt, so the stored "
                "result was kept"
            )
            return
        where = f"{first[0]} on line {first[1]}" if first[1] else f"{first[0]} on an earlier line"
        self.summary.report.assumptions.append(
            f"question {attempt.source} {attempt.qid} has two results for {day} in this file ({where}, "
            f"{attempt.result} on line {attempt.line}); one question on one day is one attempt, so the "
            "first was kept (to keep the other, remove the first from the file)"
        )

    def source_clash(self, file_label: str) -> InputError | None:
        """When most of the file's questions are stored already under another source (the file
        imported before with another --source, or without one), the error that says so."""
        counts = self.store.qids_under_other_sources(self.first_new_id, "seen")
        seen = {source: n for source, other, n in counts if not other}
        for source, other, n in sorted((c for c in counts if c[1]), key=lambda c: -c[2]):
            if 2 * n <= seen.get(source, 0):
                continue
            share = f"{n} of the {seen[source]} questions in this file" if seen[source] > 1 else "this file's question"
            if source == OTHER:
                advice = (
                    f"this file names no source, so they would be new questions under '{OTHER}': "
                    f"import it with --source {other}"
                )
            elif other == OTHER:
                advice = (
                    f"an earlier import named no source: move them first with "
                    f"`srs questions move-source {OTHER} {source}`, then import again, or import it with "
                    f"--source {OTHER}"
                )
            else:
                advice = (
                    f"an earlier import used --source {other} (or a source column): import with --source "
                    f"{other}, or move them with `srs questions move-source {other} {source}`"
                )
            return InputError(
                f"{share} {'are' if n > 1 else 'is'} stored already under source '{other}', not "
                f"'{source}', so nothing was imported: {advice}",
                file=file_label,
            )
        return None


MAX_TOPIC_CLASHES = 5


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
    def attempt() -> ImportSummary:
        return _backed_up(store, now, dry_run, lambda: _read_and_import(
            store, scheduler, stream, name, now=now, format=format, sheet=sheet, options=options,
            skip_invalid=skip_invalid, dry_run=dry_run, progress=progress,
        ))  # fmt: skip

    summary = attempt()
    if dry_run or store.publish():
        return summary
    stream.seek(0)
    return attempt()


def _backed_up(store: Store, now: datetime, dry_run: bool, run: Callable[[], ImportSummary]) -> ImportSummary:
    """`run` after a backup (not for a dry run). The copy is deleted when `run` fails (the
    file is as it was) and older copies are rotated out only after it succeeded, so failed
    tries never push out real imports' backups."""
    backup = None if dry_run else before_import(store, now, rotate_now=False)
    try:
        summary = run()
    except BaseException:
        if backup is not None:  # nothing was written: the copy is the file as it still is
            backup.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                backup.parent.rmdir()  # only when empty: a folder made for this copy alone
        raise
    if backup is not None:
        rotate(store.path, now)
    return summary


def _read_and_import(
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
    sample = _sample(stream)
    options = options or ReadOptions()
    report = ReadReport()

    def table_of(assumptions: list[str]) -> Table:  # both passes read the table the same way
        layout = Layout(header_row=options.header_row, mapping=options.mapping, assumptions=assumptions)
        return open_table(stream, name, format=format, sheet=sheet, layout=layout)

    dates = _first_pass(lambda: table_of([]), stream, name, options)  # its assumptions are the second's
    table = table_of(report.assumptions)
    if table.format == "xlsx":
        sample = " ".join(table.header or [])
    items = read_attempts(
        table,
        name,
        rule=scheduler.rule,
        now=now,
        options=options,
        report=report,
        sample=sample,
        dates=dates,
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


def _first_pass(table_of: Callable[[], Table], stream: IO[bytes], name: str, options: ReadOptions) -> DateScan | None:
    """Read the table once for its dates (the order of day and month is the whole column's,
    settled before a row is stored), then rewind for the pass that imports. An error in the
    file is left to the second pass, which stops at the same place with the same error."""
    table = table_of()
    try:
        return scan_dates(table, name, options)
    except InputError:
        return None
    finally:
        table.close()
        stream.seek(0)


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
