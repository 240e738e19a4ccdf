"""From table rows to attempts: column names, dates, results, USMLE names.

`read_attempts` turns each `Record` of a table into an `Attempt`, or into an
`InputError` naming the file, line and column when the row is bad, so that an
import can list every bad row (or skip them) instead of stopping at the first.
What a date means depends on the whole column (`scan_dates`, a first pass over the
table: dates.py); results are read in results.py, non-attempt rows found in rows.py.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from srs.errors import InputError, shown
from srs.ingest import identity, paste, taxonomy
from srs.ingest.columns import FIELDS, Columns, no_qid_error
from srs.ingest.columns import IGNORE as IGNORE  # re-exported: callers import them from here too
from srs.ingest.columns import SCORE_REPORT as SCORE_REPORT
from srs.ingest.columns import parse_mapping as parse_mapping
from srs.ingest.dates import DateScan, When, decide, future_hint, parse_when, read_date
from srs.ingest.identity import normalize_qid, normalize_source  # noqa: F401 - their home is identity
from srs.ingest.readers import MAX_CELL, Record, Table
from srs.ingest.results import accepted, missed_accepted, missed_of, result_of
from srs.ingest.rows import not_attempt, unticked_only
from srs.model import is_miss
from srs.timing import DayRule

__all__ = ["Attempt", "ReadOptions", "ReadReport", "parse_when", "read_attempts", "scan_dates"]

IDENTITY_FIELDS = ("qid", "source", "form", "block")
TEXT_FIELDS = tuple(f for f in FIELDS if f not in (*IDENTITY_FIELDS, "date", "subject", "system", "result", "missed"))
# Control characters (ESC, BEL, NUL, C1 CSI...) could drive the student's terminal when the
# text is shown in `srs review` or `srs weak`; they are dropped on import (tab and newlines stay).
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Attempt:
    """One row of a miss log: one attempt at one Qbank question."""

    line: int
    source: str
    qid: str
    at: datetime | None  # None: the row gave no date
    result: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_miss(self) -> bool:
        return is_miss("qbank", self.result, None)


@dataclass(frozen=True)
class ReadOptions:
    default_source: str | None = None
    default_date: date | None = None  # for rows without a date (`--date`)
    dayfirst: bool = False
    monthfirst: bool = False  # `--monthfirst`: the opposite promise of `--dayfirst`
    header_row: int | None = None  # `--header-row N`: the 1-based row that names the columns
    mapping: dict[str, str] = field(default_factory=dict)  # column name -> field or "ignore"


@dataclass
class ReadReport:
    """What the summary should mention besides counts."""

    columns: list[tuple[str, str]] = field(default_factory=list)  # (file column, field) read, in order
    ignored_columns: list[str] = field(default_factory=list)
    unnamed_columns: list[int] = field(default_factory=list)
    unknown_subjects: set[str] = field(default_factory=set)
    unknown_systems: set[str] = field(default_factory=set)
    # Every assumption the import made (a date taken as today, a column matched loosely, a
    # source defaulted, a sheet chosen, a header row found below titles): one sentence each,
    # printed after the import and in --dry-run. Nothing is assumed without a line here.
    assumptions: list[str] = field(default_factory=list)
    # Rows that are not attempts (dividers such as 'WEEK 2', totals such as 'TOTAL'):
    # (line, the row's text as shown), counted and listed in the summary, never imported.
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    skipped_count: int = 0
    unticked_rows: int = 0  # unused template rows: nothing in them but unticked checkboxes


def scan_dates(table: Table, name: str, options: ReadOptions) -> DateScan:
    """The first pass over a table: what its date column says about day and month order,
    and whether any row has a date. Rows that are not attempts are passed over."""
    columns = Columns(name, options.mapping, ReadReport(), named=table.format == "uworld")
    scan = DateScan()
    named = False
    added: set[str] = set()  # a date text met again adds nothing: most rows repeat a day
    field_of = columns.field_of
    for record in table.records:
        for column, text in record.values:
            if text and field_of(column) == "date" and not text.isspace():
                if text in added or not_attempt(record, field_of) is not None:
                    break
                if len(added) >= 4096:  # distinct dates are few; a bound keeps any file flat
                    added.clear()
                added.add(text)
                if not named:
                    scan.column, named = column or "date", True
                scan.add(record.line, text)
                break
    return scan


def _nothing_to_import(name: str, table: Table, report: ReadReport) -> InputError:
    """A log whose header has no question rows under it: an empty template, the wrong
    export or the wrong sheet. Said as an error, not as '0 rows read'."""
    where = f" under the header (line {table.header_line})" if table.header is not None else ""
    skipped = report.skipped_count + report.unticked_rows
    if skipped:
        rows = "1 row" if skipped == 1 else f"{skipped:,} rows"
        what = f"no question rows{where}, only {rows} that {'is' if skipped == 1 else 'are'} not a question"
    else:
        what = f"no rows{where}"
    check = "is it the right sheet (--sheet NAME)?" if table.format == "xlsx" else "is it the right file?"
    return InputError(f"{what}: nothing to import ({check})", file=name)


def read_attempts(
    table: Table,
    name: str,
    *,
    rule: DayRule,
    now: datetime,
    options: ReadOptions,
    report: ReadReport,
    sample: str = "",
    dates: DateScan | None = None,
) -> Iterator[Attempt | InputError]:
    """Each record as an Attempt, or as the InputError that says what is wrong with it.

    `dates` is what `scan_dates` found in a first pass over the same table. Without it (a
    caller that cannot read the table twice) nothing is known of the column: the flags
    alone give the order (month first when neither is given), and an undated row is today's."""
    columns = Columns(name, options.mapping, report, named=table.format == "uworld")
    if table.header is not None and table.format != "uworld":
        columns.check_header(table.header, sample, table.header_line)
        report.unnamed_columns = [i for i, c in enumerate(table.header, start=1) if not c]
    records: Iterator[Record] = table.records
    if table.header is None and table.format != "uworld":  # JSON: the first object's keys, like a header
        first = next(records, None)
        if first is not None:
            columns.check_names([column for column, _ in first.values])
            records = itertools.chain([first], records)
    dates = dates if dates is not None else DateScan()
    dayfirst = decide(dates, name, dayfirst=options.dayfirst, monthfirst=options.monthfirst)
    latest = now + timedelta(days=1)
    seen_qid = table.header is not None
    known = _Known(rule, options, report, dayfirst, now.astimezone(rule.tz).date())
    tally = _DateTally(dates.first_dated)
    unticked: list[int] = []  # lines of unused template rows (only unticked checkboxes)
    rows = 0  # rows read as attempts or refused: none at all is a file with nothing to import
    for record in records:
        shown_text = not_attempt(record, columns.field_of)
        if shown_text is not None:
            _skipped(report, record.line, shown_text)
            continue
        if unticked_only(record, columns.field_of):
            if len(unticked) < 3:
                unticked.append(record.line)
            report.unticked_rows += 1
            continue
        rows += 1
        try:
            attempt = _attempt(record, columns, name, latest, options, known, tally)
        except InputError as exc:
            seen_qid = seen_qid or any(columns.field_of(c) == "qid" and t.strip() for c, t in record.values)
            yield columns.explained(exc)
            continue
        seen_qid = True
        yield attempt
    columns.finish()
    if not seen_qid:
        raise no_qid_error(name, [], sample)
    if rows == 0:
        raise _nothing_to_import(name, table, report)
    tally.assume(report, options, known.today)
    if report.unticked_rows:
        n = report.unticked_rows
        lines = ", ".join(map(str, unticked)) + (" and more" if n > len(unticked) else "")
        report.assumptions.append(
            f"{_rows(n)} holding nothing but unticked checkboxes (FALSE) {'was' if n == 1 else 'were'} skipped "
            f"as unused rows of the sheet (line{'s' if n > 1 else ''} {lines})"
        )
    if table.format == "uworld":  # a paste's columns are the paste's own: not settled by name (Columns)
        for column, target in paste.header_fields(table.header or []):
            if target is None:
                report.ignored_columns.append(column)
            else:
                report.columns.append((column, target))
        known.say_defaults(has_source_column=False)
    else:
        known.say_defaults(
            has_source_column=table.header is not None and "source" in map(columns.field_of, table.header)
        )


