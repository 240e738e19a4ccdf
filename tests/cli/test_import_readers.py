"""Issue 15, the readers: how a file becomes a table with the right header row, sheet and
cells. Title rows above the header, workbooks with several sheets and merged cells, files
srs cannot read (.xls, .numbers, images), and UWorld tables as a browser really copies them.
Every fixture was written for these tests (ids and topics invented); each test checks the
stored rows (qid, date, topic, result), not only the exit code."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from srs_cli.main import cli

from srs.ingest.importer import import_stream
from srs.ingest.misslog import ReadOptions, parse_mapping
from srs.store import open_store
from srs.timing import utc_now

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "misslogs" / "readers"


def stored(db: Path) -> list[tuple[str, str, str, str]]:
    """(qid, study date, topic, result) of every imported attempt, by qid."""
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as conn:
        sql = (
            "SELECT q.qid, substr(e.at, 1, 10), q.topic, e.result FROM events e "
            "JOIN questions q ON q.id = e.question_id ORDER BY q.qid, e.at"
        )
        return conn.execute(sql).fetchall()


def assumptions(path: Path, tmp_path: Path, *, sheet: str | None = None, header_row: int | None = None,
                mapping: tuple[str, ...] = ()) -> list[str]:  # fmt: skip
    """What the read said it assumed about the table's shape (a dry run on a database of its
    own): the other parts' sentences (dates filled by --date, no result column) left out."""
    from srs import settings as settings_mod

    options = ReadOptions(
        default_date=dt.date(2026, 11, 20), header_row=header_row, mapping=parse_mapping(list(mapping))
    )
    with open_store(tmp_path / "assumed.db") as store, path.open("rb") as stream:
        summary = import_stream(
            store, settings_mod.load(store).scheduler(), stream, path.name, now=utc_now(), sheet=sheet,
            options=options, dry_run=True,
        )  # fmt: skip
    others = ("(--date)", "No result column", "no source column")
    return [a for a in summary.report.assumptions if not any(o in a for o in others)]


# -- the header row below title rows (CSV, TSV) ----------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected", "note"),
    [
        (
            "sheets-title-rows.csv",
            [
                ("305117", "2026-11-02", "Carcinoid syndrome", "incorrect"),
                ("305118", "2026-11-02", "Digoxin toxicity", "correct"),
                ("305140", "2026-11-03", "Nephritic vs nephrotic", "incorrect"),
            ],
            "header found on row 4; rows above it ignored: 'My UWorld misses — block 1', "
            "'Kept since the first dedicated week; colour = redo'",
        ),
        (
            "excel-semicolon-title.csv",
            [
                ("411902", "2026-11-05", "Hyperkaliämie EKG", "incorrect"),
                ("411950", "2026-11-06", "Addison-Krise", "incorrect"),
            ],
            "header found on row 3; rows above it ignored: 'Fehlerprotokoll Innere Medizin'",
        ),
        (
            "notes-above.tsv",
            [
                ("88201", "2026-11-07", "Pheochromocytoma", "incorrect"),
                ("88202", "2026-11-07", "Conn syndrome", "correct"),
            ],
            "header found on row 3; rows above it ignored: 'Block 7 review', 'exported from my tracker'",
        ),
    ],
)
def test_the_header_is_found_below_title_rows(srs, db_path, tmp_path, fixture, expected, note):
    result = srs("import", str(FIXTURES / fixture), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == expected
    assert assumptions(FIXTURES / fixture, tmp_path) == [note]


def test_a_header_on_the_first_row_assumes_nothing(srs, write_log, db_path, tmp_path):
    log = write_log("plain.csv", "qid,date,topic,result\n5101,2026-11-04,Gout,incorrect\n")
    assert srs("import", str(log)).exit_code == 0
    assert stored(db_path) == [("5101", "2026-11-04", "Gout", "incorrect")]
    assert assumptions(log, tmp_path) == []


def test_errors_below_the_titles_name_the_files_real_lines(srs, write_log, db_path):
    log = write_log(
        "titled.csv",
        "Misses, week 3\n\nQuestion ID,Date,Topic\n7001,2026-11-01,Gout\n7002,2026-13-45,Pseudogout\n",
    )
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert "titled.csv:5: column 'Date': '2026-13-45' is not a date" in result.output
    assert stored(db_path) == []
    dup = write_log("dup.csv", "My log\nqid,Question ID,topic\n1,2,Gout\n")
    assert "dup.csv:2: column 2: columns 'qid' and 'Question ID' both mean qid" in srs("import", str(dup)).output


def test_no_header_row_names_header_row_and_the_option_settles_it(srs, write_log, db_path, tmp_path):
    # 'QID' is the only column srs knows, so the row cannot be told from a title: it must be said
    content = "Fehlerliste\nStand: November\nQID;Wann;Stichwort\n9101;2026-11-03;Gicht\n9102;2026-11-04;Sarkoidose\n"
    log = write_log("liste.csv", content)
    refused = srs("import", str(log))
    assert refused.exit_code == 1
    assert "no question-id column" in refused.output and "--header-row N" in refused.output
    assert stored(db_path) == []
    forced = srs("import", str(log), "--header-row", "3", "--date", "2026-11-20")
    assert forced.exit_code == 0, forced.output
    assert stored(db_path) == [("9101", "2026-11-20", "", "incorrect"), ("9102", "2026-11-20", "", "incorrect")]
    assert not [a for a in assumptions(log, tmp_path, header_row=3) if "header" in a]  # said, not assumed


def test_a_map_line_makes_a_header_row_recognisable(srs, write_log, db_path):
    log = write_log("nr.csv", "Fehlerliste\n\nNr;Tag;Thema\n9201;2026-11-03;Gicht\n")
    result = srs("import", str(log), "--map", "Nr=qid", "--map", "Tag=date", "--map", "Thema=topic")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("9201", "2026-11-03", "Gicht", "incorrect")]


