"""The database file as SQLite sees it: creating it private, WAL, checks, and one
sentence for every SQLite failure. Shared by the store and its backups."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sqlite3
import time
from pathlib import Path

from srs.errors import DatabaseError, shown

APPLICATION_ID = 0x53525331  # "SRS1": marks a file as an srs database
BUSY_TIMEOUT_MS = 60_000  # a review answer waits out an import of ~150,000 rows instead of failing


def use_wal(conn: sqlite3.Connection, wait: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Switch the file to WAL (readers never wait for a writer), waiting for other processes.

    Two processes opening a new file at once both ask for the switch; SQLite refuses one
    of them at once (each holds a read lock the other waits on: its busy handler is not
    called for that), so the refused one tries again until the other has switched."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def ensure_math(conn: sqlite3.Connection) -> None:
    """exp() and pow(), which the miss weights and the queue's recall use, even where
    SQLite was built without its math functions (Python's own stand in)."""
    try:
        conn.execute("SELECT exp(0), pow(2, 2)").fetchone()
    except sqlite3.OperationalError:
        conn.create_function("exp", 1, math.exp, deterministic=True)
        conn.create_function("pow", 2, math.pow, deterministic=True)


def private_folders(folder: Path) -> list[Path]:
    """Create `folder` and every missing folder above it 0700, whatever the umask; the
    folders it made, outermost first.

    (`Path.mkdir(parents=True)` gives the folders above the last the umask's mode.)"""
    made: list[Path] = []
    missing: list[Path] = []
    current = Path(folder)
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            if not path.is_dir():
                raise
            continue
        made.append(path)
        os.chmod(path, 0o700)  # mkdir's mode is masked by the umask (a umask of 0o777 included)
    return made


def remove_made(path: Path, folders: list[Path]) -> None:
    """Remove a file srs made and no one else knows (a database not yet put in place, with
    whatever SQLite made beside it), and the folders made for it that are still empty."""
    for name in (path.name, *(path.name + s for s in ("-journal", "-wal", "-shm"))):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:  # something else is in it now (another srs, the user): it stays
            break


def create_private(path: Path) -> bool:
    """Create the file readable by its owner only, whatever the umask; True if it was new.

    A new database is made whole beside its place (an SQLite header marked as srs's) and
    linked into place in one step, so srs never leaves a zero-byte file: an empty file
    at `path` is a damaged database (see `check_not_empty`), never a new one."""
    try:
        private_folders(path.parent)  # a new data folder (and any above it) is private too
        if path.exists():
            return False
        partial = path.with_name(f".{path.name}.{os.getpid()}.new")
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            conn = sqlite3.connect(str(partial))
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # writes page 1
            finally:
                conn.close()
            try:
                os.link(partial, path)  # fails if another srs created it meanwhile: theirs is used
            except FileExistsError:
                return False
        finally:
            partial.unlink(missing_ok=True)
        return True
    except (OSError, sqlite3.Error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DatabaseError(
            f"{path}: cannot create the database ({reason}); choose a folder you can write with --db"
        ) from exc


def is_empty_file(path: Path) -> bool:
    """A database file of zero bytes: damaged (srs never leaves one), not a new database."""
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def check_ours(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise  # cannot open it (permissions, a read-only folder): open_store explains
        raise DatabaseError(
            f"{path} is not an srs database or is damaged ({exc}); point --db at another file or restore a backup"
        ) from exc
    if app_id != APPLICATION_ID and tables:
        raise DatabaseError(
            f"{path} is not an srs database (it belongs to another program); point --db or SRS_DB at another file"
        )


def quick_check(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """Problems `PRAGMA quick_check` finds (empty when the file is sound)."""
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA quick_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else check_lines(rows)


IDENTITY_TABLES = ("events", "questions", "anki_notes")  # their unique indexes say what is already stored


def identity_check(conn: sqlite3.Connection) -> list[str]:
    """Problems with the indexes that enforce identity (an event's key, a question's source
    and id, a note's GUID): each is read whole and compared with its table, by count and
    total length of the indexed values. `quick_check` does not compare an index with its
    table; one out of step lets an import store an attempt twice. About a fifth of a
    quick_check's time (docs/reliability.md); `integrity_check` of those tables costs 4x one."""
    problems = []
    try:
        for table in IDENTITY_TABLES:
            for _, index, unique, origin, _ in conn.execute(f"PRAGMA index_list({table})").fetchall():
                if not unique or origin == "pk":
                    continue
                columns = [row[2] for row in conn.execute(f"PRAGMA index_info({index})")]
                sums = ", ".join(["count(*)", *(f"total(length({c}))" for c in columns)])
                in_table = conn.execute(f"SELECT {sums} FROM {table} NOT INDEXED").fetchone()
                in_index = conn.execute(f"SELECT {sums} FROM {table} INDEXED BY {index}").fetchone()
                if in_table != in_index:
                    problems.append(
                        f"index {index} is out of step with table {table} "
                        f"({in_index[0]} entries for {in_table[0]} rows)"
                    )
    except sqlite3.DatabaseError as exc:
        problems.append(str(exc))
    return problems


def write_check(conn: sqlite3.Connection) -> list[str]:
    """What is checked before the first write and of every backup: quick_check, identity indexes."""
    return quick_check(conn) or identity_check(conn)


def check_lines(rows: list[str]) -> list[str]:
    """integrity_check rows as single lines, without the '*** in database main ***' headings."""
    return [line for row in rows for line in str(row).splitlines() if line.strip() and not line.startswith("***")]


def damaged_message(path: Path, detail: str) -> str:
    return (
        f"{path} is damaged ({shown(detail, 120)}); nothing was changed. "
        "`srs doctor` shows what is wrong; `srs backups` lists backups to `srs restore`"
    )


# SQLite reports a disk that fills while it grows the shared-memory file or writes a page as
# "disk I/O error" (SQLITE_IOERR_SHMSIZE, _WRITE, _FSYNC ...), not SQLITE_FULL: with less than
# this free beside the file, such an error is called a full disk.
LOW_SPACE = 1024 * 1024


def free_space(folder: Path) -> int | None:
    """Bytes free on the disk holding `folder` (None when it cannot be asked)."""
    try:
        return shutil.disk_usage(folder if str(folder) else ".").free
    except OSError:
        return None


def disk_full_message(path: Path, free: int | None) -> str:
    room = f" ({free // 1024} KiB free)" if free is not None else ""
    return (
        f"{path}: the disk is full{room}; the change in progress was rolled back. "
        "Free some disk space and run the command again"
    )


def _writable(folder: Path) -> bool:
    return os.access(folder if str(folder) else ".", os.W_OK)


def explain(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """One line for any SQLite failure: what is wrong with the file and what to do.

    The CLI boundary and `open_store` both use it, so no raw sqlite3 error reaches the user.
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    kind = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    text = str(exc)
    free = free_space(path.parent) if kind in ("SQLITE_FULL", "SQLITE_IOERR") or "I/O error" in text else None
    if kind == "SQLITE_FULL" or "disk is full" in text:
        message = disk_full_message(path, free)
    elif (kind == "SQLITE_IOERR" or "I/O error" in text) and free is not None and free < LOW_SPACE:
        message = disk_full_message(path, free)
    elif (kind == "SQLITE_READONLY" or "readonly" in text) and not _writable(path.parent):
        message = (
            f"{path}: its folder {path.parent} is read-only, and SQLite must create files beside the "
            "database to use it; nothing was changed. Check the folder's permissions, or copy the file "
            "elsewhere and use --db"
        )
    elif kind == "SQLITE_READONLY" or "readonly" in text:
        message = (
            f"{path} is read-only; the change in progress was rolled back. srs needs to write the file "
            f"and its folder {path.parent}: check their permissions, or copy the file elsewhere and use --db"
        )
    elif kind == "SQLITE_CANTOPEN":
        message = (
            f"cannot open {path}: check that the folder exists and that you can read and write "
            "the file and its folder, or choose another file with --db"
        )
    elif kind in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text:
        return DatabaseError(damaged_message(path, text))
    elif kind in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text:
        message = (
            f"{path} is busy: another srs has been writing to it for over {BUSY_TIMEOUT_MS // 1000} s; "
            "nothing was changed, run the command again when it has finished"
        )
    elif kind == "SQLITE_IOERR":
        message = f"cannot read or write {path} ({text}); check the disk, then run `srs doctor`"
    else:
        message = f"{path}: cannot use this database ({text}); run `srs doctor`"
    return DatabaseError(message)