MAX_LISTED_SKIPS = 200  # lines listed; every one is counted


def _skipped(report: ReadReport, line: int, text: str) -> None:
    report.skipped_count += 1
    if len(report.skipped_rows) < MAX_LISTED_SKIPS:
        report.skipped_rows.append((line, text))


def _empty_cells(report: ReadReport, count: int, example: tuple[int, str] | None, taken_as: str) -> None:
    """'3 rows with an empty 'Result' cell were taken as misses (incorrect), the first on line 4'."""
    if not count or example is None:
        return
    line, column = example
    one = count == 1
    report.assumptions.append(
        f"{_rows(count)} with an empty '{shown(column, 30)}' cell {'was' if one else 'were'} taken as {taken_as}"
        f"{', line ' if one else ', the first on line '}{line}"
    )


class _DateTally:
    """What was assumed about the dates of the rows (and their empty results), said once
    after the last row."""

    def __init__(self, first_dated: int | None) -> None:
        self.first_dated = first_dated  # the first line with a date, None when no row has one
        self.blank_results = 0  # rows with an empty cell in the result column: taken as misses
        self.blank_example: tuple[int, str] | None = None  # (line, column)
        self.unmarked = 0  # rows with an empty cell in a 'Missed?' column: answered right
        self.ranged = 0  # dates written as a range (Notion's end date): read as their start
        self.ranged_example: tuple[int, str, date] | None = None
        self.unmarked_example: tuple[int, str] | None = None
        self.yearless = 0
        self.yearless_example: tuple[int, str, date] | None = None
        self.filled = 0  # rows dated by --date
        self.undated = 0  # rows taken as today (no row of the file has a date)

    def blank_result(self, line: int, column: str) -> None:
        self.blank_results += 1
        self.blank_example = self.blank_example or (line, column)

    def assume(self, report: ReadReport, options: ReadOptions, today: date) -> None:
        misses = "a miss (incorrect)" if self.blank_results == 1 else "misses (incorrect)"
        _empty_cells(report, self.blank_results, self.blank_example, misses)
        _empty_cells(report, self.unmarked, self.unmarked_example, "answered right (not missed)")
        if self.yearless and self.yearless_example:
            line, text, day = self.yearless_example
            many = self.yearless != 1
            report.assumptions.append(
                f"{self.yearless} date{'s' if many else ''} had no year; "
                f"{'each was' if many else 'it was'} taken as the latest such date not in the future, "
                f"e.g. line {line} '{shown(text, 30)}' -> {day.isoformat()}"
            )
        if self.ranged and self.ranged_example:
            line, text, day = self.ranged_example
            many = self.ranged != 1
            report.assumptions.append(
                f"{self.ranged} date{'s were ranges' if many else ' was a range'} (a start and an end date); "
                f"{'each was' if many else 'it was'} taken as its start, the day of the attempt, "
                f"e.g. line {line} '{shown(text, 50)}' -> {day.isoformat()}"
            )
        if self.filled:
            report.assumptions.append(
                f"{_rows(self.filled)} without a date {'was' if self.filled == 1 else 'were'} "
                f"dated {options.default_date} (--date)"
            )
        if self.undated:
            report.assumptions.append(
                f"{_rows(self.undated)} had no date (the file has none); "
                f"{'it was' if self.undated == 1 else 'each was'} taken as today, {today.isoformat()} "
                "(give --date YYYY-MM-DD to date them)"
            )


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


