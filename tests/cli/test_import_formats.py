"""Every format and dialect students have: each written for this project."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from srs.store import open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ROWS = [
    ("118154", "2026-11-01", "Immunology", "Multisystem", "Type I hypersensitivity", "incorrect", "IgE, mast cells"),
    ("20931", "2026-11-02", "Pharm", "Cardio", "ACE inhibitors", "incorrect", "Dry cough: bradykinin"),
    ("20931", "2026-11-09", "Pharm", "Cardio", "ACE inhibitors", "correct", ""),
]
HEADER = ("qid", "date", "subject", "system", "topic", "result", "objective")


def questions(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {r["qid"]: dict(r) for r in conn.execute("SELECT * FROM questions")}
    finally:
        conn.close()


def results(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT q.qid, e.result FROM events e JOIN questions q ON q.id = e.question_id ORDER BY e.at, e.id"
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def delimited(sep: str, newline: str = "\n", header=HEADER, rows=ROWS) -> str:
    lines = [sep.join(header)] + [sep.join(f'"{c}"' if sep in c else c for c in row) for row in rows]
    return newline.join(lines) + newline


def assert_three_rows(result, db_path):
    assert result.exit_code == 0, result.output
    assert "3 rows read: 2 new cards, 0 repeated misses, 1 correct attempt" in result.output
    found = questions(db_path)
    assert found["20931"]["subject"] == "Pharmacology"  # USMLE name
    assert found["20931"]["subject_text"] == "Pharm"  # the student's words kept
    assert found["20931"]["system"] == "Cardiovascular"
    assert found["118154"]["objective"] == "IgE, mast cells"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("google-sheets.csv", delimited(",", "\r\n").encode("utf-8")),
        ("excel-csv-utf8.csv", b"\xef\xbb\xbf" + delimited(",", "\r\n").encode("utf-8")),
        ("excel-csv.csv", delimited(",", "\r\n").encode("cp1252")),
        ("excel-unicode-text.txt", delimited("\t", "\r\n").encode("utf-16")),
        ("european.csv", delimited(";", "\r\n").encode("utf-8")),
        ("log.tsv", delimited("\t").encode("utf-8")),
    ],
)
def test_csv_dialects_and_encodings(srs, write_log, db_path, name, content):
    assert_three_rows(srs("import", str(write_log(name, content))), db_path)


def test_json_list_and_jsonl(srs, write_log, db_path, tmp_path):
    objects = [dict(zip(HEADER, row, strict=True)) for row in ROWS]
    assert_three_rows(srs("import", str(write_log("log.json", json.dumps(objects, indent=2)))), db_path)
    other = tmp_path / "other.db"
    jsonl = "\n".join(json.dumps(o) for o in objects) + "\n"
    result = srs("--db", str(other), "import", str(write_log("log.jsonl", jsonl)))
    assert_three_rows(result, other)


def test_json_wrapped_list_and_bad_item_line(srs, write_log, db_path):
    wrapped = json.dumps({"misses": [dict(zip(HEADER, row, strict=True)) for row in ROWS]}, indent=2)
    assert_three_rows(srs("import", str(write_log("w.json", wrapped))), db_path)
    bad = '[\n  {"qid": "1"},\n  {"qid": "2", "date": "yesterday-ish"}\n]\n'
    result = srs("import", str(write_log("bad.json", bad)))
    assert result.exit_code == 1
    assert "bad.json:3: column 'date': 'yesterday-ish' is not a date" in result.output


def test_xlsx_first_sheet_or_named_sheet(srs, tmp_path, db_path):
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Notes"
    first.append(["nothing to see"])
    log = book.create_sheet("Misses")
    log.append(["Q#", "Date attempted", "Discipline", "Organ System", "Topic", "Correct?", "Takeaway"])
    log.append(
        [
            118154,
            datetime.datetime(2026, 11, 1),
            "Immunology",
            "Multisystem",
            "Type I hypersensitivity",
            "No",
            "IgE, mast cells",
        ]
    )
    log.append(
        [20931.0, datetime.date(2026, 11, 2), "Pharm", "Cardio", "ACE inhibitors", "No", "Dry cough: bradykinin"]
    )
    log.append([20931, "9 Nov 2026", "Pharm", "Cardio", "ACE inhibitors", "Yes", None])
    path = tmp_path / "log.xlsx"
    book.save(path)
    # issue 15: the first sheet has no log in it, so the one sheet that has is read (this
    # used to stop with "no question-id column"; tests/cli/test_import_readers.py has the rest)
    result = srs("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 rows read" in result.output
    assert_three_rows(srs("import", str(path), "--sheet", "Misses"), db_path)
    assert srs("import", str(path), "--sheet", "Nope").output.count("sheets: Notes, Misses") == 1


def test_header_aliases_and_map_option(srs, write_log, db_path):
    content = (
        "Qid #,Date,Discipline,Organ System,Category,Why I missed it,Learning objective,My Col\n"
        "555,2026-11-03,Micro,Heme/Onc,Malaria,Changed my answer,Banana-shaped gametocytes,P. falciparum\n"
    )
    result = srs("import", str(write_log("sheet.csv", content)), "--map", "My Col=correct_answer")
    assert result.exit_code == 0, result.output
    q = questions(db_path)["555"]
    assert (q["subject"], q["system"], q["topic"]) == ("Microbiology", "Blood & Lymphoreticular", "Malaria")
    assert (q["reason"], q["reason_kind"]) == ("Changed my answer", "changed or second-guessed")
    assert q["correct_answer"] == "P. falciparum"


def test_unknown_columns_subjects_and_blank_headers_are_reported(srs, write_log, db_path):
    content = "qid,subject,system,Mood,\n1,Pharmacolgy,Cardiology,tired,\n2,Pathology,Gastro,ok,stray\n"
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    assert "Subjects kept as written (not USMLE names): Pharmacolgy" in result.output
    assert "Ignored columns: Mood" in result.output
    assert "A column without a name was ignored (column 5)" in result.output
    assert questions(db_path)["1"]["subject"] == "Pharmacolgy"  # kept, never dropped


def test_duplicate_field_columns_are_an_error_not_merged(srs, write_log):
    result = srs("import", str(write_log("m.csv", "QID,Question ID,topic\n1,2,Gout\n")))
    assert result.exit_code == 1
    assert "columns 'QID' and 'Question ID' both mean qid" in result.output
    fixed = srs("import", str(write_log("m.csv", "QID,Question ID,topic\n1,2,Gout\n")), "--map", "Question ID=ignore")
    assert fixed.exit_code == 0, fixed.output


def test_uworld_paste_from_stdin(srs, db_path):
    paste = (FIXTURES / "uworld-paste.txt").read_text(encoding="utf-8")
    result = srs("import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste)
    assert result.exit_code == 0, result.output
    assert "4 rows read: 3 new cards, 0 repeated misses, 1 correct attempt" in result.output
    found = questions(db_path)
    assert set(found) == {"118154", "20931", "4410", "77123"}
    assert found["118154"]["category"] == "Hypersensitivity reactions"
    assert found["118154"]["system"] == "Immune System"
    assert found["118154"]["topic"] == "Type I hypersensitivity"
    assert dict(results(db_path)) == {
        "118154": "incorrect",
        "20931": "incorrect",
        "4410": "correct",
        "77123": "omitted",
    }
    again = srs("import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste)
    assert "4 duplicates skipped" in again.output


def test_uworld_paste_with_spaces_instead_of_tabs(srs, db_path):
    paste = "id   subjects   systems   categories   topics   % correct others   time spent\n1 - 42   Physiology   Renal   Acid-base   Metabolic alkalosis   50%   20 sec\n"
    result = srs("import", "-", "--source", "uworld", input=paste)
    assert result.exit_code == 0, result.output
    assert questions(db_path)["42"]["topic"] == "Metabolic alkalosis"


def test_score_report_is_refused_with_a_pointer(srs):
    result = srs("import", str(FIXTURES / "nbme-score-report.txt"))
    assert result.exit_code == 1
    assert "looks like an NBME or UWSA score report, not a list of questions" in result.output


@pytest.mark.parametrize(
    ("text", "flag", "expected"),
    [
        ("11/3/2026", "--monthfirst", "2026-11-03"),  # ambiguous alone: the order is the student's to say
        ("3/11/2026", "--dayfirst", "2026-11-03"),
        ("3 Nov 2026", None, "2026-11-03"),
        ("Nov 3, 2026", None, "2026-11-03"),
        ("46329", None, "2026-11-03"),  # Excel serial number
        ("2026-11-03T08:15:00Z", None, "2026-11-03"),
    ],
)
def test_date_forms(srs, write_log, db_path, text, flag, expected):
    args = ["import", str(write_log("d.csv", f'qid,date\n1,"{text}"\n'))] + ([flag] if flag else [])
    result = srs(*args)
    assert result.exit_code == 0, result.output
    with open_store(db_path) as store:
        (event,) = store.events(store.question_ids()[0])
        assert event.at.date().isoformat() == expected


def test_quoted_newlines_trailing_empty_rows_and_columns(srs, write_log, db_path):
    content = 'qid,objective,,\r\n1,"line one\r\nline two",,\r\n,,,\r\n\r\n2,"say ""hi""",,\r\n,,,\r\n'
    result = srs("import", str(write_log("m.csv", content)))
    assert result.exit_code == 0, result.output
    found = questions(db_path)
    assert found["1"]["objective"] == "line one\r\nline two"
    assert found["2"]["objective"] == 'say "hi"'


