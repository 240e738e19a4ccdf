"""Filter options shared by `srs export` and `srs anking`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from srs.filters import Selection

F = Callable[..., Any]

FILTERS: list[Callable[[F], F]] = [
    click.option("--subject", "subjects", multiple=True, metavar="NAME", help="Only this subject (repeatable)."),
    click.option("--system", "systems", multiple=True, metavar="NAME", help="Only this system (repeatable)."),
    click.option("--topic", "topics", multiple=True, metavar="NAME", help="Only this topic (repeatable)."),
    click.option(
        "--since",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="YYYY-MM-DD",
        help="Only questions missed on or after this day.",
    ),
    click.option(
        "--min-misses", type=click.IntRange(min=1), default=None, metavar="N", help="Only questions missed N+ times."
    ),
]


def filter_options(command: F) -> F:
    """Add --subject, --system, --topic, --since and --min-misses to a command."""
    for option in reversed(FILTERS):
        command = option(command)
    return command


def selection_from(
    subjects: tuple[str, ...],
    systems: tuple[str, ...],
    topics: tuple[str, ...],
    since: datetime | None,
    min_misses: int | None,
    **extra: Any,
) -> Selection:
    return Selection(
        subjects=subjects,
        systems=systems,
        topics=topics,
        since=since.date() if since else None,
        min_misses=min_misses or 0,
        **extra,
    )
