"""Numbered schema migrations, recorded in the database by sqlite-utils.

Add a migration as a new function at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

SET_NAME = "srs"


def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            qid TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            subject_text TEXT NOT NULL DEFAULT '',
            system TEXT NOT NULL DEFAULT '',
            system_text TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            prompt TEXT NOT NULL DEFAULT '',
            objective TEXT NOT NULL DEFAULT '',
            explanation TEXT NOT NULL DEFAULT '',
            my_answer TEXT NOT NULL DEFAULT '',
            correct_answer TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            reason_kind TEXT NOT NULL DEFAULT '',
            text_rank TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            UNIQUE (source, qid)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions(id),
            at TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('qbank', 'review')),
            result TEXT CHECK (result IN ('incorrect', 'correct', 'omitted', 'guessed')),
            rating INTEGER CHECK (rating BETWEEN 1 AND 4),
            duration_ms INTEGER,
            key TEXT NOT NULL UNIQUE,
            recorded_at TEXT NOT NULL,
            CHECK ((kind = 'qbank') = (result IS NOT NULL)),
            CHECK ((kind = 'review') = (rating IS NOT NULL))
        );
        CREATE INDEX events_by_question ON events (question_id, at);
        CREATE TABLE cards (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id),
            created_at TEXT NOT NULL,
            state INTEGER NOT NULL,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due TEXT NOT NULL,
            last_review TEXT,
            reps INTEGER NOT NULL,
            lapses INTEGER NOT NULL
        );
        CREATE INDEX cards_by_due ON cards (due);
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            at TEXT NOT NULL,
            rows INTEGER NOT NULL,
            new_cards INTEGER NOT NULL,
            repeated_misses INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            invalid INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE config (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )


def m002_anki_notes(db: sqlite_utils.Database) -> None:
    """Which questions went to Anki, when, with which note type version and new-card position.

    `srs export --new-only` skips them; a later export keeps each note on the note
    type version and position it was first exported with (see srs.anki.notetype, srs.anki.package).
    """
    db.executescript(
        """
        CREATE TABLE anki_notes (
            question_id INTEGER PRIMARY KEY REFERENCES questions(id),
            guid TEXT NOT NULL UNIQUE,
            notetype_version INTEGER NOT NULL,
            position INTEGER,
            first_exported TEXT,
            last_exported TEXT,
            exports INTEGER NOT NULL DEFAULT 0
        );
        """
    )
    _backfill_anki_notes(db)


def _backfill_anki_notes(db: sqlite_utils.Database) -> None:
    """Exports made before this table existed wrote every card there was (note type v1):
    record the questions whose first miss was imported before the last of them."""
    stamp = db.execute("SELECT value FROM config WHERE key = '_last-export-stamp'").fetchone()
    if stamp is None:
        return
    import genanki

    exported = datetime.fromtimestamp(int(stamp[0]), UTC)  # whole seconds, cut down
    at = exported.isoformat(timespec="milliseconds")
    before = (exported + timedelta(seconds=1)).isoformat(timespec="milliseconds")
    rows = db.execute(
        "SELECT q.id, q.source, q.qid FROM questions q JOIN cards c ON c.question_id = q.id "
        "WHERE (SELECT min(e.recorded_at) FROM events e WHERE e.question_id = q.id "
        "AND e.kind = 'qbank' AND e.result IN ('incorrect', 'omitted', 'guessed')) < ?",
        [before],
    ).fetchall()
    for question_id, source, qid in rows:
        db.execute(
            "INSERT INTO anki_notes (question_id, guid, notetype_version, first_exported, last_exported, exports) "
            "VALUES (?, ?, 1, ?, ?, 1)",
            [question_id, genanki.guid_for("srs", source, qid), at, at],
        )


def m003_event_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for what every review start asks: today's answers, and the misses.

    Without them a database of a million reviews is scanned whole at each start.
    """
    db.executescript(
        """
        CREATE INDEX events_by_kind_time ON events (kind, at);
        CREATE INDEX events_misses ON events (question_id, at)
            WHERE (kind = 'qbank' AND result IN ('incorrect', 'omitted', 'guessed'))
               OR (kind = 'review' AND rating = 1);
        """
    )


