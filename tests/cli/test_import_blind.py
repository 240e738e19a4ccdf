"""Issue 15, blind: files written the way students' tools write them, by someone who had not
seen the other fixtures, run through `srs import`. Each test pins a defect found that way
(fixed in srs/ingest) by the rows it stores, or by the one line it refuses with. Ids and
topics are invented for these tests."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "misslogs" / "blind"


def stored(db: Path) -> list[tuple[str, str, str, str, str, str]]:
    """(qid, study date, result, topic, system, category) of every imported attempt."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        sql = (
            "SELECT q.qid, substr(e.at, 1, 10), e.result, q.topic, q.system, q.category FROM events e "
            "JOIN questions q ON q.id = e.question_id WHERE e.kind = 'qbank' ORDER BY q.qid, e.at"
        )
        return conn.execute(sql).fetchall()


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_an_unclosed_quote_is_an_error_naming_its_row_not_one_cell_holding_the_rest_of_the_file(srs, db_path):
    # A hand-edited CSV with one stray quote: Python's csv would read every later row into
    # that topic cell and import one row, its topic 'Warfarin reversal,incorrect\n41002,...'.
    path = FIXTURES / "unclosed_quote.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert stored(db_path) == []
    assert not db_path.exists()
    lines = error_lines(result.output)
    assert len(lines) == 1
    assert lines[0].startswith(f'Error: {path}:2: column 3: a quote (") opened on this row is never closed')


def test_an_unclosed_quote_on_the_last_line_is_an_error_too(srs, db_path, write_log):
    path = write_log(
        "last.csv", 'QID,Date,Topic,Result\n43001,2026-11-01,Gout,incorrect\n43002,2026-11-01,"Pseudogout,correct\n'
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:3: column 3: a quote" in result.output
    assert stored(db_path) == []


def test_a_closed_quoted_cell_over_several_lines_still_reads(srs, db_path, write_log):
    path = write_log(
        "multi.csv",
        'QID,Date,Topic,Result,Notes\n44001,2026-11-01,Gout,incorrect,"urate crystals,\nnegatively birefringent"\n'
        '44002,2026-11-02,Pseudogout,correct,"rhomboid"\n',
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in stored(db_path)] == [
        ("44001", "2026-11-01", "incorrect", "Gout"),
        ("44002", "2026-11-02", "correct", "Pseudogout"),
    ]


def test_a_space_aligned_paste_with_two_cells_one_space_apart_is_cut_under_the_header(srs, db_path):
    # 'Renal & Urinary Systems Glomerular diseases': the system filled its column, so only one
    # space stands before the category. Split by runs of spaces, that row had 6 cells for 7
    # columns and stored its system as both, its topic as '70%' and its category as the topic.
    path = FIXTURES / "paste_spaces_squeezed.txt"
    result = srs("--db", str(db_path), "import", "-", "--source", "uworld", "--date", "2026-11-20",
                 input=path.read_bytes())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("118301", "2026-11-20", "incorrect", "Digoxin toxicity", "Cardiovascular", "Heart failure"),
        ("118302", "2026-11-20", "correct", "Post-strep GN", "Renal/Urinary", "Glomerular diseases"),
        ("118303", "2026-11-20", "incorrect", "Compliance", "Respiratory", "Lung mechanics"),
    ]


