"""A database at every earlier schema version migrates to the current one, data intact.

Fixtures are built, not stored: for each prefix of srs.store.migrations.MIGRATIONS a database
gets exactly those migrations and then that version's seed rows (plain SQL written for
that schema). Adding a migration without adding a seed for it fails
`test_every_migration_has_a_seed`, so the set grows with the schema.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlite_utils
from safety_helpers import integrity
from sqlite_utils.migrations import Migrations

from srs.derived import open_database as open_store
from srs.store import migrations
from srs.store.backup import list_backups
from srs.store.file import APPLICATION_ID

T = "2026-11-01T12:00:00.000+00:00"


def seed_m001(conn: sqlite3.Connection) -> None:
    """Rows as srs at schema m001 wrote them: a question, its miss and review, a card, settings."""
    conn.executescript(
        f"""
        INSERT INTO questions (id, source, qid, subject, subject_text, topic, prompt, objective, created_at, text_rank)
            VALUES (1, 'uworld', '82256', 'Immunology', 'Immuno', 'Type I hypersensitivity',
                    'What does tryptase show?', 'Mast cell degranulation', '{T}', '1|{T}');
        INSERT INTO questions (id, source, qid, created_at) VALUES (2, 'nbme', 'F33-B2-Q35', '{T}');
        INSERT INTO events (question_id, at, kind, result, key, recorded_at)
            VALUES (1, '{T}', 'qbank', 'incorrect', 'qbank|uworld|82256|2026-11-01', '{T}');
        INSERT INTO events (question_id, at, kind, rating, duration_ms, key, recorded_at)
            VALUES (1, '2026-11-02T09:00:00.000+00:00', 'review', 3, 8000, 'review|1|x', '{T}');
        INSERT INTO events (question_id, at, kind, result, key, recorded_at)
            VALUES (2, '{T}', 'qbank', 'correct', 'qbank|nbme|F33-B2-Q35|2026-11-01', '{T}');
        INSERT INTO cards (question_id, created_at, state, step, stability, difficulty, due, last_review, reps, lapses)
            VALUES (1, '{T}', 1, 1, 2.3065, 2.118, '2026-11-02T09:10:00.000+00:00', '2026-11-02T09:00:00.000+00:00', 1, 0);
        INSERT INTO imports (file, at, rows, new_cards, repeated_misses, correct, duplicates, invalid)
            VALUES ('misses.csv', '{T}', 2, 1, 0, 1, 0, 0);
        INSERT INTO config (key, value) VALUES ('new-per-day', '30');
        INSERT INTO config (key, value) VALUES ('_last-export-stamp', '1793664000');
        """
    )


def seed_m002(conn: sqlite3.Connection) -> None:
    """m001's rows, and question 1 recorded as sent to Anki."""
    seed_m001(conn)
    conn.execute(
        "INSERT INTO anki_notes (question_id, guid, notetype_version, position, first_exported, last_exported, exports) "
        f"VALUES (1, 'guid-1', 1, 0, '{T}', '{T}', 1)"
    )


def seed_m003(conn: sqlite3.Connection) -> None:
    """m003 only adds indexes: m002's rows."""
    seed_m002(conn)


def seed_m004(conn: sqlite3.Connection) -> None:
    """m003's rows with the miss totals and days m004 keeps (one miss, on 2026-11-01)."""
    seed_m003(conn)
    conn.executescript(
        """
        UPDATE questions SET topic_key = 'type i hypersensitivity' WHERE id = 1;
        UPDATE cards SET misses = 1, miss_mass = 1.0, last_day = 739557, topic_key = 'type i hypersensitivity',
            subject = 'Immunology' WHERE question_id = 1;
        INSERT INTO miss_groups VALUES ('topic', 'type i hypersensitivity', 1, 1.0), ('subject', 'Immunology', 1, 1.0);
        INSERT OR REPLACE INTO config (key, value) VALUES ('_miss-basis', '2461345.5 30.0');
        """
    )


def seed_m005(conn: sqlite3.Connection) -> None:
    """m004's rows, the card carrying its topic's totals."""
    seed_m004(conn)
    conn.execute("UPDATE cards SET topic_misses = 1, topic_mass = 1.0 WHERE question_id = 1")


def seed_m006(conn: sqlite3.Connection) -> None:
    """m005's rows, the failed exam's report with a band, and an NBME."""
    seed_m005(conn)
    conn.executescript(
        f"""
        INSERT INTO assessments (id, taken, kind, form, recorded_at) VALUES (1, '2026-10-01', 'step1', '', '{T}');
        INSERT INTO assessment_bands VALUES (1, 'Renal/Urinary', 'lower');
        INSERT INTO assessments (id, taken, kind, form, percent, recorded_at)
            VALUES (2, '2026-10-20', 'nbme', 'NBME 30', 58.0, '{T}');
        """
    )


