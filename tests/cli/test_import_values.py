"""The values in each row of a real miss log (issue 15): dates in either order, dates
without a year, rows without a date, results written as emoji or in other languages,
and rows that are not attempts. Each test reads the stored rows back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import srs_cli.importing
from db_helpers import event_count

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "misslogs" / "values"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The import's clock, fixed: dates without a year are counted back from it."""
    monkeypatch.setattr(srs_cli.importing, "utc_now", lambda: NOW)
    return NOW


def stored(db: Path) -> list[tuple[str, str, str]]:
    """(qid, calendar date of the attempt, result) for every stored attempt, in file order."""
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT q.qid, substr(e.at, 1, 10), e.result FROM events e JOIN questions q ON q.id = e.question_id"
        return sorted(conn.execute(sql).fetchall(), key=lambda row: (row[1], row[0]))
    finally:
        conn.close()


# -- day first or month first: decided from the column --------------------------------------


def test_european_excel_csv_dots_are_day_first_and_german_words_are_results(srs, db_path):
    result = srs("import", str(FIXTURES / "european-excel.csv"))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("118201", "2026-11-03", "incorrect"),
        ("118202", "2026-11-03", "correct"),
        ("118203", "2026-11-04", "incorrect"),
        ("118204", "2026-11-11", "correct"),
        ("118201", "2026-11-12", "correct"),
    ]
    assert "Assumed" not in result.output  # dots are day first wherever they are written: no guess


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["03/11/2026", "25/10/2026"], ["2026-10-25", "2026-11-03"]),  # 25 cannot be a month
        (["11/03/2026", "10/25/2026"], ["2026-10-25", "2026-11-03"]),  # month first, proved by 25
        (["03-11-2026", "13-11-2026"], ["2026-11-03", "2026-11-13"]),
        (["03/11/26", "14/11/26"], ["2026-11-03", "2026-11-14"]),  # two-digit years
        (["11/3/2026 08:30", "11/14/2026 21:05"], ["2026-11-03", "2026-11-14"]),  # Sheets timestamps
    ],
)
def test_one_unambiguous_value_settles_the_whole_column(srs, write_log, db_path, dates, expected):
    content = "qid,date\n" + "".join(f"{i},{d}\n" for i, d in enumerate(dates, start=1))
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert [day for _, day, _ in stored(db_path)] == expected


