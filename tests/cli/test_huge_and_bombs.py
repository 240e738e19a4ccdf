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