def test_a_space_split_paste_row_that_does_not_line_up_is_an_error_not_shifted_cells(srs, db_path):
    paste = (
        "ID  SUBJECTS  SYSTEMS  CATEGORIES  TOPICS  % CORRECT OTHERS  TIME SPENT\n"
        "1 - 118601  Pharmacology  Renal & Urinary Systems Diuretics  Loop diuretics  55%  37 sec\n"
    )
    result = srs("--db", str(db_path), "import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste)
    assert result.exit_code == 1
    lines = error_lines(result.output)
    assert len(lines) == 1
    assert lines[0].startswith("Error: <stdin>:2: this row has 6 cells but the table has 7 columns")
    assert "split by tabs" in lines[0]
    assert stored(db_path) == []


def test_uworlds_plural_system_name_is_the_usmle_system(srs, db_path):
    # UWorld writes 'Renal & Urinary Systems'; it was kept as written, a group of its own.
    path = FIXTURES / "paste_tabs_plural_systems.txt"
    result = srs("--db", str(db_path), "import", "-", "--source", "uworld", "--date", "2026-11-20",
                 input=path.read_bytes())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "kept as written" not in result.output
    assert stored(db_path) == [
        ("118154", "2026-11-20", "correct", "Amiodarone adverse effects", "Cardiovascular", "Antiarrhythmics"),
        ("118160", "2026-11-20", "incorrect", "Membranous nephropathy", "Renal/Urinary", "Glomerular diseases"),
        ("118171", "2026-11-20", "incorrect", "Legionella", "Respiratory", "Bacterial infections"),
    ]


def test_one_invalid_row_is_told_in_the_singular(srs, db_path):
    path = FIXTURES / "one_bad_date.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:3: column 'Date': '2026-13-03' is not a date" in result.output
    assert "1 invalid row; nothing was imported (fix it, or use --skip-invalid" in result.output
    assert stored(db_path) == []


def test_one_row_whose_bank_comes_from_its_link_is_told_in_the_singular(srs, db_path, write_log):
    path = write_log(
        "links.csv",
        "Link,Date,Topic,Result\n"
        "https://apps.uworld.com/courseapp/usmle/v12/testinterface/launchtest?qid=118801,2026-11-01,Marfan,incorrect\n"
        "https://next.amboss.com/us/questions/q/Xy7Kq2,2026-11-02,Ehlers-Danlos,incorrect\n",
    )
    result = srs("--db", str(db_path), "import", str(path), "--map", "Link=qid")
    assert result.exit_code == 0, result.output
    assert "1 row read as source 'uworld', as its question link names it" in result.output
    assert "their" not in result.output
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        rows = conn.execute("SELECT source, qid, topic FROM questions ORDER BY qid").fetchall()
    assert rows == [("uworld", "118801", "Marfan"), ("amboss", "Xy7Kq2", "Ehlers-Danlos")]


def test_an_empty_result_cell_taken_as_a_miss_is_said(srs, db_path):
    # A Google Sheet's checkbox column with one cell left empty (not FALSE): stored as a miss,
    # as the README says, but it was not said: a gap filled silently.
    path = FIXTURES / "gsheet_checkbox_blank.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in stored(db_path)] == [
        ("9301", "2026-11-01", "correct", "Hemochromatosis"),
        ("9302", "2026-11-01", "incorrect", "Wilson disease"),
        ("9303", "2026-11-01", "incorrect", "A1AT"),
    ]
    assert "1 row with an empty 'Correct' cell was taken as a miss (incorrect), line 3" in result.output


def test_several_empty_result_cells_are_counted_in_the_plural(srs, db_path, write_log):
    path = write_log(
        "blanks.csv",
        "QID,Date,Topic,Result\n9311,2026-11-01,Gaucher,\n9312,2026-11-01,Niemann-Pick,correct\n"
        "9313,2026-11-02,Tay-Sachs,\n",
    )
    result = srs("--db", str(db_path), "import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 rows with an empty 'Result' cell were taken as misses (incorrect), the first on line 2" in result.output
    assert not db_path.exists()


def test_a_minified_json_export_on_one_line_is_json_not_one_jsonl_record(srs, db_path):
    # `{"exported": ..., "attempts": [...]}` written on one line, as most apps export JSON: it was
    # read as JSONL (one record with keys 'exported' and 'attempts') and refused with
    # "no question-id column (found: nothing)".
    path = FIXTURES / "minified_export.json"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in stored(db_path)] == [
        ("118500", "2026-11-20", "incorrect", "Aortic stenosis"),
        ("118501", "2026-11-21", "correct", "Mitral stenosis"),
    ]


def test_a_jsonl_log_whose_rows_hold_a_list_of_words_is_still_jsonl(srs, db_path, write_log):
    path = write_log(
        "log.jsonl",
        '{"qid": "8401", "date": "2026-11-01", "topic": "Hemophilia A", "tags": ["heme", "genetics"]}\n'
        '{"qid": "8402", "date": "2026-11-02", "topic": "vWD", "result": "correct"}\n',
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:4] for r in stored(db_path)] == [
        ("8401", "2026-11-01", "incorrect", "Hemophilia A"),
        ("8402", "2026-11-02", "correct", "vWD"),
    ]


def test_a_json_object_with_two_lists_names_them(srs, db_path, write_log):
    path = write_log("two.json", '{"meta": [{"k": 1}], "attempts": [{"qid": "1", "date": "2026-11-01"}]}')
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"Error: {path}:1: expected one list of objects, one per attempt, but the object holds 2 lists "
        "('meta', 'attempts'); save the list of attempts alone"
    ]
    assert not db_path.exists()


