"""What every reader yields: a Table of Records, and where its header row is.

A header row is the row that names a question-id column and at least one other known
field (`taxonomy.header_aliases()`, or the student's `--map`). Title and note rows above
it ("My UWorld misses — block 1") are passed over, and the reader says so.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from srs.errors import InputError, shown
from srs.ingest import columns, taxonomy

# How many non-blank rows at the top of a table may hold titles and notes before the header.
HEADER_SEARCH_ROWS = 10
IGNORE = "ignore"


@dataclass(frozen=True)
class Record:
    line: int
    values: list[tuple[str, str]]  # (column name as written, cell text)
    extra: int | None = None  # 1-based column of a non-empty cell beyond the header
    width: int = 0  # cells in the row, when it has more than the header


@dataclass
class Table:
    format: str
    header: list[str] | None  # column names, for formats that have a header row
    records: Iterator[Record]
    text: io.TextIOWrapper | None = None  # the decoding layer over the caller's stream
    header_line: int = 1  # the file's line (or the sheet's row) that holds the header

    def close(self) -> None:
        """Release the decoding layer; the caller's stream stays open (and theirs to close)."""
        if self.text is not None and not self.text.closed:
            self.text.detach()
            self.text = None


@dataclass
class Layout:
    """What the student said about the table's shape, and where readers note what they assumed."""

    header_row: int | None = None  # `--header-row N`
    mapping: dict[str, str] = field(default_factory=dict)  # taxonomy.key(column) -> field or "ignore"
    assumptions: list[str] = field(default_factory=list)  # sentences for the read report

    def field_of(self, column: str) -> str | None:
        """The field a column surely holds (`--map`, or a name that settles it: columns.classify)."""
        target = self.mapping.get(taxonomy.key(column))
        if target is None:
            match = columns.classify(column)
            target = match.fields[0] if match.kind in (columns.CERTAIN, columns.FALLBACK) else None
        return None if target == IGNORE else target

    def names_qid(self, cells: Sequence[str]) -> bool:
        return any(self.field_of(c) == "qid" for c in cells if c.strip())

    def is_header(self, cells: Sequence[str]) -> bool:
        """Names a question-id column and at least one other known field."""
        fields = {self.field_of(c) for c in cells if c.strip()}
        return "qid" in fields and len(fields - {"qid", None}) >= 1


def find_header(rows: Sequence[tuple[int, list[str]]], layout: Layout) -> int | None:
    """Index in `rows` (the first non-blank rows, with their line numbers) of the header row.

    The first row when it names a question-id column (as always); else the first of the
    rows that names one and another known field; None when no row does.
    """
    if not rows:
        return None
    if layout.names_qid(rows[0][1]):
        return 0
    return next((i for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if layout.is_header(cells)), None)


def note_rows_above(layout: Layout, rows: Sequence[tuple[int, list[str]]], index: int) -> None:
    """The assumption sentence for a header found below titles: which rows were passed over."""
    if index == 0:
        return
    texts = []
    for _, cells in rows[:index]:
        words = list(dict.fromkeys(c.strip() for c in cells if c.strip()))  # a merged title repeats
        texts.append("'" + shown(" ".join(words), 60) + "'")
    layout.assumptions.append(
        f"header found on row {rows[index][0]}; rows above it ignored: {', '.join(texts[:5])}"
        + (f" and {len(texts) - 5} more" if len(texts) > 5 else "")
    )


def forced_header(rows: Iterator[tuple[int, list[str]]], line: int, name: str) -> tuple[int, list[str]]:
    """The row `--header-row` names; the rows above it are passed over."""
    for number, cells in rows:
        if number == line:
            return number, cells
        if number > line:
            break
    raise InputError(f"--header-row {line}: row {line} is blank or not the start of a row", file=name, line=line)


def zip_rows(header: list[str], rows: Iterator[tuple[int, list[str]]]) -> Iterator[Record]:
    for line, cells in rows:
        values = list(zip(header, cells, strict=False))
        extra = None
        if len(cells) > len(header):
            extra = next((i + 1 for i in range(len(header), len(cells)) if cells[i].strip()), None)
        yield Record(line, values, extra, len(cells))


def cell_text(value: Any) -> str:
    """Text of a JSON or spreadsheet value: 118154.0 is '118154', dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