def seed_m007(conn: sqlite3.Connection) -> None:
    """m006's rows (m007 changes no schema: it only marks the cards for a replay)."""
    seed_m006(conn)


def seed_m008(conn: sqlite3.Connection) -> None:
    """m007's rows, the question with a cloze sentence and one text edit."""
    seed_m007(conn)
    conn.executescript(
        """
        UPDATE questions SET cloze = 'Serum {{c1::tryptase}} rises', why_wrong = 'IgE is not a marker' WHERE id = 1;
        INSERT INTO text_events (question_id, at, field, value, key, recorded_at)
        VALUES (1, '2026-11-03T10:00:00.000+00:00', 'prompt', 'Which enzyme?', 'edit|1', '2026-11-03T10:00:00.000+00:00');
        """
    )


def seed_m009(conn: sqlite3.Connection) -> None:
    """m008's rows (m009 adds an index and refills the grouping keys)."""
    seed_m008(conn)


def seed_m010(conn: sqlite3.Connection) -> None:
    """m009's rows, question 1's miss with the reason its row gave (a kind per attempt)."""
    seed_m009(conn)
    conn.executescript(
        """
        UPDATE questions SET reason = 'did not know tryptase', reason_kind = 'knowledge gap' WHERE id = 1;
        UPDATE events SET reason_kind = 'knowledge gap' WHERE question_id = 1 AND kind = 'qbank';
        """
    )


SEEDS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "m001_initial": seed_m001,
    "m002_anki_notes": seed_m002,
    "m003_event_indexes": seed_m003,
    "m004_miss_totals": seed_m004,
    "m005_topic_copies": seed_m005,
    "m006_assessments": seed_m006,
    "m007_interday_steps": seed_m007,
    "m008_cloze_and_text_events": seed_m008,
    "m009_question_identity": seed_m009,
    "m010_event_reason_kinds": seed_m010,
}


def build_at(path: Path, version: int) -> Path:
    """A database with the first `version` migrations applied and that version's seed rows."""
    conn = sqlite3.connect(path)
    try:
        if version:
            registry = Migrations(migrations.SET_NAME)
            for migration in migrations.MIGRATIONS[:version]:
                registry(name=migration.__name__)(migration)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            registry.apply(sqlite_utils.Database(conn, execute_plugins=False))
            SEEDS[migrations.NAMES[version - 1]](conn)
            conn.commit()
        else:  # an SQLite file without tables (a zero-byte file is a damaged database: issue 14)
            conn.executescript("CREATE TABLE scratch (x); DROP TABLE scratch;")
    finally:
        conn.close()
    return path


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every srs table, in the columns that exist now (to compare after a migration)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        result = {}
        for table in tables:
            if table.startswith(("sqlite_", "_sqlite")):
                continue
            columns = ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
            result[table] = conn.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}").fetchall()
        return result


def restricted(after: dict[str, list[tuple]], before_path: Path, after_path: Path) -> dict[str, list[tuple]]:
    """The migrated rows in the old tables' columns only."""
    with (
        contextlib.closing(sqlite3.connect(before_path)) as old,
        contextlib.closing(sqlite3.connect(after_path)) as new,
    ):
        result = {}
        for table in snapshot(before_path):
            columns = ", ".join(r[1] for r in old.execute(f"PRAGMA table_info({table})"))
            result[table] = new.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}").fetchall()
        return without_added(result)