def test_a_pasted_uworld_table_with_singular_column_names_is_a_paste(srs, db_path):
    # SUBJECT / SYSTEM / CATEGORY / TOPIC: read as a TSV, its ids were stored as '1 - 118901'
    # (a new card per test the question came in) and CATEGORY was dropped.
    path = FIXTURES / "paste_singular_header.txt"
    result = srs("--db", str(db_path), "import", "-", "--source", "uworld", "--date", "2026-11-20",
                 input=path.read_bytes())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("118901", "2026-11-20", "incorrect", "IgA nephropathy", "Renal/Urinary", "Glomerular"),
        ("118902", "2026-11-20", "incorrect", "Statins", "Cardiovascular", "Lipids"),
    ]
    assert "all 2 rows are taken as misses" in result.output


def test_uworld_id_cells_copied_into_a_sheet_give_the_qid(srs, db_path):
    # The results table pasted into Google Sheets and downloaded as CSV: 'ID' holds '1 - 118154'.
    path = FIXTURES / "uworld_table_in_a_sheet.csv"
    result = srs("--db", str(db_path), "import", str(path), "--source", "uworld", "--monthfirst")
    assert result.exit_code == 0, result.output
    assert [r[:5] for r in stored(db_path)] == [
        ("118154", "2026-11-20", "incorrect", "Amiodarone", "Cardiovascular"),
        ("118160", "2026-11-20", "incorrect", "Membranous nephropathy", "Renal/Urinary"),
    ]


def test_one_question_with_two_results_on_one_day_keeps_the_first_and_says_so(srs, db_path):
    # A question redone the same day with another result: one attempt (the rule), but the other
    # row's result was dropped without a word, only counted among the "duplicates".
    path = FIXTURES / "same_day_two_results.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert [r[:3] for r in stored(db_path)] == [
        ("60002", "2026-11-06", "incorrect"),
        ("60003", "2026-11-06", "correct"),
    ]
    assert (
        "question other 60002 has two results for 2026-11-06 in this file (incorrect on line 2, correct on line 3); "
        "one question on one day is one attempt, so the first was kept" in result.output
    )
    assert (
        "question other 60003 has two results for 2026-11-06 in this file (correct on line 4, incorrect on line 5)"
        in result.output
    )


def test_the_same_row_twice_is_a_plain_duplicate_not_two_results(srs, db_path, write_log):
    path = write_log(
        "dup.csv", "QID,Date,Topic,Result\n60001,2026-11-06,Kawasaki,incorrect\n60001,2026-11-06,Kawasaki,incorrect\n"
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert "1 duplicate skipped" in result.output
    assert "two results" not in result.output
    assert [r[:3] for r in stored(db_path)] == [("60001", "2026-11-06", "incorrect")]


def test_two_results_for_one_day_across_chunks_are_said_too(srs, db_path, write_log):
    from srs.ingest import importer

    rows = [f"{70000 + i},2026-11-06,Topic {i},incorrect" for i in range(importer.CHUNK + 5)]
    rows.append("70001,2026-11-06,Topic 1,correct")
    path = write_log("big.csv", "QID,Date,Topic,Result\n" + "\n".join(rows) + "\n")
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "question other 70001 has two results for 2026-11-06 in this file (incorrect on an earlier line, correct on line"
        in result.output
    )


def test_a_later_export_that_changes_a_stored_days_result_says_the_stored_one_was_kept(srs, db_path, write_log):
    # The student corrected a result in the sheet and downloaded it again: the new result was
    # dropped as a duplicate without a word.
    first = write_log("week1.csv", "QID,Date,Topic,Result\n61001,2026-11-06,HSP,incorrect\n")
    assert srs("--db", str(db_path), "import", str(first)).exit_code == 0
    again = write_log(
        "week1-fixed.csv", "QID,Date,Topic,Result\n61001,2026-11-06,HSP,correct\n61002,2026-11-07,ITP,incorrect\n"
    )
    result = srs("--db", str(db_path), "import", str(again))
    assert result.exit_code == 0, result.output
    assert (
        "question other 61001 is stored already as incorrect for 2026-11-06; line 2 says correct: one question "
        "on one day is one attempt, so the stored result was kept" in result.output
    )
    assert [r[:3] for r in stored(db_path)] == [
        ("61001", "2026-11-06", "incorrect"),
        ("61002", "2026-11-07", "incorrect"),
    ]
    assert "two results" not in result.output


