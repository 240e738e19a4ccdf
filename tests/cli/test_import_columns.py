"""Column names as students write them, and what the student is told: the mapping, the
rows as they would be stored, every assumption, in grammatical sentences.

Fixtures (written for this project, tests/fixtures/misslogs/columns/): a Notion database
export, a Google Sheets miss-log template; an Excel template is built here.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "misslogs" / "columns"


def stored(db: Path) -> list[dict]:
    """Every attempt as stored: the question's identity and text beside the event's day and result."""
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        sql = (
            "SELECT q.source, q.qid, q.topic, q.subject, q.system, q.reason, q.objective, q.explanation, "
            "substr(e.at, 1, 10) AS day, e.result FROM events e JOIN questions q ON q.id = e.question_id "
            "ORDER BY e.at, q.qid"
        )
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def test_notion_export_created_time_status_and_tags(srs, db_path):
    result = srs("import", str(FIXTURES / "notion-export.csv"), "--source", "uworld")
    assert result.exit_code == 0, result.output
    rows = stored(db_path)
    assert [(r["qid"], r["day"], r["topic"], r["result"]) for r in rows] == [
        ("110234", "2026-11-03", "Beta-2 agonists", "incorrect"),
        ("110871", "2026-11-04", "Colchicine", "incorrect"),
        ("111502", "2026-11-06", "ITP", "incorrect"),
    ]
    assert {r["source"] for r in rows} == {"uworld"}
    assert rows[2]["explanation"] == "Antiplatelet antibodies, normal PT/PTT"
    assert rows[2]["system"] == "Blood & Lymphoreticular"
    # what was read, ignored and assumed is all said
    assert "3 rows read: 3 new cards, 0 repeated misses, 0 correct attempts, 0 duplicates skipped" in result.output
    assert "Ignored columns: Name, Tags, Last edited time" in result.output
    assert "'Name' ignored: it may hold the qid or topic, but 'QID' and 'Topic' give those" in result.output
    assert (
        "'Status' holds review states ('To review', 'Reviewed', 'Done'), not results: 3 rows are taken as misses"
        in result.output
    )
    assert result.output.index("Assumed:") < result.output.index("'Status' holds review states")


def test_notion_title_column_holding_the_topic_must_be_named(srs, db_path):
    path = FIXTURES / "notion-title-topic.csv"
    refused = srs("import", str(path))
    assert refused.exit_code == 1
    assert (
        "notion-title-topic.csv:1: column 'Name': the name does not say for certain whether it holds the topic"
        in refused.output
    )
    assert '--map "Name=topic"' in refused.output and '--map "Name=ignore"' in refused.output
    assert stored(db_path) == []
    result = srs("import", str(path), "--map", "Name=topic")
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["day"], r["topic"], r["result"]) for r in stored(db_path)] == [
        ("110234", "2026-11-03", "Beta-2 agonists", "incorrect"),
        ("110871", "2026-11-04", "Colchicine", "incorrect"),
    ]
    assert "'Status' holds review states ('Not started', 'In progress')" in result.output


def test_google_sheets_template(srs, db_path):
    result = srs("import", str(FIXTURES / "google-sheets-template.csv"), "--monthfirst")  # US-locale Sheet
    assert result.exit_code == 0, result.output
    rows = stored(db_path)
    assert [(r["source"], r["qid"], r["day"], r["topic"], r["result"]) for r in rows] == [
        ("uworld", "207311", "2026-11-02", "Loop of Henle", "incorrect"),
        ("uworld", "207355", "2026-11-02", "Glycogen storage diseases", "correct"),
        ("uworld", "207311", "2026-11-03", "Loop of Henle", "correct"),
        ("amboss", "kQ4x9e", "2026-11-03", "Dimorphic fungi", "incorrect"),
    ]
    assert rows[0]["reason"] == "Forgot which segment is impermeable to water"
    assert rows[0]["objective"] == "Thick ascending limb is impermeable to water"
    assert "4 rows read: 2 new cards, 0 repeated misses, 2 correct attempts, 0 duplicates skipped" in result.output
    assert "Ignored columns: Date reviewed, Time spent, Link" in result.output
    assert "'Date reviewed' ignored: it may hold the date, but 'Date' gives that" in result.output


def test_excel_template_with_a_checkbox_column(srs, db_path, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Q#", "Date", "Topic / Concept", "Got it right?", "Why I got it wrong", "Difficulty"])
    sheet.append([31877, "2026-11-10", "Nephritic syndrome", False, "Confused PSGN with IgA nephropathy", "hard"])
    sheet.append([31877, "2026-11-17", "Nephritic syndrome", True, None, "medium"])
    sheet.append([40112.0, "2026-11-17", "Vitamin B12 deficiency", False, "Did not know", None])
    path = tmp_path / "template.xlsx"
    book.save(path)
    result = srs("import", str(path), "--source", "uworld")
    assert result.exit_code == 0, result.output
    rows = stored(db_path)
    assert [(r["qid"], r["day"], r["topic"], r["result"]) for r in rows] == [
        ("31877", "2026-11-10", "Nephritic syndrome", "incorrect"),
        ("31877", "2026-11-17", "Nephritic syndrome", "correct"),  # TRUE: got it right
        ("40112", "2026-11-17", "Vitamin B12 deficiency", "incorrect"),
    ]
    assert rows[0]["reason"] == "Confused PSGN with IgA nephropathy"
    assert "3 rows read: 2 new cards, 0 repeated misses, 1 correct attempt, 0 duplicates skipped" in result.output
    assert "Ignored columns: Difficulty" in result.output


@pytest.mark.parametrize(
    ("header", "column", "lines"),
    [
        ("QID,Topic notes", "Topic notes", ('--map "Topic notes=topic" (or =explanation)',)),
        ("QID,Date reviewed", "Date reviewed", ('--map "Date reviewed=date"',)),
        ("QID,Main topic area", "Main topic area", ('--map "Main topic area=topic"',)),
        ("QID,System/Topic", "System/Topic", ('--map "System/Topic=system" (or =topic)',)),
        ("Question,Topic", "Question", ('--map "Question=qid" (or =prompt)',)),
    ],
)
def test_an_uncertain_column_stops_the_import_with_the_map_line(srs, write_log, db_path, header, column, lines):
    path = write_log("log.csv", f"{header}\n4410,Cortisol\n")
    result = srs("import", str(path))
    assert result.exit_code == 1
    assert f"log.csv:1: column '{column}': " in result.output
    for line in (*lines, f'--map "{column}=ignore"'):
        assert line in result.output
    assert "rows read" not in result.output and stored(db_path) == []


def test_the_map_line_offered_settles_it(srs, write_log, db_path):
    path = write_log("log.csv", "QID,Main topic area,Date reviewed\n4410,Adrenal insufficiency,2026-11-12\n")
    result = srs("import", str(path), "--map", "Main topic area=topic", "--map", "Date reviewed=ignore")
    assert result.exit_code == 0, result.output
    (row,) = stored(db_path)
    assert (row["qid"], row["topic"], row["result"]) == ("4410", "Adrenal insufficiency", "incorrect")
    assert "Ignored columns" not in result.output  # ignored as asked: nothing to list


def test_a_status_column_with_result_words_is_the_result(srs, write_log, db_path):
    path = write_log("log.csv", "QID,Date,Status\n501,2026-11-01,Incorrect\n502,2026-11-01,Correct\n")
    result = srs("import", str(path))
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["result"]) for r in stored(db_path)] == [("501", "incorrect"), ("502", "correct")]
    assert "review states" not in result.output


def test_a_status_column_beside_a_result_column_is_ignored_and_said(srs, write_log, db_path):
    content = "QID,Date,Status,Correct?\n501,2026-11-01,Reviewed,yes\n502,2026-11-01,To review,no\n"
    result = srs("import", str(write_log("log.csv", content)))
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["result"]) for r in stored(db_path)] == [("501", "correct"), ("502", "incorrect")]
    assert "'Status' ignored: 'Correct?' gives the result" in result.output


def test_an_unknown_word_in_a_status_column_points_to_ignoring_it(srs, write_log, db_path):
    result = srs("import", str(write_log("log.csv", "QID,Status\n501,Reviewed\n502,Make Anki card\n")))
    assert result.exit_code == 1
    assert "log.csv:3: column 'Status': 'Make Anki card' is not a result" in result.output
    assert """if 'Status' tracks your review work rather than results, --map "Status=ignore\"""" in result.output
    assert stored(db_path) == []
    fixed = srs("import", str(write_log("log.csv", "QID,Status\n501,Reviewed\n502,Make Anki card\n")),
                "--map", "Status=ignore")  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert [(r["qid"], r["result"]) for r in stored(db_path)] == [("501", "incorrect"), ("502", "incorrect")]
    assert "No result column: every row is taken as a miss" in fixed.output


