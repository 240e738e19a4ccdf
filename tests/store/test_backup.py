"""Backups: made before every import (not a dry run), private, rotated as the README says;
`srs backup`, `srs backups`, and `srs restore` that checks first and deletes nothing."""

from __future__ import annotations

import contextlib
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from safety_helpers import assert_clean_error, checkpoint, counts, digest, make_log

from srs.store import backup, open_store
from srs.store.backup import AUTOMATIC, KEEP_DAYS, KEEP_LAST, Backup, backup_name, list_backups, rotate, to_keep

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def backups_of(db: Path) -> list[Path]:
    return [b.path for b in list_backups(db)]


def test_each_import_is_preceded_by_a_private_backup_of_what_was_there(srs, sample, db_path, tmp_path):
    ok(srs("import", str(sample)))
    assert backups_of(db_path) == []  # a new, empty database: nothing to keep
    before = counts(db_path)

    ok(srs("import", "--dry-run", str(make_log(tmp_path / "more.csv", 50))))
    assert backups_of(db_path) == []  # a dry run writes nothing, so it needs no backup

    ok(srs("import", str(tmp_path / "more.csv")))
    (made,) = list_backups(db_path)
    assert made.reason == "import"
    assert made.path.parent == db_path.parent / "backups"
    assert abs(made.taken - datetime.now(UTC)) < timedelta(minutes=1)
    assert counts(made.path) == before  # the copy holds the database as it was before the import
    assert counts(db_path)["events"] == before["events"] + 50
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    with contextlib.closing(sqlite3.connect(made.path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not list(made.path.parent.glob("*.partial"))


def test_backup_command_and_listing(srs, sample, db_path):
    ok(srs("import", str(sample)))
    out = ok(srs("backup"))
    (made,) = list_backups(db_path)
    assert out == f"Backed up to {made.path}\n"
    assert made.reason == "manual"
    assert counts(made.path) == counts(db_path)
    listing = ok(srs("backups"))
    assert listing == ok(srs("backup", "--list"))
    assert str(made.path) in listing and "manual" in listing


def test_backup_of_a_missing_database_is_an_error(srs, db_path):
    assert_clean_error(*_result(srs("backup")), "no database")
    assert not db_path.exists()


def test_a_backup_that_cannot_be_written_stops_the_import(srs, sample, db_path, tmp_path):
    ok(srs("import", str(sample)))
    (db_path.parent / "backups").write_text("a file where the folder should be")
    before = counts(db_path)
    assert_clean_error(*_result(srs("import", str(make_log(tmp_path / "m.csv", 20)))), "could not write a backup")
    assert counts(db_path) == before


def _result(result) -> tuple[int, str]:
    return result.exit_code, result.output


# Rotation
##########################################################################


def _backup(db: Path, taken: datetime, reason: str) -> Backup:
    return Backup(db.parent / "backups" / backup_name(db, taken, reason), taken, reason)


MOMENTS = st.lists(
    st.tuples(st.integers(0, 60 * 24 * 60), st.sampled_from(["import", "migration", "manual", "restore"])),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(moments=MOMENTS)
def test_rotation_keeps_exactly_the_last_ten_and_the_newest_of_each_recent_day(moments):
    db = Path("/x/srs.db")
    backups = [_backup(db, NOW - timedelta(minutes=m), r) for m, r in moments]
    kept = to_keep(backups, NOW)

    automatic = sorted((b for b in backups if b.reason in AUTOMATIC), key=lambda b: b.taken, reverse=True)
    expected = {b.path for b in backups if b.reason not in AUTOMATIC}  # never rotated
    expected |= {b.path for b in automatic[:KEEP_LAST]}
    for day in {b.taken.date() for b in automatic if NOW - b.taken <= timedelta(days=KEEP_DAYS)}:
        expected.add(max((b for b in automatic if b.taken.date() == day), key=lambda b: b.taken).path)
    assert kept == expected
    assert len(kept - {b.path for b in backups if b.reason not in AUTOMATIC}) <= KEEP_LAST + KEEP_DAYS + 1


def test_rotate_deletes_only_what_rotation_drops(tmp_path):
    db = tmp_path / "srs.db"
    folder = tmp_path / "backups"
    folder.mkdir()
    made = []
    for hours in range(0, 24 * 45, 6):  # four automatic backups a day for 45 days
        made.append(_backup(db, NOW - timedelta(hours=hours), "import"))
    made.append(_backup(db, NOW - timedelta(days=200), "manual"))
    other = folder / backup_name(tmp_path / "other.db", NOW - timedelta(days=100), "import")
    for path in [b.path for b in made] + [other]:
        path.write_bytes(b"")
    gone = rotate(db, NOW)
    left = set(backups_of(db))
    assert left == to_keep(made, NOW)
    assert len(left) == KEEP_LAST + 1 + (KEEP_DAYS + 1 - 3)  # 10 newest (3 days' worth) + older days + manual
    assert set(gone) | left == {b.path for b in made}
    assert other.exists()  # another database's backups are not this one's to rotate


# Restore
##########################################################################


def test_restore_brings_back_a_backup_and_keeps_every_backup(srs, sample, db_path, tmp_path):
    ok(srs("import", str(sample)))
    ok(srs("backup"))
    (saved,) = list_backups(db_path)
    first = counts(db_path)
    ok(srs("import", str(make_log(tmp_path / "more.csv", 40))))
    second = counts(db_path)
    existing = set(backups_of(db_path))

    out = ok(srs("restore", str(saved.path)))
    assert counts(db_path) == first
    assert f"Restored {db_path} from {saved.path}" in out
    new = set(backups_of(db_path)) - existing
    (previous,) = new
    assert existing <= set(backups_of(db_path))  # nothing deleted
    assert f"Kept the database as it was in {previous}" in out
    assert counts(previous) == second  # the state before the restore is one command away
    assert ok(srs("doctor")).endswith("No problems found.\n")
    ok(srs("restore", str(previous)))
    assert counts(db_path) == second


def _damage(path: Path) -> None:
    """Overwrite a stretch of every third page after the first: a realistic torn file."""
    checkpoint(path)
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096, 3):
        data[page * 4096 + 100 : page * 4096 + 600] = b"\x13" * 500
    path.write_bytes(bytes(data))


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _foreign(path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT)")
        conn.commit()
    return path


def _newer(srs_db: Path, path: Path) -> Path:
    checkpoint(srs_db)
    path.write_bytes(srs_db.read_bytes())
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('srs', 'm999_future', 'x')"
        )
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.commit()
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda db, p: _written(p, b"qid,date\n1,2026-11-01\n"), "not an SQLite database"),
        (lambda db, p: _written(p, b""), "empty"),
        (lambda db, p: _foreign(p), "not an srs database"),
        (lambda db, p: _newer(db, p), "newer srs"),
        (lambda db, p: p, "cannot read it"),
    ],
    ids=["csv", "empty", "foreign", "newer", "missing"],
)
def test_restore_refuses_a_file_that_fails_the_checks(srs, sample, db_path, tmp_path, make, words):
    ok(srs("import", str(sample)))
    candidate = make(db_path, tmp_path / "candidate.db")
    checkpoint(db_path)
    before = digest(db_path)
    assert_clean_error(*_result(srs("restore", str(candidate))), "cannot be restored", words, "nothing was changed")
    assert digest(db_path) == before
    assert backups_of(db_path) == []


