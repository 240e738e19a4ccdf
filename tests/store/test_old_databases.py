"""Databases earlier versions of srs wrote open and migrate (issue 14, item 3).

tests/fixtures/old-dbs/ holds one database per schema state found in main's history, each
made by that commit's own code (`build.sh COMMIT`: the bundled sample imported), named by
the commit. m001 and m004 were edited after they had shipped, so several of them said
"m001_initial" or "m004_miss_totals" without today's columns and indexes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from safety_helpers import cards_equal_replay

from srs.derived import open_database
from srs.doctor import diagnose
from srs.errors import DatabaseError
from srs.store import migrations
from srs.store.backup import list_backups

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "old-dbs"
OLD = sorted(FIXTURES.glob("*.db"))


def test_the_versions_named_in_the_issue_are_there():
    assert {"e2b72a7", "a8fe750", "8437b9c", "d25e203", "d3e12aa", "9d58bea", "6a8a7ef"} <= {p.stem for p in OLD}


def _rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("questions", "events")}


@pytest.mark.parametrize("fixture", OLD, ids=lambda p: p.stem)
def test_a_database_an_earlier_srs_wrote_opens_and_migrates(fixture, tmp_path, srs):
    db = tmp_path / "srs.db"
    shutil.copyfile(fixture, db)
    before = _rows(db)
    with open_database(db) as store:
        applied = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == migrations.NAMES
    assert _rows(db) == before == {"questions": 77, "events": 93}
    assert diagnose(db).ok
    assert cards_equal_replay(db)
    result = srs("--db", str(db), "due")
    assert result.exit_code == 0, result.output


def test_failed_starts_never_rotate_backups_away(tmp_path, monkeypatch):
    db = tmp_path / "srs.db"
    shutil.copyfile(FIXTURES / "d3e12aa.db", db)

    def broken(conn):  # a migration that fails (a bug in srs)
        raise RuntimeError("boom")

    monkeypatch.setattr(migrations, "apply", broken)
    for _ in range(15):
        with pytest.raises(DatabaseError, match="upgrading the database failed"):
            open_database(db)
    backups = list_backups(db)
    assert len(backups) == 1  # the first start's copy is kept; the same bytes are not copied again
    monkeypatch.undo()
    with open_database(db):
        pass
    assert list_backups(db)[-1] == backups[0]  # still there after the upgrade succeeded
