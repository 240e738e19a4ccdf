"""Question identity on import (issue 15): the same question is one card however the student
spelled its id, its Qbank, its topic; a form question is known by form, block and number; a
file imported under another source stops instead of doubling every card; a pasted test is
known by its rows."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

from srs.derived import open_database
from srs.schedule.replay import replay_all
from srs.settings import load
from srs.store import open_store
from srs.store.backup import list_backups

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "misslogs" / "identity"


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def questions(db: Path) -> set[tuple[str, str]]:
    return set(rows(db, "SELECT source, qid FROM questions"))


def attempts(db: Path, source: str, qid: str) -> list[tuple[str, str]]:
    """(study day of the attempt, result) of a question's Qbank attempts, in time order."""
    return rows(
        db,
        "SELECT substr(e.at, 1, 10), e.result FROM events e JOIN questions q ON q.id = e.question_id "
        "WHERE q.source = ? AND q.qid = ? AND e.kind = 'qbank' ORDER BY e.at, e.id",
        source,
        qid,
    )


def cards(db: Path) -> int:
    return rows(db, "SELECT count(*) FROM cards")[0][0]


def dump(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [(t, conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()) for t in tables if t != "imports"]
    finally:
        conn.close()


# -- qids and sources however written ------------------------------------------------------


def test_a_uworld_sheet_with_qid_spellings_and_spreadsheet_floats(srs, db_path):
    result = srs("import", str(FIXTURES / "uworld-sheet.csv"))
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {("uworld", "118154"), ("uworld", "20931"), ("uworld", "4410"), ("other", "4410")}
    assert attempts(db_path, "uworld", "118154") == [
        ("2026-10-01", "incorrect"),
        ("2026-10-08", "correct"),
        ("2026-10-15", "incorrect"),
    ]
    assert attempts(db_path, "uworld", "20931") == [("2026-10-01", "incorrect"), ("2026-10-09", "correct")]
    assert cards(db_path) == 4
    # the row with an empty source cell is said, not hidden
    assert "rows without a source and no --source: 1 row read as source 'other'" in result.output


def test_an_amboss_log_keeps_ids_exact_and_case_sensitive(srs, db_path):
    result = srs("import", str(FIXTURES / "amboss-log.csv"))
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {
        ("amboss", "Bh0VT3"),
        ("amboss", "bh0vt3"),
        ("amboss", "BH0VT3"),
        ("amboss", "Kq7Zp1"),
    }
    assert attempts(db_path, "amboss", "Bh0VT3") == [("2026-11-02", "incorrect"), ("2026-11-05", "correct")]
    assert cards(db_path) == 4


def test_a_pasted_question_link_gives_its_id_and_bank(srs, write_log, db_path):
    log = write_log(
        "links.csv",
        "link,date,topic\n"
        "https://next.amboss.com/us/q/Zr4Tq9,2026-11-01,Addison disease\n"
        "https://apps.uworld.com/courseapp/usmle/v12/testinterface/launchtest?qid=118154,2026-11-01,Digoxin\n",
    )
    result = srs("import", str(log), "--map", "link=qid")
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {("amboss", "Zr4Tq9"), ("uworld", "118154")}
    assert "2 rows read as source" not in result.output  # each row's own bank, each said
    assert "1 row read as source 'amboss', as its question link names it" in result.output


def test_source_spellings_are_one_source(srs, write_log, db_path):
    log = write_log(
        "s.csv",
        "qid,source,date\n5,UW,2026-11-01\n5,U World,2026-11-02\n5,UWORLD,2026-11-03\n5,uworld step 1,2026-11-04\n"
        "6,Amboss,2026-11-01\n6,AMB,2026-11-02\n7,KTP,2026-11-01\n7,Kaplan,2026-11-02\n8,free 120,2026-11-01\n"
        "8,Free120,2026-11-02\n",
    )
    assert srs("import", str(log)).exit_code == 0
    assert questions(db_path) == {("uworld", "5"), ("amboss", "6"), ("kaplan", "7"), ("free120", "8")}
    assert len(attempts(db_path, "uworld", "5")) == 4


def test_no_source_at_all_is_an_assumption_said(srs, write_log, db_path):
    result = srs("import", str(write_log("n.csv", "qid,date\n1,2026-11-01\n2,2026-11-01\n")), "--dry-run")
    assert result.exit_code == 0
    assert "no source column and no --source: 2 rows read as source 'other'" in result.output


def test_the_rows_counted_as_other_are_the_rows_stored(srs, write_log, db_path):
    log = write_log("n.csv", "qid,date\n1,2026-11-01\n2,someday\n3,2026-11-02\n")
    result = srs("import", str(log), "--skip-invalid")
    assert result.exit_code == 0 and questions(db_path) == {("other", "1"), ("other", "3")}
    assert "no source column and no --source: 2 rows read as source 'other'" in result.output


# -- forms and blocks --------------------------------------------------------------------


def test_an_nbme_form_log_is_known_by_form_block_and_number(srs, db_path):
    result = srs("import", str(FIXTURES / "nbme-form-log.csv"), "--source", "nbme")
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {
        ("nbme", "F30/B1/Q17"),
        ("nbme", "F30/B1/Q23"),
        ("nbme", "F30/B2/Q17"),
        ("nbme", "F30/B2/Q41"),
        ("nbme", "F31/B1/Q17"),
        ("nbme", "F31/B2/Q17"),
    }
    # 'Form 30 / 1 / 17' a month later is the same question: a correct retake
    assert attempts(db_path, "nbme", "F30/B1/Q17") == [("2026-10-04", "incorrect"), ("2026-11-01", "correct")]
    assert rows(db_path, "SELECT topic FROM questions WHERE qid = 'F30/B2/Q17'") == [("Minimal change disease",)]
    assert cards(db_path) == 5  # Q41 of form 30 block 2 was never missed
    assert "two topics" not in result.output


def test_the_form_column_names_the_bank_when_nothing_else_does(srs, write_log, db_path):
    log = write_log("u.csv", "Exam,Q#,Topic\nUWSA 2,17,Hemochromatosis\nUWSA 1,17,Graves disease\n")
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {("uwsa", "F2/Q17"), ("uwsa", "F1/Q17")}
    assert "2 rows read as source 'uwsa', as their Form column names it" in result.output


def test_a_form_in_the_source_column(srs, write_log, db_path):
    log = write_log("f.csv", "Source,Q#,Date\nUWSA1,3,2026-11-01\nUW SA 2,3,2026-11-08\nNBME 30,3,2026-11-09\n")
    assert srs("import", str(log)).exit_code == 0
    assert questions(db_path) == {("uwsa", "F1/Q3"), ("uwsa", "F2/Q3"), ("nbme", "F30/Q3")}


def test_two_topics_for_one_number_is_said_not_refused(srs, write_log, db_path):
    log = write_log(
        "q.csv",
        "Q#,Date,Topic\n17,2026-10-04,Hereditary spherocytosis\n23,2026-10-04,Warfarin reversal\n"
        "17,2026-10-18,Pheochromocytoma\n17,2026-10-25,hereditary  spherocytosis\n",
    )
    result = srs("import", str(log), "--source", "nbme")
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {("nbme", "17"), ("nbme", "23")}
    assert len(attempts(db_path, "nbme", "17")) == 3
    assert (
        "question nbme 17 has two topics in this file ('Hereditary spherocytosis' on line 2, 'Pheochromocytoma' on "
        "line 4)" in result.output
    )
    assert '--map "Your Column=form"' in result.output
    assert result.output.count("two topics") == 1


def test_a_different_topic_in_a_later_import_is_no_warning(srs, write_log, db_path):
    srs("import", str(write_log("a.csv", "qid,date,topic\n5,2026-10-01,Gout\n")), "--source", "uworld")
    result = srs("import", str(write_log("b.csv", "qid,date,topic\n5,2026-10-09,Pseudogout\n")), "--source", "uworld")
    assert result.exit_code == 0 and "two topics" not in result.output


# -- Unicode and grouping ------------------------------------------------------------------


def test_nfd_topics_typed_on_a_mac_are_stored_nfc_and_group_with_nfc_ones(srs, write_log, db_path):
    assert srs("import", str(FIXTURES / "nfd-topics-mac.csv"), "--source", "uworld").exit_code == 0
    typed = write_log("win.csv", "qid,date,topic,system\n3201,2026-11-03,MÉNIÈRE DISEASE,otolaryngology\n")
    assert unicodedata.is_normalized("NFC", typed.read_text(encoding="utf-8"))
    assert srs("import", str(typed), "--source", "uworld").exit_code == 0
    stored = dict(rows(db_path, "SELECT qid, topic FROM questions"))
    assert stored["3101"] == "Ménière disease" and unicodedata.is_normalized("NFC", stored["3101"])
    assert stored["3201"] == "MÉNIÈRE DISEASE"  # shown as the student wrote it
    keys = dict(rows(db_path, "SELECT qid, topic_key FROM questions"))
    assert keys["3101"] == keys["3103"] == keys["3201"] == "ménière disease"
    weak = json.loads(srs("weak", "--json").output)
    topics = {a["name"]: a["misses"] for a in weak["topic"]}
    assert topics["Ménière disease"] == 3 and len(topics) == 3
    systems = {a["name"]: a["misses"] for a in weak["system"]}
    assert systems["Otolaryngology"] == 3  # 'otolaryngology' (not a USMLE name) filed under the stored spelling
    groups = rows(db_path, "SELECT name, misses FROM miss_groups WHERE kind = 'system' AND name LIKE 'oto%'")
    assert groups == [("Otolaryngology", 3)]
    assert srs("doctor").exit_code == 0


def test_an_nfd_qid_is_the_nfc_one(srs, write_log, db_path):
    nfd = unicodedata.normalize("NFD", "Qé1")
    srs("import", str(write_log("a.csv", f"qid,date\n{nfd},2026-11-01\n")), "--source", "amboss")
    srs("import", str(write_log("b.csv", "qid,date\nQé1,2026-11-02\n")), "--source", "amboss")
    assert questions(db_path) == {("amboss", "Qé1")}


def test_an_old_database_is_regrouped_by_todays_rule(tmp_path):
    """A database made before m009 (topic keys lower-cased only, two spellings of an unknown
    subject): opening it files them by the one grouping rule, each card's totals kept."""
    from test_migration_fixtures import build_at

    db = build_at(tmp_path / "m008.db", 8)
    nfd = unicodedata.normalize("NFD", "Ménière disease")
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO questions (id, source, qid, subject, topic, topic_key, created_at) VALUES (?, 'uworld', ?, ?, ?, ?, "
            "'2026-11-01T12:00:00.000+00:00')",
            [(10, "10", "Otology", nfd, nfd.lower()), (11, "11", "otology", "Ménière disease", "ménière disease")],
        )
    conn.close()
    with open_database(db) as store:
        stored = store.conn.execute("SELECT subject, topic_key FROM questions WHERE id IN (10, 11) ORDER BY id")
        assert stored.fetchall() == [("Otology", "ménière disease"), ("Otology", "ménière disease")]
        assert "_derived-stale" not in store.config()


# -- a file imported under another source ----------------------------------------------------

UW_LOG = "qid,date,topic\n118154,2026-11-01,Digoxin toxicity\n20931,2026-11-01,Fragile X\n4410,2026-11-02,Legionella\n"


def test_importing_again_with_the_source_stops_and_names_move_source(srs, write_log, db_path):
    log = write_log("uw.csv", UW_LOG)
    assert srs("import", str(log)).exit_code == 0
    before = dump(db_path)
    for extra in ((), ("--dry-run",)):
        result = srs("import", str(log), "--source", "UWorld", *extra)
        assert result.exit_code != 0
        assert (
            "3 of the 3 questions in this file are stored already under source 'other', not 'uworld'" in result.output
        )
        assert "srs questions move-source other uworld" in result.output
    assert dump(db_path) == before  # nothing written
    assert questions(db_path) == {("other", "118154"), ("other", "20931"), ("other", "4410")}


def test_importing_without_the_source_after_it_stops_and_names_the_source(srs, write_log, db_path):
    log = write_log("uw.csv", UW_LOG)
    assert srs("import", str(log), "--source", "uworld").exit_code == 0
    result = srs("import", str(log))
    assert result.exit_code != 0
    assert "stored already under source 'uworld', not 'other'" in result.output
    assert "import it with --source uworld" in result.output
    assert cards(db_path) == 3


def test_a_few_shared_ids_in_another_bank_are_not_the_same_questions(srs, write_log, db_path):
    """Kaplan numbers its questions too: two of ten ids that UWorld also has are chance."""
    uworld = "qid,date\n" + "".join(f"{n},2026-10-01\n" for n in range(1001, 1011))
    assert srs("import", str(write_log("uw.csv", uworld)), "--source", "uworld").exit_code == 0
    kaplan = "qid,date\n" + "".join(f"{n},2026-10-05\n" for n in [1001, 1002, *range(5001, 5009)])
    result = srs("import", str(write_log("k.csv", kaplan)), "--source", "kaplan")
    assert result.exit_code == 0, result.output
    assert len([q for q in questions(db_path) if q[0] == "kaplan"]) == 10 and cards(db_path) == 20


def test_half_is_not_most(srs, write_log, db_path):
    assert srs("import", str(write_log("a.csv", "qid,date\n1,2026-10-01\n2,2026-10-01\n"))).exit_code == 0
    log = write_log("b.csv", "qid,date\n1,2026-10-05\n2,2026-10-05\n3,2026-10-05\n")
    assert srs("import", str(log), "--source", "uworld").exit_code != 0  # 2 of 3: most
    log = write_log("c.csv", "qid,date\n1,2026-10-05\n3,2026-10-05\n")
    assert srs("import", str(log), "--source", "uworld").exit_code == 0  # 1 of 2: not most


def test_move_source_then_import_again_changes_nothing(srs, write_log, db_path):
    log = write_log("uw.csv", UW_LOG)
    srs("import", str(log))
    moved = srs("questions", "move-source", "other", "U World")
    assert moved.exit_code == 0, moved.output
    assert "Moved 3 questions from 'other' to 'uworld': 3 renamed, 0 merged" in moved.output
    assert questions(db_path) == {("uworld", "118154"), ("uworld", "20931"), ("uworld", "4410")}
    assert list_backups(db_path)  # backed up first, as an import is
    again = srs("import", str(log), "--source", "uworld")
    assert again.exit_code == 0, again.output
    assert "0 new cards" in again.output and "3 duplicates skipped" in again.output
    assert cards(db_path) == 3


def test_move_source_merges_with_the_same_question_and_replays_both_histories(srs, write_log, db_path):
    srs("import", str(write_log("a.csv", "qid,date,topic\n118154,2026-10-01,Digoxin toxicity\n")), "--source", "uworld")
    other = write_log(
        "b.csv",
        "qid,date,topic,objective\n118154.0,2026-10-01,Digoxin,Hyperkalemia marks toxicity\n"
        "118154,2026-10-20,Digoxin,\n1.18155E+05,2026-10-03,Lupus,\n",
    )
    assert srs("import", str(other)).exit_code == 0  # 'other': 118154 (118154.0 is a spreadsheet's) and 1.18155E+05
    assert questions(db_path) == {("uworld", "118154"), ("other", "118154"), ("other", "1.18155E+05")}
    dry = srs("questions", "move-source", "other", "uworld", "--dry-run")
    assert "Would move 2 questions" in dry.output and ("other", "118154") in questions(db_path)
    result = srs("questions", "move-source", "other", "uworld")
    assert result.exit_code == 0, result.output
    assert "1 renamed, 1 merged" in result.output and "1 attempt both held, kept once" in result.output
    assert questions(db_path) == {("uworld", "118154"), ("uworld", "118155")}
    assert attempts(db_path, "uworld", "118154") == [("2026-10-01", "incorrect"), ("2026-10-20", "incorrect")]
    text = rows(db_path, "SELECT topic, objective FROM questions WHERE qid = '118154'")
    assert text == [("Digoxin toxicity", "Hyperkalemia marks toxicity")]  # its own topic; the empty objective filled
    with open_store(db_path) as store:
        replayed = {i: r.card for i, r in replay_all(store, load(store).scheduler()) if r is not None}
        assert store.cards() == replayed and len(replayed) == 2
        assert store.cards()[store.find_question_id("uworld", "118154")].reps == 1  # the 10-20 miss is its recall
    assert srs("doctor").exit_code == 0


def test_move_source_refuses_what_it_cannot_do(srs, write_log, db_path):
    srs("import", str(write_log("a.csv", "qid\n1\n")), "--source", "uworld")
    nothing = srs("questions", "move-source", "kaplan", "uworld")
    assert (
        nothing.exit_code != 0
        and "no questions are stored under source 'kaplan' (sources: uworld (1))" in nothing.output
    )
    same = srs("questions", "move-source", "UW", "uworld")
    assert same.exit_code != 0 and "both the source 'uworld'" in same.output


# -- pasted tests without dates ----------------------------------------------------------------

TEST_A = (
    "ID\tSUBJECTS\tSYSTEMS\tCATEGORIES\tTOPICS\t% CORRECT OTHERS\tTIME SPENT\n"
    "1 - 118154\tPharmacology\tCardiovascular System\tAntiarrhythmics\tDigoxin toxicity\t61%\t40 sec\n"
    "2 - 20931\tBiochemistry\tGenetics\tTrinucleotide repeats\tFragile X syndrome\t70%\t1 min\n"
    "3 - 4410\tMicrobiology\tInfectious Diseases\tBacteria\tLegionella\t52%\t58 sec\n"
)
TEST_B = (  # another day's test: 118154 again, then two new ones
    "ID\tSUBJECTS\tSYSTEMS\tCATEGORIES\tTOPICS\t% CORRECT OTHERS\tTIME SPENT\n"
    "1 - 118154\tPharmacology\tCardiovascular System\tAntiarrhythmics\tDigoxin toxicity\t61%\t35 sec\n"
    "2 - 30001\tPharmacology\tRenal\tDiuretics\tLoop diuretics\t48%\t1 min\n"
    "3 - 30002\tPhysiology\tRenal\tAcid-base\tMetabolic acidosis\t57%\t2 min\n"
)


def test_the_same_test_pasted_twice_counts_once(srs, db_path):
    assert srs("import", "-", "--source", "uworld", input=TEST_A).exit_code == 0
    log = "SELECT question_id, at, result, key FROM events ORDER BY id"
    before = rows(db_path, log), rows(db_path, "SELECT * FROM cards ORDER BY 1")
    again = srs("import", "-", "--source", "uworld", input=TEST_A)
    assert "0 new cards" in again.output and "3 duplicates skipped" in again.output
    lines = TEST_A.splitlines(keepends=True)
    reordered = srs("import", "-", "--source", "uworld", input=lines[0] + "".join(reversed(lines[1:])))
    assert "3 duplicates skipped" in reordered.output  # the table sorted by another column
    assert (rows(db_path, log), rows(db_path, "SELECT * FROM cards ORDER BY 1")) == before


def test_another_test_sharing_a_question_is_a_new_attempt(srs, db_path):
    assert srs("import", "-", "--source", "uworld", input=TEST_A).exit_code == 0
    result = srs("import", "-", "--source", "uworld", input=TEST_B)
    assert "3 rows read: 2 new cards, 1 repeated miss" in result.output
    assert len(attempts(db_path, "uworld", "118154")) == 2
    assert cards(db_path) == 5


def test_part_of_a_test_pasted_again_counts_once(srs, db_path):
    assert srs("import", "-", "--source", "uworld", input=TEST_A).exit_code == 0
    part = "".join(TEST_A.splitlines(keepends=True)[:3])
    assert "2 duplicates skipped" in srs("import", "-", "--source", "uworld", input=part).output


def test_undated_keys_of_earlier_versions_are_still_recognised(srs, db_path):
    """Before issue 15 an undated row was keyed by its order alone ('...|undated|1')."""
    assert srs("import", "-", "--source", "uworld", input=TEST_A).exit_code == 0
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE events SET key = substr(key, 1, instr(key, '|undated|') + 8) || '1' WHERE key LIKE '%|undated|%'"
        )
    conn.close()
    assert {k for (k,) in rows(db_path, "SELECT key FROM events")} == {
        "qbank|uworld|118154|undated|1",
        "qbank|uworld|20931|undated|1",
        "qbank|uworld|4410|undated|1",
    }
    again = srs("import", "-", "--source", "uworld", input=TEST_A)
    assert "3 duplicates skipped" in again.output
    other = srs("import", "-", "--source", "uworld", input=TEST_B)
    assert "1 repeated miss" in other.output  # one shared question of three is not this paste


def test_an_undated_log_file_twice(srs, write_log, db_path):
    content = "qid,topic\n7,Gout\n7,Gout\n8,Lupus\n"
    first = srs("import", str(write_log("u.csv", content)), "--source", "uworld")
    assert "3 rows read: 2 new cards, 1 repeated miss" in first.output
    assert "3 duplicates skipped" in srs("import", str(write_log("u.csv", content)), "--source", "uworld").output
    assert len(attempts(db_path, "uworld", "7")) == 2
