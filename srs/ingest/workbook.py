"""Excel workbooks (.xlsx): the right sheet, the header row below titles, merged cells.

The sheet is streamed (openpyxl's read-only mode), so a 20,000-row workbook never sits in
memory whole. Read-only mode does not show merged cells, so their ranges are read from the
end of the sheet's XML (`<mergeCells>`, after the rows) before the rows are: a date merged
down several rows gives each of those rows the date.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator
from typing import IO, Any
from xml.etree import ElementTree

from srs.errors import InputError, shown
from srs.ingest import kinds
from srs.ingest.table import (
    HEADER_SEARCH_ROWS,
    Layout,
    Table,
    cell_text,
    find_header,
    forced_header,
    note_rows_above,
    zip_rows,
)

# A workbook is a zip of XML parts. Its parts may hold at most this much once decompressed (a
# 20,000-row miss log is about 15 MB): a small file that inflates to gigabytes is refused before
# openpyxl reads it. Every part is decompressed once to count (the sizes in the zip's directory
# can lie), and scanned for a document type declaration: workbooks never have one, and its
# entities are how an XML "billion laughs" file grows without bound.
MAX_XLSX_EXPANDED = 256 * 1024 * 1024
_DTD_MARKS = tuple(
    mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError)  # fmt: skip
Rows = Iterator[tuple[int, list[str]]]


def read(stream: IO[bytes], name: str, sheet: str | None, layout: Layout) -> Table:
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
    worksheet = _chosen_sheet(book, sheet, name, layout)
    merges = _merged_ranges(stream, getattr(worksheet, "_worksheet_path", None), worksheet.title, name)
    stream.seek(0)
    rows: Rows = _sheet_rows(worksheet, name, merges)
    if layout.header_row is not None:
        first = forced_header(rows, layout.header_row, name)
    else:
        top: list[tuple[int, list[str]]] = []
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SEARCH_ROWS:
                break
        if not top:
            raise InputError(f"sheet '{shown(worksheet.title)}' is empty", file=name)
        index = find_header(top, layout) or 0
        note_rows_above(layout, top, index)
        first = top[index]
        rows = _chain(top[index + 1 :], rows)
    header = [c.strip() for c in first[1]]
    return Table("xlsx", header, zip_rows(header, rows), header_line=first[0])


def _chain(head: list[tuple[int, list[str]]], rest: Rows) -> Rows:
    yield from head
    yield from rest


# -- which sheet ----------------------------------------------------------------------------


def _chosen_sheet(book: Any, sheet: str | None, name: str, layout: Layout) -> Any:
    """The sheet named by --sheet (case and surrounding spaces aside), else the one sheet that
    names a question-id column; when several do, the import stops and names them."""
    names: list[str] = book.sheetnames
    if sheet is not None:
        wanted = sheet.strip().casefold()
        matches = [n for n in names if n == sheet] or [n for n in names if n.strip().casefold() == wanted]
        if not matches:
            raise InputError(f"no sheet '{shown(sheet)}' (sheets: {shown(', '.join(names), 200)})", file=name)
        return book[matches[0]]
    first = book.worksheets[0]
    if len(names) == 1 or layout.header_row is not None:
        return first
    if _has_log(first, name, layout):
        also = [ws.title for ws in book.worksheets[1:] if _has_log(ws, name, layout)]
        if also:  # a summary sheet before the log, or one sheet per Qbank: which is not ours to guess
            listed = ", ".join(f"'{shown(title, 40)}'" for title in [first.title, *also][:6])
            raise InputError(
                f"sheets {listed} each have a question-id column; say which to read with --sheet NAME "
                f'(e.g. --sheet "{shown(also[0], 40)}"), and import each log sheet so',
                file=name,
            )
        return first
    others = [ws for ws in book.worksheets[1:] if _has_log(ws, name, layout)]
    if len(others) == 1:
        layout.assumptions.append(
            f"sheet '{shown(others[0].title)}' read: the first sheet, '{shown(first.title)}', has no "
            "question-id column (--sheet NAME reads another)"
        )
        return others[0]
    if others:
        listed = ", ".join(f"'{shown(ws.title, 40)}'" for ws in others)
        raise InputError(
            f"the first sheet, '{shown(first.title)}', has no question-id column, and sheets {listed} each have "
            f'one; say which to read with --sheet NAME (e.g. --sheet "{shown(others[0].title, 40)}")',
            file=name,
        )
    return first  # no sheet names the columns: the first sheet's error says what was found


def _has_log(worksheet: Any, name: str, layout: Layout) -> bool:
    rows = _sheet_rows(worksheet, name, [])
    top = []
    try:
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SEARCH_ROWS:
                break
    finally:
        rows.close()
    return find_header(top, layout) is not None


# -- rows and merged cells ----------------------------------------------------------------


def _sheet_rows(
    worksheet: Any, name: str, merges: list[tuple[int, int, int]]
) -> Generator[tuple[int, list[str]], None, None]:
    """The sheet's non-blank rows, numbered as the sheet numbers them, merged cells filled in.

    `merges` are (first row, column, last row) of each merged range: the rows below the first
    get its value in that column. The sheet is parsed as it is read, so its errors come here."""
    number = 0
    pending = sorted(merges, reverse=True)  # popped from the end: by first row
    active: list[tuple[int, int, str]] = []  # (column, last row, value)
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # a wrong <dimension> in the file must not cut rows or columns off
    try:
        for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            blank = not any(v is not None and str(v).strip() for v in row)
            if not (pending or active):
                if not blank:
                    yield number, [cell_text(v) for v in row]
                continue
            cells = [cell_text(v) for v in row]
            active = [entry for entry in active if entry[1] >= number]
            if not blank:
                for column, _, value in active:
                    cells.extend([""] * (column - len(cells)))
                    if not cells[column - 1].strip():
                        cells[column - 1] = value
            while pending and pending[-1][0] <= number:
                start, column, last = pending.pop()
                if start == number and column <= len(cells) and cells[column - 1].strip():
                    active.append((column, last, cells[column - 1]))
            if not blank:
                yield number, cells
    except InputError:
        raise
    except Exception as exc:  # XML, zip and openpyxl errors alike
        raise _unreadable(exc, name, number + 1) from None


_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData\s*>|<(?:\w+:)?sheetData\s*/>")
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=[\"']\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pkg": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _merged_ranges(stream: IO[bytes], path: str | None, title: str, name: str) -> list[tuple[int, int, int]]:
    """(first row, first column, last row) of each merged range of more than one row.

    The ranges follow the rows in the sheet's XML: the part is decompressed as a stream and
    only what comes after the rows is kept, so memory stays flat on a large sheet."""
    try:
        with zipfile.ZipFile(stream) as archive:
            path = path or _sheet_path(archive, title)  # openpyxl's own answer, when it gives one
            if path is None:
                return []
            tail, after = b"", None
            with archive.open(path) as part:
                while chunk := part.read(1 << 20):
                    if after is not None:
                        after += chunk
                        continue
                    window = tail + chunk
                    end = _SHEET_DATA_END.search(window)
                    if end is not None:
                        after = bytearray(window[end.end() :])
                    else:
                        tail = window[-64:]
    except (*_ZIP_ERRORS, KeyError, ElementTree.ParseError) as exc:
        raise _unreadable(exc, name) from None
    finally:
        stream.seek(0)
    ranges = []
    for found in _MERGE_CELL.finditer(bytes(after or b"")):
        first_column, first_row, _, last_row = found.groups()
        if int(last_row) > int(first_row):
            ranges.append((int(first_row), _column_number(first_column.decode()), int(last_row)))
    return ranges


def _sheet_path(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip member holding the sheet called `title` (workbook.xml names it, its rels place it)."""
    if "xl/workbook.xml" not in archive.namelist() or "xl/_rels/workbook.xml.rels" not in archive.namelist():
        return None
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # no DTD: checked before
    relation = None
    for sheet in book.iterfind("main:sheets/main:sheet", _NS):
        if sheet.get("name") == title:
            relation = sheet.get(f"{{{_NS['rel']}}}id")
    if relation is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iterfind("pkg:Relationship", _NS):
        if rel.get("Id") == relation:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            return re.sub(r"[^/]+/\.\./", "", path)
    return None


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


# -- a workbook at all ------------------------------------------------------------------------


def _check_workbook(stream: IO[bytes], name: str) -> None:
    """Refuse what is no .xlsx (a Numbers file, an .ods, a zip) and what would inflate without bound."""
    total = 0
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            problem = kinds.zip_error(names, lambda member: archive.read(member)[:200], name)
            if problem is not None:
                raise problem
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
    except _ZIP_ERRORS as exc:
        detail = shown(str(exc) or type(exc).__name__, 120)
        raise InputError(f"not a readable .xlsx workbook ({detail})", file=name) from None
    finally:
        stream.seek(0)


def _unreadable(exc: BaseException, name: str, line: int | None = None) -> InputError:
    detail = shown(str(exc) or type(exc).__name__, 120)
    return InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {detail})", file=name, line=line)