class _Known:
    """Answers for values already seen in this file: logs repeat dates, names and reasons
    thousands of times. Bounded, so memory stays flat on any file."""

    SIZE = 4096

    def __init__(self, rule: DayRule, options: ReadOptions, report: ReadReport, dayfirst: bool, today: date) -> None:
        self.rule, self.options, self.report = rule, options, report
        self.dayfirst, self.today = dayfirst, today
        self.dates: dict[str, When | None] = {}
        self.names: dict[tuple[str, str], dict[str, str]] = {}
        self.reasons: dict[str, str] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        # (how, source) -> rows whose source no cell or --source gave: ('', 'other') for the default
        self.inferred: dict[tuple[str, str], int] = {}
        self.assumed: tuple[str, str] | None = None  # this row's, until it is known good
        self.number_like: tuple[int, str] | None = None  # the first id of an unknown bank a spreadsheet made
        self.number_like_count = 0
        self.id_cell: tuple[int, str, str, str] | None = None  # the first '1 - 118154' kept as written
        self.id_cell_count = 0

    def when(self, text: str) -> When | None:
        """read_date, remembered (ValueError for what is not a date, every time)."""
        if text not in self.dates:
            self._room(self.dates)[text] = read_date(text, self.rule, dayfirst=self.dayfirst, today=self.today)
        return self.dates[text]

    def names_of(self, subject: str, system: str) -> dict[str, str]:
        key = (subject, system)
        if key not in self.names:
            self._room(self.names)[key] = _normalized(subject, system, self.report)
        return self.names[key]

    def reason_kind(self, reason: str) -> str:
        if reason not in self.reasons:
            self._room(self.reasons)[reason] = taxonomy.load().reason_kind(reason)
        return self.reasons[reason]

    def source(self, text: str) -> tuple[str, str]:
        """(source, form) a name means: 'UWSA 2' is uwsa, form 2."""
        if text not in self.sources:
            self._room(self.sources)[text] = identity.source_and_form(text)
        return self.sources[text]

    def say_defaults(self, *, has_source_column: bool) -> None:
        """The assumptions made about sources, one sentence each."""
        for (how, source), n in self.inferred.items():
            if how:
                self.report.assumptions.append(
                    f"no source column or --source: {_rows(n)} read as source '{source}', "
                    f"as {'its' if n == 1 else 'their'} {how} names it"
                )
        if self.number_like is not None:
            line, qid = self.number_like
            n = self.number_like_count
            self.report.assumptions.append(
                f"{_rows(n)} of a bank srs does not know {'has an id' if n == 1 else 'have ids'} a spreadsheet "
                f"made of a number (line {line}: '{shown(qid, 20)}'), kept as written; if the bank numbers its "
                "questions, --source names it (e.g. --source uworld) and they are read as numbers"
            )
        if self.id_cell is not None:
            line, qid, bank, number = self.id_cell
            n = self.id_cell_count
            self.report.assumptions.append(
                f"{_rows(n)} {'has an id' if n == 1 else 'have ids'} in the form of a {bank} results table's id cell "
                f"(line {line}: '{shown(qid, 20)}', a row number and the question id), kept as written, so one "
                f"question at two row numbers is two questions; --source {bank} reads '{shown(qid, 20)}' as {number}"
            )
        defaulted = self.inferred.get(("", identity.OTHER), 0)
        if defaulted:
            given = "rows without a source" if has_source_column else "no source column"
            self.report.assumptions.append(
                f"{given} and no --source: {_rows(defaulted)} read as source '{identity.OTHER}' "
                "(--source names the Qbank)"
            )

    def _room(self, table: dict) -> dict:
        if len(table) >= self.SIZE:
            table.clear()
        return table