def test_a_review_word_in_a_result_column_is_still_a_bad_row(srs, write_log, db_path):
    result = srs("import", str(write_log("log.csv", "QID,Result\n501,Reviewed\n")))
    assert result.exit_code == 1
    assert "log.csv:2: column 'Result': 'Reviewed' is not a result" in result.output


def test_created_time_is_the_date_only_without_a_date_column(srs, write_log, db_path):
    content = "QID,Date,Created time\n77,2026-11-02,\"November 20, 2026 8:00 AM\"\n"
    result = srs("import", str(write_log("log.csv", content)))
    assert result.exit_code == 0, result.output
    assert [r["day"] for r in stored(db_path)] == ["2026-11-02"]
    assert "'Created time' ignored: 'Date' gives the date" in result.output


def test_json_keys_follow_the_same_rule(srs, write_log, db_path):
    rows = [{"qid": "9001", "topicNotes": "Lac operon", "date": "2026-11-05"}]
    refused = srs("import", str(write_log("log.json", json.dumps(rows))))
    assert refused.exit_code == 1
    assert "log.json: column 'topicNotes':" in refused.output and '--map "topicNotes=topic"' in refused.output
    result = srs("import", str(write_log("log.json", json.dumps(rows))), "--map", "topicNotes=topic")
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["topic"]) for r in stored(db_path)] == [("9001", "Lac operon")]


