"""`srs import`: read a miss log into the database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.ingest import import_attempts
from srs.misslog import Header, decode, read_miss_log
from srs.timing import utc_now

from .common import open_db


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--source", help="Qbank for rows without a source column (uworld, amboss, nbme, ...).")
@click.pass_context
def import_command(ctx: click.Context, file: str, source: str | None) -> None:
    """Import a miss log (CSV or TSV with a header row; see README for columns).

    Each row is one attempt at a question. The first miss of a question makes a
    new card; later misses and correct attempts count as recalls. Importing the
    same file again changes nothing. FILE may be - for standard input.
    """
    name = "<stdin>" if file == "-" else file
    data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    text = decode(data, name)
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        now = utc_now()
        headers: list[Header] = []
        attempts = read_miss_log(
            text, name, rule=settings.day_rule(), now=now, default_source=source, header_out=headers
        )
        summary = import_attempts(store, attempts, settings.scheduler(), file_label=name, now=now)
    click.echo(summary.line())
    if headers and headers[0].ignored:
        click.echo(f"Ignored columns: {', '.join(headers[0].ignored)}", err=True)
