"""Am I ready? Self-assessment scores, their trend, the readiness rules, and the
content-area bands that steer priority.

Pure: records in, records out (the store keeps the assessments, `srs ready` prints).
The numbers are data, `srs/data/readiness.json` (community rules of thumb from the retake
guides, with their sources and the date recorded); docs/readiness.md explains each rule
and docs/priority.md the bands' factor.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from srs.errors import AssessmentError, InputError, shown
from srs.ingest import taxonomy
from srs.model import ASSESSMENT_KINDS, BANDS, Assessment, Band

SCALED_RANGE = (1, 300)  # USMLE three-digit scores
HORIZON_DAYS = 3650  # a trend that reaches a line later than this "does not reach it"


# -- the rules (data) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    percent: float
    name: str
    meaning: str


@dataclass(frozen=True)
class MonthsRow:
    up_to: float | None
    inclusive: bool
    months: tuple[int, int]
    rule: str

    def holds(self, level: float) -> bool:
        return self.up_to is None or level < self.up_to or (self.inclusive and level == self.up_to)


@dataclass(frozen=True)
class Rules:
    version: str
    recorded: str
    sources: tuple[dict[str, str], ...]
    lines: tuple[Line, ...]
    average_of_last: int
    on_track: float
    borderline: float
    per_points: float
    months_table: tuple[MonthsRow, ...]
    lift: dict[str, float]
    decay: float
    over_predicting: tuple[str, ...]
    caveats: tuple[str, ...]

    @property
    def pass_line(self) -> float:
        return self.lines[0].percent


@lru_cache(maxsize=1)
def rules() -> Rules:
    data = json.loads(resources.files("srs").joinpath("data/readiness.json").read_text(encoding="utf-8"))
    table = tuple(
        MonthsRow(r["up_to"], bool(r.get("inclusive")), (int(r["months"][0]), int(r["months"][1])), r["rule"])
        for r in data["months_needed"]["table"]
    )
    lift = {band: float(data["bands"]["lift"][band]) for band in BANDS}
    return Rules(
        version=data["version"],
        recorded=data["recorded"],
        sources=tuple(data["sources"]),
        lines=tuple(Line(float(x["percent"]), x["name"], x["meaning"]) for x in data["lines"]),
        average_of_last=int(data["level"]["average_of_last"]),
        on_track=float(data["verdict"]["on_track"]),
        borderline=float(data["verdict"]["borderline"]),
        per_points=float(data["months_needed"]["per_points"]),
        months_table=table,
        lift=lift,
        decay=float(data["bands"]["decay"]),
        over_predicting=tuple(data["over_predicting_kinds"]),
        caveats=tuple(data["caveats"]),
    )


def pass_lines() -> tuple[float, ...]:
    """The score lines a chart draws: 65% and 70% (readiness.json)."""
    return tuple(line.percent for line in rules().lines)


# -- reading what the student gives ------------------------------------------------------------

_BAND_SPELLINGS = {
    "lower": "lower", "low": "lower", "below": "lower", "weaker": "lower",
    "borderline": "borderline", "border": "borderline",
    "same": "same", "average": "same", "similar": "same",
    "higher": "higher", "high": "higher", "above": "higher", "stronger": "higher",
}  # fmt: skip


def accepted_areas() -> list[str]:
    """The content areas a band may name: USMLE systems, then disciplines."""
    names = taxonomy.load()
    return sorted(set(names.systems.values())) + sorted(set(names.subjects.values()))


CATCH_ALL_SYSTEM = "General Principles"  # the taxonomy files some discipline names here; a band means the discipline


def area_name(text: str) -> str:
    """A content area's USMLE name, through the taxonomy's spellings: an exact system or
    discipline name first, then a system's spelling (except the catch-all General
    Principles, which yields to a discipline), then a discipline's."""
    names = taxonomy.load()
    exact = {taxonomy.key(n): n for n in [*names.systems.values(), *names.subjects.values()]}
    system, subject = names.system(text), names.subject(text)
    if system == CATCH_ALL_SYSTEM and subject is not None:
        system = None
    found = exact.get(taxonomy.key(text))
    if found is None and system is not None and subject is not None and system != subject:
        raise AssessmentError(  # 'Immuno', 'Behavioral': a system and a discipline; a band means one
            f"'{shown(text.strip())}' could be the system {system} or the discipline {subject}; "
            "write the one the score report names"
        )
    found = found or system or subject
    if found is None:
        raise AssessmentError(
            f"unknown content area '{shown(text.strip())}' (use a USMLE system or discipline: "
            + ", ".join(accepted_areas())
            + ")"
        )
    return found


