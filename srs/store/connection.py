"""Opening the database file: checks, WAL, migrations; and the assembled `Store`.

Everything else asks `Store` (from `srs.store`); no module outside this package writes
SQL. The parts: srs.store.log (questions, events, cards), srs.store.totals (the miss
totals), srs.store.ranking (the score in SQL), srs.store.scores (self-assessments),
srs.store.progress (the report's reads), on srs.store.base (connection, config).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from srs.errors import DatabaseError
from srs.model import CardState, CardWrite
from srs.store import migrations
from srs.store.file import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    check_ours,
    create_private,
    ensure_math,
    explain,
    is_empty_file,
    use_wal,
)
from srs.store.log import Log, StudyDays
from srs.store.progress import Progress
from srs.store.ranking import Ranking
from srs.store.scores import Scores
from srs.timing import utc_now


class Store(Log, Ranking, Progress, Scores):
    """An open srs database. Use `open_store`; close it (or use `with`)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction, taking the write lock up front (all or nothing)."""
        if self.conn.in_transaction:
            raise RuntimeError("write transactions do not nest")
        self.ensure_sound()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            self._pairs = None  # temp tables written in the transaction are rolled back too
            raise
        else:
            self.conn.commit()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """Reads that see one moment of the file (another srs may be writing meanwhile)."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.rollback()  # nothing was written: a read transaction ends either way
            self._pairs = None

    def replace_cards(
        self, writes: Iterable[CardWrite], *, question_ids: list[int] | None = None, scratch: str | None = None
    ) -> None:
        """Store replayed cards (dropping those whose log has no miss any more) and the miss
        totals they move: of these questions, of a scratch set's, or (neither given) of all.
        Written in batches, so a huge import streams through."""
        saves: list[CardWrite] = []
        for write in writes:
            if write.card is None:
                self.delete_card(write.question_id)
            else:
                saves.append(write)
            if len(saves) >= 1000:
                self._save_card_states(saves)
                saves.clear()
        self._save_card_states(saves)
        self.refresh_misses(question_ids, scratch=scratch)

    def update_card(self, question_id: int, card: CardState, days: StudyDays) -> None:
        """Store a card's new state after an answer (the card must exist), and the miss
        totals that answer moves: the store keeps what it derives, callers never do."""
        self._write_card_state(question_id, card, days)
        self.refresh_misses([question_id])



def open_store(path: Path, *, clock: Callable[[], datetime] = utc_now) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    path = Path(path)
    if is_empty_file(path):
        raise DatabaseError(empty_message(path))
    create_private(path)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        ensure_math(conn)
        check_ours(conn, path)
        use_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, path, clock)
    except BaseException as exc:
        conn.close()  # a refused file is left as it was: no connection lingers on it
        if isinstance(exc, sqlite3.Error):
            raise explain(exc, path) from exc
        raise
    return Store(conn, path)


def empty_message(path: Path) -> str:
    """A zero-byte database: damaged, and the way back is its newest good backup."""
    from srs.store.backup import newest_good  # backups are read only on this path and migrations'

    text = f"{path} is empty (0 bytes): the database is damaged or was cut off; nothing was changed. "
    good = newest_good(path)
    if good is not None:
        return text + f"The newest good backup is {good.path}: restore it with `srs restore {good.path}`"
    return text + (
        "No good backup was found beside it: restore a copy with `srs restore FILE`, "
        "or delete the file to start a new database"
    )


def _migrate(conn: sqlite3.Connection, path: Path, clock: Callable[[], datetime]) -> None:
    """Apply pending migrations; sqlite-utils is only loaded when there are some."""
    try:
        applied = {r[0] for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (migrations.SET_NAME,)
        )}  # fmt: skip
    except sqlite3.OperationalError:
        applied = set()
    newer = applied - set(migrations.NAMES)
    if newer:
        raise DatabaseError(f"{path} was written by a newer srs (schema {sorted(newer)[-1]}); upgrade srs to use it")
    if applied == set(migrations.NAMES):
        return
    from srs.store.backup import after_migration, before_migration  # not on every start: only here

    backup = before_migration(conn, path, clock()) if applied else None  # an older schema: check, copy
    try:
        _apply(conn, path)
    except BaseException:
        if backup is not None:
            after_migration(path, backup, clock(), succeeded=False)
        raise
    if backup is not None:
        after_migration(path, backup, clock(), succeeded=True)


def _apply(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        migrations.apply(conn)
    except sqlite3.Error:
        conn.rollback()
        raise  # disk full, read-only, ...: explained where sqlite errors are
    except Exception as exc:
        conn.rollback()
        raise DatabaseError(
            f"{path}: upgrading the database failed ({type(exc).__name__}: {exc}); it was left as it was "
            "(a copy is in its backups folder). Please report this: it is a bug in srs"
        ) from exc
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
