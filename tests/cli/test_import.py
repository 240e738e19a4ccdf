"""`srs import`: the documented format, the counting rules, and errors that change nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from srs.schedule.replay import replay_all
from srs.schedule.scheduler import Rating, State
from srs.settings import load
from srs.store import open_store

HEADER = "qid,source,date,subject,system,topic,result,objective\n"


def dump(db: Path) -> list[tuple]:
    """Every row of every table: to prove an import changed nothing."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [(t, conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()) for t in tables]
    finally:
        conn.close()


def reviews(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT kind, result, rating FROM events ORDER BY at, id").fetchall()
    finally:
        conn.close()


def test_first_miss_makes_a_card_later_attempts_are_recalls(srs, write_log, db_path):
    log = write_log(
        "m.csv",
        HEADER
        + "101,uworld,2026-10-01,Immunology,Multisystem,Type I hypersensitivity,incorrect,IgE cross-links\n"
        + "101,uworld,2026-10-05,Immunology,Multisystem,Type I hypersensitivity,incorrect,\n"
        + "101,uworld,2026-10-20,Immunology,Multisystem,Type I hypersensitivity,correct,\n"
        + "202,uworld,2026-10-02,Pharmacology,Renal,Diuretics,correct,\n",
    )
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "4 rows read: 1 new card, 1 repeated miss, 2 correct attempts, 0 duplicates skipped\n"
        "New cards: 0 test a fact (your prompt or a cloze), 1 uses a generic prompt "
        "(`srs cards --weak-prompts` lists them; `srs edit QID` fixes one)"
    )
    with open_store(db_path) as store:
        cards = store.cards()
        assert len(cards) == 1  # a question only answered correctly gets no card
        (card,) = cards.values()
        # created new on 10-01, Again on 10-05 (a failed recall), Good on 10-20:
        # 15 study days after the Again its learning steps are over: the Good graduates it
        # (the interday rule, docs/scheduling.md; main left it in a 10-minute step)
        assert card.reps == 2
        assert (card.state, card.step) == (State.Review, None)
        assert card.last_review is not None and card.last_review.date().isoformat() == "2026-10-20"
        question = store.find_question("uworld", "101")
        assert question is not None and question.objective == "IgE cross-links"