def band_value(text: str) -> str:
    found = _BAND_SPELLINGS.get(text.strip().lower())
    if found is None:
        raise AssessmentError(f"unknown band '{shown(text.strip())}' (use one of: {', '.join(BANDS)})")
    return found


def parse_band(text: str) -> Band:
    """`Cardiovascular=lower` (or `Renal: borderline`)."""
    sep = "=" if "=" in text else ":"
    area, found, band = text.rpartition(sep)
    if not found or not area.strip():
        raise AssessmentError(f"a band is AREA=BAND, e.g. Cardiovascular=lower, not '{shown(text)}'")
    return Band(area_name(area), band_value(band))


def parse_band_file(name: str, text: str) -> list[Band]:
    """Bands from a small file: JSON (`{"Cardiovascular": "lower", ...}` or a list of
    `{"area": ..., "band": ...}`) or CSV (`area,band` rows, a header line optional)."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise InputError("no bands in the file", file=name)
    if stripped[0] in "[{":
        return _bands_from_json(name, stripped)
    bands = []
    for number, row in enumerate(csv.reader(io.StringIO(stripped)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["area", "band"]:
            continue
        if len(cells) != 2:
            raise InputError(f"expected two columns, area and band, found {len(cells)}", file=name, line=number)
        try:
            bands.append(Band(area_name(cells[0]), band_value(cells[1])))
        except AssessmentError as exc:
            raise InputError(str(exc), file=name, line=number) from exc
    if not bands:
        raise InputError("no bands in the file", file=name)
    return bands


def _bands_from_json(name: str, text: str) -> list[Band]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=name, line=exc.lineno) from exc
    if isinstance(data, dict):
        pairs = list(data.items())
    elif isinstance(data, list) and all(isinstance(x, dict) and {"area", "band"} <= set(x) for x in data):
        pairs = [(x["area"], x["band"]) for x in data]
    else:
        raise InputError('expected {"AREA": "BAND", ...} or [{"area": ..., "band": ...}, ...]', file=name)
    bands = []
    for area, band in pairs:
        if not isinstance(area, str) or not isinstance(band, str):
            raise InputError(f"areas and bands are text, not {shown(repr(band))}", file=name)
        try:
            bands.append(Band(area_name(area), band_value(band)))
        except AssessmentError as exc:
            raise InputError(str(exc), file=name) from exc
    if not bands:
        raise InputError("no bands in the file", file=name)
    return bands


def new_assessment(
    *,
    taken: date,
    kind: str,
    today: date,
    form: str = "",
    percent: float | None = None,
    pass_probability: float | None = None,
    scaled: int | None = None,
    bands: Iterable[Band] = (),
) -> Assessment:
    """A checked assessment, ready to store: every problem is one AssessmentError."""
    kind = kind.strip().lower()
    if kind not in ASSESSMENT_KINDS:
        raise AssessmentError(f"unknown kind '{shown(kind)}' (use one of: {', '.join(ASSESSMENT_KINDS)})")
    if taken > today:
        raise AssessmentError(f"the date {taken.isoformat()} is in the future (today is {today.isoformat()})")
    if percent is not None and not (math.isfinite(percent) and 0 <= percent <= 100):
        raise AssessmentError(f"percent must be between 0 and 100, not {percent:g}")
    if pass_probability is not None and not (math.isfinite(pass_probability) and 0 <= pass_probability <= 1):
        raise AssessmentError(f"pass probability must be between 0 and 1 (0.71 for 71%), not {pass_probability:g}")
    if scaled is not None and not SCALED_RANGE[0] <= scaled <= SCALED_RANGE[1]:
        raise AssessmentError(f"a scaled score is {SCALED_RANGE[0]}-{SCALED_RANGE[1]}, not {scaled}")
    bands = tuple(bands)
    seen: dict[str, str] = {}
    for b in bands:
        if b.area in seen and seen[b.area] != b.band:
            raise AssessmentError(f"{b.area} is given two bands ({seen[b.area]} and {b.band})")
        seen[b.area] = b.band
    if kind != "step1" and percent is None and pass_probability is None and scaled is None:
        raise AssessmentError(
            "give the score: --percent, --pass-probability or --scaled (only a step1 report may have none)"
        )
    unique = tuple(Band(area, band) for area, band in seen.items())
    return Assessment(taken, kind, " ".join(form.split()), percent, pass_probability, scaled, unique)


# -- bands steer priority -------------------------------------------------------------------------


@dataclass(frozen=True)
class BandLift:
    """How much a content area's bands raise its cards' priority: `factor` (>= 1) and why."""

    area: str
    factor: float
    reasons: tuple[str, ...]  # e.g. "lower on Step 1 (2026-09-01): +0.25 × 0.5"


def in_order(assessments: Iterable[Assessment]) -> list[Assessment]:
    """Oldest first: by date, then as recorded."""
    return sorted(assessments, key=lambda a: (a.taken, a.id or 0))


def band_lifts(assessments: Iterable[Assessment], the_rules: Rules | None = None) -> dict[str, BandLift]:
    """Per content area: 1 + sum of lift(band) x decay^(score reports with bands taken after it).

    The newest report counts fully, the one before it half (decay 0.5), and so on: a band
    fades as newer assessments arrive. Same and higher add nothing (a band never lowers a
    weight: the misses say what is strong)."""
    r = the_rules or rules()
    banded = [a for a in in_order(assessments) if a.bands]
    sums: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for later, a in enumerate(reversed(banded)):
        weight = r.decay**later
        for b in a.bands:
            lift = r.lift[b.band] * weight
            if lift > 0:
                sums[b.area] = sums.get(b.area, 0.0) + lift
                reasons.setdefault(b.area, []).append(
                    f"{b.band} on {a.label} ({a.taken.isoformat()}): +{r.lift[b.band]:g} × {weight:g}"
                )
    return {area: BandLift(area, 1.0 + total, tuple(reasons[area])) for area, total in sums.items()}


def band_factor(lifts: dict[str, BandLift], subject: str, system: str) -> float:
    """A card's band factor: its system's times its discipline's (1 where no band lifts it)."""
    factor = 1.0
    for area in (system, subject):
        if area in lifts:
            factor *= lifts[area].factor
    return factor