def test_formula_cells_stay_plain_text(srs, write_log, db_path):
    content = 'qid,objective\n1,"=HYPERLINK(""http://example.invalid"",""x"")"\n'
    assert srs("import", str(write_log("f.csv", content))).exit_code == 0
    assert questions(db_path)["1"]["objective"].startswith("=HYPERLINK(")


def test_every_bad_row_is_listed_first_twenty_then_a_count(srs, write_log, db_path):
    rows = "".join(f"{i},bad-{i}\n" for i in range(25))
    result = srs("import", str(write_log("m.csv", "qid,date\n" + "1,2026-11-01\n" + rows)))
    assert result.exit_code == 1
    assert result.output.count("is not a date") == 20
    assert "... and 5 more" in result.output
    assert "25 invalid rows; nothing was imported" in result.output
    assert not db_path.exists()  # nothing was imported, and a new database is not left behind (issue 15)


def test_skip_invalid_imports_the_rest_and_lists_the_bad(srs, write_log, db_path):
    content = "qid,date\n1,2026-11-01\n2,31/31/2026\n3,2026-11-02\n"
    result = srs("import", str(write_log("m.csv", content)), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "2 rows read: 2 new cards" in result.output and "1 invalid row skipped" in result.output
    assert "m.csv:3: column 'date': '31/31/2026' is not a date" in result.output
    assert set(questions(db_path)) == {"1", "3"}


def test_dry_run_writes_nothing(srs, sample, db_path):
    srs("import", str(sample))
    conn = sqlite3.connect(db_path)
    before = conn.execute("SELECT count(*) FROM events").fetchone()
    conn.close()
    content = "qid,subject\n999,Pharmacolgy\n"
    path = Path(db_path).parent / "new.csv"
    path.write_text(content)
    result = srs("import", str(path), "--dry-run")
    assert result.exit_code == 0
    assert result.output.startswith("Dry run (nothing written): 1 row read: 1 new card")
    assert "Pharmacolgy" in result.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM events").fetchone() == before
    conn.close()


def test_guessed_correct_answer_counts_as_a_miss(srs, write_log, db_path):
    content = "qid,result,reason\n1,correct,lucky guess\n2,correct,\n"
    result = srs("import", str(write_log("g.csv", content)))
    assert "2 rows read: 1 new card" in result.output
    assert dict(results(db_path)) == {"1": "guessed", "2": "correct"}


def test_overlapping_later_export_never_double_counts(srs, write_log, db_path):
    first = "qid,date\n1,2026-11-01\n2,2026-11-02\n"
    later = "qid,date\n1,2026-11-01 09:30\n2,2026-11-02\n3,2026-11-05\n1,2026-11-06\n"
    srs("import", str(write_log("a.csv", first)))
    result = srs("import", str(write_log("b.csv", later)))
    assert "4 rows read: 1 new card, 1 repeated miss, 0 correct attempts, 2 duplicates skipped" in result.output