def test_no_result_column_is_said(srs, write_log):
    result = srs("import", str(write_log("log.csv", "QID,Topic\n12,Gout\n")))
    assert result.exit_code == 0, result.output
    assert "Assumed:\n  - No result column: every row is taken as a miss" in result.output
    assert "1 row read: 1 new card, 0 repeated misses, 0 correct attempts, 0 duplicates skipped" in result.output


def test_dry_run_shows_the_mapping_and_the_first_rows_as_stored(srs, db_path):
    result = srs("import", str(FIXTURES / "google-sheets-template.csv"), "--dry-run", "--monthfirst")
    assert result.exit_code == 0, result.output
    assert not db_path.exists() or stored(db_path) == []
    out = result.output.splitlines()
    assert out[0] == (
        "Dry run (nothing written): 4 rows read: 2 new cards, 0 repeated misses, 2 correct attempts, "
        "0 duplicates skipped"
    )
    mapping = out[out.index("Columns read:") + 1 : out.index("Columns read:") + 10]
    assert [" ".join(line.split()) for line in mapping] == [
        "Date → date",
        "Q Bank → source",
        "Question ID → qid",
        "Subject → subject",
        "System → system",
        "Topic / Concept → topic",
        "Correct? → result",
        "Why I got it wrong → reason",
        "Educational objective → objective",
    ]
    start = out.index("First 4 rows as they would be stored:")
    assert out[start + 1].split() == ["line", "source", "qid", "date", "result", "topic"]
    assert out[start + 2].split() == ["2", "uworld", "207311", "2026-11-02", "incorrect", "Loop", "of", "Henle"]
    assert out[start + 3].strip().startswith("subject Physiology; system Renal/Urinary; objective Thick")
    assert "amboss  kQ4x9e" in result.output and "Dimorphic fungi" in result.output
    assert "Ignored columns: Date reviewed, Time spent, Link" in result.output
    shown = out[out.index("Columns read:") : start + 9]
    assert all(len(line) <= 80 for line in shown), [line for line in shown if len(line) > 80]