# -- the trend and the rules applied --------------------------------------------------------------


@dataclass(frozen=True)
class ScoreTrend:
    """A least-squares line through the percent scores (x: days since the first)."""

    origin: date
    intercept: float
    slope_per_day: float
    spread_per_day: float | None  # standard error of the slope, with 3+ scores
    points: int

    @property
    def slope_per_week(self) -> float:
        return self.slope_per_day * 7

    @property
    def spread_per_week(self) -> float | None:
        return None if self.spread_per_day is None else self.spread_per_day * 7

    def at(self, day: date) -> float:
        return self.intercept + self.slope_per_day * (day - self.origin).days

    def reaches(self, target: float) -> date | None:
        """The first day the line is at `target` or above it; None when it does not rise (or
        would take more than ten years)."""
        if self.slope_per_day <= 0:
            return None
        days = (target - self.intercept) / self.slope_per_day
        if days > HORIZON_DAYS:
            return None  # a line this flat reaches nothing a study plan can wait for
        return self.origin + timedelta(days=max(0, math.ceil(days - 1e-9)))


def score_trend(points: Sequence[tuple[date, float]]) -> ScoreTrend | None:
    """The line through (date, percent); None with fewer than two dates."""
    if len({d for d, _ in points}) < 2:
        return None
    origin = min(d for d, _ in points)
    xs = [(d - origin).days for d, _ in points]
    ys = [p for _, p in points]
    n = len(xs)
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = mean_y - slope * mean_x
    spread = None
    if n >= 3:
        residuals = math.fsum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
        spread = math.sqrt(residuals / (n - 2) / sxx)
    return ScoreTrend(origin, intercept, slope, spread, n)


@dataclass(frozen=True)
class MonthsNeeded:
    months: tuple[int, int]
    rule: str  # which row of the table: "50-60%"
    per_points: tuple[tuple[float, float], ...]  # (line, months to reach it at one month per N points)


def months_needed(level: float, the_rules: Rules | None = None) -> MonthsNeeded:
    """The retake guides' table (below 50%: 4-6 months, 50-60%: 2-4, above 60%: 1-2), and one
    month of dedicated study per 5 points still needed to each line."""
    r = the_rules or rules()
    row = next(row for row in r.months_table if row.holds(level))
    to_lines = tuple((line.percent, max(0.0, line.percent - level) / r.per_points) for line in r.lines)
    return MonthsNeeded(row.months, row.rule, to_lines)


VERDICTS = ("not yet", "borderline", "on track")  # worst to best


def verdict(level: float, the_rules: Rules | None = None) -> str:
    """On track at or above 65%, borderline from 60%, not yet below (readiness.json)."""
    r = the_rules or rules()
    if level >= r.on_track:
        return "on track"
    if level >= r.borderline:
        return "borderline"
    return "not yet"


