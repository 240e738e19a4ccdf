"""Tables from the files students have: CSV/TSV, JSON, JSONL, Excel, UWorld pastes.

Each reader yields `Record`s (a line number and the row's (column, text) pairs)
one at a time, so a large log never sits in memory whole. Which reader is used
is decided from the content (`detect`), or forced with `format=`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from srs.errors import InputError, shown

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx", "uworld")
SNIFF_BYTES = 1 << 16
DELIMITERS = (",", "\t", ";")
UWORLD_HEADER = {"id", "subjects", "systems", "topics"}
UWORLD_COLUMNS = {"subjects": "subject", "systems": "system", "topics": "topic", "categories": "category"}
RESULT_MARKS = {"✓": "correct", "✔": "correct", "✗": "incorrect", "✘": "incorrect", "×": "incorrect"}
RESULT_WORDS = {"correct", "incorrect", "omitted", "right", "wrong", "skipped"}
# The largest cell a row may hold, in characters, in every format (CSV, TSV, JSON, JSONL, xlsx,
# pastes): a longer one makes its row invalid (`--skip-invalid` skips it), checked in misslog.
# 128 KiB is Python's csv limit, which CSV alone used to have: a page of notes is a few KiB.
MAX_CELL = 128 * 1024
# What the CSV reader itself accepts in one cell, so that a long cell is a bad row (named, and
# skippable) rather than the end of the file; past this the file is refused as not a miss log.
CSV_HARD_CELL = 64 * 1024 * 1024


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

    def close(self) -> None:
        """Release the decoding layer; the caller's stream stays open (and theirs to close)."""
        if self.text is not None and not self.text.closed:
            self.text.detach()
            self.text = None


def open_table(stream: IO[bytes], name: str, *, format: str | None = None, sheet: str | None = None) -> Table:
    """Read a table from a binary stream; `format` forces one of FORMATS."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if format is None:
        format = "xlsx" if head.startswith(b"PK\x03\x04") else None
    if format == "xlsx":
        return _xlsx(stream, name, sheet)
    text = _text_stream(stream, head, name)
    sample = _first_line(text.read(SNIFF_BYTES))
    text.seek(0)
    format = format or detect(sample, name)
    try:
        if format in ("json", "jsonl"):
            table = Table(format, None, _json(text, name) if format == "json" else _jsonl(text, name))
        elif format == "uworld":
            table = _uworld(text, name)
        else:
            table = _csv(text, name, "\t" if format == "tsv" else _delimiter(sample))
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
            json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            return "json"  # an object spread over lines, holding the list
        return "jsonl"
    if UWORLD_HEADER <= {_key(c) for c in _split_paste(first_line)}:
        return "uworld"
    if name.lower().endswith((".tsv", ".tab")):
        return "tsv"
    return "csv"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _first_line(sample: str) -> str:
    return next((line for line in sample.splitlines() if line.strip()), "")


def _delimiter(line: str) -> str:
    counts = {d: len(re.findall(re.escape(d) + r'(?=(?:[^"]*"[^"]*")*[^"]*$)', line)) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


# -- text and encodings ----------------------------------------------------------


def _text_stream(stream: IO[bytes], head: bytes, name: str) -> io.TextIOWrapper:
    """UTF-8 (BOM or not), UTF-16 (BOM, or the look of it), else Windows-1252."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        encoding = "utf-16-le"
    elif len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        encoding = "utf-16-be"
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


# -- CSV and pasted tables ---------------------------------------------------------


def _csv(text: IO[str], name: str, delimiter: str) -> Table:
    if csv.field_size_limit() < CSV_HARD_CELL:
        csv.field_size_limit(CSV_HARD_CELL)
    reader = csv.reader(text, delimiter=delimiter)
    rows = _numbered(reader, name)
    first = next(rows, None)
    if first is None:
        raise InputError("the file is empty; expected a header row naming the columns", file=name)
    header = [c.strip() for c in first[1]]
    return Table("tsv" if delimiter == "\t" else "csv", header, _zip_rows(header, rows))


