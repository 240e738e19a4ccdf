"""The time zone is a property of the database (issue 14, item 5): recorded at first use,
said so, and used by every command whatever `TZ` says later."""

from __future__ import annotations

import contextlib
import os
import sqlite3

import pytest
from safety_helpers import cards_equal_replay

from srs import settings as settings_mod
from srs.derived import open_database


def test_the_first_use_records_the_zone_and_says_so(db_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")
    with open_database(db_path) as store:
        assert store.config()["timezone"] == "America/Chicago"
        assert len(store.notices) == 1 and "America/Chicago" in store.notices[0]
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    with open_database(db_path) as store:
        assert store.notices == []  # said once
        assert settings_mod.load(store).timezone == "America/Chicago"


def test_every_command_uses_the_stored_zone_whatever_tz_says(srs, sample, db_path, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: most study days differ from UTC's
    assert srs("import", str(sample)).exit_code == 0
    assert srs("review", "--limit", "5", input="3\n3\n3\n3\n3\n3\n3\n3\n3\n3\n").exit_code == 0
    for zone in ("Pacific/Pago_Pago", "UTC", "Asia/Kolkata"):  # UTC-11, and others
        monkeypatch.setenv("TZ", zone)
        assert srs("config", "get", "timezone").output == "Pacific/Kiritimati\n"
        result = srs("doctor")
        assert result.exit_code == 0, (zone, result.output)
    assert cards_equal_replay(db_path)


def test_an_explicit_setting_is_kept(srs, db_path, monkeypatch):
    assert srs("config", "set", "timezone", "Europe/Berlin").exit_code == 0
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert srs("config", "get", "timezone").output == "Europe/Berlin\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_file_without_a_zone_still_reads(srs, sample, db_path, monkeypatch):
    assert srs("import", str(sample)).exit_code == 0
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        conn.execute("DELETE FROM config WHERE key = 'timezone'")
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_path.chmod(0o400)
    try:
        assert srs("due").exit_code == 0
    finally:
        db_path.chmod(0o600)
