"""UWorld's test-results table as a browser copies it.

The table has a header (ID, SUBJECTS, SYSTEMS, CATEGORIES, TOPICS, % CORRECT OTHERS, TIME
SPENT) and one row per question (`1 - 118154`, ...). What a copy really holds:
- cells split by tabs, or by runs of spaces;
- a header cell broken over two lines (`% CORRECT` on one, `OTHERS` on the next);
- the ✓/✗ mark inside the id cell (`118154 ✓`) or in a cell of its own, before or after it;
- a whole page (Ctrl+A): menus and scores above the table, a footer below: the table is
  found inside it, and the lines around it are counted as ignored;
- no marks at all: every row is then a miss, and the read says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from srs.errors import InputError, shown
from srs.ingest.table import Layout, Record, Table

UWORLD_HEADER = {"id", "subjects", "systems", "topics"}
UWORLD_COLUMNS = {"subjects": "subject", "systems": "system", "topics": "topic", "categories": "category"}
# A header naming its columns in the singular (SUBJECT, SYSTEM, CATEGORY, TOPIC) is the same table.
_PLURAL = {"subject": "subjects", "system": "systems", "topic": "topics", "category": "categories"}
RESULT_MARKS = {
    "✓": "correct", "✔": "correct", "☑": "correct", "✅": "correct",
    "✗": "incorrect", "✘": "incorrect", "×": "incorrect", "✖": "incorrect", "❌": "incorrect", "❎": "incorrect",
}  # fmt: skip
RESULT_WORDS = {"correct", "incorrect", "omitted", "right", "wrong", "skipped"}
_MARK = "[" + "".join(RESULT_MARKS) + "]"
# An id cell: an optional row number (`1 - `), the id (with a digit in it), an optional mark.
_ID_CELL = re.compile(rf"(?:({_MARK})\s*)?(?:\d+\s*[-–]\s*)?([A-Za-z0-9-]*\d[A-Za-z0-9-]*)\s*({_MARK})?")
# Lines of a header cell broken over lines, at most (`% CORRECT` / `OTHERS`).
MAX_HEADER_LINES = 3


def split(line: str) -> list[str]:
    """Cells of a line copied from a web page: tabs, or runs of 2+ spaces."""
    line = line.rstrip("\r\n")
    parts = line.split("\t") if "\t" in line else re.split(r" {2,}", line.strip())
    return [p.strip() for p in parts]


def starts(line: str) -> list[int] | None:
    """Where each cell of a line split by runs of spaces begins (None for a line with tabs)."""
    if "\t" in line:
        return None
    return [m.start() for m in re.finditer(r"\S+(?: \S+)*", line.rstrip("\r\n"))]


def by_position(line: str, columns: list[int]) -> list[str] | None:
    """The cells of a space-aligned row cut where the header's columns begin, or None when a
    cut falls inside a word (the row is not aligned with the header)."""
    line = line.rstrip("\r\n")
    cuts = [*columns, max(len(line), columns[-1])]
    for at in columns[1:]:
        if 0 < at < len(line) and line[at - 1] != " " and line[at] != " ":
            return None
    return [line[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]


class SqueezedRow(ValueError):
    """A row split by spaces with fewer cells than the header, not aligned with it."""


def _key(text: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", text.lower())
    return _PLURAL.get(key, key)


def is_header(line: str) -> bool:
    return UWORLD_HEADER <= {_key(c) for c in split(line)}


def header_fields(header: list[str]) -> list[tuple[str, str | None]]:
    """Each named header cell and the field the paste reads from it (None: not read), as the
    read report lists them: CATEGORIES is kept as the category, % CORRECT OTHERS is not read."""
    fields = {"id": "qid", **UWORLD_COLUMNS}
    return [(cell, fields.get(_key(cell))) for cell in header if cell.strip()]


def find_header(lines: list[str]) -> int | None:
    """Index of the results table's header among these lines, or None."""
    return next((i for i, line in enumerate(lines) if is_header(line)), None)


def _mark(cell: str) -> str | None:
    """The result a cell of its own means (✓, ✔️, ✗, 'omitted', ...), or None."""
    cell = cell.replace("\ufe0f", "").strip()
    if cell in RESULT_MARKS:
        return RESULT_MARKS[cell]
    return cell.lower() if cell.lower() in RESULT_WORDS else None


def read(text: IO[str], name: str, layout: Layout) -> Table:
    lines = ((n, line) for n, line in enumerate(text, start=1))
    above = 0
    for number, line in lines:
        if not line.strip():
            continue
        if (layout.header_row is None and is_header(line)) or number == layout.header_row:
            header = split(line)
            header_starts = starts(line)
            break
        above += 1
    else:
        if layout.header_row is not None:
            raise InputError(f"--header-row {layout.header_row}: row {layout.header_row} is blank", file=name)
        raise InputError("the pasted table is empty" if not above else "no results table in the paste", file=name)
    shape = _Paste(header, header_starts)
    return Table("uworld", header, _rows(shape, number, above, lines, name, layout), header_line=number)


