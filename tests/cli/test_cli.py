"""Commands other than import/review: due, queue, config, the database choice, errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta

from srs_cli.main import cli

from srs.settings import load
from srs.store import open_store
from srs.timing import utc_now


def test_due_counts_today_and_the_week(srs, write_log, db_path):
    srs("import", str(write_log("m.csv", "qid,topic\n1,Gout\n2,Gout\n3,Lupus\n")))
    data = json.loads(srs("due", "--json").output)
    assert data["cards"] == 3
    assert [d["due"] for d in data["days"]] == [0] * 8
    assert data["days"][0]["new"] == 3
    # push one card into review, due in some days, and see it in the forecast
    with open_store(db_path) as store:
        settings = load(store)
        from srs.review import ReviewSession
        from srs.schedule.scheduler import Rating

        now = utc_now()
        session = ReviewSession(store, settings, now=now)
        row = session.next_card(now)
        assert row is not None
        outcome = session.answer(row, Rating.Easy, now)
        rule = settings.day_rule()
        due_day = rule.day_of(outcome.card.due)
    data = json.loads(srs("due", "--json", "--days", "30").output)
    offset = (due_day - rule.day_of(now)).days
    assert offset >= 1
    assert data["days"][offset] == {"date": due_day.isoformat(), "due": 1, "new": 0, "backlog": 0}
    assert data["days"][0]["new"] == 2
    text = srs("due").output
    assert text.startswith("Today (") and "2 new" in text


def test_new_card_limit_and_queue_order(srs, write_log, db_path):
    rows = "".join(f"{i},Topic{i % 4}\n" for i in range(10)) + "".join(f"{20 + i},Gout\n" for i in range(4))
    srs("import", str(write_log("m.csv", "qid,topic\n" + rows)))
    assert srs("config", "set", "new-per-day", "5").exit_code == 0
    data = json.loads(srs("queue", "--json").output)
    assert data["new"] == 5
    assert [c["topic"] for c in data["cards"][:4]] == ["Gout"] * 4  # most-missed topic first
    misses = [c["topic_misses"] for c in data["cards"]]
    assert misses == sorted(misses, reverse=True)


def test_db_option_env_and_default_location(srs, write_log, tmp_path, monkeypatch):
    log = str(write_log("m.csv", "qid\n1\n"))
    explicit = tmp_path / "explicit.db"
    assert srs("--db", str(explicit), "import", log).exit_code == 0
    assert explicit.exists()
    monkeypatch.delenv("SRS_DB")
    assert srs("import", log).exit_code == 0
    default = tmp_path / "data" / "srs" / "srs.db"
    assert default.exists(), list(tmp_path.rglob("*.db"))


def test_database_file_is_private(srs, write_log, db_path):
    old = os.umask(0o022)
    try:
        srs("import", str(write_log("m.csv", "qid\n1\n")))
    finally:
        os.umask(old)
    assert db_path.stat().st_mode & 0o777 == 0o600


def test_not_an_srs_database_is_one_clear_line(srs, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER)")
    conn.commit()
    conn.close()
    result = srs("--db", str(other), "due")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "not an srs database" in result.output
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    result = srs("--db", str(garbage), "due")
    assert result.exit_code == 1
    assert "not an srs database or is damaged" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_config_validates_and_reschedules(srs, write_log):
    srs("import", str(write_log("m.csv", "qid,date\n1,2026-10-01\n1,2026-10-03\n")))
    bad = srs("config", "set", "desired-retention", "1.5")
    assert bad.exit_code == 1 and "0.70 to 0.99" in bad.output
    assert srs("config", "set", "nope", "1").exit_code == 1
    good = srs("config", "set", "timezone", "America/Chicago")
    assert good.exit_code == 0 and "1 card rescheduled" in good.output
    assert srs("config", "get", "timezone").output.strip() == "America/Chicago"
    assert "new-per-day = 20" in srs("config", "list").output


def test_export_with_no_cards_says_what_to_do(srs, tmp_path):
    result = srs("export", "-o", str(tmp_path / "x.apkg"))
    assert result.exit_code == 1
    assert "nothing to export" in result.output
    assert not (tmp_path / "x.apkg").exists()


def test_python_dash_m_srs_and_installed_command(tmp_path, write_log):
    env = {**os.environ, "SRS_DB": str(tmp_path / "m.db")}
    log = str(write_log("m.csv", "qid\n1\n"))
    done = subprocess.run([sys.executable, "-m", "srs_cli", "import", log], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 new card" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "srs_cli", "import", str(write_log("b.csv", "x\n1\n"))],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.startswith("Error: ") and "no question-id column" in bad.stderr
    assert bad.stdout == ""


def test_help_lists_the_commands():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--help"])
    for command in ("import", "review", "due", "queue", "export", "config"):
        assert command in result.output


def test_day_boundary_helpers_are_consistent():
    from srs.timing import UTC, DayRule

    rule = DayRule(UTC, 4)
    now = utc_now()
    assert rule.day_start(now) <= now < rule.next_day_start(now)
    assert rule.next_day_start(now) - rule.day_start(now) == timedelta(days=1)
