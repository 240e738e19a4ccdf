"""Tables from the files students have: CSV/TSV, JSON, JSONL, Excel, UWorld pastes.

Each reader yields `Record`s (a line number and the row's (column, text) pairs)
one at a time, so a large log never sits in memory whole. Which reader is used
is decided from the content (`detect`), or forced with `format=`. The header row is
found below title rows (srs.ingest.table); workbooks are read in srs.ingest.workbook,
pasted UWorld tables in srs.ingest.paste, files srs cannot read are named by srs.ingest.kinds.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from srs.errors import InputError, shown
from srs.ingest import kinds, paste, workbook
from srs.ingest.table import (
    HEADER_SEARCH_ROWS,
    Layout,
    Record,
    Table,
    cell_text,
    find_header,
    forced_header,
    note_rows_above,
    zip_rows,
)
from srs.ingest.workbook import MAX_XLSX_EXPANDED

__all__ = ["FORMATS", "MAX_CELL", "MAX_XLSX_EXPANDED", "SNIFF_BYTES", "Layout", "Record", "Table", "detect",
           "open_table"]  # fmt: skip

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx", "uworld")
SNIFF_BYTES = 1 << 16
DELIMITERS = (",", "\t", ";")
# The largest cell a row may hold, in characters, in every format (CSV, TSV, JSON, JSONL, xlsx,
# pastes): a longer one makes its row invalid (`--skip-invalid` skips it), checked in misslog.
# 128 KiB is Python's csv limit, which CSV alone used to have: a page of notes is a few KiB.
MAX_CELL = 128 * 1024
# What the CSV reader itself accepts in one cell, so that a long cell is a bad row (named, and
# skippable) rather than the end of the file; past this the file is refused as not a miss log.
CSV_HARD_CELL = 64 * 1024 * 1024


def open_table(
    stream: IO[bytes],
    name: str,
    *,
    format: str | None = None,
    sheet: str | None = None,
    layout: Layout | None = None,
) -> Table:
    """Read a table from a binary stream; `format` forces one of FORMATS.

    `layout` carries `--header-row` and `--map` (to know a header row when it sees one),
    and collects the assumptions the reader made (a header below titles, a sheet chosen)."""
    layout = layout or Layout()
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if format is None:
        format = "xlsx" if head.startswith(b"PK\x03\x04") else None
    if format == "xlsx":
        return workbook.read(stream, name, sheet, layout)
    kinds.check_binary(head, name)
    text = _text_stream(stream, head, name)
    sample = text.read(SNIFF_BYTES)
    text.seek(0)
    if format is None:
        kinds.check_text(sample, name)
        format = detect(_first_line(sample), name)
        if format == "csv" and paste.find_header(sample.splitlines()[:200]) is not None:
            format = "uworld"  # a whole page copied: the results table is inside it
        elif format in ("csv", "tsv") and _markdown_header(sample):
            format = "markdown"  # an Obsidian note or a Markdown export: | Date | QID | ... |
    try:
        if format in ("json", "jsonl"):
            table = Table(format, None, _json(text, name) if format == "json" else _jsonl(text, name))
        elif format == "uworld":
            table = paste.read(text, name, layout)
        elif format == "markdown":
            table = _markdown(text, name, layout)
        else:
            delimiter, header_line = _csv_shape(sample, format == "tsv", layout)
            table = _csv(text, name, delimiter, header_line, layout)
    except BaseException:
        text.detach()
        raise
    table.text = text
    return table


def detect(first_line: str, name: str) -> str:
    stripped = first_line.lstrip("\ufeff \t")
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        try:
            first = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            return "json"  # an object spread over lines, holding the list
        if isinstance(first, dict) and any(_objects(v) for v in first.values()):
            return "json"  # a minified export on one line: an object holding the list of attempts
        return "jsonl"
    if paste.is_header(first_line):
        return "uworld"
    if name.lower().endswith((".tsv", ".tab")):
        return "tsv"
    return "csv"


def _objects(value: Any) -> bool:
    """A list of objects: the attempts a JSON export holds (a JSONL line holds no such list)."""
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _first_line(sample: str) -> str:
    return next((line for line in sample.splitlines() if line.strip()), "")


def _sep_line(line: str) -> str | None:
    """The delimiter an Excel `sep=;` first line names (Excel writes and reads it in
    locales whose lists use `;`), or None."""
    found = re.fullmatch(r"\ufeff?\s*sep=(.)\s*", line, flags=re.IGNORECASE)
    return found.group(1) if found else None


def _delimiter(line: str) -> str:
    counts = {d: len(re.findall(re.escape(d) + r'(?=(?:[^"]*"[^"]*")*[^"]*$)', line)) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_shape(sample: str, tsv: bool, layout: Layout) -> tuple[str, int | None]:
    """The delimiter, sniffed from the header row, and the line of that row (None: the first).

    A title row above the header may have no delimiter at all, so each delimiter is tried
    on the first rows and the earliest row that reads as a header decides."""
    lines = re.split(r"\r\n|\r|\n", sample)
    said = _sep_line(lines[0]) if lines else None  # Excel's `sep=;` line names the delimiter
    if layout.header_row is not None:
        line = lines[layout.header_row - 1] if layout.header_row <= len(lines) else ""
        return said or ("\t" if tsv else _delimiter(line)), layout.header_row
    default = said or ("\t" if tsv else _delimiter(_first_line(sample)))
    best: tuple[int, int, str] | None = None  # (line, -cells, delimiter)
    for delimiter in [default] if tsv or said else [default, *(d for d in DELIMITERS if d != default)]:
        rows = _top_rows(sample, delimiter)
        index = find_header(rows, layout)
        if index is None:
            continue
        if index == 0 and delimiter == default:
            return default, None  # the first row names the columns, as it always did
        line, cells = rows[index]
        candidate = (line, -len(cells), delimiter)
        best = candidate if best is None or candidate < best else best
    if best is None:
        return default, None  # no row names a question-id column: the first row's error says so
    return best[2], best[0]


def _top_rows(sample: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """The first non-blank rows of the sample as this delimiter would read them."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in _numbered(reader, "sample"):
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except InputError:
        pass
    return rows