def test_an_all_ambiguous_column_stops_and_names_both_flags(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,2026-11-01\n2,03/11/2026\n3,04/11/2026\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert f"{log}:3: column 'date': '03/11/2026' could be day first or month first" in result.output
    assert "--dayfirst reads it as 3 November 2026, --monthfirst as 11 March 2026" in result.output
    assert event_count(db_path) == 0
    assert srs("import", str(log), "--dayfirst").exit_code == 0
    assert [day for _, day, _ in stored(db_path)] == ["2026-11-01", "2026-11-03", "2026-11-04"]


def test_monthfirst_reads_an_ambiguous_column_the_us_way(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,11/03/2026\n2,11/04/2026\n")
    assert srs("import", str(log), "--monthfirst").exit_code == 0
    assert [day for _, day, _ in stored(db_path)] == ["2026-11-03", "2026-11-04"]


def test_both_orders_in_one_column_is_an_error_naming_two_lines(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,25/10/2026\n2,2026-11-01\n3,11/14/2026\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert "mixes both orders: line 2 '25/10/2026' is day first but line 4 '11/14/2026' is month first" in result.output
    assert event_count(db_path) == 0


def test_dots_beside_a_month_first_value_are_a_conflict_too(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,03.11.2026\n2,11/14/2026\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert "line 2 '03.11.2026' is day first but line 3 '11/14/2026' is month first" in result.output


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        (
            "--monthfirst",
            "25/10/2026",
            "'25/10/2026' cannot be read month first, as --monthfirst says (there is no month 25)",
        ),
        (
            "--dayfirst",
            "10/25/2026",
            "'10/25/2026' cannot be read day first, as --dayfirst says (there is no month 25)",
        ),
        ("--monthfirst", "13.11.2026", "'13.11.2026' cannot be read month first"),
    ],
)
def test_a_flag_contradicted_by_a_value_names_its_line(srs, write_log, db_path, flag, value, message):
    log = write_log("m.csv", f"qid,date\n1,01/11/2026\n2,{value}\n")
    result = srs("import", str(log), flag)
    assert result.exit_code == 1
    assert f"{log}:3: column 'date': {message}" in result.output
    assert event_count(db_path) == 0


def test_a_flag_outranks_the_dots_convention_when_no_value_contradicts_it(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,11.03.2026\n")
    assert srs("import", str(log), "--monthfirst").exit_code == 0
    assert stored(db_path) == [("1", "2026-11-03", "incorrect")]


@pytest.mark.parametrize(
    ("flag", "value", "hint"),
    [
        ("--dayfirst", "11/12/2026", "read the other way it is 12 November 2026: if that is meant, use --monthfirst"),
        ("--monthfirst", "12/11/2026", "read the other way it is 12 November 2026: if that is meant, use --dayfirst"),
    ],
)
def test_a_future_date_that_swapped_is_not_names_the_other_flag(srs, write_log, db_path, flag, value, hint):
    log = write_log("m.csv", f"qid,date\n1,{value}\n")
    result = srs("import", str(log), flag)
    assert result.exit_code == 1
    assert f"'{value}' is in the future; {hint}" in result.output


def test_a_future_date_that_is_future_either_way_gives_no_hint(srs, write_log):
    result = srs("import", str(write_log("m.csv", "qid,date\n1,12/12/2026\n2,2026-12-24\n")))
    assert result.exit_code == 1
    assert "'12/12/2026' is in the future" in result.output and "read the other way" not in result.output
    assert "'2026-12-24' is in the future" in result.output


def test_iso_serials_and_month_names_need_no_flag(srs, write_log, db_path):
    content = 'qid,date\n1,2026-11-03\n2,46330\n3,5 Nov 2026\n4,"Nov 6, 2026"\n5,07-Nov-26\n'
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert [day for _, day, _ in stored(db_path)] == [
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
        "2026-11-07",
    ]


def test_workbook_date_cells_and_checkboxes(srs, tmp_path, db_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["QID", "Date", "Got it right", "Topic"])
    sheet.append([50211, datetime(2026, 11, 3), False, "Wilson disease"])
    sheet.append([50212, datetime(2026, 11, 4, 21, 30), True, "Hemochromatosis"])
    sheet.append([50213, "13/11/2026", False, "Alpha-1 antitrypsin"])  # a date typed as text
    path = tmp_path / "log.xlsx"
    book.save(path)
    result = srs("import", str(path), "--map", "Got it right=result")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("50211", "2026-11-03", "incorrect"),
        ("50212", "2026-11-04", "correct"),
        ("50213", "2026-11-13", "incorrect"),
    ]


# -- dates without a year ---------------------------------------------------------------


def test_sheets_dates_without_a_year_take_the_latest_not_in_the_future(srs, db_path):
    result = srs("import", str(FIXTURES / "sheets-no-year.csv"))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("7721", "2025-12-28", "incorrect"),  # 28 December 2026 is still to come: last year's
        ("7713", "2026-11-03", "incorrect"),
        ("7714", "2026-11-03", "correct"),
        ("7720", "2026-11-17", "incorrect"),
    ]
    assert (
        "  - 4 dates had no year; each was taken as the latest such date not in the future, "
        "e.g. line 2 '11/3' -> 2026-11-03"
    ) in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Nov 4", "2026-11-04"), ("4-Nov", "2026-11-04"), ("4 Nov", "2026-11-04"), ("Dec 4", "2025-12-04"),
     ("Nov 20", "2026-11-20"), ("29 Feb", "2024-02-29")],
)  # fmt: skip
def test_month_name_dates_without_a_year(srs, write_log, db_path, text, expected):
    result = srs("import", str(write_log("m.csv", f"qid,date\n1,{text}\n")))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("1", expected, "incorrect")]
    assert (
        f"  - 1 date had no year; it was taken as the latest such date not in the future, e.g. line 2 '{text}' -> {expected}"
        in result.output
    )


