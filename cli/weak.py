"""`srs weak`: where the misses are, ranked."""

from __future__ import annotations

import json

import click

from srs.model import no_misses_yet
from srs.timing import utc_now
from srs.weak import GROUPS, Area, weak_report

from . import safe
from .common import open_db

BAR = 20


@click.command("weak")
@click.option("--by", type=click.Choice(GROUPS), multiple=True, help="Only these groupings (default: all three).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1), help="Rows per grouping.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def weak_command(ctx: click.Context, by: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Your weak areas: topics, subjects and systems by misses, with accuracy and why."""
    with open_db(ctx) as store:
        now = utc_now()
        tables = weak_report(store, now=now, groups=by or GROUPS)
        why = no_misses_yet(store.attempt_count()) if not any(tables.values()) else ""
    if as_json:
        data = {g: [a.as_dict() for a in rows[:limit]] for g, rows in tables.items()}
        click.echo(json.dumps(data, indent=2))  # ASCII: \u escapes
        return
    if not any(tables.values()):
        click.echo(f"No misses yet: {why}.")
        return
    for group, rows in tables.items():
        _table(group, rows[:limit])


def _table(group: str, rows: list[Area]) -> None:
    if not rows:
        return
    top = rows[0].misses
    names = [safe.line(a.name) for a in rows]
    width = min(40, max(map(len, names)))
    click.echo()
    click.secho(f"{group.title() + 's':<{width}}  {'':<{BAR}}  misses  share  accuracy  why", bold=True)
    for area, name in zip(rows, names, strict=True):
        bar = "█" * max(1, round(BAR * area.misses / top))
        accuracy = "   –" if area.accuracy is None else f"{area.accuracy:>4.0%}"
        reasons = safe.line(", ".join(f"{kind} {n}" for kind, n in area.reasons.most_common(2)))
        name = name if len(name) <= width else name[: width - 1] + "…"
        click.echo(f"{name:<{width}}  {bar:<{BAR}}  {area.misses:>6}  {area.share:>5.0%}  {accuracy:>8}  {reasons}")