# -- text and encodings ----------------------------------------------------------


def _text_stream(stream: IO[bytes], head: bytes, name: str) -> io.TextIOWrapper:
    """UTF-8 (BOM or not), UTF-16 (BOM, or the look of it), else Windows-1252."""
    utf16 = kinds.utf16_encoding(head)
    if utf16 is not None:
        encoding = utf16
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif _decodes(stream, "utf-8"):
        return io.TextIOWrapper(stream, encoding="utf-8", newline="")
    else:
        encoding = "cp1252"
    _check_decodes(stream, encoding, name)
    return io.TextIOWrapper(stream, encoding=encoding, newline="")


def _decodes(stream: IO[bytes], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)


def _check_decodes(stream: IO[bytes], encoding: str, name: str) -> None:
    """Say where the bytes stop being text: line and column of the bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, column = 1, 1
    try:
        while chunk := stream.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = decoder.decode(chunk[: exc.start]) if exc.start else ""
                line += before.count("\n")
                column = len(before) - before.rfind("\n") if "\n" in before else column + len(before)
                bad = chunk[exc.start]
                raise InputError(
                    f"byte 0x{bad:02X} is not text in {encoding} or UTF-8; save the file as UTF-8 "
                    "(in Excel: 'CSV UTF-8')",
                    file=name,
                    line=line,
                    column=column,
                ) from None
            newlines = text.count("\n")
            line += newlines
            column = len(text) - text.rfind("\n") if newlines else column + len(text)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(
                f"the file ends in the middle of a character ({encoding}); it is cut short or not text",
                file=name,
                line=line,
                column=column,
            ) from None
    finally:
        stream.seek(0)


# -- CSV -----------------------------------------------------------------------------


def _csv(text: IO[str], name: str, delimiter: str, header_line: int | None, layout: Layout) -> Table:
    if csv.field_size_limit() < CSV_HARD_CELL:
        csv.field_size_limit(CSV_HARD_CELL)
    lines = _LastRow(text, delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    rows = _numbered(reader, name, lines)
    if layout.header_row is not None:
        first = forced_header(rows, layout.header_row, name)
    elif header_line is not None:
        first = _below_titles(rows, header_line, layout, name, delimiter)
    else:
        found = next(rows, None)
        if found is None:
            raise InputError("the file is empty; expected a header row naming the columns", file=name)
        first = found
    header = [c.strip() for c in first[1]]
    return Table("tsv" if delimiter == "\t" else "csv", header, zip_rows(header, rows), header_line=first[0])


def _below_titles(
    rows: Iterator[tuple[int, list[str]]], header_line: int, layout: Layout, name: str, delimiter: str
) -> tuple[int, list[str]]:
    """The header row found on `header_line`; the title rows above it are noted and passed over."""
    above: list[tuple[int, list[str]]] = []
    for row in rows:
        if row[0] == header_line:
            note_rows_above(layout, [*above, row], len(above))
            return row
        if not (row[0] == 1 and _sep_line(delimiter.join(row[1]))):  # `sep=;` says it: not assumed
            above.append(row)
    raise InputError("the header row was not found again (did the file change while read?)", file=name)


def _numbered(reader: Any, name: str, lines: _LastRow | None = None) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on (a quoted cell may span lines).

    With `lines` (the reader's input, watched), a quote opened on a row and never closed is an
    error naming that row: Python's csv would read the rest of the file into that one cell.
    """
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if lines is not None and lines.unclosed():
                raise InputError(
                    'a quote (") opened on this row is never closed, so everything after it to the end '
                    "of the file would be one cell; close the quote, or remove it",
                    file=name,
                    line=line,
                    column=len(cells),
                )
            if lines is not None:
                lines.clear()
            if any(map(str.strip, cells)):
                yield line, cells
    except csv.Error as exc:
        raise InputError(f"cannot read this row ({exc})", file=name, line=start) from None


