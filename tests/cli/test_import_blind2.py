"""A second blind pass over `srs import`: miss logs made the way a student's tools save them
(a Google Sheets template with a totals row, a log pasted twice, a UWorld table copied
into a sheet, emoji results), checked through what is stored."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest


def _stored(db: Path) -> list[tuple[str, str, str, str, str]]:
    """(source, qid, topic, day, result) of every Qbank attempt, in file order."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT q.source, q.qid, q.topic, substr(e.at, 1, 10), e.result FROM events e "
            "JOIN questions q ON q.id = e.question_id WHERE e.kind = 'qbank' ORDER BY e.id"
        ).fetchall()
    return [tuple(r) for r in rows]


# -- a log copied into the sheet twice: its header row is met again mid-file --------------


def test_a_header_row_repeated_mid_file_is_skipped_and_listed(srs, write_log, db_path):
    log = write_log(
        "pasted-twice.csv",
        "QID,Date,Topic,Result\n"
        "150101,2026-11-01,Asthma triggers,Incorrect\n"
        "150102,2026-11-01,COPD exacerbation,Correct\n"
        "QID,Date,Topic,Result\n"
        "150101,2026-11-01,Asthma triggers,Incorrect\n"
        "150103,2026-11-02,ARDS ventilation,Incorrect\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert "line 4" in result.output and "QID | Date | Topic | Result" in result.output
    assert "1 duplicate skipped" in result.output
    assert _stored(db_path) == [
        ("other", "150101", "Asthma triggers", "2026-11-01", "incorrect"),
        ("other", "150102", "COPD exacerbation", "2026-11-01", "correct"),
        ("other", "150103", "ARDS ventilation", "2026-11-02", "incorrect"),
    ]


def test_a_row_with_header_words_among_values_is_still_read(srs, write_log, db_path):
    """Only a row that is the header again is skipped: a topic named 'Topic' is a topic."""
    log = write_log("topic.csv", "QID,Date,Topic\n150201,2026-11-01,Topic\n")
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert _stored(db_path) == [("other", "150201", "Topic", "2026-11-01", "incorrect")]


# -- a Google Sheets template's totals row: 'Total missed' under the topic column -----------


def test_a_total_missed_row_of_a_template_is_skipped(srs, write_log, db_path):
    log = write_log(
        "template.csv",
        "Step 1 retake miss log,,,\n"
        "Date,QID,Topic,Missed?\n"
        "2026-11-03,401001,Digoxin toxicity,TRUE\n"
        "2026-11-03,401002,Statin myopathy,FALSE\n"
        ",,Total missed,1\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert "line 5 'Total missed | 1'" in result.output
    assert _stored(db_path) == [
        ("other", "401001", "Digoxin toxicity", "2026-11-03", "incorrect"),
        ("other", "401002", "Statin myopathy", "2026-11-03", "correct"),
    ]


def test_a_total_missed_row_in_a_workbook_is_skipped(srs, tmp_path, db_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "QID", "Topic", "Missed?"])
    sheet.append([dt.date(2026, 11, 3), 401001, "Digoxin toxicity", True])
    sheet.append([None, None, "Total wrong", 1])
    path = tmp_path / "template.xlsx"
    book.save(path)
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Total wrong" in result.output
    assert _stored(db_path) == [("other", "401001", "Digoxin toxicity", "2026-11-03", "incorrect")]


def test_a_topic_that_starts_with_total_and_lost_its_id_stays_an_error(srs, write_log, db_path):
    """'Total anomalous pulmonary venous return' is a topic: a row that lost its id, not a total."""
    log = write_log(
        "lost-id.csv",
        "Date,QID,Topic\n2026-11-03,401001,Digoxin toxicity\n,,Total anomalous pulmonary venous return\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code != 0
    assert "lost-id.csv:3" in result.output and "question id is empty" in result.output
    assert not db_path.exists()


# -- emoji results --------------------------------------------------------------------------


def test_a_skip_emoji_is_an_omitted_question(srs, write_log, db_path):
    log = write_log(
        "emoji.csv",
        "QID,Date,Topic,Result\n"
        "304001,2026-11-05,Wilson disease,❌\n"
        "304002,2026-11-05,Hemochromatosis,⏭️ omitted\n"
        "304003,2026-11-06,Gilbert syndrome,⏭️\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert [r[4] for r in _stored(db_path)] == ["incorrect", "omitted", "omitted"]


# -- a UWorld results table copied into a sheet, imported without --source -----------------


def test_uworld_id_cells_without_a_source_stop_and_name_the_source(srs, write_log, db_path):
    """'1 - 118170' and '7 - 118170' are one UWorld question at two row numbers; kept as
    written under 'other' they would be two (and a later import under uworld would not know
    them), so with no bank named the import stops and names --source."""
    log = write_log(
        "uworld-sheet.csv",
        "ID,Date,Topic,Result\n1 - 118170,2026-11-20,Loop diuretics,Incorrect\n7 - 118170,2026-11-25,Loop diuretics,Correct\n",
    )
    dry = srs("--db", str(db_path), "import", str(log), "--dry-run")
    assert dry.exit_code == 1
    assert (
        f"{log}:2: column 'ID': '1 - 118170' has the form of a uworld results table's id cell (a row number, "
        "then the question id); name the bank with --source uworld (it reads this as 118170), or --source other "
        "to keep the ids as written"
    ) in dry.output
    assert not db_path.exists()

    kept = srs("--db", str(db_path), "import", str(log), "--source", "other", "--dry-run")
    assert kept.exit_code == 0, kept.output
    assert "--source uworld reads '1 - 118170' as 118170" in kept.output

    fixed = srs("--db", str(db_path), "import", str(log), "--source", "uworld")
    assert fixed.exit_code == 0, fixed.output
    assert "--source uworld" not in fixed.output
    assert _stored(db_path) == [
        ("uworld", "118170", "Loop diuretics", "2026-11-20", "incorrect"),
        ("uworld", "118170", "Loop diuretics", "2026-11-25", "correct"),
    ]


# -- an NBME form log whose question column is named 'Question' ------------------------------


def test_an_nbme_log_with_a_question_column_asks_for_map_not_called_a_score_report(srs, write_log, db_path):
    """'NBME 29' in the Exam column is the form of each question, not a score report: the
    uncertain 'Question' column is what the import asks about."""
    log = write_log(
        "nbme29.csv",
        "Exam,Section,Question,Topic,Result,Date\n"
        "NBME 29,Block 1,Q17,Tetralogy of Fallot,Incorrect,2026-11-15\n"
        "NBME 29,Block 2,Q17,Cystic fibrosis,Incorrect,2026-11-15\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code != 0
    assert "score report" not in result.output
    assert "nbme29.csv:1" in result.output and '--map "Question=qid"' in result.output
    assert not db_path.exists()

    mapped = srs("--db", str(db_path), "import", str(log), "--map", "Question=qid")
    assert mapped.exit_code == 0, mapped.output
    assert _stored(db_path) == [
        ("nbme", "F29/B1/Q17", "Tetralogy of Fallot", "2026-11-15", "incorrect"),
        ("nbme", "F29/B2/Q17", "Cystic fibrosis", "2026-11-15", "incorrect"),
    ]


# -- a numbered bank's id typed with a leading zero ----------------------------------------


def test_a_leading_zero_on_a_uworld_id_is_the_same_question(srs, write_log, db_path):
    """UWorld numbers its questions: '0118154' (typed into a text-formatted cell) is 118154,
    so its later correct attempt is a recall of the same card, not a second question."""
    log = write_log(
        "zeros.csv",
        "Qbank,QID,Date,Topic,Result\nUWorld,0118154,2026-11-01,Asthma triggers,Incorrect\n"
        "UWorld,118154,2026-11-05,Asthma triggers,Correct\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert "1 new card" in result.output and "1 correct attempt" in result.output
    assert _stored(db_path) == [
        ("uworld", "118154", "Asthma triggers", "2026-11-01", "incorrect"),
        ("uworld", "118154", "Asthma triggers", "2026-11-05", "correct"),
    ]


def test_a_leading_zero_is_kept_for_a_bank_srs_does_not_know(srs, write_log, db_path):
    log = write_log("zeros.csv", "Qbank,QID,Date,Topic\nMy school bank,0042,2026-11-01,Asthma triggers\n")
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code == 0, result.output
    assert _stored(db_path) == [("my-school-bank", "0042", "Asthma triggers", "2026-11-01", "incorrect")]


# -- a Markdown table from an Obsidian note --------------------------------------------------


def test_an_obsidian_markdown_table_is_read_cell_by_cell(srs, write_log, db_path):
    """Two weeks' tables in one note: the heading between them and the second header and rule
    are passed over (and said); '\\|' inside a cell is a '|'; an empty result cell is a miss."""
    note = write_log(
        "Step 1 misses.md",
        "# Misses\n\n## Week 45\n\n"
        "| Date | QID | Topic | Result |\n"
        "|------|-----|:------|:------:|\n"
        "| 2026-11-02 | 901001 | Nephritic \\| nephrotic | ❌ |\n"
        "| 2026-11-02 | 901002 | RTA type 4 | ✅ |\n"
        "\n## Week 46\n\n"
        "| Date | QID | Topic | Result |\n"
        "| --- | --- | --- | --- |\n"
        "| 2026-11-09 | 901003 | Liddle syndrome |  |\n",
    )
    result = srs("--db", str(db_path), "import", str(note))
    assert result.exit_code == 0, result.output
    assert "3 rows read: 2 new cards" in result.output
    assert "header found on row 5" in result.output
    assert "1 line outside the Markdown table ignored (line 10)" in result.output
    assert "line 12 'Date | QID | Topic | Result'" in result.output
    assert _stored(db_path) == [
        ("other", "901001", "Nephritic | nephrotic", "2026-11-02", "incorrect"),
        ("other", "901002", "RTA type 4", "2026-11-02", "correct"),
        ("other", "901003", "Liddle syndrome", "2026-11-09", "incorrect"),
    ]


def test_a_markdown_table_in_a_txt_file_without_a_question_column_names_its_columns(srs, write_log, db_path):
    note = write_log("misses.txt", "| Date | Topic |\n| --- | --- |\n| 2026-11-02 | RTA type 4 |\n")
    result = srs("--db", str(db_path), "import", str(note))
    assert result.exit_code != 0
    assert "no question-id column (found: Date, Topic)" in result.output
    assert not db_path.exists()


# -- two columns with one name ------------------------------------------------------------


def test_two_columns_named_alike_are_not_told_to_map_the_name_that_drops_both(srs, write_log, db_path):
    """--map "Topic=ignore" would ignore both 'Topic' columns and store no topic at all:
    the error asks to rename one instead."""
    log = write_log("two-topics.csv", "QID,Topic,Date,Topic,Result\n9201,Asthma,2026-11-01,Asthma triggers,Incorrect\n")
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code != 0
    assert "two-topics.csv:1" in result.output
    assert "columns 2 and 4 are both named 'Topic'" in result.output
    assert "rename one" in result.output
    assert '--map "Topic=ignore"' not in result.output
    assert not db_path.exists()


# -- two UWorld tests pasted into one file, one below the other ---------------------------

_UW_HEADER = "\tID\tSUBJECTS\tSYSTEMS\tCATEGORIES\tTOPICS\t% CORRECT OTHERS\tTIME SPENT\n"


def test_two_uworld_tables_pasted_one_after_another_are_both_read(srs, write_log, db_path):
    paste = write_log(
        "two-tests.txt",
        "Test Id: 41000001\n"
        + _UW_HEADER
        + "✗\t1 - 118201\tPharmacology\tRenal & Urinary\tDiuretics\tThiazide hypercalcemia\t54%\t72 sec\n"
        + "✓\t2 - 118202\tPathology\tRenal & Urinary\tGlomerular\tFSGS in HIV\t60%\t30 sec\n"
        + "\nTest Id: 41000002\n"
        + _UW_HEADER
        + "✗\t1 - 118301\tMicrobiology\tGastrointestinal\tBacteria\tC difficile toxins\t44%\t65 sec\n",
    )
    result = srs("--db", str(db_path), "import", str(paste), "--source", "uworld", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert "3 rows read: 2 new cards, 0 repeated misses, 1 correct attempt" in result.output
    assert "header comes again on line 7" in result.output
    assert "the 1 line between the tables ignored" in result.output
    assert _stored(db_path) == [
        ("uworld", "118201", "Thiazide hypercalcemia", "2026-11-20", "incorrect"),
        ("uworld", "118202", "FSGS in HIV", "2026-11-20", "correct"),
        ("uworld", "118301", "C difficile toxins", "2026-11-20", "incorrect"),
    ]


def test_a_second_uworld_header_with_its_columns_elsewhere_is_not_read_as_the_first(srs, write_log, db_path):
    """Cells are never read into the wrong columns: a second table whose TOPICS column is
    where the first had SUBJECTS still stops, naming the line."""
    paste = write_log(
        "two-shapes.txt",
        _UW_HEADER
        + "✗\t1 - 118201\tPharmacology\tRenal & Urinary\tDiuretics\tThiazide hypercalcemia\t54%\t72 sec\n"
        + "\tID\tTOPICS\tSYSTEMS\tCATEGORIES\tSUBJECTS\t% CORRECT OTHERS\tTIME SPENT\n"
        + "✗\t1 - 118301\tC difficile toxins\tGastrointestinal\tBacteria\tMicrobiology\t44%\t65 sec\n",
    )
    result = srs("--db", str(db_path), "import", str(paste), "--source", "uworld", "--date", "2026-11-20")
    assert result.exit_code != 0
    assert "two-shapes.txt:4" in result.output
    assert not db_path.exists()


def test_a_pasted_tables_categories_column_is_said_to_be_kept_not_ignored(srs, write_log, db_path):
    """CATEGORIES is stored as each question's category: the import must not list it among
    the ignored columns (it did: the paste's header was judged by the CSV column names)."""
    paste = write_log(
        "test.txt",
        _UW_HEADER
        + "✗\t1 - 118154\tPharmacology\tCardiovascular System\tAntiarrhythmics\tClass III drugs\t54%\t72 sec\n",
    )
    result = srs("--db", str(db_path), "import", str(paste), "--source", "uworld", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert "Ignored columns: % CORRECT OTHERS, TIME SPENT" in result.output
    assert "CATEGORIES" not in result.output
    with sqlite3.connect(db_path) as con:
        assert con.execute("SELECT qid, category, topic FROM questions").fetchall() == [
            ("118154", "Antiarrhythmics", "Class III drugs")
        ]
    dry = srs("--db", str(db_path), "import", str(paste), "--source", "uworld", "--date", "2026-11-20", "--dry-run")
    assert "CATEGORIES" in dry.output and "→ category" in dry.output


# -- a template whose checkbox column runs down the whole sheet ---------------------------


def test_unused_template_rows_with_only_unticked_checkboxes_are_skipped_and_counted(srs, tmp_path, db_path):
    """Google Sheets exports an unticked checkbox as FALSE on every unused row of a template:
    those rows hold no question, so they are not 500 'question id is empty' errors."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "QID", "Topic", "Correct?", "Flagged"])
    sheet.append([dt.date(2026, 11, 3), 204511, "Beta blocker overdose", False, False])
    sheet.append([dt.date(2026, 11, 3), 204512, "Minimal change disease", True, False])
    for _ in range(500):
        sheet.append([None, None, None, False, False])
    path = tmp_path / "Miss log template.xlsx"
    book.save(path)
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert "2 rows read: 1 new card, 0 repeated misses, 1 correct attempt" in result.output
    assert "500 rows holding nothing but unticked checkboxes (FALSE) were skipped" in result.output
    assert "lines 4, 5, 6 and more" in result.output
    assert _stored(db_path) == [
        ("other", "204511", "Beta blocker overdose", "2026-11-03", "incorrect"),
        ("other", "204512", "Minimal change disease", "2026-11-03", "correct"),
    ]


def test_a_ticked_checkbox_on_a_row_without_a_question_stays_an_error(srs, write_log, db_path):
    log = write_log(
        "ticked.csv", "Date,QID,Topic,Missed?\n2026-11-03,204511,Beta blocker overdose,TRUE\n,,,FALSE\n,,,TRUE\n"
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code != 0
    assert "ticked.csv:4: column 'QID': the question id is empty" in result.output
    assert "ticked.csv:3" not in result.output
    assert not db_path.exists()


# -- ids of a bank that numbers its questions, with something else in the cell ----------------


def test_a_uworld_id_cell_holding_more_than_a_number_is_an_error_not_a_new_question(srs, write_log, db_path):
    """'118156, 118157' stored as one id merged two questions into one card; '118154*' and
    '118160 ✓' were each a question apart from 118154 and 118160 (and the ✓ was lost)."""
    log = write_log(
        "odd-ids.csv",
        "QID,Date,Topic,Result\n"
        "118153,2026-11-01,Digoxin toxicity,Incorrect\n"
        "118154*,2026-11-01,Warfarin reversal,Incorrect\n"
        '"118156, 118157",2026-11-01,Statin myopathy,Incorrect\n'
        "118160 ✓,2026-11-01,Heparin HIT,Incorrect\n",
    )
    result = srs("--db", str(db_path), "import", str(log), "--source", "uworld")
    assert result.exit_code != 0
    out = result.output
    assert "odd-ids.csv:3: column 'QID': '118154*' is not a uworld question id" in out
    assert "odd-ids.csv:4: column 'QID': '118156, 118157' is not a uworld question id" in out
    assert "odd-ids.csv:5: column 'QID': '118160 ✓' is not a uworld question id" in out
    assert "odd-ids.csv:2" not in out
    assert not db_path.exists()


def test_ids_of_an_unknown_bank_are_still_kept_as_written(srs, write_log, db_path):
    log = write_log("mine.csv", "QID,Date,Topic\nCH3-17b,2026-11-01,Digoxin toxicity\n")
    result = srs("--db", str(db_path), "import", str(log), "--source", "my notes")
    assert result.exit_code == 0, result.output
    assert _stored(db_path) == [("my-notes", "CH3-17b", "Digoxin toxicity", "2026-11-01", "incorrect")]


# -- a workbook whose first sheet is a summary with a QID column --------------------------


def test_several_sheets_with_questions_stop_and_name_the_sheet_flag(srs, tmp_path, db_path):
    """A 'Dashboard' first with a QID column read as a log (its rows dated today), and the
    'Log' sheet after it passed over: which sheet is the log is not srs's to guess."""
    book = openpyxl.Workbook()
    board = book.active
    board.title = "Dashboard"
    board.append(["Subject", "QID", "Misses"])
    board.append(["Pharmacology", 12, 5])
    log = book.create_sheet("Log")
    log.append(["Date", "QID", "Topic", "Result"])
    log.append([dt.date(2026, 11, 3), 118154, "Digoxin toxicity", "Incorrect"])
    path = tmp_path / "Step 1 tracker.xlsx"
    book.save(path)
    dry = srs("--db", str(db_path), "import", str(path), "--dry-run")
    assert dry.exit_code == 1
    assert dry.output.strip() == (
        f"Error: {path}: sheets 'Dashboard', 'Log' each have a question-id column; say which to read with "
        '--sheet NAME (e.g. --sheet "Log"), and import each log sheet so'
    )
    assert not db_path.exists()
    result = srs("--db", str(db_path), "import", str(path), "--sheet", "Log")
    assert result.exit_code == 0, result.output
    assert "question-id column too" not in result.output
    assert _stored(db_path) == [("other", "118154", "Digoxin toxicity", "2026-11-03", "incorrect")]


# -- a form named twice, differently ------------------------------------------------------


def test_a_source_naming_one_nbme_form_and_a_form_column_naming_another_is_an_error(srs, write_log, db_path):
    """'NBME 30' in the Source column and 31 in the Form column: which form the question is
    from decides which question it is, so the import does not pick one."""
    log = write_log(
        "forms.csv",
        "Source,Form,Block,Q#,Topic,Date\n"
        "NBME 30,30,1,17,Tetralogy of Fallot,2026-11-15\n"
        "NBME 30,31,1,17,Cystic fibrosis,2026-11-15\n",
    )
    result = srs("--db", str(db_path), "import", str(log))
    assert result.exit_code != 0
    assert "forms.csv:3: column 'Form': 'NBME 30' names form 30 but this row's form is '31'" in result.output
    assert "forms.csv:2" not in result.output
    assert not db_path.exists()


# -- a log with nothing under its header ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("QID,Date,Topic,Result\n", "no rows under the header (line 1): nothing to import (is it the right file?)"),
        ("QID,Date,Topic,Result\n,,,\n\n", "no rows under the header (line 1): nothing to import"),
        (
            "QID,Date,Topic,Result\nTOTAL,,,\n",
            "no question rows under the header (line 1), only 1 row that is not a question: nothing to import",
        ),
    ],
)
def test_a_log_with_no_rows_is_an_error_and_makes_no_database(srs, write_log, db_path, content, said):
    """It printed '0 rows read' and made an empty database, as if all was well."""
    log = write_log("empty-template.csv", content)
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"Error: {log}: ") and said in result.output
    assert not db_path.exists()


def test_an_empty_sheet_names_the_sheet_flag(srs, tmp_path, db_path):
    book = openpyxl.Workbook()
    book.active.append(["QID", "Date", "Topic", "Result"])
    path = tmp_path / "log.xlsx"
    book.save(path)
    result = srs("import", str(path))
    assert result.exit_code == 1
    assert "no rows under the header (line 1): nothing to import (is it the right sheet (--sheet NAME)?)" in (
        result.output
    )
    assert not db_path.exists()


def test_unused_numbered_template_rows_are_skipped_too(srs, write_log, db_path):
    """A template numbered down the sheet ('#' 1..N, a column srs does not read) beside its
    unticked checkboxes: each unused row was a 'question id is empty' error."""
    rows = ["#,QID,Date,Topic,Correct?", "1,204511,2026-11-03,Beta blocker overdose,FALSE"]
    rows += [f"{n},,,,FALSE" for n in range(2, 40)]
    result = srs("--db", str(db_path), "import", str(write_log("numbered.csv", "\n".join(rows) + "\n")))
    assert result.exit_code == 0, result.output
    assert "38 rows holding nothing but unticked checkboxes (FALSE) were skipped" in result.output
    assert _stored(db_path) == [("other", "204511", "Beta blocker overdose", "2026-11-03", "incorrect")]
    # a number in a column srs reads is no row number: a row with only a topic of digits stays an error
    bad = srs("--db", str(db_path), "import", str(write_log("t.csv", "QID,Date,Topic,Correct?\n,,12,FALSE\n")))
    assert bad.exit_code == 1 and "the question id is empty" in bad.output
