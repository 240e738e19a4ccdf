"""`srs due`: today's load and the plan for the days ahead."""

from __future__ import annotations

import json

import click

from srs import settings as settings_mod
from srs.plan import tiers
from srs.plan.queue import Planner
from srs.timing import utc_now

from .common import counted, open_db


@click.command("due")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 365), help="Days ahead to show.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def due_command(ctx: click.Context, days: int, as_json: bool) -> None:
    """How many cards are due today and on each of the next days.

    A backlog after a break is spread over the coming days (most important
    first) within the daily maximum; high-yield cards are kept at a higher
    retention than the rest.
    """
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        planner = Planner(store, settings, utc_now())
        loads = planner.plan(days)
        high, other = planner.tiers()
        total = store.card_count()
        window = planner.exam_window()
        pulled = planner.exam_cards() if window else []
        ahead = planner.queue().ahead
    if as_json:
        payload = {
            "today": loads[0].day.isoformat(),
            "cards": total,
            "days": [{"date": d.day.isoformat(), "due": d.due, "new": d.new, "backlog": d.backlog} for d in loads],
            "retention": {
                "high_yield": settings.high_yield_retention,
                "high_yield_cards": high,
                "high_yield_misses": planner.high_yield_misses,
                "other": settings.desired_retention,
                "other_cards": other,
            },
            "exam_date": settings.exam_date or None,
            "exam_window_start": window[0].isoformat() if window else None,
            "exam_pulled_forward": [{"source": r.source, "qid": r.qid, "topic": r.topic} for r in pulled],
            "taken_ahead_of_light_day": ahead,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    for index, load in enumerate(loads):
        label = f"Today ({load.day:%a %d %b})" if index == 0 else f"  {load.day:%a %d %b}"
        line = f"{label}: {load.due} due, {load.new} new"
        if index == 0:
            line += f"  ({counted(total, 'card')} in all)"
        if load.backlog:
            line += f"; {load.backlog} more wait for the next days"
        click.echo(line)
    if tiers.tiers_apply(settings):
        click.echo(
            f"Retention: {settings.high_yield_retention:.2f} for {high} high-yield cards "
            f"(topics missed {planner.high_yield_misses}+ times), {settings.desired_retention:.2f} for {other} others"
        )
    else:
        click.echo(f"Retention: {settings.desired_retention:.2f} for all {high + other} cards (no high-yield tier)")
    if ahead:
        click.echo(f"{counted(ahead, 'card')} due tomorrow (a light or rest day) come today instead")
    if settings.exam_date:
        left = (loads[0].day.fromisoformat(settings.exam_date) - loads[0].day).days
        click.echo(f"Exam {settings.exam_date}: {counted(left, 'day')} left")
    if window and pulled:
        opens = "from today" if window[0] <= loads[0].day else f"from {window[0]:%a %d %b}"
        listed = ", ".join(f"{r.source} {r.qid}" + (f" ({r.topic})" if r.topic else "") for r in pulled[:5])
        more = f" and {len(pulled) - 5} more" if len(pulled) > 5 else ""
        click.echo(
            f"Pulled forward for the exam {opens} (their intervals end after it; "
            f"most important first): {counted(len(pulled), 'card')}: {listed}{more}"
        )
