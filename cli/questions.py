"""`srs questions`: the stored questions themselves (which Qbank they are filed under)."""

from __future__ import annotations

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from . import safe
from .common import open_db


@click.group("questions")
def questions_group() -> None:
    """Questions as stored: move them to another source."""


@questions_group.command("move-source")
@click.argument("source")
@click.argument("target")
@click.option("--dry-run", is_flag=True, help="Say what would move; write nothing.")
@click.pass_context
def move_source_command(ctx: click.Context, source: str, target: str, dry_run: bool) -> None:
    """Move every question of SOURCE to TARGET: `srs questions move-source other uworld`
    after importing a UWorld log without --source.

    A question TARGET holds already is merged with it: one card, both histories (an attempt
    both hold is kept once). The database is backed up first, as before an import.
    """
    from srs.ingest.moving import move_source

    with open_db(ctx) as store:
        summary = move_source(
            store, settings_mod.load(store).scheduler(), source, target, now=utc_now(), dry_run=dry_run
        )
    click.echo(safe.line(summary.line()))
    for note in summary.notes():
        click.echo(safe.line(note), err=True)