def test_header_row_on_a_blank_or_missing_row_is_an_error(srs, write_log, db_path):
    log = write_log("b.csv", "title\n\nqid,date\n1,2026-11-01\n")
    result = srs("import", str(log), "--header-row", "2")
    assert result.exit_code == 1
    assert "b.csv:2: --header-row 2: row 2 is blank" in result.output
    assert "--header-row 9: row 9 is blank" in srs("import", str(log), "--header-row", "9").output
    assert stored(db_path) == []


def test_utf16_text_with_a_title_row(srs, write_log, db_path):
    content = "Meine Fehler\r\nqid\tdate\ttopic\r\n6601\t2026-11-08\tÖsophagusvarizen\r\n"
    result = srs("import", str(write_log("unicode.txt", content.encode("utf-16"))))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("6601", "2026-11-08", "Ösophagusvarizen", "incorrect")]


# -- workbooks: sheets, title rows, merged cells ---------------------------------------------


def _book(tmp_path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None,
          name: str = "log.xlsx") -> Path:  # fmt: skip
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    path = tmp_path / name
    book.save(path)
    return path


TITLED_SHEET = [
    ["My UWorld misses — block 1", None, None, None, None],
    [None, None, None, None, None],
    ["Date", "Question ID", "Topic", "Correct?", "Notes"],
    [dt.date(2026, 11, 9), 320001, "Aortic dissection", "No", "tearing pain"],
    [None, 320002, "Marfan syndrome", "Yes", None],
    [None, 320003, "Ehlers-Danlos", "No", None],
    [dt.date(2026, 11, 10), 320004, "Turner syndrome", "No", "bicuspid valve"],
    [None, 320005, "Coarctation", "No", None],
]


def test_workbook_title_rows_and_a_date_merged_down_rows(srs, tmp_path, db_path):
    path = _book(tmp_path, {"Block 1": TITLED_SHEET}, {"Block 1": ["A1:E1", "A4:A6", "A7:A8"]})
    result = srs("import", str(path), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("320001", "2026-11-09", "Aortic dissection", "incorrect"),
        ("320002", "2026-11-09", "Marfan syndrome", "correct"),
        ("320003", "2026-11-09", "Ehlers-Danlos", "incorrect"),
        ("320004", "2026-11-10", "Turner syndrome", "incorrect"),
        ("320005", "2026-11-10", "Coarctation", "incorrect"),
    ]
    assert assumptions(path, tmp_path) == ["header found on row 3; rows above it ignored: 'My UWorld misses — block 1'"]


