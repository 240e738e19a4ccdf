"""Huge cells and hostile workbooks (issue 14, items 10 and 11): one cell limit in every
format, a named and skippable bad row, wrapping linear in the text's length; .xlsx files
that expand without bound, define entities, or are cut short fail as one line."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pytest

from srs.ingest.readers import MAX_CELL

HUGE = "y" * (MAX_CELL + 1)


def _rows() -> list[dict[str, str]]:
    return [
        {"qid": "1", "source": "uworld", "date": "2026-11-10", "result": "incorrect", "objective": "fine"},
        {"qid": "2", "source": "uworld", "date": "2026-11-10", "result": "incorrect", "objective": HUGE},
    ]


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    fmt = path.suffix[1:]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue())
    elif fmt == "json":
        path.write_text(json.dumps(rows, indent=1))
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(list(row.values()))
        book.save(path)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_huge_cell_is_a_named_row_that_can_be_skipped(srs, tmp_path, fmt):
    log = tmp_path / f"log.{fmt}"
    _write(log, _rows())
    refused = srs("import", str(log))
    assert refused.exit_code == 1, refused.output
    assert "1 invalid row" in refused.output, refused.output
    line = {"csv": 3, "json": 9, "jsonl": 2, "xlsx": 3}[fmt]
    assert f"log.{fmt}:{line}: column 'objective': this cell holds {MAX_CELL + 1:,} characters" in refused.output
    assert len(refused.output) < 2000  # the cell itself is not repeated
    skipped = srs("import", "--skip-invalid", str(log))
    assert skipped.exit_code == 0, skipped.output
    assert "1 new card" in skipped.output, skipped.output


def test_a_workbook_cell_is_never_longer_than_the_limit(tmp_path):
    """openpyxl reads at most Excel's 32,767 characters of a cell, well under MAX_CELL: the
    same check in misslog stands behind it."""
    from srs.ingest.readers import open_table

    log = tmp_path / "log.xlsx"
    _write(log, _rows())
    with log.open("rb") as stream:
        table = open_table(stream, log.name)
        assert max(len(text) for record in table.records for _, text in record.values) <= MAX_CELL


def test_wrapping_is_linear_in_the_text_length():
    from srs_cli.reviewing import _wrapped

    started = time.perf_counter()
    folded = _wrapped("z" * 1_000_000 + " tail words")
    assert time.perf_counter() - started < 1.0  # click's wrap_text: about 8 s
    assert folded.split() == ["z" * 99] * (1_000_000 // 99) + ["z" * (1_000_000 % 99) + "", "tail", "words"]
    assert max(map(len, folded.splitlines())) <= 100


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + ']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>qid</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)


def _workbook(tmp_path: Path, sheet_xml: bytes | None = None, name: str = "log.xlsx") -> Path:
    """A real workbook from openpyxl, its first sheet's XML replaced when given."""
    import zipfile

    path = tmp_path / name
    _write(path, _rows()[:1])
    if sheet_xml is None:
        return path
    with zipfile.ZipFile(path) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as changed:
        for part, data in parts.items():
            changed.writestr(part, data)
    return path


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_a_billion_laughs_sheet_is_refused(srs, tmp_path, db_path):
    log = _workbook(tmp_path, LAUGHS.encode())
    said = _one_line_error(srs("import", str(log)))
    assert "entities" in said
    assert not db_path.exists() or "lol" not in db_path.read_bytes().decode("latin-1")


def test_a_billion_laughs_sheet_in_utf16_is_refused(srs, tmp_path):
    log = _workbook(tmp_path, LAUGHS.replace("UTF-8", "UTF-16").encode("utf-16"))
    assert "entities" in _one_line_error(srs("import", str(log)))


def test_a_workbook_that_inflates_past_the_limit_is_refused(srs, tmp_path, monkeypatch):
    import srs.ingest.workbook as workbook  # the workbook reader moved out of readers.py (issue 15)

    monkeypatch.setattr(workbook, "MAX_XLSX_EXPANDED", 4 * 1024 * 1024)
    padding = b" " * (8 * 1024 * 1024)  # 8 MB of spaces: about 8 KB compressed
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + padding
        + b"</sheetData></worksheet>"
    )
    log = _workbook(tmp_path, sheet)
    assert log.stat().st_size < 100_000
    assert "expands to more than 4 MB" in _one_line_error(srs("import", str(log)))


def test_the_shipped_limit_allows_a_large_real_log():
    from srs.ingest.readers import MAX_XLSX_EXPANDED

    assert MAX_XLSX_EXPANDED >= 100 * 1024 * 1024


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_a_truncated_workbook_is_one_line(srs, tmp_path, keep):
    whole = _workbook(tmp_path).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: int(len(whole) * keep)])
    assert "cut.xlsx" in _one_line_error(srs("import", str(cut)))  # one line, naming the file


@pytest.mark.parametrize(
    "sheet",
    [
        b"<worksheet><sheetData><row><c",  # XML cut short
        b"\x00\x01 not xml at all",
        b'<?xml version="1.0"?><worksheet><sheetData><row r="x"><c r="??" t="n"><v>abc</v></c></row></sheetData></worksheet>',
    ],
    ids=["cut-xml", "garbage", "nonsense-cells"],
)
def test_a_broken_sheet_is_one_line(srs, tmp_path, sheet):
    result = srs("import", str(_workbook(tmp_path, sheet)))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code != 0:
        _one_line_error(result)