def test_numeric_dates_without_a_year_still_need_the_order(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date\n1,11/3\n2,11/4\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert "'11/3' could be day first or month first" in result.output and "--monthfirst" in result.output
    assert srs("import", str(log), "--dayfirst").exit_code == 0
    assert [day for _, day, _ in stored(db_path)] == ["2026-03-11", "2026-04-11"]


# -- rows without a date ---------------------------------------------------------------


def test_an_undated_row_among_dated_rows_is_an_error_naming_date(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date,topic\n1,2026-11-01,Gout\n2,,Lupus\n3,2026-11-02,Sarcoid\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert f"{log}:3: column 'date': this row has no date, but other rows do (line 2)" in result.output
    assert "--date YYYY-MM-DD" in result.output
    assert event_count(db_path) == 0


def test_date_fills_the_undated_rows_and_says_how_many(srs, write_log, db_path):
    log = write_log("m.csv", "qid,date,topic\n1,2026-11-01,Gout\n2,,Lupus\n3,,Sarcoid\n")
    result = srs("import", str(log), "--date", "2026-11-05")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("1", "2026-11-01", "incorrect"),
        ("2", "2026-11-05", "incorrect"),
        ("3", "2026-11-05", "incorrect"),
    ]
    assert "  - 2 rows without a date were dated 2026-11-05 (--date)" in result.output


def test_a_file_without_dates_is_taken_as_today_and_says_so(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", "qid,topic\n1,Gout\n2,Lupus\n")), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "  - 2 rows had no date (the file has none); each was taken as today, 2026-11-20" in result.output
    result = srs("import", str(write_log("m.csv", "qid,topic\n1,Gout\n")))
    assert "  - 1 row had no date (the file has none); it was taken as today, 2026-11-20" in result.output
    assert stored(db_path) == [("1", "2026-11-20", "incorrect")]


def test_a_paste_without_dates_says_it_was_taken_as_today(srs, db_path):
    paste = "ID\tSUBJECTS\tSYSTEMS\tTOPICS\n1 - 118154 ✗\tImmunology\tMultisystem\tAnaphylaxis\n"
    result = srs("import", "-", "--source", "uworld", input=paste)
    assert result.exit_code == 0, result.output
    assert "taken as today, 2026-11-20" in result.output
    assert stored(db_path) == [("118154", "2026-11-20", "incorrect")]


# -- results ---------------------------------------------------------------------------------


def test_emoji_and_marks_are_results(srs, db_path):
    result = srs("import", str(FIXTURES / "emoji-results.csv"))
    assert result.exit_code == 0, result.output
    results = {qid: outcome for qid, _, outcome in stored(db_path)}
    assert results == {
        "9000": "correct",  # ✅
        "9001": "incorrect",  # ❌
        "9002": "correct",  # ✔️ (with U+FE0F)
        "9003": "incorrect",  # ✖️
        "9004": "correct",  # ☑️
        "9005": "incorrect",  # ❎
        "9006": "correct",  # ✓
        "9007": "incorrect",  # ✗
        "9008": "incorrect",  # ❌ Incorrect
        "9009": "correct",  # ✅ Correct
        "9010": "guessed",  # 🤔 guessed
        "9011": "correct",  # Y
        "9012": "incorrect",  # N
        "9013": "correct",  # 1
        "9014": "incorrect",  # 0
        "9015": "correct",  # ✅✅
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("faux", "incorrect"), ("VRAI", "correct"), ("incorrecto", "incorrect"), ("Correcto", "correct"),
     ("errado", "incorrect"), ("certo", "correct"), ("sbagliato", "incorrect"), ("giusto", "correct"),
     ("fout", "incorrect"), ("goed", "correct"), ("✅ 🤔", "guessed"), ("(x)", "incorrect"),
     ("ＣＯＲＲＥＣＴ", "correct")],
)  # fmt: skip
def test_words_in_other_languages(srs, write_log, db_path, text, expected):
    result = srs("import", str(write_log("m.csv", f"qid,date,result\n1,2026-11-01,{text}\n")))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("1", "2026-11-01", expected)]


