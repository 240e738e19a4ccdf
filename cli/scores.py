"""`srs score add/list/rm` (self-assessments and their bands) and `srs ready` (am I ready?)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import click

from srs import settings as settings_mod
from srs.errors import AssessmentError, shown
from srs.model import ASSESSMENT_KINDS, Assessment
from srs.plan import readiness
from srs.timing import utc_now

from .common import counted, open_db

WEAK_FROM_MISSES = 5  # srs weak's top systems and subjects shown beside the bands


@click.group("score")
def score_group() -> None:
    """Self-assessment scores (NBME, UWSA, Free 120, ...) and their content-area bands."""


@score_group.command("add")
@click.option("--date", "taken", required=True, help="The day you took it (YYYY-MM-DD).")
@click.option("--kind", required=True, help=f"One of: {', '.join(ASSESSMENT_KINDS)} (step1: the failed exam's report).")
@click.option("--form", default="", help='The form, e.g. "NBME 30" or "UWSA 2".')
@click.option("--percent", help="Equated percent correct, 0-100, as the report gives it.")
@click.option("--pass-probability", "probability", help="The report's estimated pass probability, 0-1.")
@click.option("--scaled", help="A three-digit scaled score, when the report gives one (stored, never converted).")
@click.option("--band", "bands", multiple=True, help="A content area's band, e.g. Cardiovascular=lower (repeatable).")
@click.option(
    "--bands",
    "band_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Many bands at once: a CSV (area,band) or JSON file.",
)
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def add_command(
    ctx: click.Context,
    taken: str,
    kind: str,
    form: str,
    percent: str | None,
    probability: str | None,
    scaled: str | None,
    bands: tuple[str, ...],
    band_file: Path | None,
    as_json: bool,
) -> None:
    """Record a self-assessment (or the failed exam's own score report, --kind step1)."""
    given = [readiness.parse_band(text) for text in bands]
    if band_file is not None:
        try:
            text = band_file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise AssessmentError(f"{band_file.name}: not UTF-8 text (save it as CSV or JSON)") from None
        given += readiness.parse_band_file(band_file.name, text)
    now = utc_now()
    with open_db(ctx) as store:
        today = settings_mod.load(store).day_rule().day_of(now)
        assessment = readiness.new_assessment(
            taken=_day(taken),
            kind=kind,
            today=today,
            form=form,
            percent=_number(percent, "percent"),
            pass_probability=_number(probability, "pass probability"),
            scaled=_whole(scaled),
            bands=given,
        )
        with store.write():
            new_id = store.add_assessment(assessment, now)
    stored = replace(assessment, id=new_id)
    if as_json:
        click.echo(json.dumps(readiness.assessment_dict(stored), indent=2))
        return
    click.echo(f"Recorded #{new_id}: {_line(stored)}")


@score_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """Every recorded assessment, oldest first."""
    with open_db(ctx) as store:
        found = store.assessments()
    if as_json:
        click.echo(json.dumps([readiness.assessment_dict(a) for a in found], indent=2))
        return
    if not found:
        click.echo("No self-assessments yet: srs score add --date YYYY-MM-DD --kind nbme --form 'NBME 30' --percent 62")
        return
    for a in found:
        click.echo(f"#{a.id:<3} {_line(a)}")


@score_group.command("rm")
@click.argument("assessment_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def rm_command(ctx: click.Context, assessment_id: int, as_json: bool) -> None:
    """Remove an assessment (and its bands) by the ID srs score list shows."""
    with open_db(ctx) as store, store.write():
        removed = store.remove_assessment(assessment_id)
    if as_json:
        click.echo(json.dumps(readiness.assessment_dict(removed), indent=2))
        return
    click.echo(f"Removed #{assessment_id}: {_line(removed)}")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise AssessmentError(f"'{shown(text)}' is not a date (use YYYY-MM-DD)") from None


def _number(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise AssessmentError(f"{what} must be a number, not '{shown(text)}'") from None
    if not math.isfinite(value):
        raise AssessmentError(f"{what} must be a number, not '{shown(text)}'")
    return value


def _whole(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise AssessmentError(f"a scaled score is a whole number, not '{shown(text)}'") from None


def _score_text(a: Assessment) -> str:
    parts = []
    if a.percent is not None:
        parts.append(f"{a.percent:g}%")
    if a.pass_probability is not None:
        parts.append(f"pass probability {a.pass_probability:.0%}")
    if a.scaled is not None:
        parts.append(f"scaled {a.scaled}")
    return ", ".join(parts) or "no score (bands only)"


def _line(a: Assessment) -> str:
    bands = "; ".join(f"{b.area} {b.band}" for b in a.bands)
    return f"{a.taken.isoformat()}  {a.label:<14} {_score_text(a)}" + (f"  [{bands}]" if bands else "")


# -- srs ready ------------------------------------------------------------------------------


@click.command("ready")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def ready_command(ctx: click.Context, as_json: bool) -> None:
    """Am I ready? Your scores' trend, the distance to 65% and 70%, the time the retake rules
    ask for, a verdict with its caveats, and weak areas from bands beside your misses'.

    Every rule is in docs/readiness.md; the numbers in srs/data/readiness.json."""
    from srs.weak import weak_report

    now = utc_now()
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        today = settings.day_rule().day_of(now)
        tables = weak_report(store, now=now, groups=("system", "subject"))
        report = readiness.assess(
            store.assessments(),
            today=today,
            exam_date=date.fromisoformat(settings.exam_date) if settings.exam_date else None,
            weak_from_misses={k: [a.name for a in rows[:WEAK_FROM_MISSES]] for k, rows in tables.items()},
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    for line in ready_lines(report):
        click.echo(line)


def ready_lines(r: readiness.Readiness) -> list[str]:
    rules = r.rules
    out: list[str] = []
    if not r.assessments:
        return ["No self-assessments yet: srs score add --date YYYY-MM-DD --kind nbme --form 'NBME 30' --percent 62"]
    out.append("Scores (trend: docs/readiness.md#trend)")
    for a in r.assessments:
        out.append(f"  {a.taken.isoformat()}  {a.label:<14} {_score_text(a)}")
    if r.level is not None:
        what = f"average of the last {r.level_from}" if r.level_from > 1 else "the only score"
        out.append(f"  Level: {r.level:.1f}% ({what})")
    if r.trend is not None:
        spread = r.trend.spread_per_week
        pm = f" ± {spread:.1f}" if spread is not None else ""
        more = "" if spread is not None else " (a spread from 3 scores on)"
        out.append(f"  Trend: {r.trend.slope_per_week:+.1f}{pm} points a week over {r.trend.points} scores{more}")
    if r.distance:
        out.append("")
        out.append("Distance (the lines: docs/readiness.md#lines)")
        for line, points in r.distance:
            gap = "reached" if points == 0 else f"{points:.1f} points to go"
            out.append(f"  {line.percent:g}% ({line.meaning}): {gap}")
    if r.months is not None and r.level is not None:
        out.append("")
        out.append("Time (the months rule: docs/readiness.md#months)")
        low, high = r.months.months
        span = "no more months by this rule" if high == 0 else f"{low}-{high} months of dedicated study"
        out.append(f"  {r.level:.1f}% is {r.months.rule}: {span}")
        per = ", ".join(f"{months:.1f} to {line:g}%" for line, months in r.months.per_points)
        out.append(f"  One month per {rules.per_points:g} points: {per} (months)")
        if r.exam_date is not None and r.days_left is not None:
            out.append(f"  Exam date {r.exam_date.isoformat()}: {counted(r.days_left, 'day')} left")
        else:
            out.append("  No exam date set (srs config set exam-date YYYY-MM-DD)")
        for line, when in r.reach:
            if r.level >= line.percent:
                continue
            if when is None:
                text = "the trend does not reach it"
            elif when <= r.today:
                text = (
                    f"the trend line is there already ({r.trend.at(r.today):.1f}% today, if it holds), "
                    f"but the level is not: take another form to confirm"
                    if r.trend
                    else f"the trend reached it on {when.isoformat()}"
                )
            else:
                text = f"the trend reaches it on {when.isoformat()}"
            out.append(f"  {line.percent:g}%: {text}")
    if r.verdict is not None and r.level is not None:
        out.append("")
        out.append(f"Verdict: {r.verdict.upper()} (docs/readiness.md#verdict)")
        out.append(
            f"  Rests on the level {r.level:.1f}%: on track at {rules.on_track:g}% or more, "
            f"borderline from {rules.borderline:g}%, not yet below."
        )
        out.extend(f"  {note}" for note in r.notes)
    elif r.notes:
        out.extend(["", *r.notes])
    out.append("  Caveats:")
    out.extend(f"  - {c}" for c in rules.caveats)
    out.extend(_area_lines(r))
    out.append("")
    out.append(f"Rules {rules.version}, recorded {rules.recorded} (srs/data/readiness.json).")
    return out


def _area_lines(r: readiness.Readiness) -> list[str]:
    out = ["", "Weak content areas (bands: docs/readiness.md#bands)"]
    banded = [(a, weak) for a, weak in r.weak_by_assessment]
    if not banded:
        out.append("  No bands recorded: add them with --band AREA=lower (or --bands FILE).")
    for a, weak in banded:
        listed = ", ".join(f"{b.area} ({b.band})" for b in weak) or "none lower or borderline"
        out.append(f"  {a.label} {a.taken.isoformat()}: {listed}")
    if r.change is not None:
        c = r.change
        improved = _names(tuple(f"{a} ({c.was[a]} → {c.now[a]})" for a in c.improved))
        out.append(f"  Since {c.previous}: improved {improved}; new {_names(c.new)}; still weak {_names(c.still)}")
    for group, names in r.weak_from_misses.items():
        if names:
            out.append(f"  srs weak ({group}s, by misses): {', '.join(names)}")
    if r.lifts:
        factors = ", ".join(f"{lift.area} ×{lift.factor:.3f}" for lift in r.lifts)
        out.append(f"  Steering priority (docs/priority.md#bands): {factors}")
    return out


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names) if names else "none"