@dataclass(frozen=True)
class AreaChange:
    """The weak areas of the latest report with bands against the one before it."""

    latest: str
    previous: str
    improved: tuple[str, ...]  # weak before, better now
    new: tuple[str, ...]  # weak now, not before
    still: tuple[str, ...]  # weak on both
    was: dict[str, str] = field(default_factory=dict)  # area -> band on the previous report
    now: dict[str, str] = field(default_factory=dict)  # ... on the latest


@dataclass(frozen=True)
class Readiness:
    """Everything `srs ready` shows (see docs/readiness.md)."""

    today: date
    exam_date: date | None
    assessments: tuple[Assessment, ...]  # oldest first
    scored: tuple[Assessment, ...]  # those with a percent, oldest first
    level: float | None  # mean of the last `average_of_last` percent scores
    level_from: int  # how many scores the level averages
    trend: ScoreTrend | None
    distance: tuple[tuple[Line, float], ...]  # (line, points still needed; 0 when at or above)
    months: MonthsNeeded | None
    days_left: int | None
    reach: tuple[tuple[Line, date | None], ...]  # when the trend reaches each line
    at_exam: float | None  # the trend's value on the exam date
    verdict: str | None
    notes: tuple[str, ...]  # what the verdict should be read with, for this student
    weak_by_assessment: tuple[tuple[Assessment, tuple[Band, ...]], ...]  # lower and borderline areas
    change: AreaChange | None
    weak_from_misses: dict[str, tuple[str, ...]]  # "system"/"subject" -> srs weak's top names
    lifts: tuple[BandLift, ...]  # bands steering priority, strongest first
    rules: Rules = field(repr=False, default_factory=rules)

    def as_dict(self) -> dict[str, Any]:
        r = self.rules
        return {
            "today": self.today.isoformat(),
            "exam_date": self.exam_date.isoformat() if self.exam_date else None,
            "days_left": self.days_left,
            "scores": [assessment_dict(a) for a in self.assessments],
            "level": _round(self.level),
            "level_from": self.level_from,
            "trend": None
            if self.trend is None
            else {
                "points": self.trend.points,
                "slope_per_week": _round(self.trend.slope_per_week),
                "spread_per_week": _round(self.trend.spread_per_week),
                "at_exam": _round(self.at_exam),
                "reaches": {f"{line.percent:g}": d.isoformat() if d else None for line, d in self.reach},
            },
            "distance": {f"{line.percent:g}": _round(points) for line, points in self.distance},
            "months_needed": None
            if self.months is None
            else {
                "months": list(self.months.months),
                "rule": self.months.rule,
                "per_points": {f"{p:g}": _round(m) for p, m in self.months.per_points},
            },
            "verdict": self.verdict,
            "notes": list(self.notes),
            "caveats": list(r.caveats),
            "weak_areas": [
                {"assessment": a.label, "date": a.taken.isoformat(), "areas": {b.area: b.band for b in bands}}
                for a, bands in self.weak_by_assessment
            ],
            "change": None
            if self.change is None
            else {
                "latest": self.change.latest,
                "previous": self.change.previous,
                "improved": list(self.change.improved),
                "new": list(self.change.new),
                "still": list(self.change.still),
                "was": self.change.was,
                "now": self.change.now,
            },
            "weak_from_misses": {k: list(v) for k, v in self.weak_from_misses.items()},
            "priority_factors": {lift.area: _round(lift.factor) for lift in self.lifts},
            "rules": {"version": r.version, "recorded": r.recorded, "doc": "docs/readiness.md"},
        }


