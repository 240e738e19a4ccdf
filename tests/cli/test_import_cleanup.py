"""A failed import into a path where no database existed leaves nothing behind: no database
file (nor -wal, -shm, -journal), no backups folder, no folder made for it. A dry run on a new
path creates nothing. A good import still creates the database as before (private, WAL)."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from srs.ingest.importer import import_stream
from srs.settings import load
from srs.store import open_store

GOOD = "qid,date,topic,result\n7301,2026-11-02,Cardiac tamponade,incorrect\n7302,2026-11-03,Beck triad,correct\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith((".csv", ".xlsx", ".png")))


BAD_LOGS = {
    "bad rows": ("m.csv", "qid,date\n7301,2026-11-02\n7302,not a date\n"),
    "no qid column": ("m.csv", "topic,date\nGout,2026-11-02\n"),
    "an image": ("m.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    "a date in the future": ("m.csv", "qid,date\n7301,2099-01-01\n"),
    "an empty file": ("m.csv", ""),
}


@pytest.mark.parametrize("case", BAD_LOGS, ids=list(BAD_LOGS))
def test_a_failed_first_import_leaves_no_database(srs, tmp_path, write_log, case):
    name, content = BAD_LOGS[case]
    log = write_log(name, content)
    before = leftovers(tmp_path)
    db = tmp_path / "new.db"
    result = srs("--db", str(db), "import", str(log))
    assert result.exit_code != 0
    assert result.output.startswith("Error:") or "Error:" in result.output
    assert leftovers(tmp_path) == before  # no new.db, -wal, -shm, -journal, backups/, partial file


def test_a_failed_first_import_removes_the_folders_it_made(srs, tmp_path, write_log):
    log = write_log("m.csv", "qid,date\n7301,31/31/2026\n")
    result = srs("--db", str(tmp_path / "study" / "step1" / "srs.db"), "import", str(log))
    assert result.exit_code == 1 and "is not a date" in result.output
    assert not (tmp_path / "study").exists()


def test_a_dry_run_on_a_new_path_creates_nothing(srs, tmp_path, write_log):
    log = write_log("m.csv", GOOD)
    before = leftovers(tmp_path)
    result = srs("--db", str(tmp_path / "new" / "srs.db"), "import", str(log), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Dry run (nothing written): 2 rows read")
    assert leftovers(tmp_path) == before


def test_a_good_first_import_creates_the_database_as_before(srs, tmp_path, write_log):
    db = tmp_path / "data" / "srs.db"
    result = srs("--db", str(db), "import", str(write_log("m.csv", GOOD)))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o600 and stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in db.parent.iterdir()) == ["srs.db"]  # no partial file left beside it
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = conn.execute("SELECT q.qid, q.topic, e.result FROM events e JOIN questions q ON q.id = e.question_id")
        assert sorted(rows) == [("7301", "Cardiac tamponade", "incorrect"), ("7302", "Beck triad", "correct")]
        assert conn.execute("SELECT value FROM config WHERE key = 'timezone'").fetchone() == ("UTC",)
    finally:
        conn.close()
    # the file works as any database: the next command reads it, a second import adds to it
    assert "Cardiac tamponade" in srs("--db", str(db), "weak", "--json").output
    again = srs("--db", str(db), "import", str(write_log("n.csv", "qid,date\n7303,2026-11-04\n")))
    assert again.exit_code == 0 and again.output.startswith("1 row read: 1 new card,")


def test_a_failed_import_into_an_existing_database_keeps_it(srs, tmp_path, write_log):
    db = tmp_path / "srs.db"
    assert srs("--db", str(db), "import", str(write_log("m.csv", GOOD))).exit_code == 0
    result = srs("--db", str(db), "import", str(write_log("bad.csv", "qid,date\n7309,soon\n")))
    assert result.exit_code == 1
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM questions").fetchone() == (2,)
    finally:
        conn.close()


def test_a_first_import_racing_another_goes_into_the_file_the_other_made(tmp_path):
    """Two first imports: while one builds its new database beside the path, another srs
    creates the database there. The first one's import then goes into that file; nothing is
    lost, nothing is left beside it."""
    db = tmp_path / "srs.db"
    now = datetime(2026, 11, 20, tzinfo=UTC)
    first = open_store(db, provisional=True)
    try:
        assert first.provisional and not db.exists()
        with open_store(db) as other:  # another srs, meanwhile
            (tmp_path / "other.csv").write_bytes(b"qid,date\n8801,2026-11-05\n")
            with (tmp_path / "other.csv").open("rb") as stream:
                import_stream(other, load(other).scheduler(), stream, "other.csv", now=now)
        (tmp_path / "mine.csv").write_bytes(b"qid,date\n8802,2026-11-06\n")
        with (tmp_path / "mine.csv").open("rb") as stream:
            summary = import_stream(first, load(first).scheduler(), stream, "mine.csv", now=now)
        assert summary.new_cards == 1 and not first.provisional
    finally:
        first.close()
    conn = sqlite3.connect(db)
    try:
        assert sorted(r[0] for r in conn.execute("SELECT qid FROM questions")) == ["8801", "8802"]
    finally:
        conn.close()
    beside = {p.name for p in tmp_path.iterdir() if p.suffix != ".csv"}
    assert beside <= {"srs.db", "srs.db-wal", "srs.db-shm", "backups"} and "srs.db" in beside  # no partial file
    assert [p.name for p in (tmp_path / "backups").iterdir()][0].endswith("-import.db")  # the other's, before mine
