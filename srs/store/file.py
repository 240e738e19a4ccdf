"""The database file as SQLite sees it: creating it private, WAL, checks, and one
sentence for every SQLite failure. Shared by the store and its backups."""

from __future__ import annotations

import math
import os
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


def create_private(path: Path) -> bool:
    """Create the file readable by its owner only, whatever the umask; True if it was new.

    A new database is made whole beside its place (an SQLite header marked as srs's) and
    linked into place in one step, so srs never leaves a zero-byte file: an empty file
    at `path` is a damaged database (see `check_not_empty`), never a new one."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new data folder is private too
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


def explain(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """One line for any SQLite failure: what is wrong with the file and what to do.

    The CLI boundary and `open_store` both use it, so no raw sqlite3 error reaches the user.
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    kind = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    text = str(exc)
    if kind == "SQLITE_FULL" or "disk is full" in text:
        message = (
            f"{path}: the disk is full; the change in progress was rolled back. "
            "Free some disk space and run the command again"
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
