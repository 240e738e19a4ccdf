"""From table rows to attempts: column names, dates, results, USMLE names.

`read_attempts` turns each `Record` of a table into an `Attempt`, or into an
`InputError` naming the file, line and column when the row is bad, so that an
import can list every bad row (or skip them) instead of stopping at the first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from srs.errors import InputError, shown
from srs.ingest import identity, taxonomy
from srs.ingest.identity import normalize_qid, normalize_source  # noqa: F401 - their home is identity
from srs.ingest.readers import MAX_CELL, Record, Table
from srs.model import is_miss
from srs.timing import UTC, DayRule

FIELDS = (
    "qid",
    "source",
    "date",
    "subject",
    "system",
    "topic",
    "result",
    "objective",
    "prompt",
    "explanation",
    "my_answer",
    "correct_answer",
    "reason",
    "category",
    "cloze",
    "why_wrong",
    "form",  # with block: what identifies a question of a form-based bank besides its number
    "block",
)
IDENTITY_FIELDS = ("qid", "source", "form", "block")
TEXT_FIELDS = tuple(f for f in FIELDS if f not in (*IDENTITY_FIELDS, "date", "subject", "system", "result"))
IGNORE = "ignore"
# Control characters (ESC, BEL, NUL, C1 CSI...) could drive the student's terminal when the
# text is shown in `srs review` or `srs weak`; they are dropped on import (tab and newlines stay).
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
RESULTS = {
    "incorrect": "incorrect",
    "wrong": "incorrect",
    "miss": "incorrect",
    "missed": "incorrect",
    "x": "incorrect",
    "✗": "incorrect",
    "✘": "incorrect",
    "×": "incorrect",
    "false": "incorrect",
    "no": "incorrect",
    "n": "incorrect",
    "0": "incorrect",
    "correct": "correct",
    "right": "correct",
    "✓": "correct",
    "✔": "correct",
    "true": "correct",
    "yes": "correct",
    "y": "correct",
    "1": "correct",
    "omitted": "omitted",
    "omit": "omitted",
    "skipped": "omitted",
    "unanswered": "omitted",
    "blank": "omitted",
    "guessed": "guessed",
    "lucky guess": "guessed",
}
SCORE_REPORT = re.compile(
    r"score report|performance profile|equated percent correct|three[- ]digit score|"
    r"estimated (?:step|score)|self[- ]assessment|percent correct|uwsa|nbme\s*\d",
    re.IGNORECASE,
)


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


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`--map "Column Name=field"` pairs; field may be `ignore`."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        target = target.strip().lower().replace("-", "_")
        if not sep or not column.strip():
            raise InputError(f"--map '{pair}' should look like \"Column Name=field\"", file="--map")
        if target not in FIELDS and target != IGNORE:
            raise InputError(
                f"--map '{pair}': '{target}' is not a field (fields: {', '.join(FIELDS)}, or ignore)",
                file="--map",
            )
        mapping[taxonomy.key(column)] = target
    return mapping


class Columns:
    """Which field each column holds; built from the header or, for JSON, per key."""

    def __init__(self, name: str, options: ReadOptions, report: ReadReport, *, named: bool = False) -> None:
        self.name, self.options, self.report = name, options, report
        self.aliases = taxonomy.header_aliases()
        self.cache: dict[str, str | None] = {f: f for f in FIELDS} if named else {}
        self.ignored: set[str] = set()

    def field_of(self, column: str) -> str | None:
        if column not in self.cache:
            key = taxonomy.key(column)
            target = self.options.mapping.get(key) or self.aliases.get(key)
            self.cache[column] = None if target in (None, IGNORE) else target
            if target is None and column.strip() and column.strip() not in self.ignored:
                self.ignored.add(column.strip())
                self.report.ignored_columns.append(column.strip())
        return self.cache[column]

    def check_header(self, header: list[str], sample: str) -> None:
        """Duplicate fields are an error (never merged); a missing qid column too."""
        seen: dict[str, str] = {}
        for index, column in enumerate(header, start=1):
            target = self.field_of(column)
            if target is None:
                continue
            if target in seen:
                raise InputError(
                    f"columns '{seen[target]}' and '{column}' both mean {target}; keep one, or say which "
                    f'with --map "{column}={IGNORE}"',
                    file=self.name,
                    line=1,
                    column=index,
                )
            seen[target] = column
        if "qid" not in seen:
            raise no_qid_error(self.name, [c for c in header if c], sample)


def no_qid_error(name: str, columns: list[str], sample: str) -> InputError:
    if SCORE_REPORT.search(sample):
        return InputError(
            "this looks like an NBME or UWSA score report, not a list of questions; srs imports the "
            "questions you missed (self-assessment scores will have a command of their own)",
            file=name,
        )
    found = ", ".join(shown(c, 30) for c in columns[:12]) or "nothing"
    return InputError(
        f'no question-id column (found: {found}); name one qid, or use --map "Your Column=qid"',
        file=name,
        line=1,
    )


def read_attempts(
    table: Table,
    name: str,
    *,
    rule: DayRule,
    now: datetime,
    options: ReadOptions,
    report: ReadReport,
    sample: str = "",
) -> Iterator[Attempt | InputError]:
    """Each record as an Attempt, or as the InputError that says what is wrong with it."""
    columns = Columns(name, options, report, named=table.format == "uworld")
    if table.header is not None and table.format != "uworld":
        columns.check_header(table.header, sample)
        report.unnamed_columns = [i for i, c in enumerate(table.header, start=1) if not c]
    latest = now + timedelta(days=1)
    seen_qid = table.header is not None
    known = _Known(rule, options, report)
    for record in table.records:
        try:
            attempt = _attempt(record, columns, name, latest, options, known)
        except InputError as exc:
            yield exc
            continue
        seen_qid = True
        yield attempt
    if not seen_qid:
        raise no_qid_error(name, [], sample)
    known.say_defaults(has_source_column=table.header is not None and "source" in map(columns.field_of, table.header))


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


class _Known:
    """Answers for values already seen in this file: logs repeat dates, names and reasons
    thousands of times. Bounded, so memory stays flat on any file."""

    SIZE = 4096

    def __init__(self, rule: DayRule, options: ReadOptions, report: ReadReport) -> None:
        self.rule, self.options, self.report = rule, options, report
        self.dates: dict[str, datetime | None] = {}
        self.names: dict[tuple[str, str], dict[str, str]] = {}
        self.reasons: dict[str, str] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        # (how, source) -> rows whose source no cell or --source gave: ('', 'other') for the default
        self.inferred: dict[tuple[str, str], int] = {}
        self.assumed: tuple[str, str] | None = None  # this row's, until it is known good

    def when(self, text: str) -> datetime | None:
        """parse_when, remembered (ValueError for what is not a date, every time)."""
        if text not in self.dates:
            self._room(self.dates)[text] = parse_when(text, self.rule, dayfirst=self.options.dayfirst)
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
                    f"no source column or --source: {_rows(n)} stored as source '{source}', as {how} names it"
                )
        defaulted = self.inferred.get(("", identity.OTHER), 0)
        if defaulted:
            given = "rows without a source" if has_source_column else "no source column"
            self.report.assumptions.append(
                f"{given} and no --source: {_rows(defaulted)} stored as source '{identity.OTHER}' "
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


def _attempt(
    record: Record,
    columns: Columns,
    name: str,
    latest: datetime,
    options: ReadOptions,
    known: _Known,
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
    source, qid = _identity(get, options, known)
    if not qid:
        raise bad("qid", "the question id is empty")
    raw_date = get("date", "")
    try:
        at = known.when(raw_date)
    except ValueError:
        raise bad("date", f"'{shown(raw_date)}' is not a date (e.g. 2026-11-03, 11/3/2026, 3 Nov 2026)") from None
    if at is None and options.default_date is not None:
        at = known.rule.local_noon(options.default_date)
    if at is not None and at > latest:
        raise bad("date", f"'{shown(raw_date) or options.default_date}' is in the future")
    raw_result = get("result", "")
    result = RESULTS.get(raw_result.lower(), "incorrect") if raw_result else "incorrect"
    if raw_result and raw_result.lower() not in RESULTS:
        raise bad("result", f"'{shown(raw_result)}' is not a result (incorrect, correct, omitted or guessed)")
    fields = {f: clean[f] for f in TEXT_FIELDS if clean.get(f)}
    fields.update(known.names_of(get("subject", ""), get("system", "")))
    if "reason" in fields:
        fields["reason_kind"] = known.reason_kind(fields["reason"])
        if result == "correct" and fields["reason_kind"] == "guessed":
            result = "guessed"  # a lucky guess is not knowledge
    if known.assumed is not None:
        known.inferred[known.assumed] = known.inferred.get(known.assumed, 0) + 1
    return Attempt(record.line, source, qid, at, result, fields)


def _identity(get: Callable[[str, str], str], options: ReadOptions, known: _Known) -> tuple[str, str]:
    """(source, qid) of a row: the source from its cell, --source, its Form cell ('NBME 30')
    or its question link, else 'other'; the qid normalised for that bank and, for a question
    known by form and block, made of all three (identity.compose_qid)."""
    raw_qid = get("qid", "")
    source, form = known.source(get("source", ""))
    if not source and options.default_source:
        source, form = known.source(options.default_source)
    form_source, form = identity.form_of(get("form", "")) if get("form", "") else ("", form)
    if not source:
        found: tuple[str, str] | None = ("their Form column", form_source) if form_source else None
        link = identity.qid_from_url(raw_qid) if found is None and "/" in raw_qid else None
        if link is not None:
            found = ("their question link", link[0])
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


EXCEL_EPOCH = datetime(1899, 12, 30)


def parse_when(text: str, rule: DayRule, *, dayfirst: bool = False) -> datetime | None:
    """ISO, US or day-first numeric dates, `3 Nov 2026`, or Excel serial numbers.

    A date without a time is taken as local noon; a time without an offset as local.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return rule.local_noon(date.fromisoformat(text))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        moment = _loose_date(text, dayfirst)
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if moment.time() == datetime.min.time() and not re.search(r"\d:\d", text):
        return rule.local_noon(moment.date())
    return rule.localize(moment)


def _loose_date(text: str, dayfirst: bool) -> datetime:
    if re.fullmatch(r"\d{5}(\.\d+)?", text) and 20000 <= float(text) <= 80000:
        return EXCEL_EPOCH + timedelta(days=float(text))
    if not re.search(r"\d{4}|\d+[/.-]\d+[/.-]\d+", text):
        raise ValueError(text)  # a date needs a year; '3 Nov' alone is ambiguous
    from dateutil import parser

    try:
        return parser.parse(text, dayfirst=dayfirst)
    except (parser.ParserError, OverflowError) as exc:
        raise ValueError(text) from exc
