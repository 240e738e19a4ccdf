"""`srs doctor`: finds a damaged file, a broken foreign key, and every card that is not
the replay of its log; says how to repair; `--repair` rebuilds in one transaction."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from safety_helpers import cards_equal_replay, counts
from test_backup import _damage

from srs.store.backup import list_backups


def sql(db: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def test_a_sound_database_passes(srs, sample):
    assert srs("import", str(sample)).exit_code == 0
    result = srs("doctor")
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == [
        "  integrity_check: ok",
        "  foreign_key_check: ok",
        "  cards: all 77 equal the replay of their log",
        "  miss totals by topic, subject and system: ok",
        "No problems found.",
    ]


def test_cards_that_differ_from_their_log_are_found_and_repaired(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    sql(
        db_path,
        "UPDATE cards SET lapses = lapses + 1 WHERE question_id = 3",
        "UPDATE cards SET due = '2030-01-01T00:00:00.000+00:00' WHERE question_id = 4",
        "DELETE FROM cards WHERE question_id = 5",
        "INSERT INTO questions (source, qid, created_at) VALUES ('uworld', 'NO-MISS', '2026-01-01T00:00:00.000+00:00')",
        "INSERT INTO cards (question_id, created_at, state, due, reps, lapses) "
        "SELECT id, created_at, 1, created_at, 0, 0 FROM questions WHERE qid = 'NO-MISS'",
    )
    result = srs("doctor")
    assert result.exit_code == 1
    assert "cards: 4 differ from the replay of their log:" in result.output
    assert "(differs)" in result.output and "(missing)" in result.output and "UWorld #NO-MISS (extra)" in result.output
    assert "To repair: srs doctor --repair" in result.output
    assert not cards_equal_replay(db_path)

    repaired = srs("doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "Rebuilt the cards from the log (4 were wrong)" in repaired.output
    assert repaired.output.endswith("No problems found.\n")
    assert cards_equal_replay(db_path)
    assert counts(db_path)["cards"] == 77
    (before,) = list_backups(db_path)
    assert before.reason == "repair" and counts(before.path)["cards"] == 77  # the unrepaired state, kept


def test_a_broken_foreign_key_is_reported(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    sql(
        db_path,
        "INSERT INTO events (question_id, at, kind, result, key, recorded_at) VALUES "
        "(9999, '2026-01-01T00:00:00.000+00:00', 'qbank', 'incorrect', 'orphan', '2026-01-01T00:00:00.000+00:00')",
    )
    result = srs("doctor")
    assert result.exit_code == 1
    assert "foreign_key_check: 1 rows point to missing rows" in result.output
    assert "restore" in result.output


def test_a_damaged_file_is_reported_with_the_newest_good_backup(srs, sample, db_path, tmp_path):
    assert srs("import", str(sample)).exit_code == 0
    assert srs("backup").exit_code == 0
    good = list_backups(db_path)[0].path
    assert srs("import", str(sample)).exit_code == 0  # an import makes a newer (good) backup
    newest = next(b.path for b in list_backups(db_path) if b.reason == "import")
    _damage(newest)  # ...which is then damaged itself: the doctor must skip it
    _damage(db_path)

    result = srs("doctor")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1].startswith("  integrity_check: ") and "problems:" in lines[1]
    assert "The file is damaged: srs cannot repair it." in lines
    assert lines[-1] == f"  srs --db {db_path} restore {good}"

    repaired = srs("doctor", "--repair")  # nothing it can do, and it says so
    assert repaired.exit_code == 1
    assert repaired.output == result.output


def test_doctor_without_a_database(srs, db_path):
    result = srs("doctor")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no database at")
    assert not db_path.exists()


def test_miss_totals_and_study_days_that_drift_are_found_and_repaired(srs, sample, db_path):
    """What srs keeps beside each card for the queue (miss totals, study days, the topic it is
    ranked under) and the totals by topic, subject and system are checked against a recount."""
    assert srs("import", str(sample)).exit_code == 0
    assert srs("doctor").exit_code == 0
    sql(
        db_path,
        "UPDATE cards SET misses = misses + 1 WHERE question_id = 3",
        "UPDATE cards SET topic_key = 'somewhere else' WHERE question_id = 4",
        "UPDATE miss_groups SET mass = mass * 2 WHERE kind = 'subject'",
    )
    result = srs("doctor")
    assert result.exit_code == 1
    assert "cards: 2 differ" in result.output
    assert "miss totals by topic, subject and system: differ from a recount of the cards" in result.output
    repaired = srs("doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.endswith("No problems found.\n")


def test_a_card_whose_copy_of_its_topic_totals_drifted_is_found_and_repaired(srs, sample, db_path):
    """The ranking reads a topic's totals from each card's copy: a copy that differs is reported."""
    assert srs("import", str(sample)).exit_code == 0
    sql(db_path, "UPDATE cards SET topic_mass = topic_mass + 0.5 WHERE question_id = 2")
    result = srs("doctor")
    assert result.exit_code == 1
    assert "miss totals by topic, subject and system: differ from a recount of the cards" in result.output
    repaired = srs("doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert srs("doctor").exit_code == 0


# -- a garbled stored time (issue 14, item 7) ------------------------------------

GARBLED = "2026-13-45T99:00:00"
READERS = [("doctor",), ("optimize",), ("evaluate",), ("config", "set", "desired-retention", "0.85"),
           ("review",), ("due",), ("queue",), ("weak",)]  # fmt: skip


def _garble_an_event(db_path: Path) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        (event_id,) = conn.execute("SELECT id FROM events WHERE question_id = 3 ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE events SET at = ? WHERE id = ?", (GARBLED, event_id))
        conn.commit()
    return event_id


def test_a_garbled_event_time_fails_every_reader_with_one_line(srs, sample, db_path):
    from safety_helpers import assert_clean_error

    assert srs("import", str(sample)).exit_code == 0
    event_id = _garble_an_event(db_path)
    for command in READERS:
        if command == ("doctor",):
            continue
        result = srs(*command, input="q\n")
        if result.exit_code == 0:  # a reader that never reads that row may succeed
            assert "Traceback" not in result.output
            assert command in (("due",), ("queue",), ("weak",), ("review",)), (command, result.output)
            continue
        assert_clean_error(result.exit_code, result.output, "table events", f"row {event_id}", GARBLED)
    for command in [("optimize",), ("evaluate",), ("config", "set", "desired-retention", "0.85")]:
        result = srs(*command)
        assert_clean_error(result.exit_code, result.output, "table events", f"row {event_id}", GARBLED)


def test_doctor_reports_a_garbled_time_in_the_log_and_names_the_good_backup(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    assert srs("backup").exit_code == 0
    event_id = _garble_an_event(db_path)
    result = srs("doctor")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"table events, row {event_id}: at '{GARBLED}' is not a time" in result.output
    assert "restore the newest good backup" in result.output
    assert srs("doctor", "--repair").exit_code == 1  # the log cannot be rebuilt from itself


def test_doctor_repairs_a_garbled_time_in_a_card(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    sql(db_path, f"UPDATE cards SET due = 'garbage', last_review = '{GARBLED}' WHERE question_id = 4")
    result = srs("doctor")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "table cards, row question_id 4: due 'garbage' is not a time" in result.output
    assert "To repair: srs doctor --repair" in result.output
    repaired = srs("doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.endswith("No problems found.\n")
    assert cards_equal_replay(db_path)