def test_importing_the_same_file_again_updates_no_cards_text(srs, db_path):
    # Two rows of one question on one day with other subjects: the second import said "2 cards'
    # text updated" (there is one card, and nothing changed): each row's swap was counted.
    path = FIXTURES / "same_day_two_subjects.csv"
    assert srs("--db", str(db_path), "import", str(path)).exit_code == 0
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        before = conn.execute("SELECT * FROM questions").fetchall()
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "2 rows read: 0 new cards, 0 repeated misses, 0 correct attempts, 2 duplicates skipped"
    )
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT * FROM questions").fetchall() == before
        assert conn.execute("SELECT subject FROM questions").fetchall() == [("Physiology",)]


def test_a_later_file_that_changes_one_cards_text_in_two_rows_counts_one_card(srs, db_path, write_log):
    first = write_log("a.csv", "QID,Date,Subject,Topic,Result\n62101,2026-11-06,Pharmacology,Beta blockers,incorrect\n")
    assert srs("--db", str(db_path), "import", str(first)).exit_code == 0
    later = write_log(
        "b.csv",
        "QID,Date,Subject,Topic,Result\n62101,2026-11-08,Physiology,Beta blockers,incorrect\n"
        "62101,2026-11-09,Physiology,Beta-1 blockers,incorrect\n",
    )
    result = srs("--db", str(db_path), "import", str(later))
    assert result.exit_code == 0, result.output
    assert "1 card's text updated" in result.output
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT subject, topic FROM questions").fetchall() == [("Physiology", "Beta-1 blockers")]