def test_without_the_merge_the_empty_date_is_not_filled(srs, tmp_path, db_path):
    path = _book(tmp_path, {"Block 1": TITLED_SHEET})  # the same cells, no merged range
    result = srs("import", str(path), "--source", "uworld", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert [row[1] for row in stored(db_path)] == ["2026-11-09", "2026-11-20", "2026-11-20", "2026-11-10", "2026-11-20"]


def test_a_merge_over_an_empty_row_does_not_make_it_a_row(srs, tmp_path, db_path):
    rows = [
        ["qid", "date", "topic"],
        [410001, dt.date(2026, 11, 3), "Listeria"],
        [None, None, None],  # a blank row inside the merged date range stays blank
        [410002, None, "Nocardia"],
    ]
    path = _book(tmp_path, {"Log": rows}, {"Log": ["B2:B4"]})
    result = srs("import", str(path))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("410001", "2026-11-03", "Listeria", "incorrect"),
        ("410002", "2026-11-03", "Nocardia", "incorrect"),
    ]


def test_the_one_sheet_with_a_question_column_is_read_and_said(srs, tmp_path, db_path):
    sheets = {
        "Dashboard": [["Total misses", 2], ["Worst system", "Renal"]],
        "Misses": [["QID", "Date", "Topic", "Result"], [500001, "2026-11-11", "RTA type 1", "incorrect"],
                   [500002, "2026-11-11", "RTA type 4", "correct"]],
        "Plan": [["Week", "Goal"], [1, "Renal"]],
    }  # fmt: skip
    path = _book(tmp_path, sheets)
    result = srs("import", str(path))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("500001", "2026-11-11", "RTA type 1", "incorrect"),
        ("500002", "2026-11-11", "RTA type 4", "correct"),
    ]
    assert assumptions(path, tmp_path) == [
        "sheet 'Misses' read: the first sheet, 'Dashboard', has no question-id column (--sheet NAME reads another)"
    ]


def test_several_sheets_with_questions_are_named_with_sheet(srs, tmp_path, db_path):
    log = [["QID", "Date", "Topic"], [500101, "2026-11-12", "Wilson disease"]]
    path = _book(
        tmp_path,
        {"Read me": [["How to use this tracker"]], "UWorld": log, "AMBOSS": [["QID", "Topic"], ["Xk3p9Q", "Gaucher"]]},
    )
    result = srs("import", str(path))
    assert result.exit_code == 1
    assert "sheets 'UWorld', 'AMBOSS' each have one; say which to read with --sheet NAME" in result.output
    assert stored(db_path) == []
    chosen = srs("import", str(path), "--sheet", "  uworld ")  # any case, spaces trimmed
    assert chosen.exit_code == 0, chosen.output
    assert stored(db_path) == [("500101", "2026-11-12", "Wilson disease", "incorrect")]
    assert "no sheet 'Anki' (sheets: Read me, UWorld, AMBOSS)" in srs("import", str(path), "--sheet", "Anki").output


def test_workbook_header_row_option(srs, tmp_path, db_path):
    rows = [["Tracker"], ["Q-Nummer", "Wann", "Thema"], [610001, "2026-11-13", "Zöliakie"]]
    path = _book(tmp_path, {"Log": rows})
    result = srs("import", str(path), "--header-row", "2", "--map", "Q-Nummer=qid", "--map", "Thema=topic",
                 "--date", "2026-11-14")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("610001", "2026-11-14", "Zöliakie", "incorrect")]


