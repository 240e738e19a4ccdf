"""Backups of the database: made before every migration and import, kept by rotation.

A backup is a complete, consistent copy written with `VACUUM INTO` after a
`quick_check` (a logical copy: it walks every table, so a damaged structure makes it fail
rather than be copied), first under a hidden `.partial` name and then renamed, so a
backup on disk is always whole. Files
live in `backups/` next to the database, are readable by their owner only, and are
named `<db stem>-<UTC time>-<reason>.db`.

Rotation touches only automatic backups (before an import or a migration): the newest
KEEP_LAST, plus the newest of each UTC day for KEEP_DAYS days, stay; the rest go.
Backups the student asked for, and the copies made before a restore or a repair, are
never deleted by srs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from srs.errors import DatabaseError
from srs.store.base import StoreBase
from srs.store.file import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    check_lines,
    damaged_message,
    explain,
    private_folders,
    write_check,
)
from srs.store.migrations import NAMES, SET_NAME

FOLDER = "backups"
KEEP_LAST = 10
KEEP_DAYS = 30
AUTOMATIC = ("import", "migration")  # reasons whose backups rotation may delete
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_SQLITE_HEADER = b"SQLite format 3\x00"
_STALE_PARTIAL = timedelta(hours=1)


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime  # UTC, from the file name
    reason: str

    @property
    def automatic(self) -> bool:
        return self.reason in AUTOMATIC


def folder_for(db: Path) -> Path:
    return Path(db).parent / FOLDER


def backup_name(db: Path, taken: datetime, reason: str, serial: int = 0) -> str:
    """`srs-20261122T143005.123456Z-import.db` (a serial tells apart two in one microsecond)."""
    suffix = f"-{serial}" if serial else ""
    return f"{Path(db).stem}-{taken.astimezone(UTC).strftime(_STAMP)}-{reason}{suffix}.db"


def _pattern(db: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(Path(db).stem)}-(\d{{8}}T\d{{6}}\.\d{{6}}Z)-([a-z]+)(?:-\d+)?\.db")


def list_backups(db: Path) -> list[Backup]:
    """This database's backups, newest first (files of other databases in the folder are left out)."""
    folder, pattern = folder_for(db), _pattern(db)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match:
            taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(Backup(path, taken, match.group(2)))
    return sorted(found, key=lambda b: (b.taken, b.path.name), reverse=True)


def to_keep(backups: Iterable[Backup], now: datetime) -> set[Path]:
    """Rotation: every non-automatic backup, the newest KEEP_LAST automatic ones, and the
    newest automatic one of each UTC day in the last KEEP_DAYS days."""
    backups = list(backups)
    automatic = sorted((b for b in backups if b.automatic), key=lambda b: b.taken, reverse=True)
    keep = {b.path for b in backups if not b.automatic}
    keep |= {b.path for b in automatic[:KEEP_LAST]}
    days: set[object] = set()
    for backup in automatic:
        day = backup.taken.date()
        if now - backup.taken <= timedelta(days=KEEP_DAYS) and day not in days:
            days.add(day)
            keep.add(backup.path)
    return keep


def rotate(db: Path, now: datetime) -> list[Path]:
    """Delete the automatic backups rotation no longer keeps; returns them."""
    backups = list_backups(db)
    keep = to_keep(backups, now)
    gone = [b.path for b in backups if b.path not in keep]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def make_backup(conn: sqlite3.Connection, db: Path, reason: str, now: datetime) -> Path:
    """Copy the open database into a new backup file; returns its path.

    Fails with a DatabaseError saying what to do (disk full, folder not writable);
    the database itself is never touched.
    """
    folder = folder_for(db)
    partial: Path | None = None
    try:
        private_folders(folder)
        _drop_stale_partials(folder, db, now)
        target, partial = _reserve(folder, db, now, reason)
        conn.execute("VACUUM INTO ?", (str(partial),))
        _check_copy(partial, db)  # a damaged copy is never kept as a backup
        _fsync(partial)
        os.replace(partial, target)
        partial = None
        _fsync(folder)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(_backup_failed(folder, exc)) from exc
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    return target


def _check_copy(partial: Path, db: Path) -> None:
    with _read_only(partial) as copy:
        problems = write_check(copy)
    if problems:
        raise DatabaseError(damaged_message(db, f"its copy failed the check: {problems[0]}"))