def test_dry_run_preview_is_cut_to_80_columns_and_safe(srs, write_log):
    long_topic = "Syndrome of inappropriate antidiuretic hormone secretion after small cell carcinoma"
    content = (
        "Top\u200bic,QID,Date,Objective\n"
        f'"{long_topic}",1234567890123456,2026-11-01,"Low serum osmolality\rwith concentrated urine: '
        'restrict free water first, then consider hypertonic saline if symptomatic"\n'
    )
    result = srs("import", str(write_log("log.csv", content)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "\u200b" not in result.output and "\r" not in result.output
    lines = result.output.splitlines()
    assert "Topic → topic" in [" ".join(line.split()) for line in lines]
    shown = lines[lines.index("Columns read:") : lines.index("First 1 row as it would be stored:") + 4]
    assert all(len(line) <= 80 for line in shown), [line for line in shown if len(line) > 80]
    row = next(line for line in lines if "2026-11-01" in line)
    assert len(row) == 80 and row.endswith("Syndrome of inappropr…") and " 1234567890123456 " in row
    assert shown[-1].strip().startswith("objective Low serum osmolality with concentrated urine")
    assert "(today)" not in result.output


def test_dry_run_row_without_a_date_says_today(srs, write_log):
    result = srs("import", str(write_log("log.csv", "QID,Topic\n12,Gout\n")), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "First 1 row as it would be stored:" in result.output
    row = next(line for line in result.output.splitlines() if "Gout" in line)
    assert row.split() == ["2", "other", "12", "(today)", "incorrect", "Gout"]


def test_a_sheets_checkbox_column_is_the_result(srs, write_log, db_path):
    content = "Q#,Date,Topic / Concept,Got it right?\r\n88,2026-11-02,Wilson disease,FALSE\r\n88,2026-11-09,Wilson disease,TRUE\r\n"
    result = srs("import", str(write_log("checkbox.csv", content)), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["day"], r["topic"], r["result"]) for r in stored(db_path)] == [
        ("88", "2026-11-02", "Wilson disease", "incorrect"),
        ("88", "2026-11-09", "Wilson disease", "correct"),
    ]
    assert "2 rows read: 1 new card, 0 repeated misses, 1 correct attempt, 0 duplicates skipped" in result.output
    assert "Assumed:" not in result.output  # nothing was assumed


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("QID,Date,Topic,Answer", '--map "Answer=correct_answer" (or =my_answer), or --map "Answer=ignore"'),
        # beside the correct answer, a bare 'Answer' may be the student's own: asked, not taken
        ("QID,Date,Topic,Answer,Correct answer", 'with --map "Answer=my_answer", or --map "Answer=ignore"'),
    ],
)
def test_a_bare_answer_column_is_asked_about(srs, write_log, db_path, header, message):
    cells = ",".join(["1", "2026-11-20", "Gout"] + ["B"] * (header.count(",") - 2))
    path = write_log("m.csv", f"{header}\n{cells}\n")
    result = srs("import", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: column 'Answer': the name does not say for certain" in result.output
    assert message in result.output and not db_path.exists()


def test_a_bare_answer_column_beside_both_answers_is_ignored_and_said(srs, write_log, db_path):
    content = "QID,Date,Topic,Answer,Your answer,Correct answer\n1,2026-11-20,Gout,B,C,B\n"
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert "'Answer' ignored: it may hold the correct_answer or my_answer, but 'Correct answer' and 'Your answer'" in (
        result.output
    )
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT my_answer, correct_answer FROM questions").fetchall() == [("C", "B")]
    finally:
        conn.close()


def test_a_notion_date_range_is_read_as_its_start_and_said(srs, write_log, db_path):
    content = (
        "QID,Date,Topic\n"
        '1,"November 3, 2026 → November 5, 2026",Gout\n'
        '2,"November 4, 2026",ITP\n'
        '3,"November 6, 2026 → November 9, 2026",Lupus\n'
    )
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert [(r["qid"], r["day"]) for r in stored(db_path)] == [
        ("1", "2026-11-03"), ("2", "2026-11-04"), ("3", "2026-11-06")
    ]  # fmt: skip
    assert (
        "2 dates were ranges (a start and an end date); each was taken as its start, the day of the attempt, "
        "e.g. line 2 'November 3, 2026 → November 5, 2026' -> 2026-11-03"
    ) in result.output