def test_a_workbook_with_a_wrong_dimension_keeps_every_row(srs, tmp_path, db_path):
    """Some writers state a smaller sheet than they write: no row may be cut off for it."""
    path = _book(tmp_path, {"Log": [["qid", "topic"], [1, "Gout"], [2, "Lupus"], [3, "Scleroderma"]]})
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="A1:B4"\s*/>', b'<dimension ref="A1:A2"/>', sheet)
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    with zipfile.ZipFile(path, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    result = srs("import", str(path), "--date", "2026-11-15")
    assert result.exit_code == 0, result.output
    assert [(qid, topic) for qid, _, topic, _ in stored(db_path)] == [
        ("1", "Gout"),
        ("2", "Lupus"),
        ("3", "Scleroderma"),
    ]


# -- files srs cannot read ----------------------------------------------------------------


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole2(stream_name: str) -> bytes:
    """The start of an Office 97-2003 file: its signature, and a directory entry naming a stream."""
    return OLE2 + b"\x00" * 504 + stream_name.encode("utf-16-le") + b"\x00" * 2000


@pytest.mark.parametrize("name", ["misses.xls", "misses.csv"])  # by the bytes, not the name
def test_an_xls_workbook_says_how_to_save_it(srs, write_log, db_path, name):
    result = srs("import", str(write_log(name, _ole2("Workbook"))))
    assert result.exit_code == 1
    assert (
        f"{name}: this is an Excel 97-2003 workbook (.xls), which srs does not read; save it as .xlsx or CSV"
        in result.output
    )
    assert "File > Save As > Excel Workbook (.xlsx)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not db_path.exists() or stored(db_path) == []


def test_an_encrypted_workbook_is_named(srs, write_log):
    result = srs("import", str(write_log("locked.xlsx", _ole2("EncryptedPackage"))))
    assert result.exit_code == 1
    assert "this workbook is encrypted (password-protected)" in result.output


def test_a_numbers_file_says_how_to_export_it(srs, tmp_path, db_path):
    single = tmp_path / "Misses.numbers"
    with zipfile.ZipFile(single, "w") as archive:
        archive.writestr("Index/Document.iwa", b"\x00\x01\x02snappy")
        archive.writestr("Metadata/Properties.plist", b"<plist/>")
    bundle = tmp_path / "Old misses.numbers"
    (bundle / "Index").mkdir(parents=True)
    (bundle / "Index.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    for path in (single, bundle):
        result = srs("import", str(path))
        assert result.exit_code == 1, result.output
        assert "this is an Apple Numbers spreadsheet (.numbers), which srs does not read" in result.output
        assert "File > Export To > Excel (.xlsx) or CSV" in result.output
    folder = tmp_path / "exports"
    folder.mkdir()
    assert "this is a folder, not a file" in srs("import", str(folder)).output
    assert stored(db_path) == []


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("screenshot.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "a PNG image"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)), "a JPEG image"),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00" + bytes(200), "a GIF image"),
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "a PDF document"),
        ("IMG_0042.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100), "a HEIC image"),
        ("misses.csv", bytes(range(256)) * 8, "a binary file"),  # no signature: by its bytes
        ("srs.db.csv", b"SQLite format 3\x00" + bytes(100), "an SQLite database"),
    ],
)
def test_images_and_binary_files_are_not_text(srs, write_log, db_path, name, data, kind):
    result = srs("import", str(write_log(name, data)))
    assert result.exit_code == 1
    assert f"not a text file or workbook ({kind})" in result.output
    assert "UTF-8" not in result.output
    assert stored(db_path) == []


def test_windows_1252_text_with_a_stray_control_byte_is_still_text(srs, write_log, db_path):
    content = "qid,date,topic\r\n7301,2026-11-02,Caf\xe9-au-lait spots\x07\r\n".encode("cp1252")
    result = srs("import", str(write_log("old.csv", content)))
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("7301", "2026-11-02", "Café-au-lait spots", "incorrect")]


# -- UWorld tables as a browser copies them --------------------------------------------------


def _paste(srs, fixture: str, *extra: str):  # type: ignore[no-untyped-def]
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    return srs("import", "-", "--source", "uworld", "--date", "2026-11-20", *extra, input=text)


def test_a_header_cell_over_two_lines_and_marks_in_every_place(srs, db_path, tmp_path):
    result = _paste(srs, "uworld-split-header.txt")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("630011", "2026-11-20", "Winter formula", "correct"),  # `1 - 630011 ✓`
        ("630012", "2026-11-20", "Mitral stenosis murmur", "incorrect"),  # ✗ in a cell after the id
        ("630013", "2026-11-20", "Valproate in pregnancy", "correct"),  # ✔️ in a cell before it
        ("630014", "2026-11-20", "Cryptococcal meningitis", "incorrect"),
    ]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT subject, category FROM questions WHERE qid = '630012'").fetchone() == (
            "Pathology",
            "Valvular disease",
        )
    assert assumptions(FIXTURES / "uworld-split-header.txt", tmp_path) == []


