"""`srs due`: today's load and the week ahead."""

from __future__ import annotations

import json

import click

from srs import settings as settings_mod
from srs.queue import forecast
from srs.timing import utc_now

from .common import open_db


@click.command("due")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 365), help="Days ahead to show.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def due_command(ctx: click.Context, days: int, as_json: bool) -> None:
    """How many cards are due today and on each of the next days."""
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        loads = forecast(store, settings, utc_now(), days)
        total = store.card_count()
    if as_json:
        payload = {
            "today": loads[0].day.isoformat(),
            "cards": total,
            "days": [{"date": d.day.isoformat(), "due": d.due, "new": d.new} for d in loads],
        }
        click.echo(json.dumps(payload, indent=2))
        return
    today = loads[0]
    click.echo(f"Today ({today.day:%a %d %b}): {today.due} due, {today.new} new  ({total} cards in all)")
    for load in loads[1:]:
        click.echo(f"  {load.day:%a %d %b}: {load.due} due")
