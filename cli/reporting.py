"""`srs report` (a page of charts) and `srs stats` (the same numbers in the terminal)."""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from .common import open_db


@click.command("report")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option("--open", "open_it", is_flag=True, help="Open it in your default browser.")
@click.pass_context
def report_command(ctx: click.Context, output: Path, open_it: bool) -> None:
    """A progress report to look at: weak areas, reviews, retention, the workload ahead.

    One HTML file with its charts inside: it opens offline, on a phone or a desk."""
    from srs.report import charts, html
    from srs.report.data import from_assessments, gather
    from srs.report.engine import ChartEngine

    with ChartEngine() as engine:  # it starts in its own process while the log is read
        with open_db(ctx) as store:
            scores, bands = from_assessments(store.assessments())
            settings, now = settings_mod.load(store), utc_now()
            report = gather(
                store, settings, now, scores=scores, bands=bands, forecast=_plan_forecast(ctx, store, settings, now)
            )
        svgs = engine.draw(charts.specs(report))
    text = html.page(report, svgs)
    partial = output.with_name(output.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {output} ({len(text.encode()) // 1024} kB); open it in any browser.")
    if open_it and not webbrowser.open(output.resolve().as_uri()):
        click.echo("Could not open a browser here: open the file yourself.")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def stats_command(ctx: click.Context, as_json: bool) -> None:
    """Your progress in the terminal: reviews, retention, forecast, weak areas, as small charts."""
    from srs.report.data import from_assessments, gather
    from srs.report.text import stats_lines

    with open_db(ctx) as store:
        scores, bands = from_assessments(store.assessments())
        settings, now = settings_mod.load(store), utc_now()
        report = gather(
            store, settings, now, scores=scores, bands=bands, forecast=_plan_forecast(ctx, store, settings, now)
        )
    if as_json:
        click.echo(report.to_json())
        return
    color = use_color(os.environ, _stdout_is_terminal())
    for line in stats_lines(report, color=color):
        click.echo(line, color=color)


def use_color(environ: os._Environ[str] | dict[str, str], terminal: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org)."""
    return terminal and not environ.get("NO_COLOR")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _plan_forecast(ctx: click.Context, store, settings, now):  # type: ignore[no-untyped-def]
    """With an exam date ahead, the forecast is the study plan's (rest days marked)."""
    from datetime import date

    from srs.plan.studyplan import make_plan
    from srs.report.data import forecast_from_plan

    from .planning import _template

    if not settings.exam_date or date.fromisoformat(settings.exam_date) <= settings.day_rule().day_of(now):
        return None
    return forecast_from_plan(make_plan(store, settings, now, template=_template(ctx, None)).days)
