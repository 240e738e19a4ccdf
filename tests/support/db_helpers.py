"""Reading a test's SQLite file directly, as a check from outside srs."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def event_count(db: Path) -> int:
    """Events in the file; 0 when there is no file or no events table yet (nothing written)."""
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()
