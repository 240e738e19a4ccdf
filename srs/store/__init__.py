"""All SQLite access: the file, its schema history, the log, the kept totals, backups."""