def test_a_whole_page_copied_finds_the_table_inside_it(srs, db_path, tmp_path):
    result = _paste(srs, "uworld-whole-page.txt")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("702301", "2026-11-20", "Wernicke encephalopathy", "correct"),
        ("702302", "2026-11-20", "Chronic granulomatous disease", "incorrect"),
        ("702303", "2026-11-20", "Long thoracic nerve", "correct"),
        ("702304", "2026-11-20", "Berylliosis", "incorrect"),
        ("702305", "2026-11-20", "SGLT2 inhibitors", "correct"),
    ]
    page = tmp_path / "page.txt"
    page.write_bytes((FIXTURES / "uworld-whole-page.txt").read_bytes())
    assert assumptions(page, tmp_path) == [
        "the paste holds more than the results table (on lines 11-15): 8 lines above it and 2 lines below it were ignored"
    ]


def test_a_table_without_marks_is_taken_as_misses_and_said(srs, db_path, tmp_path):
    result = _paste(srs, "uworld-no-marks.txt")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("815501", "2026-11-20", "Hereditary spherocytosis", "incorrect"),
        ("815502", "2026-11-20", "Cortisol and glucose", "incorrect"),
    ]
    assert assumptions(FIXTURES / "uworld-no-marks.txt", tmp_path) == [
        "no row of the pasted table has a ✓/✗ mark or a result: all 2 rows are taken as misses (incorrect)"
    ]


def test_rows_after_text_that_ends_the_table_are_an_error_not_dropped(srs, db_path):
    paste = (
        "ID\tSUBJECTS\tSYSTEMS\tCATEGORIES\tTOPICS\t% CORRECT OTHERS\tTIME SPENT\n"
        "1 - 900001\t✗\tPathology\tRenal\tGlomerular\tIgA nephropathy\t60%\t1 min\n"
        "a topic that wrapped onto its own line\n"
        "2 - 900002\t✓\tPathology\tRenal\tGlomerular\tMembranous nephropathy\t52%\t40 sec\n"
    )
    result = srs("import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste)
    assert result.exit_code == 1
    assert "<stdin>:4: this line looks like a row of the table, but it comes after line 3" in result.output
    assert stored(db_path) == []


def test_the_existing_paste_shape_still_reads(srs, db_path):
    paste = (Path(__file__).resolve().parents[1] / "fixtures" / "uworld-paste.txt").read_text(encoding="utf-8")
    assert srs("import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste).exit_code == 0
    assert [(q, r) for q, _, _, r in stored(db_path)] == [
        ("118154", "incorrect"), ("20931", "incorrect"), ("4410", "correct"), ("77123", "omitted"),
    ]  # fmt: skip


# -- the property: a header under 0-3 title rows, in every dialect ---------------------------


TITLES = st.sampled_from(
    ["My UWorld misses — block 1", "Fehlerprotokoll", "Step 1 dedicated, week 2", "Exported 2026-11-20",
     "colour = redo", "Misses (keep updated!)", "Qbank log"]
)  # fmt: skip
TOPICS = st.sampled_from(["Gout", "Type I hypersensitivity", "Hyperkaliämie, EKG", "RTA; type 4", "Wilson disease"])
KNOWN = {"date": ["Date", "Date attempted"], "topic": ["Topic", "Concept"], "result": ["Result", "Correct?"]}
DIALECT = st.sampled_from(["comma", "semicolon", "tab", "xlsx"])


@st.composite
def tables(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 4))
    qids = draw(st.lists(st.integers(10000, 999999), min_size=n, max_size=n, unique=True))
    days = [draw(st.integers(1, 18)) for _ in qids]
    topics = [draw(TOPICS) for _ in qids]
    results = [draw(st.sampled_from(["incorrect", "correct"])) for _ in qids]
    known = draw(st.booleans())  # False: the header names a qid and nothing else srs knows
    header = [draw(st.sampled_from(["QID", "Question ID", "Q#"]))]
    fields = ("date", "topic", "result")
    header += [draw(st.sampled_from(KNOWN[f])) if known else f"Spalte {c}" for f, c in zip(fields, "ABC", strict=True)]
    rows = [[str(q), f"2026-11-{d:02d}", t, r] for q, d, t, r in zip(qids, days, topics, results, strict=True)]
    titles = draw(st.lists(st.one_of(TITLES, st.just("")), max_size=3))
    return header, rows, titles, known


def _render(header, rows, titles, dialect, quoted, newline, bom) -> bytes:  # type: ignore[no-untyped-def]
    delimiter = {"comma": ",", "semicolon": ";", "tab": "\t"}[dialect]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL)  # fmt: skip
    for title in titles:
        out.write(title + newline)  # a title row: bare text, as typed above the table
    writer.writerow(header)
    writer.writerows(rows)
    if bom == "utf-16":  # Excel's "Unicode text": UTF-16 with its BOM
        return out.getvalue().encode("utf-16")
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=tables(),
    dialect=DIALECT,
    quoted=st.booleans(),
    newline=st.sampled_from(["\r\n", "\n"]),
    bom=st.sampled_from([False, True, "utf-16"]),
)
def test_a_header_under_title_rows_is_found_or_header_row_is_named(
    tmp_path_factory, table, dialect, quoted, newline, bom
):
    header, rows, titles, known = table
    folder = tmp_path_factory.mktemp("titled")
    if dialect == "xlsx":
        path = _book(folder, {"Log": [[t or None] for t in titles] + [header] + [[int(r[0]), *r[1:]] for r in rows]})
    else:
        path = folder / ("log.txt" if dialect == "tab" else "log.csv")  # the delimiter is sniffed
        path.write_bytes(_render(header, rows, titles, dialect, quoted, newline, bom))
    db = folder / "f.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(path), "--date", "2026-11-20"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if not known and any(titles):
        assert result.exit_code == 1, result.output  # a title row and a header srs cannot tell apart
        assert "--header-row N" in result.output
        assert stored(db) == []
        return
    assert result.exit_code == 0, result.output
    if known:
        expected = [(q, d, t, "incorrect" if r == "incorrect" else "correct") for q, d, t, r in rows]
    else:  # only the qid column is known: the date is --date's, nothing else is read
        expected = [(q, "2026-11-20", "", "incorrect") for q, _, _, _ in rows]
    assert stored(db) == sorted(expected)