def assessment_dict(a: Assessment) -> dict[str, Any]:
    return {
        "id": a.id,
        "date": a.taken.isoformat(),
        "kind": a.kind,
        "form": a.form,
        "label": a.label,
        "percent": a.percent,
        "pass_probability": a.pass_probability,
        "scaled": a.scaled,
        "bands": {b.area: b.band for b in a.bands},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


WEAK_BANDS = ("lower", "borderline")


def assess(
    assessments: Iterable[Assessment],
    *,
    today: date,
    exam_date: date | None = None,
    weak_from_misses: dict[str, Sequence[str]] | None = None,
    the_rules: Rules | None = None,
) -> Readiness:
    """The readiness picture for `today` (a study day: srs.timing.DayRule.day_of)."""
    r = the_rules or rules()
    every = tuple(in_order(assessments))
    scored = tuple(a for a in every if a.percent is not None)
    last = [a.percent for a in scored[-r.average_of_last :] if a.percent is not None]
    level = math.fsum(last) / len(last) if last else None
    trend = score_trend([(a.taken, a.percent) for a in scored if a.percent is not None])
    exam = exam_date if exam_date is not None and exam_date >= today else None
    days_left = (exam - today).days if exam is not None else None
    distance = tuple((line, max(0.0, line.percent - level)) for line in r.lines) if level is not None else ()
    reach = tuple((line, trend.reaches(line.percent)) for line in r.lines) if trend else ()
    at_exam = trend.at(exam) if trend is not None and exam is not None else None
    notes = _notes(r, scored, level, trend, exam, days_left, reach, at_exam)
    weak = tuple(
        (a, tuple(b for b in a.bands if b.band in WEAK_BANDS)) for a in every if a.bands
    )  # fmt: skip
    lifts = sorted(band_lifts(every, r).values(), key=lambda x: (-x.factor, x.area))
    return Readiness(
        today=today,
        exam_date=exam,
        assessments=every,
        scored=scored,
        level=level,
        level_from=len(last),
        trend=trend,
        distance=distance,
        months=months_needed(level, r) if level is not None else None,
        days_left=days_left,
        reach=reach,
        at_exam=at_exam,
        verdict=verdict(level, r) if level is not None else None,
        notes=notes,
        weak_by_assessment=weak,
        change=area_change([a for a in every if a.bands]),
        weak_from_misses={k: tuple(v) for k, v in (weak_from_misses or {}).items()},
        lifts=tuple(lifts),
        rules=r,
    )


def area_change(banded: Sequence[Assessment]) -> AreaChange | None:
    """Weak areas (lower or borderline) of the last report with bands against the one before."""
    if len(banded) < 2:
        return None
    before, now = banded[-2], banded[-1]
    was = {b.area: BANDS.index(b.band) for b in before.bands}
    is_ = {b.area: BANDS.index(b.band) for b in now.bands}
    weak_before = {a for a, i in was.items() if BANDS[i] in WEAK_BANDS}
    weak_now = {a for a, i in is_.items() if BANDS[i] in WEAK_BANDS}
    improved = sorted(a for a in weak_before if a in is_ and is_[a] > was[a])
    still = sorted(a for a in weak_before & weak_now if a not in improved)
    return AreaChange(
        now.label, before.label, tuple(improved), tuple(sorted(weak_now - weak_before)), tuple(still),
        {a: BANDS[i] for a, i in was.items()}, {a: BANDS[i] for a, i in is_.items()},
    )  # fmt: skip


def _notes(
    r: Rules,
    scored: Sequence[Assessment],
    level: float | None,
    trend: ScoreTrend | None,
    exam: date | None,
    days_left: int | None,
    reach: Sequence[tuple[Line, date | None]],
    at_exam: float | None,
) -> tuple[str, ...]:
    notes = []
    if not scored:
        return ("No percent scores yet: add one with srs score add --percent.",)
    if len(scored) == 1:
        notes.append("One score only: the level is that score, and one score is noise.")
    latest = scored[-1]
    if latest.kind in r.over_predicting:
        notes.append(f"The latest score is a {latest.label}: these forms over-predict.")
    passing = [a for a in scored if a.kind in ("nbme", "cbssa") and a.percent is not None and a.percent >= r.pass_line]
    if level is not None and level >= r.on_track and not passing:
        notes.append(f"No NBME at or above {r.pass_line:g}% yet: take one before sitting.")
    pass_line = r.lines[0]
    if exam is not None and trend is not None and at_exam is not None and at_exam < pass_line.percent:
        when = dict(reach).get(pass_line)
        short = pass_line.percent - at_exam
        if when is None:
            notes.append(
                f"At this trend the exam day ({exam.isoformat()}) finds you at {at_exam:.1f}%, "
                f"{short:.1f} points short of {pass_line.percent:g}%, and the trend does not reach it."
            )
        else:
            notes.append(
                f"At this trend the exam day ({exam.isoformat()}) finds you at {at_exam:.1f}%, "
                f"{short:.1f} points short of {pass_line.percent:g}%; the trend reaches it on {when.isoformat()}."
            )
    if days_left is not None and level is not None:
        months = months_needed(level, r).months
        if months[0] and days_left < months[0] * 30:
            notes.append(
                f"The months rule asks for {months[0]}-{months[1]} months ({months[0] * 30}+ days); "
                f"{days_left} days are left."
            )
    return tuple(notes)
