"""Random tables in random dialects and encodings: exactly the right rows, or a
line-numbered error and nothing written. Never a traceback."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from db_helpers import event_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from srs_cli.main import cli

CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    max_size=20,
).map(str.strip)
ROW = st.tuples(st.integers(1, 40), st.integers(1, 28), CELL, st.sampled_from(["incorrect", "correct", "omitted", ""]))
DIALECT = st.tuples(
    st.sampled_from([",", "\t", ";"]),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)


def write_table(rows, delimiter, newline, bad_at=None) -> tuple[str, int | None]:
    """The CSV text, and the line the bad row (if any) starts on."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(["qid", "date", "topic", "result"])
    bad_line = None
    for index, (qid, day, topic, result) in enumerate(rows):
        if index == bad_at:
            bad_line = out.getvalue().count("\n") + 1
            writer.writerow([qid, f"2026-02-{day + 30}", topic, result])  # February 31+: no such date
        else:
            writer.writerow([qid, f"2026-10-{day:02d}", topic, result])
    return out.getvalue(), bad_line


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def run(args, tmp_path: Path):
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "f.db"), *args], catch_exceptions=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=15), dialect=DIALECT, bad=st.none() | st.integers(0, 14))
def test_random_tables_import_exactly_or_fail_cleanly(tmp_path_factory, rows, dialect, bad):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    delimiter, newline, encoding = dialect
    bad_at = bad if bad is not None and bad < len(rows) else None
    text, bad_line = write_table(rows, delimiter, newline, bad_at)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path = tmp_path / "log.csv"
    path.write_bytes(data)
    result = run(["import", str(path)], tmp_path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if bad_line is not None:
        assert result.exit_code == 1
        assert f"{path}:{bad_line}: column 'date':" in result.output
        assert event_count(tmp_path / "f.db") == 0
        return
    assert result.exit_code == 0, result.output
    attempts = {(qid, day) for qid, day, _, _ in rows}  # one attempt per question and day
    assert event_count(tmp_path / "f.db") == len(attempts)
    assert f"{counted(len(rows), 'row')} read" in result.output
    assert f"{counted(len(rows) - len(attempts), 'duplicate')} skipped" in result.output


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), header=st.sampled_from([b"", b"qid,date,topic\n", b"\xff\xfeq\x00"]))
def test_random_bytes_never_crash(tmp_path_factory, data, header):
    tmp_path = tmp_path_factory.mktemp("bytes")
    path = tmp_path / "junk.csv"
    path.write_bytes(header + data)
    result = run(["import", str(path)], tmp_path)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert result.output.strip().splitlines()[-1].startswith("Error: ")
