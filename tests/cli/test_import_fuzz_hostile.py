"""Hostile miss logs: ragged rows, NUL and control characters, huge cells, deep JSON,
random encodings and formats. An import succeeds, or fails with one `Error:` line and
writes nothing; never a traceback. Control characters never reach the database."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safety_helpers import assert_clean_error
from srs_cli.main import cli

from srs.model import QUESTION_TEXT_FIELDS

HEADERS = ["qid", "QID", "date", "topic", "subject", "system", "result", "objective", "prompt", "notes", "", "x\x00y"]
NASTY = st.sampled_from(
    ["\x00", "\x1b[2J", "\x07", "\r", "\n", '"', ",", "\t", ";", "\ufeff", "\u202e", "=1+1", "é", "💊"]
)
CELL = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.lists(NASTY | st.text(max_size=5), max_size=8).map("".join),
    st.integers(1, 60).map(str),
    st.sampled_from(["2026-11-01", "11/3/2026", "31/31/2026", "incorrect", "correct", "x" * 5000]),
)
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=7), min_size=0, max_size=12)  # ragged on purpose
FORMAT = st.sampled_from(["csv", "tsv", "semicolon", "json", "jsonl"])
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
CONTROL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]


def render(header: list[str], rows: list[list[str]], form: str) -> str:
    if form in ("json", "jsonl"):
        objects = [dict(zip(header, row, strict=False)) for row in rows]
        if form == "json":
            return json.dumps(objects, ensure_ascii=False)
        return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)
    out = io.StringIO()
    writer = csv.writer(out, delimiter={"csv": ",", "tsv": "\t", "semicolon": ";"}[form], lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def import_file(path: Path, db: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), "import", str(path), *extra], catch_exceptions=True)


def stored(db: Path) -> tuple[int, list[str]]:
    """Events, and every stored text value (empty when the import never created the database)."""
    if not db.exists():
        return 0, []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        try:
            events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            texts = conn.execute(f"SELECT qid, source, {', '.join(QUESTION_TEXT_FIELDS)} FROM questions").fetchall()
        except sqlite3.OperationalError:
            return 0, []
    return events, [value for row in texts for value in row]


def check_outcome(result, db: Path, rows: int) -> None:  # type: ignore[no-untyped-def]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    events, texts = stored(db)
    if result.exit_code != 0:
        assert_clean_error(result.exit_code, result.output)
        assert events == 0  # all or nothing
    else:
        assert events <= rows
    assert not [t for t in texts if any(c in t for c in CONTROL)]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
    rows=ROWS,
    form=FORMAT,
    encoding=ENCODING,
    skip=st.booleans(),
)
def test_hostile_tables_import_or_fail_cleanly(tmp_path_factory, header, rows, form, encoding, skip):
    folder = tmp_path_factory.mktemp("hostile")
    text = render(header, rows, form)
    data = text.encode(encoding, errors="replace") if encoding not in ("utf-8", "utf-8-sig") else text.encode(encoding)
    path = folder / f"log.{'txt' if form == 'semicolon' else form}"
    path.write_bytes(data)
    result = import_file(path, folder / "f.db", *(["--skip-invalid"] if skip else []))
    # a line break in a cell can start a record of its own where the delimiter cannot be told
    # (one header column: a ';' file reads as one comma column, and a lone CR ends a record)
    breaks = sum(cell.count("\r") + cell.count("\n") for row in rows for cell in row)
    check_outcome(result, folder / "f.db", len(rows) + (breaks if len(header) == 1 else 0))


def _zip(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, data)


CASES = {
    "huge-cell": lambda p: p.write_text("qid,date,objective\n1,2026-11-01," + "x" * 300_000 + "\n"),
    "five-mb-line": lambda p: p.write_text("qid,date\n1,2026-11-01" + " " * 5_000_000 + "\n"),
    "four-thousand-columns": lambda p: p.write_text(
        ",".join(f"c{i}" for i in range(4_000)) + ",qid\n" + "v," * 4_000 + "1\n"
    ),
    "nul-everywhere": lambda p: p.write_bytes(b"q\x00id,date\x00\n\x001,2026-11-01\x00\n"),
    "nul-in-values": lambda p: p.write_bytes(b"qid,date,topic\n1\x00,2026-11-01,a\x00b\n"),
    "header-only": lambda p: p.write_text("qid,date,topic\n"),
    "bom-only": lambda p: p.write_bytes(b"\xef\xbb\xbf"),
    "empty": lambda p: p.write_bytes(b""),
    "deep-json": lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
    "deep-json-object": lambda p: p.write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep-jsonl": lambda p: p.write_text('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n"),
    "huge-json-string": lambda p: p.write_text(json.dumps([{"qid": "1", "objective": "y" * 3_000_000}])),
    "json-not-objects": lambda p: p.write_text('[1, null, [2], "s"]'),
    "zip-named-xlsx": lambda p: _zip(p, "hello.txt", b"not a workbook"),
    "garbage-xlsx": lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4),
    "utf16-odd-length": lambda p: p.write_bytes(b"\xff\xfeq\x00i\x00d\x00\n"),
}
SUFFIX = {"zip-named-xlsx": ".xlsx", "garbage-xlsx": ".xlsx", "deep-jsonl": ".jsonl"}


@pytest.mark.parametrize("case", list(CASES))
def test_extreme_files(tmp_path, case):
    path = tmp_path / f"log{SUFFIX.get(case, '.csv')}"
    CASES[case](path)
    result = import_file(path, tmp_path / "f.db")
    check_outcome(result, tmp_path / "f.db", 1)