def _numbered(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on (a quoted cell may span lines)."""
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(map(str.strip, cells)):
                yield line, cells
    except csv.Error as exc:
        raise InputError(f"cannot read this row ({exc})", file=name, line=start) from None


def _zip_rows(header: list[str], rows: Iterator[tuple[int, list[str]]]) -> Iterator[Record]:
    for line, cells in rows:
        values = list(zip(header, cells, strict=False))
        extra = None
        if len(cells) > len(header):
            extra = next((i + 1 for i in range(len(header), len(cells)) if cells[i].strip()), None)
        yield Record(line, values, extra, len(cells))


def _split_paste(line: str) -> list[str]:
    """Cells of a line copied from a web page: tabs, or runs of 2+ spaces."""
    line = line.rstrip("\r\n")
    parts = line.split("\t") if "\t" in line else re.split(r" {2,}", line.strip())
    return [p.strip() for p in parts]


def _uworld(text: IO[str], name: str) -> Table:
    """UWorld's test-results table as pasted: `1 - 118154`, SUBJECTS, SYSTEMS, ..."""
    lines = ((n, line) for n, line in enumerate(text, start=1) if line.strip())
    first = next(lines, None)
    if first is None:
        raise InputError("the pasted table is empty", file=name)
    header = _split_paste(first[1])
    return Table("uworld", header, _uworld_rows(header, lines))


def _uworld_rows(header: list[str], lines: Iterator[tuple[int, str]]) -> Iterator[Record]:
    keys = [_key(h) for h in header]
    for number, line in lines:
        cells = _split_paste(line)
        mark = ""
        if len(cells) > len(keys) and _is_mark(cells[0]):
            mark = cells.pop(0)
        values: list[tuple[str, str]] = []
        for key, cell in zip(keys, cells, strict=False):
            if key == "id":
                found = re.fullmatch(r"(?:\d+\s*[-–]\s*)?([A-Za-z0-9-]+)\s*([✓✔✗✘×])?", cell)
                values.append(("qid", found.group(1) if found else cell))
                mark = mark or (found.group(2) or "" if found else "")
            elif key in UWORLD_COLUMNS:
                values.append((UWORLD_COLUMNS[key], cell))
            elif _is_mark(cell):
                mark = mark or cell
        mark = mark or next((c for c in cells[len(keys) :] if _is_mark(c)), "")
        if mark:
            values.append(("result", RESULT_MARKS.get(mark, mark)))
        yield Record(number, values)


def _is_mark(cell: str) -> bool:
    return cell in RESULT_MARKS or cell.lower() in RESULT_WORDS


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
    return Record(line, [(str(k), _cell(v)) for k, v in item.items()])


# -- Excel --------------------------------------------------------------------------------


# A workbook is a zip of XML parts. Its parts may hold at most this much once decompressed (a
# 20,000-row miss log is about 15 MB): a small file that inflates to gigabytes is refused before
# openpyxl reads it. Every part is decompressed once to count (the sizes in the zip's directory
# can lie), and scanned for a document type declaration: workbooks never have one, and its
# entities are how an XML "billion laughs" file grows without bound.
MAX_XLSX_EXPANDED = 256 * 1024 * 1024
_DTD_MARKS = tuple(
    mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def _check_workbook(stream: IO[bytes], name: str) -> None:
    import zipfile
    import zlib

    total = 0
    try:
        with zipfile.ZipFile(stream) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                tail = b""
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_EXPANDED:
                            raise InputError(
                                f"this workbook expands to more than {MAX_XLSX_EXPANDED >> 20} MB; "
                                "it is not a miss log (save the sheet as CSV if it really is)",
                                file=name,
                            )
                        window = tail + chunk
                        if any(mark in window for mark in _DTD_MARKS):
                            raise InputError(
                                f"part {shown(info.filename, 60)} of this workbook declares XML entities "
                                "(a document type); Excel never writes one, so it is not read",
                                file=name,
                            )
                        tail = window[-32:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:
        detail = shown(str(exc) or type(exc).__name__, 120)
        raise InputError(f"not a readable .xlsx workbook ({detail})", file=name) from None
    finally:
        stream.seek(0)


def _xlsx(stream: IO[bytes], name: str, sheet: str | None) -> Table:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise InputError("reading .xlsx needs openpyxl: pip install openpyxl", file=name) from exc
    _check_workbook(stream, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not read
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # any parser's error, on any part: one line, never a traceback
        raise _unreadable(exc, name) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise InputError(f"no sheet '{shown(sheet)}' (sheets: {shown(', '.join(book.sheetnames), 200)})", file=name)
    worksheet = book[sheet] if sheet else book.worksheets[0]
    rows = _sheet_rows(worksheet, name)
    first = next(rows, None)
    if first is None:
        raise InputError(f"sheet '{shown(worksheet.title)}' is empty", file=name)
    header = [c.strip() for c in first[1]]
    return Table("xlsx", header, _zip_rows(header, rows))


def _sheet_rows(worksheet: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    """The sheet's non-blank rows; the sheet is parsed as it is read, so its errors come here."""
    number = 0
    try:
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in row):
                yield number, [_cell(v) for v in row]
    except InputError:
        raise
    except Exception as exc:  # XML, zip and openpyxl errors alike
        raise _unreadable(exc, name, number + 1) from None


def _unreadable(exc: BaseException, name: str, line: int | None = None) -> InputError:
    detail = shown(str(exc) or type(exc).__name__, 120)
    return InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {detail})", file=name, line=line)


def _cell(value: Any) -> str:
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