@pytest.mark.parametrize("text", ["maybe", "✅ wrong", "👻", "correct-ish?"])
def test_unknown_results_are_errors_listing_the_accepted_ones(srs, write_log, db_path, text):
    log = write_log("m.csv", f"qid,date,result\n1,2026-11-01,{text}\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert (
        f"{log}:2: column 'result': '{text}' is not a result (accepted: incorrect (wrong, ✗, ❌, N, FALSE, 0), "
        in result.output
    )
    assert "correct (right, ✓, ✅, Y, TRUE, 1), omitted (skipped), guessed (🤔)" in result.output
    assert event_count(db_path) == 0


# -- rows that are not attempts ----------------------------------------------------------------


def test_week_dividers_and_a_total_row_are_skipped_and_listed(srs, db_path):
    result = srs("import", str(FIXTURES / "weekly-dividers.csv"))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("4101", "2026-11-02", "incorrect"),
        ("4102", "2026-11-02", "correct"),
        ("4103", "2026-11-04", "incorrect"),
        ("4101", "2026-11-09", "correct"),
        ("4104", "2026-11-10", "incorrect"),
    ]
    assert "5 rows read" in result.output
    assert (
        "4 non-question rows skipped: line 2 'WEEK 1', line 5 '--- Renal ---', line 7 'WEEK 2', "
        "line 10 'TOTAL | 5 | 40%'"
    ) in result.output


@pytest.mark.parametrize(
    "row",
    [
        "Block 3,,",
        "Total:,,",
        "Average,,",
        "Sum,12,",
        "% correct,,61%",
        "Total: 40,,",
        "=== Cardio ===,,",
        "Renal block,,",
    ],
)
def test_summary_and_divider_rows_are_not_errors(srs, write_log, db_path, row):
    log = write_log("m.csv", f"qid,topic,result\n1,Gout,incorrect\n{row}\n2,Lupus,correct\n")
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    assert [(qid, outcome) for qid, _, outcome in stored(db_path)] == [("1", "incorrect"), ("2", "correct")]
    assert "1 non-question row skipped: line 3" in result.output


@pytest.mark.parametrize("qid", ["118154", "5mRzSg", "#17", "Renal"])
def test_a_row_holding_only_a_question_id_is_still_an_attempt(srs, write_log, db_path, qid):
    log = write_log("m.csv", f"qid,topic,result\n1,Gout,incorrect\n{qid},,\n")
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    assert "non-question" not in result.output
    assert len(stored(db_path)) == 2


def test_a_lone_value_off_the_first_column_stays_an_error(srs, write_log, db_path):
    result = srs("import", str(write_log("m.csv", "qid,topic\n1,Gout\n,Lupus\n")))
    assert result.exit_code == 1
    assert "column 'qid': the question id is empty" in result.output


def test_a_divider_in_the_date_column_does_not_count_as_a_date(srs, write_log, db_path):
    """A log whose first column is the date: 'WEEK 2' there is a divider, not a bad date."""
    content = "date,qid,result\nWEEK 1,,\n03/11/2026,1,✗\nWEEK 2,,\n14/11/2026,2,✓\n"
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("1", "2026-11-03", "incorrect"), ("2", "2026-11-14", "correct")]