def test_restore_refuses_a_damaged_backup(srs, sample, db_path):
    ok(srs("import", str(sample)))
    ok(srs("backup"))
    (saved,) = backups_of(db_path)
    _damage(saved)
    checkpoint(db_path)
    before = digest(db_path)
    assert_clean_error(*_result(srs("restore", str(saved))), "cannot be restored", "nothing was changed")
    assert digest(db_path) == before
    assert backups_of(db_path) == [saved]


def test_restore_over_a_damaged_database_keeps_the_damaged_bytes(srs, sample, db_path):
    ok(srs("import", str(sample)))
    good = counts(db_path)
    ok(srs("backup"))
    (saved,) = backups_of(db_path)
    _damage(db_path)
    damaged_bytes = db_path.read_bytes()
    out = ok(srs("restore", str(saved)))
    assert counts(db_path) == good
    kept = [b for b in list_backups(db_path) if b.reason == "damaged"]
    assert len(kept) == 1 and kept[0].path.read_bytes() == damaged_bytes
    assert str(kept[0].path) in out
    assert ok(srs("doctor")).endswith("No problems found.\n")


def test_restore_into_the_database_itself_is_refused(srs, sample, db_path):
    ok(srs("import", str(sample)))
    assert_clean_error(*_result(srs("restore", str(db_path))), "the database itself")


def test_restore_while_another_connection_is_open(srs, sample, db_path, tmp_path):
    """The live file is overwritten through SQLite (locks honoured), so an open reader sees
    the restored content on its next query instead of a swapped-out file."""
    ok(srs("import", str(sample)))
    ok(srs("backup"))
    (saved,) = backups_of(db_path)
    ok(srs("import", str(make_log(tmp_path / "more.csv", 30))))
    with open_store(db_path) as store:
        assert store.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 93 + 30
        backup.restore(db_path, saved, NOW)
        assert store.conn.execute("SELECT count(*) FROM events").fetchone()[0] == 93