def _reserve(folder: Path, db: Path, now: datetime, reason: str) -> tuple[Path, Path]:
    """A free backup name and its hidden partial file, created empty and private (0600)."""
    for serial in range(1000):
        target = folder / backup_name(db, now, reason, serial)
        partial = folder / f".{target.name}.partial"
        if target.exists():
            continue
        try:
            os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        return target, partial
    raise FileExistsError(f"no free backup name in {folder}")


def _drop_stale_partials(folder: Path, db: Path, now: datetime) -> None:
    """Partial copies left by a killed srs (an hour old: not one being written now)."""
    for path in folder.glob(f".{Path(db).stem}-*.partial"):
        with contextlib.suppress(OSError):
            if now.timestamp() - path.stat().st_mtime > _STALE_PARTIAL.total_seconds():
                path.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_failed(folder: Path, exc: OSError | sqlite3.Error) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    if "full" in text.lower() or "space" in text.lower():
        text = "the disk is full"
    return (
        f"could not write a backup to {folder} ({text}); nothing was changed. "
        "Free some disk space or make that folder writable, then run the command again"
    )


def has_data(conn: sqlite3.Connection) -> bool:
    """Whether there is anything worth a backup: any question, event or setting."""
    for query in (
        "SELECT 1 FROM questions LIMIT 1",
        "SELECT 1 FROM events LIMIT 1",
        "SELECT 1 FROM config WHERE key NOT IN ('_miss-basis', 'timezone') LIMIT 1",  # every database has these
    ):
        with contextlib.suppress(sqlite3.OperationalError):
            if conn.execute(query).fetchone():
                return True
    return False


def before_import(store: StoreBase, now: datetime, *, rotate_now: bool = True) -> Path | None:
    """Check the file and back it up before an import writes (nothing to keep: no copy).

    With `rotate_now=False` the caller rotates once its import succeeded (and deletes the copy
    when it failed: the file is as it was, and a row of failed tries must not rotate out the
    backups taken before real imports)."""
    store.ensure_sound()
    if not has_data(store.conn):
        return None
    path = make_backup(store.conn, store.path, "import", now)
    if rotate_now:
        rotate(store.path, now)
    return path


def before_migration(conn: sqlite3.Connection, db: Path, now: datetime) -> Path:
    """Check and copy a database whose schema is about to change (srs.store.connection).

    Rotation waits for the migration to succeed (`after_migration`): a start that fails
    never deletes an older backup, and leaves no second copy of the same content."""
    problems = write_check(conn)
    if problems:
        raise DatabaseError(damaged_message(db, problems[0]))
    return make_backup(conn, db, "migration", now)


def after_migration(db: Path, backup: Path, now: datetime, *, succeeded: bool) -> None:
    """Rotate once a migration committed; after a failed one, drop its copy if the
    previous backup holds the same bytes (each failed start would add one more)."""
    if succeeded:
        rotate(db, now)
        return
    earlier = [b.path for b in list_backups(db) if b.path != backup and b.reason == "migration"]
    with contextlib.suppress(OSError):
        if earlier and earlier[0].read_bytes() == backup.read_bytes():
            backup.unlink()


def backup_now(store: StoreBase, now: datetime, reason: str = "manual") -> Path:
    """A backup the student asked for (or one before a repair): checked, never rotated away."""
    store.ensure_sound()
    return make_backup(store.conn, store.path, reason, now)


# -- checking a file ----------------------------------------------------------


@dataclass
class FileCheck:
    """What a file is: an srs database, sound or not, and at which schema."""

    path: Path
    problems: list[str] = field(default_factory=list)  # integrity_check messages and the like
    foreign_key_errors: int = 0
    schema: list[str] = field(default_factory=list)  # applied migration names

    @property
    def ok(self) -> bool:
        return not self.problems and not self.foreign_key_errors


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        yield conn
    finally:
        conn.close()