def m004_miss_totals(db: sqlite_utils.Database) -> None:
    """Miss totals kept up to date, so today's queue is one indexed, ranked query.

    Each card holds its question's misses and their weight against a fixed epoch
    (`miss_mass`, see `Store.refresh_misses`), the study day of its last review
    (`last_day`, so recall can be computed in SQL), the day it falls due at the
    high-yield retention (`tier_day`), and a copy of its question's
    normalised topic, subject and system (the queue ranks on the cards table
    alone); `miss_groups` sums the misses by topic, subject and system. The new
    columns are filled from the log by `backfill_miss_totals`. The misses index of
    m003 goes: nothing scans all misses any more, and it cost every import a
    third of its time.
    """
    db.executescript(
        """
        ALTER TABLE questions ADD COLUMN topic_key TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN misses INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cards ADD COLUMN miss_mass REAL NOT NULL DEFAULT 0;
        ALTER TABLE cards ADD COLUMN last_day INTEGER;
        ALTER TABLE cards ADD COLUMN tier_day INTEGER;
        ALTER TABLE cards ADD COLUMN topic_key TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN subject TEXT NOT NULL DEFAULT '';
        ALTER TABLE cards ADD COLUMN system TEXT NOT NULL DEFAULT '';
        CREATE TABLE miss_groups (
            kind TEXT NOT NULL CHECK (kind IN ('topic', 'subject', 'system')),
            name TEXT NOT NULL,
            misses INTEGER NOT NULL,
            mass REAL NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID;
        CREATE INDEX miss_groups_by_misses ON miss_groups (kind, misses);
        CREATE INDEX cards_new ON cards (topic_key, subject, system, miss_mass, misses, due, last_day, stability)
            WHERE reps = 0;
        CREATE INDEX cards_studied ON cards (state, due) WHERE reps > 0;
        CREATE INDEX cards_tier ON cards (topic_key, tier_day) WHERE state = 2;
        DROP INDEX events_misses;
        """
    )
    db.executescript(FILL_LATER_SQL.format(what="fill"))  # filled from the log by today's rules (srs.derived)
    db.executescript(
        """
        INSERT OR REPLACE INTO config (key, value)
        SELECT '_miss-basis', (CAST(julianday('now') AS INTEGER) + 0.5) || ' ' ||
               coalesce((SELECT value FROM config WHERE key = 'miss-half-life'), '30.0');
        """
    )


def m005_topic_copies(db: sqlite_utils.Database) -> None:
    """Each card keeps a copy of its topic's miss totals, so ranking needs no lookup per card.

    `topic_misses` and `topic_mass` are its topic's totals in `miss_groups` (its
    own, when it has no topic), updated whenever those change
    (`Store.spread_topic_totals`). New cards are indexed by subject and system,
    then by topic weight plus half their own: within one subject and system the
    score of a new card follows that order, so the first new cards are a few
    index steps per subject and system (`ranking._TOP_NEW_SQL`). The index of
    studied cards by state and due date holds what the score reads, so due cards
    are ranked without reading their rows. One index on the topic serves both
    the high-yield tier and updating a topic's cards.
    """
    db.executescript(
        """
        ALTER TABLE cards ADD COLUMN topic_misses INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cards ADD COLUMN topic_mass REAL NOT NULL DEFAULT 0;
        DROP INDEX cards_new;
        DROP INDEX cards_tier;
        DROP INDEX cards_studied;
        CREATE INDEX cards_by_topic ON cards (topic_key, tier_day);
        """
    )
    db.executescript(FILL_LATER_SQL.format(what="spread"))
    db.executescript(
        """
        CREATE INDEX cards_new ON cards (subject, system, topic_mass + 0.5 * miss_mass DESC, due) WHERE reps = 0;
        CREATE INDEX cards_studied ON cards (state, due, last_day, stability, topic_mass, miss_mass, misses,
            topic_misses, subject, system, reps) WHERE reps > 0;
        """
    )


