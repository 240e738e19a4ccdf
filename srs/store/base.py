"""What every part of the store shares: the connection, the config rows, scratch sets,
and the SQL fragments more than one part uses. `srs.store.connection.Store` puts the parts together."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from srs.errors import DamagedValue, DatabaseError
from srs.model import miss_sql
from srs.store.file import damaged_message, write_check
from srs.store.rows import CARD_COLUMNS
from srs.timing import from_iso


class StoreBase:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._sound = False  # set once quick_check passed: checked before the first write
        self._pairs: object = None  # the scoring pairs in temp.pairs (see _load_pairs)
        self.notices: list[str] = []  # what opening it did that the student should hear (the CLI says it)

    def ensure_sound(self) -> None:
        """Refuse to write into a damaged file: `PRAGMA quick_check` and the identity indexes
        (`identity_check`) once per open, before the first write (about 12 ms per 2 MB;
        read-only commands never pay it)."""
        if self._sound:
            return
        problems = write_check(self.conn)
        if problems:
            raise DatabaseError(damaged_message(self.path, problems[0]))
        self._sound = True

    def _event_time(self, at: str, question_id: int | None = None) -> datetime:
        """An aggregated event time (max(at)); a garbled one fails naming its event's row."""
        try:
            return from_iso(at)
        except (TypeError, ValueError, OverflowError):
            where, args = ("AND question_id = ?", (at, question_id)) if question_id is not None else ("", (at,))
            found = self.conn.execute(f"SELECT id FROM events WHERE at IS ? {where} LIMIT 1", args).fetchone()
            raise DamagedValue("events", found[0] if found else "?", "at", at) from None

    # -- config --------------------------------------------------------------
    def config(self) -> dict[str, str]:
        return {k: v for k, v in self.conn.execute("SELECT key, value FROM config")}

    def set_config(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def record_config_once(self, key: str, value: str) -> bool:
        """Store a setting unless one is stored (its own write); False if it was, or the
        file is read-only (then nothing is recorded and callers use `value` for now)."""
        if key in self.config():
            return False
        try:
            with self.write():  # type: ignore[attr-defined]
                cursor = self.conn.execute(
                    "INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, value)
                )
                return cursor.rowcount == 1
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY"):
                return False
            raise

    def delete_config(self, key: str) -> None:
        self.conn.execute("DELETE FROM config WHERE key = ?", (key,))

    # -- scratch sets (temporary tables: memory stays flat on huge imports) ------
    def scratch_set(self, name: str) -> None:
        self.conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)")
        self.conn.execute(f"DELETE FROM temp.{name}")

    def scratch_add_many(self, name: str, values: Iterable[int]) -> None:
        self.conn.executemany(f"INSERT OR IGNORE INTO temp.{name} (id) VALUES (?)", ((v,) for v in values))

    def scratch_items(self, name: str) -> Iterator[int]:
        return (r[0] for r in self.conn.execute(f"SELECT id FROM temp.{name} ORDER BY id"))

    def _select_in(self, sql: str, column: str, values: list[Any]) -> Iterator[tuple]:
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            yield from self.conn.execute(f"{sql} WHERE {column} IN ({marks})", chunk)


_MISS = miss_sql("e")
_CARD_ROWS_SQL = f"""
    SELECT c.question_id, q.source, q.qid, q.topic, q.subject, q.system,
           {", ".join("c." + c for c in CARD_COLUMNS.split(", "))}
    FROM cards c
    JOIN questions q ON q.id = c.question_id
"""