def test_a_mark_column_with_no_name_and_emoji_marks_in_the_id_cell(srs, db_path):
    paste = (
        "\tID\tSUBJECTS\tSYSTEMS\tCATEGORIES\tTOPICS\t% CORRECT OTHERS\tTIME SPENT\n"
        "✓\t1 - 930001\tPhysiology\tPulmonary & Critical Care\tV/Q\tDead space\t66%\t30 sec\n"
        "\t2 - 930002 ✖️\tPathology\tRenal & Urinary System\tCysts\tADPKD\t70%\t1 min\n"
        "✗\t3 - 930003\tPharmacology\tEndocrine\tThyroid\tPropylthiouracil\t59%\t44 sec\n"
    )
    result = srs("import", "-", "--source", "uworld", "--date", "2026-11-20", input=paste)
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [
        ("930001", "2026-11-20", "Dead space", "correct"),
        ("930002", "2026-11-20", "ADPKD", "incorrect"),
        ("930003", "2026-11-20", "Propylthiouracil", "incorrect"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "misses.xls",
            '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>\n',
            "this is an Excel 2003 XML spreadsheet, which srs does not read; save it as .xlsx or CSV",
        ),
        (
            "misses.xls",
            "<html><body><table><tr><td>qid</td></tr></table></body></html>\n",
            "this is a web page (HTML), not a table file",
        ),
    ],
)
def test_documents_saved_with_a_spreadsheet_name_are_named(srs, write_log, db_path, name, content, message):
    result = srs("import", str(write_log(name, content)))
    assert result.exit_code == 1
    assert message in result.output
    assert stored(db_path) == []


def test_excels_sep_line_names_the_delimiter_and_is_not_a_title(srs, tmp_path, db_path):
    """Excel in a `;` locale writes (and reads) a first line `sep=;`: it says the delimiter,
    so it is neither a title row to mention nor a guess."""
    log = tmp_path / "excel-sep.csv"
    log.write_bytes(
        "sep=;\r\nQID;Datum;Thema;Ergebnis\r\n1001;03.11.2026;Gicht;falsch\r\n1002;04.11.2026;Lupus, SLE;richtig\r\n".encode(
            "cp1252"
        )
    )
    result = srs("import", str(log), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("1001", "2026-11-03", "Gicht", "incorrect"), ("1002", "2026-11-04", "Lupus, SLE", "correct")]
    assert "sep=" not in result.output and "header found" not in result.output
    assert not [a for a in assumptions(log, tmp_path) if "header" in a]