def m006_assessments(db: sqlite_utils.Database) -> None:
    """Self-assessments (NBME, UWSA, ..., and the failed exam's own report) and the
    content-area bands their score reports give (`srs score`, `srs ready`).

    A score is kept as the report gives it (equated percent, pass probability, scaled
    score), none converted into another; one entry per date, kind and form. A band is
    a USMLE system or discipline against overall performance; it goes with its assessment.
    """
    db.executescript(
        """
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            taken TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('nbme', 'uwsa', 'free120', 'cbssa', 'step1', 'other')),
            form TEXT NOT NULL DEFAULT '',
            percent REAL CHECK (percent BETWEEN 0 AND 100),
            pass_probability REAL CHECK (pass_probability BETWEEN 0 AND 1),
            scaled INTEGER CHECK (scaled BETWEEN 1 AND 300),
            recorded_at TEXT NOT NULL,
            UNIQUE (taken, kind, form)
        );
        CREATE TABLE assessment_bands (
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            area TEXT NOT NULL,
            band TEXT NOT NULL CHECK (band IN ('lower', 'borderline', 'same', 'higher')),
            PRIMARY KEY (assessment_id, area)
        ) WITHOUT ROWID;
        """
    )


def m007_interday_steps(db: sqlite_utils.Database) -> None:
    """Cards are replayed from the log with the interday rule (issue 16): a (re)learning
    step that would have ended in a gap of a study day or more is over. No column
    changes; every card is marked for a full rebuild from the log, which srs.derived does
    with today's scheduler after the migrations (the file was backed up before them).
    'replay' covers every narrower mark, so it replaces one."""
    db.executescript(
        """
        INSERT OR REPLACE INTO config (key, value)
        SELECT '_derived-stale', 'replay' WHERE EXISTS (SELECT 1 FROM questions);
        """
    )


def m008_cloze_and_text_events(db: sqlite_utils.Database) -> None:
    """A question's cloze sentence and why-wrong words, and the text the student edits in srs.

    `text_events` is part of the log: one row per field an `srs edit` changed. The
    newest edit of a field is its text, whatever a miss log imported later says
    (srs.ingest.importer leaves edited fields alone).
    """
    db.executescript(
        """
        ALTER TABLE questions ADD COLUMN cloze TEXT NOT NULL DEFAULT '';
        ALTER TABLE questions ADD COLUMN why_wrong TEXT NOT NULL DEFAULT '';
        CREATE TABLE text_events (
            id INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions(id),
            at TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX text_events_by_question ON text_events (question_id, field, at);
        """
    )


def m009_question_identity(db: sqlite_utils.Database) -> None:
    """Questions found by their id in any Qbank (an import whose questions are stored under
    another source, `srs questions move-source`), and one grouping rule for topics,
    subjects and systems whatever their case or Unicode form (issue 15): the topic keys,
    the spellings of subjects and systems, and the group totals summed from the cards are
    refilled by today's rule (srs.derived, 'regroup'). 'regroup' widens a pending
    'spread'; 'fill' and 'replay' cover it."""
    db.executescript(
        """
        CREATE INDEX questions_by_qid ON questions (qid);
        INSERT OR REPLACE INTO config (key, value)
        SELECT '_derived-stale', coalesce((SELECT value FROM config
            WHERE key = '_derived-stale' AND value IN ('replay', 'fill')), 'regroup')
        WHERE EXISTS (SELECT 1 FROM questions);
        """
    )


