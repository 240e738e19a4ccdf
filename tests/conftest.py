"""Shared fixtures: every test gets its own database and data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings
from srs_cli.main import cli

# In CI (CI=true) the property tests draw the same examples every run, so a landing does not
# hang on a rare case one run happens to find; on a workstation they explore (and remember
# what failed in .hypothesis/). Either way a failure prints the example to reproduce it.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

SAMPLE = Path(__file__).resolve().parent.parent / "decks" / "sample-misses.csv"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches real data: the default database lives in tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = tmp_path / "srs.db"
    monkeypatch.setenv("SRS_DB", str(db))
    monkeypatch.setenv("TZ", "UTC")
    return db


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def srs():
    """Run the `srs` command in-process: srs("import", "file.csv") -> click Result."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def write_log(tmp_path: Path):
    """Write a miss log: write_log("a.csv", "qid,date\\n1,2026-11-01\\n") -> path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture
def sample() -> Path:
    return SAMPLE


@pytest.fixture
def tmp_anki(tmp_path: Path) -> Path:
    """Where a fresh Anki collection goes (Anki needs its folder to exist)."""
    (tmp_path / "anki").mkdir()
    return tmp_path / "anki" / "collection.anki2"
