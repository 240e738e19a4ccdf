"""Opening the database file: checks, WAL, migrations; and the assembled `Store`.

Everything else asks `Store` (from `srs.store`); no module outside this package writes
SQL. The parts: srs.store.log (questions, events, cards), srs.store.totals (the miss
totals), srs.store.ranking (the score in SQL), srs.store.scores (self-assessments),
srs.store.progress (the report's reads), on srs.store.base (connection, config).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
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
    private_folders,
    remove_made,
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

    _pending: _Pending | None = None  # a new database not yet in place (open_store provisional=True)

    def close(self) -> None:
        self.conn.close()
        pending, self._pending = self._pending, None
        if pending is not None:  # never published: it goes, with the folders made for it
            remove_made(pending.partial, pending.folders)

    @property
    def provisional(self) -> bool:
        """A new database that goes into place only by `publish`; closed before, it is removed."""
        return self._pending is not None

    def publish(self) -> bool:
        """Put a provisional database into place (outside a transaction) and go on with the
        file there. False when another srs created a database at the path meanwhile: this
        one's rows are dropped and the store is open on the other's file (write them
        again). True, doing nothing, for a store that was not provisional."""
        pending = self._pending
        if pending is None:
            return True
        if self.conn.in_transaction:
            raise RuntimeError("publish outside a transaction")
        try:
            use_wal(self.conn)  # as every database in place is (no one else knows the file yet)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from exc
        self.conn.close()  # the only connection: SQLite checkpoints and removes the -wal file
        self._pending, self._pairs, self._sound = None, None, False
        try:
            os.link(pending.partial, self.path)  # whole or not there; fails if another srs made one
            placed = True
        except FileExistsError:
            placed = False
        except OSError as exc:
            remove_made(pending.partial, pending.folders)
            raise DatabaseError(
                f"{self.path}: cannot put the new database in place ({exc.strerror or exc}); nothing was "
                "written. Choose a folder you can write with --db"
            ) from exc
        remove_made(pending.partial, [])
        self.conn = _connect(self.path, utc_now)
        if not placed:
            self.notices.clear()  # what opening the dropped file recorded is not in the other's
        return placed

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



def open_store(path: Path, *, clock: Callable[[], datetime] = utc_now, provisional: bool = False) -> Store:
    """Open (creating if needed) the database at `path` and bring its schema up to date.

    `provisional`: when there is no database at `path` yet, the new one is made in a
    private file beside it that no other srs opens, and goes into place only when
    `Store.publish` is called (an import that succeeded); closed before, it is removed with
    the folders made for it. So a failed import, or a dry run, into a new path leaves
    nothing behind, and no other srs ever sees a half-made database."""
    path = Path(path)
    if is_empty_file(path):
        raise DatabaseError(empty_message(path))
    if not (provisional and not os.path.lexists(path)):
        create_private(path)
        return Store(_connect(path, clock), path)
    pending = _Pending.make(path)
    try:
        conn = _connect(pending.partial, clock, shown=path, wal=False)
    except BaseException:
        remove_made(pending.partial, pending.folders)
        raise
    store = Store(conn, path)
    store._pending = pending
    return store


def _connect(
    path: Path, clock: Callable[[], datetime], *, shown: Path | None = None, wal: bool = True
) -> sqlite3.Connection:
    """A checked, migrated connection to the file at `path` (`shown` names it in messages)."""
    shown = shown or path
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise explain(exc, shown) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        ensure_math(conn)
        check_ours(conn, shown)
        if wal:  # a provisional file keeps a rollback journal until it is published
            use_wal(conn)
        conn.execute("PRAGMA foreign_keys = ON")
        _migrate(conn, shown, clock)
    except BaseException as exc:
        conn.close()  # a refused file is left as it was: no connection lingers on it
        if isinstance(exc, sqlite3.Error):
            raise explain(exc, shown) from exc
        raise
    return conn


@dataclass
class _Pending:
    """A new database made beside its place (`partial`), and the folders made for it."""

    path: Path
    partial: Path
    folders: list[Path]

    @classmethod
    def make(cls, path: Path) -> _Pending:
        try:
            folders = private_folders(path.parent)
        except OSError as exc:
            raise DatabaseError(
                f"{path}: cannot create the database ({exc.strerror or exc}); choose a folder you can write with --db"
            ) from exc
        partial = path.with_name(f".{path.name}.{os.getpid()}.pending")
        remove_made(partial, [])  # left by a killed process that had this id
        try:
            create_private(partial)
        except DatabaseError as exc:  # named as the file the student asked for, not the partial one
            remove_made(partial, folders)
            raise DatabaseError(str(exc).replace(str(partial), str(path))) from exc.__cause__
        except BaseException:
            remove_made(partial, folders)
            raise
        return cls(path, partial, folders)


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