def m010_event_reason_kinds(db: sqlite_utils.Database) -> None:
    """Each Qbank attempt keeps the kind of its own row's reason, so a question missed three
    times for three reasons counts three in a reason mix (`srs weak`, the report).

    Before this the reason was a question's field only, its latest row's text. That is all
    there is to fill the column from: each question's latest miss gets its question's kind
    ('unclassified' where the text matched no kind); earlier misses stay without one (a
    re-import of their log fills them in, srs.ingest.importer). The stored kinds came from
    an earlier rule, so they are marked for srs.derived to sort again by today's.
    """
    db.executescript(
        """
        ALTER TABLE events ADD COLUMN reason_kind TEXT NOT NULL DEFAULT '';
        UPDATE events SET reason_kind = (
            SELECT CASE WHEN q.reason_kind = '' THEN 'unclassified' ELSE q.reason_kind END
            FROM questions q WHERE q.id = events.question_id
        )
        WHERE id IN (
            SELECT (
                SELECT e.id FROM events e
                WHERE e.question_id = q.id AND e.kind = 'qbank' AND e.result IN ('incorrect', 'omitted', 'guessed')
                ORDER BY e.at DESC, e.id DESC LIMIT 1
            )
            FROM questions q WHERE q.reason != ''
        );
        INSERT OR REPLACE INTO config (key, value)
        SELECT '_reasons-stale', '1' WHERE EXISTS (SELECT 1 FROM questions WHERE reason != '');
        """
    )


# Frozen copies of live rules (tests/store/test_migrations_frozen.py checks they still agree):
M005_NEW_CARD_ORDER = "topic_mass + 0.5 * miss_mass"  # srs.plan.weights.NEW_CARD_ORDER, baked into cards_new
M001_MISS_RESULTS = ("incorrect", "omitted", "guessed")  # srs.model.MISS_RESULTS, in m002 and m003
M006_ASSESSMENT_KINDS = ("nbme", "uwsa", "free120", "cbssa", "step1", "other")  # srs.model.ASSESSMENT_KINDS
M006_BANDS = ("lower", "borderline", "same", "higher")  # srs.model.BANDS
DERIVED_STALE_KEY = "_derived-stale"  # srs.derived.STALE_KEY
M010_UNCLASSIFIED = "unclassified"  # srs.ingest.reasons.UNCLASSIFIED
REASONS_STALE_KEY = "_reasons-stale"  # srs.derived.REASONS_STALE_KEY: reason kinds to sort again
# A migration that adds columns derived from the log by srs's rules (topic keys, study
# days, miss totals) does not run today's code to fill them: it marks them stale, and
# srs.derived fills them after the migrations, with the rules of the day. 'fill' (m004:
# everything kept beside the cards) covers 'spread' (m005: the cards' copies of their
# topic's totals); a later mark never narrows an earlier one.
FILL_LATER_SQL = """
    INSERT OR IGNORE INTO config (key, value)
    SELECT '_derived-stale', '{what}' WHERE EXISTS (SELECT 1 FROM questions);
"""


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_initial,
    m002_anki_notes,
    m003_event_indexes,
    m004_miss_totals,
    m005_topic_copies,
    m006_assessments,
    m007_interday_steps,
    m008_cloze_and_text_events,
    m009_question_identity,
    m010_event_reason_kinds,
]
NAMES = [m.__name__ for m in MIGRATIONS]


