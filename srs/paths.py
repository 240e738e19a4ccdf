"""Where the database lives when the user does not say (`--db` or `SRS_DB`)."""

from __future__ import annotations

from pathlib import Path


def default_db_path() -> Path:
    """`srs.db` in the user's data directory (~/.local/share/srs on Linux)."""
    import platformdirs

    return platformdirs.user_data_path("srs", appauthor=False) / "srs.db"
