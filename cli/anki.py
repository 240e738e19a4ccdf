"""`srs sync-anki` (reviews done in Anki come home) and `srs anking` (AnKing searches)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.errors import shown
from srs.timing import utc_now

from . import safe
from .common import open_db
from .selecting import filter_options, selection_from


@click.command("sync-anki")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def sync_anki_command(ctx: click.Context, file: Path) -> None:
    """Record the reviews you did in Anki, from a collection exported from Anki.

    \b
    In Anki: File → Export → 'Anki Collection Package (.colpkg)' (media not
    needed), or a deck as '.apkg' with 'Include scheduling information'.
    Each Anki answer is recorded once: running it again with the same or a
    later file adds only what is new. Your srs cards are then rebuilt.
    """
    from srs.anki.collection import require_anki
    from srs.anki.sync import sync_anki

    require_anki()  # before opening (and perhaps creating) the database
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        summary = sync_anki(store, settings, file, now=utc_now())
    click.echo(
        f"{summary.notes} srs notes in {shown(file.name)}, {summary.reviews} Anki reviews: "
        f"{summary.added} new, {summary.known} already recorded, {summary.skipped} manual changes skipped; "
        f"{summary.cards} cards updated"
    )
    if summary.notes and not summary.reviews and file.suffix.lower() == ".apkg":
        click.echo("No reviews in this package: export it from Anki with 'Include scheduling information'.")


@click.command("anking")
@filter_options
@click.option("--version", "deck_version", default="v12", show_default=True, help="AnKing deck version tag.")
@click.option("--step", type=click.IntRange(1, 3), default=1, show_default=True, help="USMLE Step of the deck.")
@click.option(
    "--per-search",
    type=click.IntRange(1, 500),
    default=100,
    show_default=True,
    metavar="N",
    help="QIDs per search (Anki fails above about 1,000).",
)
@click.pass_context
def anking_command(
    ctx: click.Context,
    subjects: tuple[str, ...],
    systems: tuple[str, ...],
    topics: tuple[str, ...],
    since: datetime | None,
    min_misses: int | None,
    deck_version: str,
    step: int,
    per_search: int,
) -> None:
    """Anki searches for the AnKing cards of your missed UWorld questions.

    Prints one search per line, most important questions first; paste a line
    into Anki's browser (Browse) search bar. Filters work as in `srs export`.
    """
    from srs.anki.anking import anking_searches
    from srs.anki.anking import deck_version as parse_version

    version = parse_version(deck_version)
    selection = selection_from(subjects, systems, topics, since, min_misses)
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        found = anking_searches(
            store, settings, selection, now=utc_now(), version=version, step=step, per_search=per_search
        )
    for search in found.searches:
        click.echo(safe.line(search))
    count = len(found.searches)
    click.echo(
        f"{len(found.qids)} missed UWorld QIDs in {count} search{'es' if count != 1 else ''} "
        f"(at most {per_search} QIDs each): paste each line into Anki's browser search bar.",
        err=True,
    )
    if found.skipped:
        listed = safe.line(", ".join(found.skipped[:5]))
        click.echo(f"Left out {len(found.skipped)} QIDs that are not numbers: {listed}", err=True)