class _LastRow:
    """The text lines the csv reader took for its latest row (its input, passed through)."""

    def __init__(self, text: IO[str], delimiter: str) -> None:
        self.text, self.delimiter = text, delimiter
        self.taken: list[str] = []
        self.ended = False

    def __iter__(self) -> _LastRow:
        return self

    def __next__(self) -> str:
        line = self.text.readline()
        if not line:
            self.ended = True
            raise StopIteration
        self.taken.append(line)
        return line

    def clear(self) -> None:
        self.taken = []

    def unclosed(self) -> bool:
        """The row ran to the end of the file inside a quoted cell."""
        if not self.ended:
            return False
        reader = csv.reader(io.StringIO("".join(self.taken), newline=""), delimiter=self.delimiter, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
        return False


# -- Markdown tables ---------------------------------------------------------------------

# The rule under a Markdown table's header: '|---|:---:|', '| --- | --- |'
_MD_RULE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*|\s*\|\s*:?-{3,}:?\s*\|\s*")


def _is_md_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def _markdown_header(sample: str) -> bool:
    """The sample holds a Markdown table: a '| a | b |' row with its '|---|---|' rule below it."""
    lines = re.split(r"\r\n|\r|\n", sample)[:200]
    return any(_is_md_row(a) and _MD_RULE.fullmatch(b) for a, b in itertools.pairwise(lines))


def _md_cells(line: str) -> list[str]:
    """'| 2026-11-02 | 118154 | a \\| b |' -> ['2026-11-02', '118154', 'a | b']."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", body)]


def _markdown(text: IO[str], name: str, layout: Layout) -> Table:
    """A Markdown table (an Obsidian note, a Markdown export): the row above the first
    '|---|' rule is the header; text around the table, the header and rule of the same table
    pasted again, are passed over, and said."""
    lines = enumerate(text, start=1)
    above: list[tuple[int, list[str]]] = []
    previous: tuple[int, str] | None = None
    for number, line in lines:
        if previous is not None and _is_md_row(previous[1]) and _MD_RULE.fullmatch(line.rstrip("\r\n")):
            header_line, header = previous[0], _md_cells(previous[1])
            break
        if previous is not None and previous[1].strip():
            above.append((previous[0], [previous[1].strip()]))
        previous = (number, line)
    else:
        raise InputError("no Markdown table found (a '| a | b |' row with a '|---|---|' rule below it)", file=name)
    note_rows_above(layout, [*above, (header_line, header)], len(above))

    def rows() -> Iterator[tuple[int, list[str]]]:
        outside: list[int] = []
        for number, line in lines:
            if not line.strip():
                continue
            if not _is_md_row(line):
                outside.append(number)  # a heading or a note between tables
            elif _MD_RULE.fullmatch(line.rstrip("\r\n")):
                continue  # the rule of a table pasted again (its header row is skipped as a header)
            else:
                yield number, _md_cells(line)
        if outside:
            layout.assumptions.append(
                f"{len(outside)} line{'s' if len(outside) != 1 else ''} outside the Markdown table ignored "
                f"(line{'s' if len(outside) != 1 else ''} {', '.join(map(str, outside[:5]))}"
                f"{' and more' if len(outside) > 5 else ''})"
            )

    return Table("markdown", header, zip_rows(header, rows()), header_line=header_line)


# -- JSON ------------------------------------------------------------------------------

TOO_DEEP = "nested too deeply to be a miss log (expected a list of objects, one per attempt)"


def _json(text: IO[str], name: str) -> Iterator[Record]:
    """A list of objects (or an object holding one list of objects)."""
    content = text.read()
    decoder = json.JSONDecoder()
    start = len(content) - len(content.lstrip("\ufeff \t\r\n"))
    try:
        document, _ = decoder.raw_decode(content, start)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=name, line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # hostile nesting ([[[[...) must not crash the import
        raise InputError(TOO_DEEP, file=name, line=1) from None
    depth = 2
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) > 1:
            keys = [k for k, v in document.items() if isinstance(v, list)]
            named = ", ".join(f"'{shown(str(k), 30)}'" for k in keys[:5]) + (", …" if len(keys) > 5 else "")
            raise InputError(
                f"expected one list of objects, one per attempt, but the object holds {len(keys)} lists "
                f"({named}); save the list of attempts alone",
                file=name,
                line=1,
            )
        if len(lists) != 1:
            raise InputError("expected a list of objects, one per attempt", file=name, line=1)
        document, depth = lists[0], 3
    if not isinstance(document, list):
        raise InputError("expected a list of objects, one per attempt", file=name, line=1)
    positions = _item_lines(content, depth)
    for index, item in enumerate(document):
        yield _object_record(item, name, positions[index] if index < len(positions) else 1)


def _item_lines(content: str, depth_of_items: int) -> list[int]:
    """Line on which each object at `depth_of_items` starts (for messages)."""
    lines: list[int] = []
    depth, line, in_string, escaped = 0, 1, False, False
    for char in content:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == depth_of_items and char == "{":
                lines.append(line)
        elif char in "]}":
            depth -= 1
    return lines


def _jsonl(text: IO[str], name: str) -> Iterator[Record]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            message = f"not valid JSON ({exc.msg})"
            raise InputError(message, file=name, line=number, column=exc.colno) from None
        except RecursionError:
            raise InputError(TOO_DEEP, file=name, line=number) from None
        yield _object_record(item, name, number)


def _object_record(item: Any, name: str, line: int) -> Record:
    if not isinstance(item, dict):
        raise InputError("expected an object with fields such as qid and date", file=name, line=line)
    return Record(line, [(str(k), cell_text(v)) for k, v in item.items()])
