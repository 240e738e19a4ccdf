"""Numbered schema migrations, recorded in the database by sqlite-utils.

Add a migration as a new function at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
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


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial]
NAMES = [m.__name__ for m in MIGRATIONS]


def apply(conn: sqlite3.Connection) -> None:
    """Run the pending migrations inside the caller's transaction.

    sqlite-utils is imported here, not at start-up: most runs have nothing to migrate.
    """
    import sqlite_utils
    from sqlite_utils.migrations import Migrations

    registry = Migrations(SET_NAME)
    for migration in MIGRATIONS:
        registry(name=migration.__name__)(migration)
    registry.apply(sqlite_utils.Database(conn, execute_plugins=False))
