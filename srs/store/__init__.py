"""All SQLite access: the file, its schema history, the log, the kept totals, backups.

`Store` and `open_store` are the way in; the rest of srs never writes SQL.
"""

from srs.store.connection import Store, open_store

__all__ = ["Store", "open_store"]
