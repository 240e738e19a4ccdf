"""A damaged file, a foreign file, a read-only file or folder, a full disk: one line
`Error: <what is wrong and what to do>`, a non-zero exit, no traceback, nothing written.

Commands run in-process (CliRunner with catch_exceptions=False: any exception that
escapes the CLI fails the test) except the real full-disk test, which needs its own
mount namespace and so its own process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import srs_cli.common
from safety_helpers import assert_clean_error, checkpoint, counts, digest, integrity, make_log, read_only
from test_backup import _damage

from srs.store.backup import list_backups

WRITERS = [
    ("import", "{log}"),
    ("review",),
    ("config", "set", "new-per-day", "5"),
    ("export", "-o", "{out}"),
    ("backup",),
]
READERS = [("due",), ("queue",), ("weak",), ("config", "list")]


def _args(command: tuple[str, ...], tmp_path: Path, log: Path) -> list[str]:
    return [a.format(log=log, out=tmp_path / "out.apkg") for a in command]


def _files(db: Path) -> list[Path]:
    return [db, Path(f"{db}-wal")]


@pytest.fixture
def seeded(srs, sample, db_path, tmp_path) -> Path:
    """The sample imported, WAL folded in: the database is one file, easy to damage."""
    assert srs("import", str(sample)).exit_code == 0
    checkpoint(db_path)
    return db_path


@pytest.fixture
def log(tmp_path) -> Path:
    return make_log(tmp_path / "more.csv", 30)


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _tiny(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:50])


@pytest.mark.parametrize("damage", [_damage, _truncated, _tiny], ids=["overwritten", "truncated", "header-only"])
@pytest.mark.parametrize("command", WRITERS + READERS, ids=lambda c: " ".join(c[:2]))
def test_a_damaged_database_is_never_written(srs, seeded, tmp_path, log, damage, command):
    damage(seeded)
    before = digest(*_files(seeded))
    result = srs(*_args(command, tmp_path, log), input="3\n3\n")
    if command in WRITERS or result.exit_code != 0:  # a reader may not touch a damaged page
        assert_clean_error(result.exit_code, result.output, str(seeded))
        assert any(word in result.output for word in ("damaged", "not an srs database"))
    assert digest(*_files(seeded)) == before
    assert not (tmp_path / "out.apkg").exists()
    assert list_backups(seeded) == []  # a damaged file is not copied over good backups


def test_the_check_before_writing_finds_damage_that_reads_miss(srs, seeded, tmp_path):
    """Damage in the middle of the events table: `srs due` reads nothing wrong, yet an
    import refuses before writing because `quick_check` runs before the first write."""
    with contextlib.closing(sqlite3.connect(seeded)) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events_by_question'").fetchone()[0]
    data = bytearray(seeded.read_bytes())
    data[(root - 1) * 4096 + 8 : (root - 1) * 4096 + 12] = b"\xff\xff\xff\xff"  # the index's first cell pointer
    seeded.write_bytes(bytes(data))
    before = digest(*_files(seeded))
    assert srs("due").exit_code == 0  # reading does not trip over this page
    result = srs("import", str(make_log(tmp_path / "m.csv", 10)))
    assert_clean_error(result.exit_code, result.output, "damaged", "srs doctor")
    assert digest(*_files(seeded)) == before


def _foreign(db: Path) -> None:
    db.unlink()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT)")
        conn.commit()


def _text(db: Path) -> None:
    db.write_text("qid,date\n1,2026-11-01\n" * 50)


@pytest.mark.parametrize("make", [_foreign, _text], ids=["other-sqlite-app", "csv-file"])
@pytest.mark.parametrize("command", WRITERS + READERS, ids=lambda c: " ".join(c[:2]))
def test_a_file_that_is_not_an_srs_database(srs, db_path, tmp_path, log, make, command):
    db_path.write_bytes(b"")
    make(db_path)
    before = digest(*_files(db_path))
    result = srs(*_args(command, tmp_path, log), input="3\n")
    assert_clean_error(result.exit_code, result.output, "not an srs database")
    assert digest(*_files(db_path)) == before


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_a_read_only_database_file(srs, seeded, tmp_path, log, command):
    before = digest(*_files(seeded))
    with read_only(seeded):
        result = srs(*_args(command, tmp_path, log), input="3\n")
        if command[0] == "backup":  # reading is enough to make a backup
            assert result.exit_code == 0, result.output
        else:
            assert_clean_error(result.exit_code, result.output, "read-only", "permissions")
        assert srs("due").exit_code == 0  # reading still works
    assert digest(*_files(seeded)) == before


@pytest.mark.parametrize("command", [*WRITERS, ("due",), ("doctor",)], ids=lambda c: " ".join(c[:2]))
def test_a_read_only_folder(srs, seeded, tmp_path, log, command):
    """SQLite needs to create the WAL beside the file; srs says so instead of calling the file damaged."""
    before = digest(*_files(seeded))
    with read_only(seeded.parent):
        result = srs(*_args(command, tmp_path, log), input="3\n")
    assert_clean_error(result.exit_code, result.output, "cannot open", "folder")
    assert digest(*_files(seeded)) == before


def test_a_full_disk_rolls_the_import_back(srs, seeded, tmp_path, monkeypatch):
    """SQLITE_FULL without filling a disk: the connection may not grow the file past its size."""
    real_open = srs_cli.common.open_database

    def capped(path: Path, **options):  # type: ignore[no-untyped-def]
        store = real_open(path, **options)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        return store

    monkeypatch.setattr(srs_cli.common, "open_database", capped)
    before = counts(seeded)
    result = srs("import", str(make_log(tmp_path / "big.csv", 2000)))
    assert_clean_error(result.exit_code, result.output, "disk is full", "rolled back", "free some disk space")
    assert counts(seeded) == before
    assert integrity(seeded) == ["ok"]


def _mount_namespace_works(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k none {probe}"], capture_output=True
    )
    return done.returncode == 0


SCRIPT = """
set -u
mount -t tmpfs -o size={size}k none {mnt}
cp {seed} {mnt}/srs.db
{python} -m srs_cli --db {mnt}/srs.db import {log} > {out}/stdout 2> {out}/stderr
echo $? > {out}/rc
cp {mnt}/srs.db {out}/srs.db
[ -f {mnt}/srs.db-wal ] && cp {mnt}/srs.db-wal {out}/srs.db-wal
ls {mnt}/backups > {out}/backups 2>/dev/null
true
"""


@pytest.mark.parametrize(("size_kb", "words"), [(900, "disk is full"), (260, "could not write a backup")])
def test_a_really_full_disk(seeded, tmp_path, size_kb, words):
    """A tiny tmpfs in a private mount namespace (needs root or user namespaces; skipped otherwise):
    first with room for the backup but not the import, then without room for the backup."""
    if not _mount_namespace_works(tmp_path):
        pytest.skip("no mount namespace here (unshare -m / mount tmpfs not permitted)")
    (tmp_path / "mnt").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    before = counts(seeded)
    script = SCRIPT.format(
        size=size_kb, mnt=tmp_path / "mnt", seed=seeded, python=sys.executable,
        log=make_log(tmp_path / "big.csv", 3000), out=out,
    )  # fmt: skip
    subprocess.run(["unshare", "-m", "sh", "-c", script], check=True, timeout=120)
    rc = int((out / "rc").read_text())
    assert_clean_error(rc, (out / "stdout").read_text() + (out / "stderr").read_text(), words)
    assert counts(out / "srs.db") == before
    assert integrity(out / "srs.db") == ["ok"]
    backups = (out / "backups").read_text().split() if (out / "backups").exists() else []
    assert not [name for name in backups if name.endswith(".partial")]


def test_doctor_in_a_read_only_folder_says_read_only_not_damaged(srs, seeded, tmp_path):
    """Issue 14, item 12: without write access to the folder SQLite cannot create the -shm
    of a WAL database and says "attempt to write a readonly database"; doctor called that
    damage. Run as an ordinary user (root ignores folder modes): a forked child drops to
    nobody when the suite runs as root."""
    from srs.doctor import diagnose
    from srs.errors import DatabaseError

    folder = Path(tempfile.mkdtemp(prefix="srs-ro-"))
    try:
        folder.chmod(0o755)
        (folder / "d").mkdir()
        db = folder / "d" / "srs.db"
        db.write_bytes(seeded.read_bytes())
        if os.geteuid() == 0:
            os.chown(folder / "d", 65534, 65534)
            os.chown(db, 65534, 65534)
        (folder / "d").chmod(0o555)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read)
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                try:
                    found = diagnose(db)
                    said = "no error: " + "; ".join(found.file.problems)
                except DatabaseError as exc:
                    said = "error: " + str(exc)
                os.write(write, said.encode())
            finally:
                os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        with os.fdopen(read, "rb") as pipe:
            said = pipe.read().decode()
    finally:
        (folder / "d").chmod(0o755)
        shutil.rmtree(folder)
    assert said.startswith("error: "), said
    assert "read-only" in said and "damaged" not in said, said


FULL_SCRIPT = """
set -u
mount -t tmpfs -o size=1024k none {mnt}
mount -t tmpfs -o size={out_kb}k none {small}
cp {seed} {mnt}/srs.db
{python} -m srs_cli --db {mnt}/srs.db due > /dev/null
avail=$(df -k --output=avail {mnt} | tail -1)
dd if=/dev/zero of={mnt}/fill bs=1k count=$((avail - {free_kb})) 2>/dev/null
{python} -m srs_cli --db {mnt}/srs.db {command} > {out}/stdout 2> {out}/stderr
echo $? > {out}/rc
ls -a {small} {mnt} > {out}/files
true
"""


@pytest.mark.parametrize(
    ("command", "free_kb", "out_kb"),
    [
        ("config set new-per-day 5", 8, 64),  # a few KiB free beside the database
        ("backup", 8, 64),
        ("export -o {small}/out.apkg", 8, 64),
        ("export -o {small}/out.apkg", 600, 4),  # room for the database, none for the package
    ],
    ids=["config-few-kib", "backup-few-kib", "export-few-kib", "export-full-target"],
)
def test_a_full_disk_says_so_and_names_the_file(seeded, tmp_path, command, free_kb, out_kb):
    """Issue 14, item 13: a few KiB free gave "disk I/O error, run doctor"; export said
    "a file: No space left on device" with no path; no package or .partial is left."""
    if not _mount_namespace_works(tmp_path):
        pytest.skip("no mount namespace here (unshare -m / mount tmpfs not permitted)")
    mnt, small, out = tmp_path / "mnt", tmp_path / "small", tmp_path / "out"
    for folder in (mnt, small, out):
        folder.mkdir()
    command = command.format(small=small)
    script = FULL_SCRIPT.format(
        mnt=mnt, small=small, seed=seeded, python=sys.executable, out=out, command=command,
        free_kb=free_kb, out_kb=out_kb,
    )  # fmt: skip
    subprocess.run(["unshare", "-m", "sh", "-c", script], check=True, timeout=120)
    rc = int((out / "rc").read_text())
    said = (out / "stdout").read_text() + (out / "stderr").read_text()
    assert_clean_error(rc, said, "disk is full")
    assert "I/O error" not in said and "srs doctor" not in said, said
    if command.startswith("export") and free_kb > 100:  # (with 8 KiB free the database itself cannot open)
        assert f"{small}/out.apkg was not written: the disk is full" in said, said
    files = (out / "files").read_text().split()
    assert "out.apkg" not in files and not [f for f in files if f.endswith(".partial")], files


def test_an_export_that_cannot_be_recorded_leaves_no_package(srs, seeded, tmp_path):
    """Issue 14, item 13: the package was written, then recording it failed and export exited
    1 with the file in place. Now the file is put in place only after the record is committed."""
    out = tmp_path / "out.apkg"
    with read_only(seeded):
        result = srs("export", "-o", str(out))
    assert_clean_error(result.exit_code, result.output, f"{out} was not written", "read-only")
    assert not out.exists()
    assert [p.name for p in tmp_path.glob(".out.apkg*")] == []
    assert srs("export", "-o", str(out)).exit_code == 0 and out.exists()


# -- a zero-byte file (issue 14, item 6) ----------------------------------------


@pytest.mark.parametrize("command", WRITERS + READERS, ids=lambda c: " ".join(c[:2]))
def test_a_zero_byte_database_is_damaged_and_names_the_newest_good_backup(srs, seeded, tmp_path, log, command):
    assert srs("backup").exit_code == 0
    good = list_backups(seeded)[0].path
    Path(f"{seeded}-wal").unlink(missing_ok=True)
    Path(f"{seeded}-shm").unlink(missing_ok=True)
    seeded.write_bytes(b"")
    result = srs(*_args(command, tmp_path, log), input="3\n3\n")
    assert_clean_error(result.exit_code, result.output, str(seeded))
    assert "empty" in result.output and str(good) in result.output
    assert seeded.read_bytes() == b""  # never started as a new database
    assert list_backups(seeded) == [list_backups(seeded)[0]]


def test_a_zero_byte_database_without_backups_says_so(srs, db_path):
    db_path.write_bytes(b"")
    result = srs("due")
    assert_clean_error(result.exit_code, result.output, str(db_path))
    assert "No good backup" in result.output
    assert db_path.read_bytes() == b""


def test_only_a_missing_file_starts_a_new_database(srs, db_path, sample):
    assert not db_path.exists()
    assert srs("import", str(sample)).exit_code == 0
    assert db_path.stat().st_size > 0
    assert not list(db_path.parent.glob(".*.new"))


# -- an index out of step with its table (issue 14, item 2) ---------------------


def _page(db: Path, index: str) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()
    return (root - 1) * size, size


def _stale_index(srs, db: Path, log: Path, index: str = "sqlite_autoindex_events_1") -> None:
    """The unique index on the events' keys as it was before `log` was imported: the table
    holds the new attempts, the index does not know them (quick_check passes)."""
    checkpoint(db)
    offset, size = _page(db, index)
    old = db.read_bytes()[offset : offset + size]
    assert srs("import", str(log)).exit_code == 0
    checkpoint(db)
    assert _page(db, index) == (offset, size)  # one leaf page, still in place
    data = bytearray(db.read_bytes())
    data[offset : offset + size] = old
    db.write_bytes(bytes(data))
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)  # what main checked


@pytest.fixture
def small(srs, write_log, db_path) -> Path:
    first = write_log("first.csv", "qid,date,result\n" + "".join(f"{i},2026-10-{i:02d},incorrect\n" for i in range(1, 21)))
    assert srs("import", str(first)).exit_code == 0
    return db_path


def test_an_index_out_of_step_is_found_before_writing(srs, small, write_log):
    more = write_log("more.csv", "qid,date,result\n" + "".join(f"{i},2026-11-{i:02d},incorrect\n" for i in range(1, 6)))
    _stale_index(srs, small, more)
    before = digest(*_files(small))
    backups = list_backups(small)
    result = srs("import", str(more))  # on main: stored the 5 attempts twice
    assert_clean_error(result.exit_code, result.output, str(small), "damaged", "sqlite_autoindex_events_1")
    assert digest(*_files(small)) == before
    assert list_backups(small) == backups  # no backup of the damaged file
    for command in WRITERS[1:]:
        done = srs(*_args(command, small.parent, more), input="3\n")
        assert_clean_error(done.exit_code, done.output, "damaged")
    assert digest(*_files(small)) == before


def test_a_backup_is_checked_before_it_is_kept(small, monkeypatch):
    """A copy that fails the check is deleted, never left as a good backup."""
    import srs.store.backup as backup_mod

    monkeypatch.setattr(backup_mod, "write_check", lambda conn: ["index x is out of step with table events"])
    from srs.derived import open_database

    with open_database(small) as store:
        from srs.errors import DatabaseError

        with pytest.raises(DatabaseError, match="its copy failed the check"):
            backup_mod.make_backup(store.conn, small, "manual", backup_mod.datetime.now(backup_mod.UTC))
    assert list_backups(small) == []
    assert not list((small.parent / "backups").glob(".*partial"))