def check_file(path: Path, *, full: bool = True) -> FileCheck:
    """Integrity (full `integrity_check`, or `quick_check`), foreign keys, owner and schema,
    read without writing; a file that is not even SQLite gets a single problem."""

    result = FileCheck(Path(path))
    try:
        with Path(path).open("rb") as f:
            header = f.read(len(_SQLITE_HEADER))
    except OSError as exc:
        result.problems.append(f"cannot read it ({exc.strerror})")
        return result
    if header != _SQLITE_HEADER:
        result.problems.append("it is not an SQLite database" if header else "it is empty")
        return result
    try:
        with _read_only(Path(path)) as conn:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                result.problems.append("it is not an srs database")
                return result
            pragma = "integrity_check(20)" if full else "quick_check(20)"
            rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}")]
            result.problems += [] if rows == ["ok"] else check_lines(rows)
            result.foreign_key_errors = len(conn.execute("PRAGMA foreign_key_check").fetchall())
            result.schema = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id", (SET_NAME,)
                )
            ]
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")) or "readonly" in str(exc):
            # unreadable where it is (permissions; a read-only folder, where SQLite cannot create
            # the -shm file a WAL database is read through), not damaged
            raise explain(exc, Path(path)) from exc
        result.problems.append(str(exc))
        return result
    newer = [name for name in result.schema if name not in NAMES]
    if newer:
        result.problems.append(f"it was written by a newer srs (schema {newer[-1]})")
    return result


def newest_good(db: Path) -> Backup | None:
    """The newest backup that passes the full check (what `srs restore` should be given)."""
    for backup in list_backups(db):
        if check_file(backup.path).ok:
            return backup
    return None


# -- restoring ------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    db: Path
    source: Path
    previous: Path | None  # the copy of what the database held before


def restore(db: Path, source: Path, now: datetime) -> Restored:
    """Replace the database's content with a checked backup, keeping a copy of the current one.

    The source is checked in full first; nothing changes if it fails. A sound current
    database is overwritten through SQLite's backup API (one transaction, safe next to
    other srs processes); a damaged or foreign one is copied byte for byte into
    backups/ and then replaced. No backup is ever deleted.
    """
    db, source = Path(db), Path(source)
    if source.resolve() == db.resolve():
        raise DatabaseError(f"{source} is the database itself; give a backup file (`srs backups` lists them)")
    checked = check_file(source)
    if not checked.ok:
        detail = checked.problems[0] if checked.problems else f"{checked.foreign_key_errors} foreign key errors"
        raise DatabaseError(f"{source} cannot be restored: {detail}; nothing was changed")
    current = check_file(db, full=False) if db.exists() else None
    previous: Path | None
    if current is not None and current.ok:
        previous = _copy_sound(db, now)
        _overwrite(source, db)
    else:
        previous = _copy_raw(db, now) if current is not None else None
        _replace(source, db)
    return Restored(db, source, previous)


def _copy_sound(db: Path, now: datetime) -> Path:
    conn = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        return make_backup(conn, db, "restore", now)
    finally:
        conn.close()


def _copy_raw(db: Path, now: datetime) -> Path:
    """A damaged database, byte for byte (with its WAL), for whoever wants to look at it later."""
    folder = folder_for(db)
    try:
        private_folders(folder)
        target, partial = _reserve(folder, db, now, "damaged")
        shutil.copyfile(db, partial)
        os.replace(partial, target)
        wal = Path(f"{db}-wal")
        if wal.exists():
            _private_copy(wal, Path(f"{target}-wal"))
    except OSError as exc:
        raise DatabaseError(_backup_failed(folder, exc)) from exc
    return target


def _private_copy(source: Path, target: Path) -> None:
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    shutil.copyfile(source, target)


def _overwrite(source: Path, db: Path) -> None:
    """Copy every page of `source` into the live database in one write transaction."""
    try:
        with _read_only(source) as src:
            dest = sqlite3.connect(str(db), timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                dest.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                src.backup(dest)
            finally:
                dest.close()
    except sqlite3.Error as exc:
        raise explain(exc, db) from exc


def _replace(source: Path, db: Path) -> None:
    """Put a private copy of `source` where the (damaged or missing) database was."""
    partial = db.with_name(f".{db.name}.restoring")
    try:
        private_folders(db.parent)
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with _read_only(source) as src:
            dest = sqlite3.connect(str(partial))
            try:
                src.backup(dest)
            finally:
                dest.close()
        for stale in (Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")):
            stale.unlink(missing_ok=True)  # a WAL of the old file would corrupt the new one
        os.replace(partial, db)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, sqlite3.Error):
            raise explain(exc, db) from exc
        raise DatabaseError(f"cannot write {db} ({exc.strerror}); nothing was restored") from exc
