"""`srs config`: the settings kept in the database."""

from __future__ import annotations

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from .common import counted, open_db


@click.group("config")
def config_group() -> None:
    """Show or change settings (time zone, rollover hour, new cards per day, ...)."""


@config_group.command("list")
@click.pass_context
def config_list(ctx: click.Context) -> None:
    """Every setting with its current value."""
    with open_db(ctx) as store:
        current = settings_mod.load(store)
    for key, attribute in settings_mod.KEYS.items():
        value = getattr(current, attribute)
        click.echo(f"{key} = {'' if value is None else value}")


@config_group.command("get")
@click.argument("key")
@click.pass_context
def config_get(ctx: click.Context, key: str) -> None:
    """One setting's value."""
    if key not in settings_mod.KEYS:
        raise click.ClickException(f"unknown setting '{key}' (known: {', '.join(settings_mod.KEYS)})")
    with open_db(ctx) as store:
        click.echo(getattr(settings_mod.load(store), settings_mod.KEYS[key]))


@config_group.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@click.pass_context
def config_set(ctx: click.Context, key: str, value: str) -> None:
    """Change a setting, e.g. `srs config set new-per-day 30`."""
    from srs.schedule.workload import expected_workload

    now = utc_now()
    with open_db(ctx) as store:
        settings_mod.check(key, value)
        shows_workload = key in ("desired-retention", "high-yield-retention", "high-yield-misses")
        before = expected_workload(store, settings_mod.load(store), now) if shows_workload else None
        rescheduled = settings_mod.change(store, key, value, utc_now())
        after = expected_workload(store, settings_mod.load(store), now) if before else None
    click.echo(f"{key} = {value.strip()}" + (f" ({counted(rescheduled, 'card')} rescheduled)" if rescheduled else ""))
    if before and after:
        click.echo(
            f"Expected reviews per day over the next {len(after.per_day)} days: "
            f"{after.average:.1f} on average, {after.peak} at most "
            f"(before: {before.average:.1f} on average, {before.peak} at most)"
        )
        if after.high_yield_retention is not None:
            click.echo(
                f"Retention {after.retention:g}, and {after.high_yield_retention:g} for "
                f"{after.high_yield_cards} high-yield cards"
            )
