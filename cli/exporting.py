"""`srs export`: write the cards as an Anki package."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from . import safe
from .common import counted, open_db
from .selecting import filter_options, selection_from


@click.command("export")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The .apkg file to write.",
)
@filter_options
@click.option("--new-only", is_flag=True, help="Only notes never exported before.")
@click.option("--deck-root", help="Top deck name (default: the deck-root setting, 'Step 1 Misses').")
@click.pass_context
def export_command(
    ctx: click.Context,
    output: Path,
    subjects: tuple[str, ...],
    systems: tuple[str, ...],
    topics: tuple[str, ...],
    since: datetime | None,
    min_misses: int | None,
    new_only: bool,
    deck_root: str | None,
) -> None:
    """Write cards to an Anki package (.apkg), a subdeck per subject.

    Importing a later export into the same Anki collection updates the notes
    already there (progress kept) and adds only the new ones. New cards get
    their positions in priority order. Names match the USMLE name or your own
    spelling, in any case; several values of one filter are alternatives.
    """
    from srs.anki.package import export_apkg

    selection = selection_from(subjects, systems, topics, since, min_misses, new_only=new_only)
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        summary = export_apkg(store, settings, output, now=utc_now(), deck_root=deck_root, selection=selection)
    new = f" ({summary.new} new)" if summary.new != summary.notes else ""
    decks = "deck" if summary.decks == 1 else "decks"
    click.echo(f"Wrote {counted(summary.notes, 'note')}{new} in {summary.decks} {decks} to {safe.line(summary.path)}")
