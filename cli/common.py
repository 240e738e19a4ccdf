"""Helpers every command shares: opening the database the user chose."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from srs.derived import open_database
from srs.store import Store


def counted(count: int, one: str, many: str | None = None) -> str:
    """'1 day', '3 days', '1 miss', '2 misses': a count with its noun in the right number."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def db_path(ctx: click.Context) -> Path:
    """The database file from --db / SRS_DB, or the default one in the user data folder."""
    path: Path | None = ctx.find_root().obj
    if path is None:
        from srs.paths import default_db_path

        path = default_db_path()
    return path


def open_db(ctx: click.Context, *, provisional: bool = False) -> Store:
    """The chosen database, opened (and created or migrated if need be).

    `provisional`: a database that does not exist yet is only put in place if the command
    publishes what it wrote (`Store.publish`: an import that succeeded); its notes wait for that
    (`print_notices`)."""
    store = open_database(db_path(ctx), provisional=provisional)
    if not store.provisional:
        print_notices(store)
    return store


def print_notices(store: Store) -> None:
    if sys.stderr.isatty():  # a note for the student at the terminal, not for scripts reading output
        for notice in store.notices:
            click.echo(f"Note: {notice}", err=True)