# -- shapes of earlier versions ---------------------------------------------------
# m001 and m004 were edited after they had shipped (before migrations were frozen), so a
# database an earlier srs made can say "m001_initial" or "m004_miss_totals" without the
# columns and indexes those migrations make now. Before the pending migrations run, such a
# database is brought to the shape they expect: the columns added as the migration would
# have made them, the indexes a later migration drops (re)made, an index it made and later
# versions did not dropped. Literal SQL, like the migrations; a step is skipped where the
# shape is already right. Fixtures: tests/fixtures/old-dbs/ (one per schema state).
_M001_COLUMNS = {
    "questions": [
        ("subject_text", "TEXT NOT NULL DEFAULT ''"),
        ("system_text", "TEXT NOT NULL DEFAULT ''"),
        ("category", "TEXT NOT NULL DEFAULT ''"),
        ("prompt", "TEXT NOT NULL DEFAULT ''"),
        ("objective", "TEXT NOT NULL DEFAULT ''"),
        ("explanation", "TEXT NOT NULL DEFAULT ''"),
        ("my_answer", "TEXT NOT NULL DEFAULT ''"),
        ("correct_answer", "TEXT NOT NULL DEFAULT ''"),
        ("reason", "TEXT NOT NULL DEFAULT ''"),
        ("reason_kind", "TEXT NOT NULL DEFAULT ''"),
        ("text_rank", "TEXT NOT NULL DEFAULT ''"),
    ],
    "imports": [("invalid", "INTEGER NOT NULL DEFAULT 0")],
}
_M004_COLUMNS = {
    "questions": [("topic_key", "TEXT NOT NULL DEFAULT ''")],
    "cards": [
        ("misses", "INTEGER NOT NULL DEFAULT 0"),
        ("miss_mass", "REAL NOT NULL DEFAULT 0"),
        ("last_day", "INTEGER"),
        ("tier_day", "INTEGER"),
        ("topic_key", "TEXT NOT NULL DEFAULT ''"),
        ("subject", "TEXT NOT NULL DEFAULT ''"),
        ("system", "TEXT NOT NULL DEFAULT ''"),
    ],
}
_M004_INDEXES_M005_DROPS = """
    CREATE INDEX IF NOT EXISTS cards_new ON cards (topic_key, subject, system, miss_mass, misses, due, last_day,
        stability) WHERE reps = 0;
    CREATE INDEX IF NOT EXISTS cards_studied ON cards (state, due) WHERE reps > 0;
    CREATE INDEX IF NOT EXISTS cards_tier ON cards (topic_key, tier_day) WHERE state = 2;
    DROP INDEX IF EXISTS cards_review;
    DROP INDEX IF EXISTS events_misses;
"""


def repair_earlier_shapes(conn: sqlite3.Connection) -> list[str]:
    """Bring a database an earlier srs made to the shape its recorded migrations make now
    (inside the caller's transaction, before the pending migrations); what it changed."""
    try:
        rows = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (SET_NAME,))
        applied = {r[0] for r in rows}
    except sqlite3.OperationalError:
        return []
    done: list[str] = []
    wanted = [_M001_COLUMNS] if "m001_initial" in applied else []
    wanted += [_M004_COLUMNS] if "m004_miss_totals" in applied else []
    for columns in wanted:
        for table, added in columns.items():
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            for name, declaration in added:
                if have and name not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                    done.append(f"{table}.{name}")
    if "m004_miss_totals" in applied and "m005_topic_copies" not in applied:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        if not {"cards_new", "cards_studied", "cards_tier"} <= indexes or indexes & {"cards_review", "events_misses"}:
            for statement in filter(str.strip, _M004_INDEXES_M005_DROPS.split(";")):
                conn.execute(statement)
            done.append("m004 indexes")
    if any(item.startswith("cards.") for item in done) or "questions.topic_key" in done:
        conn.execute(FILL_LATER_SQL.format(what="fill").strip().rstrip(";"))  # filled from the log (srs.derived)
    return done


def apply(conn: sqlite3.Connection) -> None:
    """Run the pending migrations inside the caller's transaction.

    sqlite-utils is imported here, not at start-up: most runs have nothing to migrate.
    """
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    repair_earlier_shapes(conn)

    registry = Migrations(SET_NAME)
    for migration in MIGRATIONS:
        registry(name=migration.__name__)(migration)
    registry.apply(sqlite_utils.Database(conn, execute_plugins=False))