def _clean(text: str) -> str:
    """Without terminal control characters or surrounding space, in Unicode NFC (text typed on
    macOS is often NFD: 'é' as e and an accent)."""
    text = text.strip() if text.isprintable() else _TERMINAL_CONTROL.sub("", text).strip()
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _missed_result(
    column: str, text: str, line: int, tally: _DateTally, bad: Callable[[str, str], InputError]
) -> str:
    """A 'Missed?' cell: yes is a miss, no (or an unmarked cell, said after the import) is right."""
    if not text:
        tally.unmarked += 1
        tally.unmarked_example = tally.unmarked_example or (line, column)
        return "correct"
    missed = missed_of(text)
    if missed is None:
        raise bad(
            "missed",
            f"'{shown(text)}' is not a yes/no value ('{shown(column, 30)}' says whether the question was "
            f"missed; accepted: {missed_accepted()}); if the column holds results such as "
            f'correct/incorrect, say so with --map "{shown(column, 40)}=result"',
        )
    return "incorrect" if missed else "correct"


def _attempt(
    record: Record,
    columns: Columns,
    name: str,
    latest: datetime,
    options: ReadOptions,
    known: _Known,
    tally: _DateTally,
) -> Attempt:
    if record.extra is not None:
        raise InputError(
            f"this row has {record.width} cells but the header names fewer columns (a value with a comma needs quotes)",
            file=name,
            line=record.line,
            column=record.extra,
        )
    values: dict[str, tuple[str, str]] = {}  # field -> (column, text)
    field_of = columns.field_of
    for column, text in record.values:
        if len(text) > MAX_CELL:
            raise InputError(
                f"this cell holds {len(text):,} characters, more than the {MAX_CELL:,} a cell may hold "
                "(is it the right column?)",
                file=name,
                line=record.line,
                field=column or None,
            )
        target = field_of(column)
        if target is None:
            continue
        previous = values.get(target)
        if previous is None:
            values[target] = (column, text)
        elif text.strip():
            if previous[1].strip():
                raise InputError(f"both '{previous[0]}' and '{column}' give a {target}", file=name, line=record.line)
            values[target] = (column, text)
    clean = {target: _clean(text) for target, (_, text) in values.items()}
    get = clean.get

    def bad(field_name: str, message: str) -> InputError:
        column = values[field_name][0] if field_name in values else field_name
        return InputError(message, file=name, line=record.line, field=column)

    known.assumed = None
    source, qid = _identity(get, options, known, bad)
    if not qid:
        raise bad("qid", "the question id is empty")
    if identity.looks_numeric(qid) and source not in identity.load().numeric | identity.load().exact:
        known.number_like = known.number_like or (record.line, qid)
        known.number_like_count += 1
    elif source not in identity.load().numeric | identity.load().exact:
        cell = identity.results_cell(qid)
        if cell is not None and known.assumed == ("", identity.OTHER):
            # no bank named at all: kept as written, one question at two row numbers would be
            # two, and a later import under the bank would not know them; the bank settles it
            bank, number = cell
            raise bad(
                "qid",
                f"'{shown(qid, 20)}' has the form of a {bank} results table's id cell (a row number, then the "
                f"question id); name the bank with --source {bank} (it reads this as {number}), or --source "
                f"{identity.OTHER} to keep the ids as written",
            )
        if cell is not None:
            known.id_cell = known.id_cell or (record.line, qid, *cell)
            known.id_cell_count += 1
    if identity.rounded(qid, source):
        raise bad(
            "qid",
            f"'{shown(qid)}' is a number the spreadsheet rounded for display, so the question id is lost; "
            "widen the column (or format it as a number without decimals) and save the file again",
        )
    if identity.numbered(source) and identity.number_and_more(normalize_qid(get("qid", ""), source)):
        raise bad(
            "qid",
            f"'{shown(get('qid', ''))}' is not a {source} question id: {source} numbers its questions "
            "(e.g. 118154), so anything else in the cell would make it another question; one id per row, "
            "without notes or marks (a ✓/✗ goes in the result column)",
        )
    raw_date = get("date", "")
    try:
        when = known.when(raw_date)
    except ValueError:
        raise bad("date", f"'{shown(raw_date)}' is not a date (e.g. 2026-11-03, 3 Nov 2026, Nov 3)") from None
    at = None if when is None else when.at
    if when is None and options.default_date is not None:
        at = known.rule.local_noon(options.default_date)
        tally.filled += 1
    elif when is None and tally.first_dated is not None:
        raise bad(
            "date",
            f"this row has no date, but other rows do (line {tally.first_dated}); give it one, "
            "or use --date YYYY-MM-DD for the rows without a date",
        )
    elif when is None:
        tally.undated += 1
    if at is not None and at > latest:
        hint = future_hint(when, known.dayfirst, latest) if when is not None else ""
        raise bad("date", f"'{shown(raw_date) or options.default_date}' is in the future{hint}")
    if when is not None and when.ranged:
        tally.ranged += 1
        if tally.ranged_example is None:
            tally.ranged_example = (record.line, raw_date, when.at.astimezone(known.rule.tz).date())
    if when is not None and when.yearless:
        tally.yearless += 1
        if tally.yearless_example is None:
            tally.yearless_example = (record.line, raw_date, when.at.astimezone(known.rule.tz).date())
    raw_result = get("result", "")
    blank_result = "result" in values and not raw_result
    if raw_result and columns.review_state(values["result"][0], raw_result):
        raw_result = ""  # 'To review' in a Status column: not a result (Columns.finish says so)
    result = result_of(raw_result) if raw_result else "incorrect"
    if result is None:
        raise bad("result", f"'{shown(raw_result)}' is not a result (accepted: {accepted()})")
    if "missed" in values:
        if raw_result:
            raise bad("missed", f"both '{values['result'][0]}' and '{values['missed'][0]}' say how the question went")
        result = _missed_result(values["missed"][0], get("missed", ""), record.line, tally, bad)
    fields = {f: clean[f] for f in TEXT_FIELDS if clean.get(f)}
    fields.update(known.names_of(get("subject", ""), get("system", "")))
    if "reason" in fields:
        fields["reason_kind"] = known.reason_kind(fields["reason"])
        if result == "correct" and fields["reason_kind"] == "guessed":
            result = "guessed"  # a lucky guess is not knowledge
    if known.assumed is not None:
        known.inferred[known.assumed] = known.inferred.get(known.assumed, 0) + 1
    if blank_result:
        tally.blank_result(record.line, values["result"][0])
    return Attempt(record.line, source, qid, at, result, fields)


