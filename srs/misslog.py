"""Reading a miss log in srs's own format: CSV or TSV with a header row.

Parsing is separate from storing: `read_miss_log` turns bytes into `Attempt`s
and raises `InputError` naming the file, line and column of the first problem.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .errors import InputError
from .timing import UTC, DayRule

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
)
TEXT_FIELDS = tuple(f for f in FIELDS if f not in ("qid", "source", "date", "result"))
RESULTS = {
    "incorrect": "incorrect",
    "wrong": "incorrect",
    "miss": "incorrect",
    "missed": "incorrect",
    "x": "incorrect",
    "✗": "incorrect",
    "×": "incorrect",
    "false": "incorrect",
    "0": "incorrect",
    "correct": "correct",
    "right": "correct",
    "✓": "correct",
    "✔": "correct",
    "true": "correct",
    "1": "correct",
    "omitted": "omitted",
    "omit": "omitted",
    "skipped": "omitted",
    "unanswered": "omitted",
}
DELIMITERS = (",", "\t", ";")


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
        return self.result != "correct"


@dataclass
class Header:
    columns: dict[str, int]  # field -> index
    ignored: list[str]
    width: int


def normalize_source(text: str) -> str:
    return re.sub(r"\s+", "-", text.strip().lower())


def normalize_qid(text: str) -> str:
    qid = text.strip()
    if re.fullmatch(r"\d+\.0+", qid):  # spreadsheets turn 118154 into 118154.0
        qid = qid.split(".")[0]
    return qid


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM; else say where it breaks."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError("the file starts like UTF-16 but is not valid UTF-16", file=name) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02X} is not UTF-8; save the file as UTF-8 (in Excel: 'CSV UTF-8')",
            file=name,
            line=data.count(b"\n", 0, exc.start) + 1,
            column=column,
        ) from exc


def sniff_delimiter(text: str, name: str) -> str:
    if name.lower().endswith((".tsv", ".tab")):
        return "\t"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=first.count)


def parse_header(cells: list[str], name: str) -> Header:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        key = re.sub(r"[\s\-]+", "_", cell.strip().lower())
        if key in FIELDS:
            if key in columns:
                raise InputError(
                    f"column '{cell.strip()}' appears twice (columns {columns[key] + 1} and {index + 1})",
                    file=name,
                    line=1,
                    column=index + 1,
                )
            columns[key] = index
        elif cell.strip():
            ignored.append(cell.strip())
    if "qid" not in columns:
        found = ", ".join(c.strip() for c in cells if c.strip()) or "nothing"
        raise InputError(
            f"no 'qid' column in the header (found: {found}); "
            "the first row must name the columns, one of them qid",
            file=name,
            line=1,
        )
    return Header(columns, ignored, len(cells))


def parse_when(text: str, rule: DayRule) -> datetime | None:
    """ISO date (taken as local noon) or ISO datetime (local unless it has an offset)."""
    text = text.strip()
    if not text:
        return None
    try:
        return rule.local_noon(date.fromisoformat(text))
    except ValueError:
        pass
    moment = datetime.fromisoformat(text.replace(" ", "T", 1))  # ValueError propagates
    return rule.localize(moment) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_result(text: str) -> str:
    key = text.strip().lower()
    if not key:
        return "incorrect"
    return RESULTS[key]  # KeyError propagates


class _Row:
    """Cells of one record with what is needed to point at one of them."""

    def __init__(self, cells: list[str], header: Header, name: str, line: int) -> None:
        self.cells, self.header, self.name, self.line = cells, header, name, line

    def get(self, field_name: str) -> str:
        index = self.header.columns.get(field_name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def error(self, field_name: str, message: str) -> InputError:
        index = self.header.columns[field_name]
        return InputError(message, file=self.name, line=self.line, column=index + 1, field=field_name)


def read_miss_log(
    text: str,
    name: str,
    *,
    rule: DayRule,
    now: datetime,
    default_source: str | None = None,
    header_out: list[Header] | None = None,
) -> Iterator[Attempt]:
    """Yield the attempts in a decoded miss log, checking every cell on the way."""
    reader = csv.reader(text.splitlines(keepends=True), delimiter=sniff_delimiter(text, name))
    header: Header | None = None
    line = 1
    latest = now + timedelta(days=1)
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = parse_header(cells, name)
                if header_out is not None:
                    header_out.append(header)
                continue
            yield _attempt(_Row(cells, header, name, start), rule, latest, default_source)
    except csv.Error as exc:
        raise InputError(f"cannot read this row as CSV ({exc})", file=name, line=line) from exc
    if header is None:
        raise InputError("the file is empty; expected a header row naming the columns", file=name)


def _attempt(row: _Row, rule: DayRule, latest: datetime, default_source: str | None) -> Attempt:
    extra = [i for i in range(row.header.width, len(row.cells)) if row.cells[i].strip()]
    if extra:
        raise InputError(
            f"this row has {len(row.cells)} cells but the header names {row.header.width} columns "
            "(a comma inside a value needs quotes)",
            file=row.name,
            line=row.line,
            column=extra[0] + 1,
        )
    qid = normalize_qid(row.get("qid"))
    if not qid:
        raise row.error("qid", "qid is empty; every row needs the question's id")
    raw_date = row.get("date")
    try:
        at = parse_when(raw_date, rule)
    except ValueError:
        raise row.error(
            "date", f"date '{raw_date.strip()}' is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"
        ) from None
    if at is not None and at > latest:
        raise row.error("date", f"date '{raw_date.strip()}' is in the future")
    raw_result = row.get("result")
    try:
        result = parse_result(raw_result)
    except KeyError:
        raise row.error(
            "result", f"result '{raw_result.strip()}' is not one of incorrect, correct, omitted"
        ) from None
    source = normalize_source(row.get("source")) or normalize_source(default_source or "") or "other"
    fields = {name: row.get(name).strip() for name in TEXT_FIELDS if row.get(name).strip()}
    return Attempt(row.line, source, qid, at, result, fields)
