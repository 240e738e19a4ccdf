"""`srs plan` (weeks to exam day, checkpoints, focus topics, a calendar file) and `srs today`."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.card_text import source_name
from srs.timing import utc_now

from . import safe
from .common import counted, db_path, open_db

TEMPLATE_FILE = "plan-template.json"  # in the database's folder: the student's own week


def _template(ctx: click.Context, path: Path | None):  # type: ignore[no-untyped-def]
    from srs.plan.studyplan import Template

    if path is not None:
        return Template.from_file(path)
    beside = db_path(ctx).parent / TEMPLATE_FILE
    return Template.from_file(beside) if beside.exists() else Template()


@click.command("plan")
@click.option("--exam-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="The exam day (default: exam-date).")
@click.option("--weeks", type=click.IntRange(1, 52), help="Plan this many weeks when no exam date is set.")
@click.option(
    "--template", "template_path", type=click.Path(path_type=Path, dir_okay=False),
    help=f"A JSON week template (default: {TEMPLATE_FILE} beside the database, else the guides' week).",
)  # fmt: skip
@click.option(
    "--ics", "ics_path", type=click.Path(path_type=Path, dir_okay=False), help="Also write an iCalendar file."
)
@click.option("--retest", is_flag=True, help="Only the focus topics' QIDs, ready to paste into a custom test.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def plan_command(
    ctx: click.Context,
    exam_date: datetime | None,
    weeks: int | None,
    template_path: Path | None,
    ics_path: Path | None,
    retest: bool,
    as_json: bool,
) -> None:
    """A week-by-week plan to exam day: Qbank blocks, self-assessment checkpoints, the rest
    day, the cards' daily load, and this week's focus topics (docs/plan.md)."""
    from srs.plan.studyplan import make_plan

    template = _template(ctx, template_path)
    now = utc_now()
    with open_db(ctx) as store:
        plan = make_plan(
            store, settings_mod.load(store), now,
            exam=exam_date.date() if exam_date else None, weeks=weeks, template=template,
        )  # fmt: skip
    if ics_path is not None:
        from srs.plan.ics import write_ics

        written = write_ics(plan, ics_path, now)
        if not as_json:
            click.echo(f"Wrote {written} events to {safe.line(click.format_filename(ics_path))}")
    if as_json:
        click.echo(json.dumps(plan.as_dict(), indent=2))
        return
    if retest:
        for topic in plan.focus:
            click.echo(f"# {safe.line(topic.topic)}")
            for bank, qids in topic.paste_lists().items():
                click.echo(safe.line(f"{bank}: {qids}"))
        return
    _show(plan)


def _show(plan) -> None:  # type: ignore[no-untyped-def]
    t = plan.template
    left = (plan.exam - plan.today).days
    span = f"{counted(left, 'day')}, {counted(len(plan.weeks), 'week')}"
    click.secho(f"Plan to the exam on {plan.exam:%a %d %b %Y}: {span}", bold=True)
    rest = f"{t.rest_day.title()} ({t.rest_review})" if t.rest_day else "none"
    click.echo(
        f"Week: {t.blocks_per_day} timed blocks of {t.block_questions} a study day, {t.review_minutes} min "
        f"of cards in the evening; {t.practice_exam_day.title()} practice exam; rest day: {rest}"
    )
    for note in plan.notes:
        click.echo(f"Note: {note}")
    click.echo()
    click.secho("Checkpoints (self-assessments)", bold=True)
    if not plan.checkpoints:
        click.echo("  none: the plan is too short for one")
    for c in plan.checkpoints:
        line = f"  {c.day:%a %d %b}  {c.why}"
        if c.score:
            line += f"  (recorded that week: {c.score})"
        click.echo(line)
        if c.rule:
            click.echo(f"             {c.rule}")
    first, *later = plan.weeks
    click.echo()
    click.secho(f"This week (from {first.start:%a %d %b})", bold=True)
    for d in first.days:
        click.echo("  " + _day_line(d, t))
    if plan.focus:
        click.echo()
        click.secho("Focus topics this week", bold=True)
        for f in plan.focus:
            misses = counted(f.misses, "miss", "misses")
            click.echo(f"  {safe.line(f.topic)} — {misses} — about {_duration(f.minutes)} of targeted review")
            for bank, qids in f.paste_lists().items():
                click.echo(f"    redo in a custom {bank} block: {qids}")
            for r in f.retests:
                when = " and ".join(f"{d:%a %d %b}" for d in r.on if d >= plan.today)
                bank, qid = safe.line(source_name(r.source)), safe.line(r.qid)
                click.echo(f"    retest {bank} {qid} (missed {r.missed:%d %b}): {when}")
    if later:
        click.echo()
        click.secho("Later weeks", bold=True)
    for n, w in enumerate(later, start=2):
        marks = [f"{c.checkpoint.why} NBME {c.day:%a %d %b}" for c in w.days if c.checkpoint]
        exam = [f"EXAM {d.day:%a %d %b}" for d in w.days if d.kind == "exam"]
        extra = "; ".join(marks + exam)
        click.echo(
            f"  week {n:>2} ({w.start:%d %b}): {w.blocks:>2} blocks, {w.new:>3} new cards, {w.reviews:>4} reviews"
            + (f"; {extra}" if extra else "")
        )
    for warning in plan.warnings:
        click.secho(f"Warning: {warning}", fg="yellow")


def _day_line(d, t) -> str:  # type: ignore[no-untyped-def]
    cards = f"cards: {d.new} new, {d.reviews} reviews ≈ {d.minutes} min"
    if d.exam_pulled:
        cards += f" (with {d.exam_pulled} seen again for the exam)"
    if d.kind == "exam":
        return f"{d.day:%a %d %b}  EXAM DAY"
    if d.kind == "rest":
        return f"{d.day:%a %d %b}  rest      light review only · {cards}"
    if d.checkpoint is not None:
        return f"{d.day:%a %d %b}  practice  NBME self-assessment ({d.checkpoint.why}) · {cards}"
    if d.kind == "practice":
        return f"{d.day:%a %d %b}  practice  4-5 timed blocks, then their misses · {cards}"
    return f"{d.day:%a %d %b}  study     {d.blocks} blocks of {t.block_questions}, review them · {cards}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


@click.command("today")
@click.option(
    "--template", "template_path", type=click.Path(path_type=Path, dir_okay=False), help="A JSON week template."
)
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def today_command(ctx: click.Context, template_path: Path | None, as_json: bool) -> None:
    """One screen for the morning: today's blocks, cards, focus topic, retests, days left."""
    from srs.plan.studyplan import today_view

    template = _template(ctx, template_path)
    with open_db(ctx) as store:
        view = today_view(store, settings_mod.load(store), utc_now(), template)
    if as_json:
        click.echo(json.dumps(asdict(view), default=_plain, indent=2))
        return
    click.secho(f"Today, {view.day:%a %d %b}", bold=True)
    if view.kind == "rest":
        click.echo("  Rest day: protect it (light review at most)")
    elif view.kind == "practice":
        click.echo("  Practice day: a self-assessment or 4-5 timed blocks, then their misses")
    elif view.kind == "exam":
        click.echo("  Exam day. Good luck.")
    elif view.blocks:
        click.echo(f"  Morning: {view.blocks} timed blocks of {view.block_questions}; afternoon: review them")
    click.echo(f"  Cards: {view.due} due and {view.new} new, about {view.minutes} min (srs review)")
    if view.focus:
        f = view.focus
        misses = counted(f.misses, "miss", "misses")
        click.echo(f"  Focus: {safe.line(f.topic)} — {misses} — about {_duration(f.minutes)} this week")
    if view.retests:
        by_bank: dict[str, list[str]] = {}
        for r in view.retests:
            by_bank.setdefault(source_name(r.source), []).append(r.qid)
        for bank, qids in by_bank.items():
            click.echo(f"  Retest in a custom {bank} block: {', '.join(qids)}")
    if view.days_to_exam is not None:
        line = f"  Exam in {counted(view.days_to_exam, 'day')}"
        if view.next_checkpoint:
            line += f"; next self-assessment {view.next_checkpoint:%a %d %b}"
        click.echo(line)
    else:
        click.echo("  No exam date: srs config set exam-date YYYY-MM-DD, then srs plan")


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))