def full_rows(db: Path) -> list[tuple[str, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        sql = (
            "SELECT q.qid, substr(e.at, 1, 10), e.result, q.topic, q.subject, q.subject_text, q.system "
            "FROM events e JOIN questions q ON q.id = e.question_id ORDER BY q.qid, e.at"
        )
        return conn.execute(sql).fetchall()


def test_a_german_excel_csv_reads_its_own_column_names(srs, db_path):
    # Semicolons, cp1252, dd.mm.yyyy, a '% richtig' column with decimal commas, and German
    # headers: 'Frage-ID' was no question id; with it mapped, 'Thema', 'Fach' and 'Ergebnis'
    # were ignored, so the 'richtig' row was stored as a miss and every card had no topic.
    path = FIXTURES / "excel_de_cp1252.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert full_rows(db_path) == [
        ("204511", "2026-11-03", "incorrect", "Digoxin-Toxizität", "Pharmacology", "Pharmakologie", "Herz-Kreislauf"),
        ("204511", "2026-11-20", "incorrect", "Digoxin-Toxizität", "Pharmacology", "Pharmakologie", "Herz-Kreislauf"),
        ("204512", "2026-11-03", "correct", "Nephrotisches Syndrom", "Pathology", "Pathologie", "Niere"),
        ("204530", "2026-11-14", "incorrect", "Légionellose", "Microbiology", "Mikrobiologie", "Atmung"),
    ]
    assert "Ignored columns: % richtig" in result.output
    assert "Systems kept as written (not USMLE names): Atmung, Herz-Kreislauf, Niere" in result.output


def test_a_french_excel_csv_with_accented_column_names(srs, db_path):
    path = FIXTURES / "excel_fr_bom.csv"
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1  # every date could be either order: asked, not guessed
    assert "--dayfirst or --monthfirst" in result.output
    result = srs("--db", str(db_path), "import", str(path), "--dayfirst")
    assert result.exit_code == 0, result.output
    assert full_rows(db_path) == [
        ("31001", "2026-11-02", "incorrect", "Amiodarone – effets indésirables", "Pharmacology", "Pharmacologie",
         "Cardiovasculaire"),
        ("31002", "2026-11-05", "correct", "Anse de Henlé", "Physiology", "Physiologie", "Rénal"),
        ("31003", "2026-11-09", "incorrect", "Vitamine B12", "Biochemistry & Nutrition", "Biochimie", "Général"),
    ]  # fmt: skip
    assert "Ignored columns: % de réussite" in result.output


def test_a_german_frage_column_is_not_taken_for_the_question_id(srs, db_path, write_log):
    path = write_log("frage.csv", "Frage;Datum;Thema;Ergebnis\n12345;03.11.2026;Gicht;falsch\n")
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert '--map "Frage=qid"' in result.output
    assert not db_path.exists()


def test_spreadsheet_forms_of_an_id_of_an_unknown_bank_are_kept_and_said(srs, db_path, write_log):
    # No source column and no --source: '1.2345E+04' and '12,345' are kept as written (the bank
    # may not number its questions), but that was not said: one question split in three.
    path = write_log(
        "nosource.csv",
        "QID,Date,Topic,Result\n#1234,2026-11-10,Vitamin A,incorrect\nQID 1234,2026-11-12,Vitamin A,incorrect\n"
        '1.2345E+04,2026-11-12,Zinc,incorrect\n12345.0,2026-11-14,Zinc,correct\n"12,345",2026-11-15,Zinc,correct\n',
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "2 rows of a bank srs does not know have ids a spreadsheet made of a number (line 4: '1.2345E+04'), "
        "kept as written; if the bank numbers its questions, --source names it (e.g. --source uworld)"
    ) in result.output
    db2 = db_path.with_name("uw.db")
    result = srs("--db", str(db2), "import", str(path), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert "spreadsheet made of a number" not in result.output
    assert [r[:3] for r in stored(db2)] == [
        ("1234", "2026-11-10", "incorrect"),
        ("1234", "2026-11-12", "incorrect"),
        ("12345", "2026-11-12", "incorrect"),
        ("12345", "2026-11-14", "correct"),
        ("12345", "2026-11-15", "correct"),
    ]


def test_an_id_the_spreadsheet_rounded_for_display_is_an_error_not_another_question(srs, db_path, write_log):
    # A narrow column shows 118154 as 1.2E+05 and saves it so: it was stored as question 120000.
    path = write_log(
        "rounded.csv",
        "Qbank,QID,Date,Topic,Result\nUW,1.2E+05,2026-11-10,Vitamin A,incorrect\n"
        "UW,1.18154E+05,2026-11-12,Vitamin A,incorrect\nAMBOSS,1E5,2026-11-12,Zinc,incorrect\n",
    )
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert (
        f"{path}:2: column 'QID': '1.2E+05' is a number the spreadsheet rounded for display, so the question id is lost"
        in result.output
    )
    assert "1 invalid row;" in result.output  # 1.18154E+05 has every digit; the AMBOSS id is taken as written
    assert not db_path.exists()
    result = srs("--db", str(db_path), "import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        assert conn.execute("SELECT source, qid FROM questions ORDER BY source").fetchall() == [
            ("amboss", "1E5"),
            ("uworld", "118154"),
        ]


def test_no_question_id_column_says_what_to_rename_in_plain_words(srs, db_path, write_log):
    path = write_log("nums.csv", "Number,Date,Topic\n118154,2026-11-01,Gout\n")
    result = srs("--db", str(db_path), "import", str(path))
    assert result.exit_code == 1
    assert error_lines(result.output) == [
        f"Error: {path}:1: no question-id column (found: Number, Date, Topic); rename the column that holds "
        'the question ids to QID, or use --map "Your Column=qid" (and --header-row N when the column names '
        "are on row N, below titles)"
    ]


def test_a_failed_import_into_a_database_with_data_leaves_no_backup(srs, db_path, write_log):
    # Every failed try made a backup copy (and rotated older ones out): ten tries at a file with
    # a bad date left ten copies of the unchanged file, and pushed out the backups of real imports.
    good = write_log("good.csv", "QID,Date,Topic,Result\n63001,2026-11-01,Gout,incorrect\n")
    assert srs("--db", str(db_path), "import", str(good)).exit_code == 0
    backups = db_path.parent / "backups"
    assert not backups.exists()  # the first import made the file: nothing to back up
    bad = FIXTURES / "one_bad_date.csv"
    for _ in range(3):
        assert srs("--db", str(db_path), "import", str(bad)).exit_code == 1
    assert not backups.exists() or list(backups.iterdir()) == []
    assert [r[:3] for r in stored(db_path)] == [("63001", "2026-11-01", "incorrect")]
    later = write_log("later.csv", "QID,Date,Topic,Result\n63002,2026-11-02,Pseudogout,incorrect\n")
    assert srs("--db", str(db_path), "import", str(later)).exit_code == 0
    assert len(list(backups.iterdir())) == 1  # a real import is backed up, as before
    assert [r[:3] for r in stored(db_path)] == [
        ("63001", "2026-11-01", "incorrect"),
        ("63002", "2026-11-02", "incorrect"),
    ]


def test_a_space_aligned_paste_with_marks_before_the_ids_is_cut_under_the_header_too(srs, db_path):
    # The ✓/✗ column has no name; with the mark taken, the squeezed row had 6 cells for 7 columns.
    path = FIXTURES / "paste_spaces_mark_before_id.txt"
    result = srs("--db", str(db_path), "import", "-", "--source", "uworld", "--date", "2026-11-20",
                 input=path.read_bytes())  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("119101", "2026-11-20", "correct", "Digoxin toxicity", "Cardiovascular", "Heart failure"),
        ("119102", "2026-11-20", "incorrect", "Post-strep GN", "Renal/Urinary", "Glomerular diseases"),
    ]
