"""`srs export`: write the cards as an Anki package."""

from __future__ import annotations

from pathlib import Path

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from .common import open_db


@click.command("export")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The .apkg file to write.",
)
@click.option("--deck-root", help="Top deck name (default: the deck-root setting, 'Step 1 Misses').")
@click.pass_context
def export_command(ctx: click.Context, output: Path, deck_root: str | None) -> None:
    """Write every card to an Anki package (.apkg), a subdeck per subject.

    Importing a later export into the same Anki collection updates the notes
    already there (progress kept) and adds only the new ones.
    """
    from srs.export import export_apkg

    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        summary = export_apkg(store, settings, output, now=utc_now(), deck_root=deck_root)
    click.echo(f"Wrote {summary.notes} notes in {summary.decks} decks to {summary.path}")