def without_added(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Leave out the config rows that migrations and the first use add (m004's miss basis;
    the time zone, recorded when the database is first opened: issue 14, item 5)."""
    if "config" in rows:
        rows = {**rows, "config": [r for r in rows["config"] if r[0] not in ("_miss-basis", "timezone")]}
    return rows


def test_every_migration_has_a_seed():
    assert list(SEEDS) == migrations.NAMES


@pytest.mark.parametrize("version", range(len(migrations.NAMES) + 1))
def test_a_database_at_each_version_migrates_with_its_data(tmp_path, version):
    db = build_at(tmp_path / "old.db", version)
    kept = tmp_path / "kept.db"
    kept.write_bytes(db.read_bytes())
    before = snapshot(db)

    with open_store(db) as store:
        applied = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == migrations.NAMES
    after, kept_rows = restricted(snapshot(db), kept, db), before
    if version < migrations.NAMES.index("m007_interday_steps") + 1:  # m007 replays the cards and totals from the log
        after, before = ({k: v for k, v in rows.items() if k not in ("cards", "miss_groups")} for rows in (after, before))
    assert after == without_added(before)
    assert integrity(db) == ["ok"]
    pending, has_data = version < len(migrations.NAMES), version > 0
    backups = list_backups(db)
    assert len(backups) == (1 if pending and has_data else 0)
    if backups:
        assert backups[0].reason == "migration" and snapshot(backups[0].path) == kept_rows


def test_m004_fills_the_miss_totals_from_the_log(tmp_path):
    """A database from before m004 gets topic keys, last review days and miss totals equal to
    what srs keeps for a new one (the weights as of now: one miss 21 days before NOW)."""
    db = build_at(tmp_path / "old.db", 3)
    with open_store(db) as store:
        assert store.conn.execute("SELECT topic_key FROM questions WHERE id = 1").fetchone() == (
            "type i hypersensitivity",
        )
        misses, mass, last_day = store.conn.execute(
            "SELECT misses, miss_mass, last_day FROM cards WHERE question_id = 1"
        ).fetchone()
        groups = {(kind, name): n for kind, name, n, _ in store.miss_groups()}
        basis = store.miss_basis()
        copies = store.conn.execute("SELECT topic_misses, topic_mass FROM cards WHERE question_id = 1").fetchone()
    assert copies == (1, mass)  # m005: the card carries its topic's totals
    assert misses == 1 and last_day == date(2026, 11, 2).toordinal()
    assert groups == {("topic", "type i hypersensitivity"): 1, ("subject", "Immunology"): 1}
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert mass * basis.scale(now) == pytest.approx(0.5 ** (21 / 30), rel=1e-9)


def test_m002_backfills_what_earlier_exports_sent_to_anki(tmp_path):
    """Data written at m001 (an export stamp after question 1's first miss) is carried into m002's table."""
    db = build_at(tmp_path / "m001.db", 1)
    with open_store(db) as store:
        rows = store.conn.execute("SELECT question_id, notetype_version, exports FROM anki_notes").fetchall()
    assert rows == [(1, 1, 1)]


def test_m007_replays_cards_with_the_interday_rule_and_doctor_agrees(tmp_path):
    """m001's card: missed on 1 Nov, answered Good on 2 Nov, stored in a 10-minute learning
    step as srs wrote it then. After m007 it is a review card, as the log now says, and
    `srs doctor` finds every card equal to its replay."""
    from srs.doctor import diagnose

    db = build_at(tmp_path / "old.db", 6)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT state, step FROM cards WHERE question_id = 1").fetchone() == (1, 1)
    with open_store(db) as store:
        state, step = store.conn.execute("SELECT state, step FROM cards WHERE question_id = 1").fetchone()
        assert "_derived-stale" not in store.config()
    assert (state, step) == (2, None)
    assert diagnose(db).ok
    assert [b.reason for b in list_backups(db)] == ["migration"]


def test_m007_gives_stored_attempts_their_study_day_keys(tmp_path):
    """Attempts at 02:30 (rollover 4 am, UTC) were keyed by their date; their study day is
    the day before. After m007 they have the key an import gives them now, so importing one
    again is a duplicate, not a second attempt. Where the study day's key is taken (a miss
    at 12:00 the day before), the attempt keeps its old key: both stay in the log."""
    from srs.ingest.importer import import_attempts
    from srs.ingest.misslog import Attempt
    from srs.settings import load

    db = build_at(tmp_path / "old.db", 6)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        for day in ("02", "05"):
            conn.execute(
                "INSERT INTO events (question_id, at, kind, result, key, recorded_at) VALUES "
                f"(1, '2026-11-{day}T02:30:00.000+00:00', 'qbank', 'correct', 'qbank|uworld|82256|2026-11-{day}', '{T}')"
            )
        conn.execute("INSERT OR REPLACE INTO config (key, value) VALUES ('timezone', 'UTC')")
        conn.commit()
    with open_store(db) as store:
        keys = [r[0] for r in store.conn.execute("SELECT key FROM events WHERE kind = 'qbank' ORDER BY id")]
        again = Attempt(2, "uworld", "82256", datetime(2026, 11, 5, 2, 30, tzinfo=UTC), "correct")
        summary = import_attempts(store, [again], load(store).scheduler(), file_label="again.csv",
                                  now=datetime(2026, 11, 22, tzinfo=UTC))  # fmt: skip
    assert keys == [
        "qbank|uworld|82256|2026-11-01", "qbank|nbme|F33-B2-Q35|2026-11-01",
        "qbank|uworld|82256|2026-11-02",  # 1 Nov's key is the miss's
        "qbank|uworld|82256|2026-11-04",
    ]  # fmt: skip
    assert summary.duplicates == 1