def test_importing_the_same_file_twice_changes_nothing(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    before = dump(db_path)
    result = srs("import", str(sample))
    assert result.exit_code == 0
    assert "93 rows read: 0 new cards, 0 repeated misses, 0 correct attempts, 93 duplicates skipped" in result.output
    after = dump(db_path)
    assert [t for t in after if t[0] != "imports"] == [t for t in before if t[0] != "imports"]


def test_undated_rows_are_counted_once_per_occurrence(srs, write_log, db_path):
    log = write_log("u.csv", "qid,topic\n7,Gout\n7,Gout\n8,Lupus\n")
    first = srs("import", str(log))
    assert "3 rows read: 2 new cards, 1 repeated miss" in first.output
    second = srs("import", str(log))
    assert "3 duplicates skipped" in second.output
    with open_store(db_path) as store:
        assert store.card_count() == 2


def test_older_log_imported_later_is_replayed_in_time_order(srs, write_log, db_path):
    srs("import", str(write_log("new.csv", "qid,date\n5,2026-11-01\n")))
    srs("import", str(write_log("old.csv", "qid,date\n5,2026-10-01\n")))
    with open_store(db_path) as store:
        rebuilt = dict(replay_all(store, load(store).scheduler()))
        (question_id,) = store.cards()
        assert rebuilt[question_id].created.date().isoformat() == "2026-10-01"
        assert store.cards()[question_id] == rebuilt[question_id].card
        assert store.cards()[question_id].reps == 1  # the 11-01 miss is now a repeat: Again


def test_tsv_bom_crlf_and_case_insensitive_headers(srs, write_log, db_path):
    content = "\ufeffQID\tSource\tDATE\tTopic\r\n9\tAMBOSS\t2026-11-01 08:30\tAsthma\r\n"
    log = write_log("m.tsv", content.encode("utf-8"))
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    with open_store(db_path) as store:
        question = store.find_question("amboss", "9")
        assert question is not None and question.topic == "Asthma"


def test_source_option_and_default(srs, write_log, db_path):
    srs("import", str(write_log("a.csv", "qid\n1\n")), "--source", "UWorld")
    srs("import", str(write_log("b.csv", "qid\n2\n")))
    with open_store(db_path) as store:
        assert store.find_question("uworld", "1") is not None
        assert store.find_question("other", "2") is not None


def test_correct_row_does_not_overwrite_the_missed_answer(srs, write_log, db_path):
    log = write_log(
        "m.csv",
        "qid,date,result,my_answer,correct_answer\n"
        "3,2026-10-01,incorrect,Losartan,Lisinopril\n"
        "3,2026-10-09,correct,Lisinopril,Lisinopril\n",
    )
    srs("import", str(log))
    with open_store(db_path) as store:
        question = store.find_question("other", "3")
        assert question is not None and question.my_answer == "Losartan"


def test_omitted_counts_as_a_miss(srs, write_log, db_path):
    result = srs("import", str(write_log("o.csv", "qid,result\n4,omitted\n")))
    assert "1 new card" in result.output
    assert reviews(db_path) == [("qbank", "omitted", None)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("stem,date\n1,2026-10-01\n", "m.csv:1: no question-id column (found: stem, date)"),
        (
            "qid,source,date\n1,uworld,2026-10-01\n2,uworld,31/31/2026\n",
            "m.csv:3: column 'date': '31/31/2026' is not a date",
        ),
        ("qid,result\n1,maybe\n", "m.csv:2: column 'result': 'maybe' is not a result"),
        ("qid,date\n1,2999-01-01\n", "m.csv:2: column 'date': '2999-01-01' is in the future"),
        ("qid,topic\n,Gout\n", "m.csv:2: column 'qid': the question id is empty"),
        ("qid,topic\n1,Gout,extra\n", "m.csv:2: column 3: this row has 3 cells but the header names fewer"),
        ("qid,QID\n1,2\n", "m.csv:1: column 2: columns 'qid' and 'QID' both mean qid"),
        ("", "m.csv: the file is empty"),
    ],
)
def test_bad_file_names_the_place_and_changes_nothing(srs, write_log, sample, db_path, content, message):
    srs("import", str(sample))
    before = dump(db_path)
    log = write_log("m.csv", content)
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert str(log.parent / message) in result.output
    assert "Traceback" not in result.output
    assert dump(db_path) == before


def test_windows_1252_is_the_fallback(srs, write_log, db_path):
    log = write_log("m.csv", "qid,topic\n1,Gout\n2,Caf\xe9 au lait \u2013 spots\n".encode("cp1252"))
    result = srs("import", str(log))
    assert result.exit_code == 0, result.output
    with open_store(db_path) as store:
        question = store.find_question("other", "2")
        assert question is not None and question.topic == "Caf\xe9 au lait \u2013 spots"


def test_undecodable_bytes_point_at_line_and_column(srs, write_log, db_path):
    # 0x81 is neither UTF-8 nor Windows-1252
    log = write_log("m.csv", b"qid,topic\n1,Gout\n2,Caf\x81 au lait\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert f"Error: {log}:3: column 6: byte 0x81 is not text" in result.output


def test_error_in_the_last_row_leaves_no_partial_import(srs, write_log, db_path):
    rows = "".join(f"{i},2026-10-01\n" for i in range(500))
    log = write_log("big.csv", "qid,date\n" + rows + "501,not-a-date\n")
    result = srs("import", str(log))
    assert result.exit_code == 1
    assert f"{log}:502: column 'date': 'not-a-date' is not a date" in result.output
    assert "1 invalid row; nothing was imported" in result.output
    with open_store(db_path) as store:
        assert store.card_count() == 0
        assert store.questions() == []


def test_missing_file_is_a_usage_error(srs, tmp_path):
    result = srs("import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_reads_standard_input(srs, db_path):
    result = srs("import", "-", "--source", "nbme", input="qid,topic\n77,Gout\n")
    assert result.exit_code == 0, result.output
    assert "1 new card" in result.output


def test_failed_recall_is_again_in_the_log(srs, write_log, db_path):
    srs("import", str(write_log("m.csv", "qid,date\n1,2026-10-01\n1,2026-10-02\n")))
    with open_store(db_path) as store:
        (card,) = store.cards().values()
        assert card.reps == 1 and card.state == State.Learning  # one Again on a new card
        assert card.last_review is not None and card.last_review.day == 2
    assert Rating.Again == 1