class _Paste:
    """The shape of one paste as it is read: which column is which, what was seen."""

    def __init__(self, header: list[str], columns: list[int] | None = None) -> None:
        self.header = header
        self.columns = columns if columns and len(columns) == len(header) else None
        self.keys = [_key(h) for h in header]
        self.id_at = self.keys.index("id") if "id" in self.keys else 0

    def continue_header(self, cells: list[str]) -> None:
        """A header cell broken over lines: the next line's first cell ends the last one."""
        self.header[-1] = f"{self.header[-1]} {cells[0]}".strip()
        self.header.extend(cells[1:])
        self.columns = None  # a cell broken over lines: its columns' places are not one line's
        self.keys = [_key(h) for h in self.header]

    def same_columns(self, cells: list[str]) -> bool:
        """A header whose id and named columns are where this table's are (the same table again)."""

        def places(keys: list[str]) -> dict[str, int]:
            return {k: i for i, k in enumerate(keys) if k == "id" or k in UWORLD_COLUMNS}

        return places([_key(c) for c in cells]) == places(self.keys)

    def _named(self, index: int) -> bool:
        """A column that holds words (subjects, topics): never a mark."""
        return index < len(self.keys) and self.keys[index] in UWORLD_COLUMNS

    def row(self, line: str) -> tuple[list[tuple[str, str]], str | None] | None:
        """The row's values and its mark, or None when the line is not a row of the table.

        A row split by runs of spaces with fewer cells than the header (two cells one space
        apart, or one left empty) is cut where the header's columns begin; when that cannot be
        done, it stops (SqueezedRow): cells are never read into the wrong columns."""
        read = self._read(split(line))
        if read is None or "\t" in line or read[2] >= len(self.header):
            return None if read is None else read[:2]
        placed = by_position(line, self.columns) if self.columns else None
        lead = line[: self.columns[0]].strip() if self.columns else ""
        again = self._read(([lead] if lead else []) + placed) if placed is not None else None
        if again is None or again[2] < len(self.header):
            raise SqueezedRow(
                f"this row has {read[2]} cells but the table has {len(self.header)} columns, and its "
                "cells do not line up under the header (two cells one space apart, or one left empty); "
                "copy the table again so that its cells are split by tabs, or fix the line"
            )
        return again[:2]

    def _read(self, cells: list[str]) -> tuple[list[tuple[str, str]], str | None, int] | None:
        """The row's values, its mark and how many cells it has besides marks; None when the
        cells are not a row of the table."""
        mark = None
        if self.id_at == 0 and len(cells) > 1 and _mark(cells[0]):
            mark = _mark(cells.pop(0))  # a mark in a cell before the id (a column without a name)
        if self.id_at >= len(cells):
            return None
        found = _ID_CELL.fullmatch(cells[self.id_at].replace("\ufe0f", ""))
        if found is None or len(cells) < min(3, len(self.keys)):
            return None
        after = self.id_at + 1
        if mark is None and after < len(cells) - 1 and self._named(after) and _mark(cells[after]):
            mark = _mark(cells.pop(after))  # a mark in a cell after the id
        inline = found.group(1) or found.group(3)
        mark = mark or (RESULT_MARKS[inline] if inline else None)
        values: list[tuple[str, str]] = []
        for index, cell in enumerate(cells):
            key = self.keys[index] if index < len(self.keys) else ""
            if index == self.id_at:
                values.append(("qid", found.group(2)))
            elif key in UWORLD_COLUMNS:
                values.append((UWORLD_COLUMNS[key], cell))
            elif mark is None and _mark(cell):
                mark = _mark(cell)  # in a column of its own, or after the last one
        width = len(cells) - (1 if len(cells) > len(self.header) and _mark(cells[-1]) else 0)
        return values, mark, width


def _rows(
    shape: _Paste, header_line: int, above: int, lines: Iterator[tuple[int, str]], name: str, layout: Layout
) -> Iterator[Record]:
    rows = marked = below = between = rows_since = 0
    again: list[int] = []  # lines where the table's header comes again
    first = last = header_line
    ended: tuple[int, str] | None = None  # the first line after the table
    for number, line in lines:
        if not line.strip():
            continue
        try:
            row = shape.row(line)
        except SqueezedRow as exc:
            raise InputError(str(exc), file=name, line=number) from None
        if row is None:
            if rows == 0 and ended is None and number - header_line <= MAX_HEADER_LINES - 1:
                shape.continue_header(split(line))
                continue
            if rows and is_header(line) and shape.same_columns(split(line)):
                again.append(number)  # a second test's table pasted below the first: its rows read too
                between, below, ended, rows_since = between + below, 0, None, 0
                continue
            if again and ended is None and not rows_since and number - again[-1] <= MAX_HEADER_LINES - 1:
                continue  # the rest of that header, a cell of it broken over lines
            ended = ended or (number, line)
            below += 1
            continue
        if ended is not None:
            raise InputError(
                f"this line looks like a row of the table, but it comes after line {ended[0]} "
                f"('{shown(ended[1].strip(), 40)}'), which is not a row; remove the lines between them, "
                "or paste the table alone",
                file=name,
                line=number,
            )
        values, mark = row
        rows += 1
        rows_since += 1
        marked += mark is not None
        first, last = (number if rows == 1 else first), number
        if mark is not None:
            values.append(("result", mark))
        yield Record(number, values)
    if again:
        layout.assumptions.append(
            f"the table's header comes again on line{'s' if len(again) > 1 else ''} "
            f"{', '.join(map(str, again[:5]))} (tables pasted one after another): the rows below it were read "
            f"as rows of the same paste"
            + (f", and the {_lines(between)} between the tables ignored" if between else "")
        )
    if above or below:
        layout.assumptions.append(
            f"the paste holds more than the results table (on lines {first}-{last}): "
            f"{_lines(above)} above it and {_lines(below)} below it were ignored"
        )
    if rows and not marked:
        taken = "the row is" if rows == 1 else f"all {rows} rows are"
        layout.assumptions.append(
            f"no row of the pasted table has a ✓/✗ mark or a result: {taken} taken as misses (incorrect)"
        )


def _lines(count: int) -> str:
    return f"{count} line" + ("" if count == 1 else "s")