def _identity(
    get: Callable[[str, str], str], options: ReadOptions, known: _Known, bad: Callable[[str, str], InputError]
) -> tuple[str, str]:
    """(source, qid) of a row: the source from its cell, --source, its Form cell ('NBME 30')
    or its question link, else 'other'; the qid normalised for that bank and, for a question
    known by form and block, made of all three (identity.compose_qid)."""
    raw_qid = get("qid", "")
    source, form = known.source(get("source", ""))
    if not source and options.default_source:
        source, form = known.source(options.default_source)
    named_form = form  # 'NBME 30' in the source cell (or --source) names the form too
    form_source, form = identity.form_of(get("form", "")) if get("form", "") else ("", form)
    if named_form and form and named_form != form:
        said = get("source", "") or options.default_source or ""
        raise bad(
            "form",
            f"'{shown(said)}' names form {named_form} but this row's form is '{shown(get('form', ''))}'; "
            "make them agree (the question is known by its form)",
        )
    if not source:
        found: tuple[str, str] | None = ("Form column", form_source) if form_source else None
        link = identity.qid_from_url(raw_qid) if found is None and "/" in raw_qid else None
        if link is not None:
            found = ("question link", link[0])
        source = found[1] if found is not None else identity.OTHER
        known.assumed = found or ("", identity.OTHER)  # counted once the row is known good
    qid = normalize_qid(raw_qid, source)
    block = identity.block_of(get("block", "")) if get("block", "") else ""
    if qid and (form or block):
        qid = identity.compose_qid(form, block, qid)
    return source, qid


def _normalized(subject: str, system: str, report: ReadReport) -> dict[str, str]:
    """USMLE names for subject and system, keeping the student's own words beside them."""
    names = taxonomy.load()
    fields: dict[str, str] = {}
    if subject:
        canonical = names.subject(subject)
        if canonical is None:
            report.unknown_subjects.add(subject)
        fields["subject"], fields["subject_text"] = canonical or subject, subject
    if system:
        canonical = names.system(system)
        if canonical is None:
            report.unknown_systems.add(system)
        fields["system"], fields["system_text"] = canonical or system, system
    return fields
