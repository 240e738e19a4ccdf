"""A yes/no column that says which questions were missed ('Missed?', 'Got it wrong?', 'Wrong'):
the result read the other way round, never ignored (every row would then be a miss) and
never read as a result column (TRUE would then be 'correct')."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.db_helpers import event_count


def results(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT q.qid, e.result FROM events e JOIN questions q ON q.id = e.question_id ORDER BY q.qid"
        return list(conn.execute(sql))
    finally:
        conn.close()


def log(header: str, marks: list[str]) -> str:
    rows = [f"1{i:02d},2026-11-{1 + i % 20:02d},Topic {i},{mark}" for i, mark in enumerate(marks)]
    return "\n".join([f"QID,Date,Topic,{header}", *rows]) + "\n"


@pytest.mark.parametrize(
    ("header", "yes", "no"),
    [
        ("Missed?", "TRUE", "FALSE"),  # a Google Sheets or Excel checkbox, downloaded as CSV
        ("Missed", "Yes", "No"),  # a Notion checkbox property
        ("Got it wrong?", "Y", "N"),
        ("Wrong", "x", "0"),
        ("Incorrect", "1", "0"),
        ("Missed? (Y/N)", "yes", "no"),
        ("Falsch beantwortet", None, None),  # not a missed column: ignored, every row a miss
    ],
)
def test_a_missed_column_is_read_the_other_way_round(srs, write_log, db_path, header, yes, no):
    if yes is None:
        result = srs("import", str(write_log("m.csv", log(header, ["ja", "nein"]))))
        assert result.exit_code == 0, result.output
        assert results(db_path) == [("100", "incorrect"), ("101", "incorrect")]
        assert f"Ignored columns: {header}" in result.output
        return
    result = srs("import", str(write_log("m.csv", log(header, [yes, no, yes]))))
    assert result.exit_code == 0, result.output
    assert results(db_path) == [("100", "incorrect"), ("101", "correct"), ("102", "incorrect")]
    assert "3 rows read: 2 new cards, 0 repeated misses, 1 correct attempt" in result.output
    assert "No result column" not in result.output


def test_the_dry_run_shows_the_column_and_the_results(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", log("Missed?", ["TRUE", "FALSE"]))), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Missed?  → missed" in result.output
    lines = [line.split() for line in result.output.splitlines() if line.strip().startswith(("2 ", "3 "))]
    assert [line[4] for line in lines] == ["incorrect", "correct"]
    assert not db_path.exists()


def test_an_unmarked_row_is_answered_right_and_that_is_said(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", log("Wrong", ["x", "", "", "x"]))))
    assert result.exit_code == 0, result.output
    assert [r for _, r in results(db_path)] == ["incorrect", "correct", "correct", "incorrect"]
    assert "2 rows with an empty 'Wrong' cell were taken as answered right (not missed), the first on line 3" in (
        result.output
    )


def test_a_result_word_in_a_missed_column_is_an_error_naming_line_column_and_map(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", log("Missed?", ["TRUE", "wrong"]))))
    assert result.exit_code == 1
    assert "m.csv:3: column 'Missed?': 'wrong' is not a yes/no value" in result.output
    assert '--map "Missed?=result"' in result.output
    assert event_count(db_path) == 0


def test_a_result_column_beside_a_missed_column_is_an_error(srs, write_log, db_path):
    content = "QID,Date,Topic,Missed?,Correct\n101,2026-11-20,Gout,TRUE,no\n"
    path = write_log("m.csv", content)
    result = srs("import", str(path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {path}:1: columns 'Correct' and 'Missed?' both say how the question went; keep one, or say "
        'which with --map "Missed?=ignore" (or --map "Correct=ignore")'
    ]
    assert not db_path.exists()
    # and the --map line it names settles it
    result = srs("import", str(write_log("m.csv", content)), "--map", "Correct=ignore")
    assert result.exit_code == 0, result.output
    assert results(db_path) == [("101", "incorrect")]


def test_a_notion_status_column_gives_way_to_the_missed_checkbox(srs, write_log, db_path):
    content = "QID,Date,Topic,Missed,Status\n101,2026-11-20,Gout,Yes,To review\n102,2026-11-20,ITP,No,Done\n"
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert results(db_path) == [("101", "incorrect"), ("102", "correct")]
    assert "'Status' ignored: 'Missed' says which questions were missed" in result.output


def test_json_booleans(srs, write_log, db_path):
    rows = [{"qid": "7", "date": "2026-11-20", "topic": "Gout", "missed": True},
            {"qid": "8", "date": "2026-11-20", "topic": "ITP", "missed": False}]  # fmt: skip
    result = srs("import", str(write_log("m.json", json.dumps(rows))))
    assert result.exit_code == 0, result.output
    assert results(db_path) == [("7", "incorrect"), ("8", "correct")]


def test_an_excel_checkbox_column_of_booleans(srs, tmp_path, db_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["QID", "Date", "Topic", "Got it wrong?"])
    sheet.append([118154, "2026-11-20", "Gout", True])
    sheet.append([118155, "2026-11-21", "ITP", False])
    path = tmp_path / "log.xlsx"
    book.save(path)
    result = srs("import", str(path), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert results(db_path) == [("118154", "incorrect"), ("118155", "correct")]


def test_a_count_of_misses_is_not_a_missed_column(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", log("Times missed", ["2", "0"]))))
    assert result.exit_code == 0, result.output
    assert "Ignored columns: Times missed" in result.output
    assert [r for _, r in results(db_path)] == ["incorrect", "incorrect"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    marks=st.lists(
        st.sampled_from(["TRUE", "FALSE", "true", "Yes", "no", "Y", "n", "1", "0", "x", "", "✓", "☐", "WAHR", "FAUX"]),
        min_size=1,
        max_size=12,
    )
)
def test_every_yes_is_a_miss_and_every_no_or_blank_is_right(srs, write_log, db_path, marks):
    if db_path.exists():
        db_path.unlink()
    result = srs("import", str(write_log("m.csv", log("Missed?", marks))))
    assert result.exit_code == 0, result.output
    yes = {"TRUE", "true", "Yes", "Y", "1", "x", "✓", "WAHR"}
    assert [r for _, r in results(db_path)] == ["incorrect" if m in yes else "correct" for m in marks]
