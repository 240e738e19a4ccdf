"""The numbers behind every picture of the progress report, as plain records.

`gather` builds all it can from the store (weak areas, reviews per day, true
retention per tier, the miss timeline, the FSRS fit, a workload forecast) and
takes what other parts of srs will provide as plain data: self-assessment
scores and bands, and the study plan's forecast with its rest days.

This is the one module of `srs.report` that reads srs internals and the store;
the page (`html`), the chart specs (`charts`) and the terminal lines (`text`)
see only these records. Its few read-only queries belong in the store; they are
here while the store is being moved.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from importlib import resources
from itertools import groupby
from operator import itemgetter
from typing import Any

from srs.model import KIND_LABELS, Assessment, no_misses_yet
from srs.plan import tiers as tier_rule
from srs.plan.readiness import pass_lines, score_trend
from srs.settings import Settings
from srs.store import Store
from srs.timing import DayRule, to_iso

PASS_LINES = pass_lines()  # self-assessment percent: the usual pass line, and a safe margin (readiness.json)
REVIEW_DAYS = 90  # reviews per day: the last 90 study days
RETENTION_WINDOWS = (30, 90)  # true retention over the last 30 and 90 study days
TIMELINE_WEEKS = 13  # misses per week: the 13 whole weeks before this one (a week begun would look like a fall)
TIMELINE_SUBJECTS = 6  # the most-missed subjects get a line each; the rest are "Other subjects"
WEAK_ROWS = 12  # rows per weak-area chart
DEFAULT_FORECAST_DAYS = 30  # without an exam date
MAX_FORECAST_DAYS = 180
FIT_ITEMS = 20000  # the latest answers the calibration plot and the figures are drawn from
FIT_CARDS = 1000  # ... of about this many cards
CALIBRATION_BINS = 10
OTHER_SUBJECTS = "Other subjects"


# -- records: one per chart ---------------------------------------------------------


@dataclass(frozen=True)
class AreaBar:
    """A weak area: a topic, subject or system with its misses."""

    group: str  # "topic", "subject" or "system"
    name: str
    misses: int
    share: float  # of all misses
    accuracy: float | None  # Qbank attempts answered correctly, when any
    attempts: int
    reasons: tuple[tuple[str, int], ...] = ()  # why they were missed, most common first
    outline: str = ""  # the USMLE outline's range for a system, e.g. "7-11%"
    outline_share: float | None = None  # that range's midpoint as a share of the exam


@dataclass(frozen=True)
class ScorePoint:
    """One self-assessment score (NBME, UWSA, ...): from the readiness records."""

    date: date
    kind: str  # "NBME", "UWSA", "Free 120", ...
    form: str  # "30", "2", ...
    percent: float


@dataclass(frozen=True)
class BandCell:
    """A content area's band on one assessment's score report."""

    assessment: str  # e.g. "NBME 30"
    area: str  # e.g. "Cardiovascular"
    band: str  # "lower", "borderline", "same", "higher" (as the score report words it)


@dataclass(frozen=True)
class Trend:
    """A straight line through the scores: percent points per week, and where it reaches the exam."""

    slope_per_week: float
    at_exam: float | None
    points: int


@dataclass(frozen=True)
class DayReviews:
    day: date
    reviews: int  # review answers that study day
    again: int  # of them rated Again
    first: int  # first answers of new cards


@dataclass(frozen=True)
class Retention:
    """True retention: recall measured on review answers a study day or more after the
    card's previous answer, against the retention the tier is scheduled for."""

    tier: str  # "high-yield", "other" or "all" (one tier when tiers do not apply)
    days: int  # the last N study days
    judged: int
    recalled: int
    desired: float

    @property
    def rate(self) -> float | None:
        return self.recalled / self.judged if self.judged else None


@dataclass(frozen=True)
class ForecastDay:
    day: date
    reviews: int
    new: int
    rest: bool = False  # a rest day of the study plan


@dataclass(frozen=True)
class Forecast:
    days: tuple[ForecastDay, ...]
    source: str  # "plan" or "workload"
    sampled: int = 1  # 1 in N studied cards was played forward (counts scaled up)


@dataclass(frozen=True)
class MissWeek:
    week: date  # the Monday the study week starts on
    subject: str
    misses: int


@dataclass(frozen=True)
class CalibrationBin:
    parameters: str  # "default" or "fitted"
    predicted: float  # mean predicted recall of the bin
    observed: float  # share recalled
    count: int


@dataclass(frozen=True)
class Scores:
    log_loss: float
    rmse_bins: float
    auc: float | None


@dataclass(frozen=True)
class Fit:
    """The fitted FSRS parameters against the defaults, on the latest answers."""

    fitted_on: date
    trained_on: int  # reviews the fit used
    judged: int  # answers the figures below are measured on
    default: Scores
    fitted: Scores
    bins: tuple[CalibrationBin, ...]
    sampled: int = 1  # the answers are those of 1 in N cards


@dataclass(frozen=True)
class Report:
    generated: datetime
    today: date
    exam_date: date | None
    cards: int
    reviews_total: int
    areas: dict[str, tuple[AreaBar, ...]]  # "topic", "subject", "system"
    scores: tuple[ScorePoint, ...] = ()
    bands: tuple[BandCell, ...] = ()
    trend: Trend | None = None
    reviews: tuple[DayReviews, ...] = ()
    retention: tuple[Retention, ...] = ()
    forecast: Forecast | None = None
    timeline: tuple[MissWeek, ...] = ()
    fit: Fit | None = None
    notes: dict[str, str] = field(default_factory=dict)  # section -> why it is empty or partial

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (dates as ISO text)."""
        return _plain(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, Retention):
            out["rate"] = None if value.rate is None else round(value.rate, 4)
        return out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


# -- gathering -----------------------------------------------------------------------


def gather(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    scores: Iterable[ScorePoint] = (),
    bands: Iterable[BandCell] = (),
    forecast: Sequence[ForecastDay] | None = None,
    fit: bool = True,
) -> Report:
    """Everything the report shows, read in one snapshot of the store.

    `scores`/`bands` come from the self-assessment records and `forecast` from the
    study plan; without a plan the forecast is played forward with srs.schedule.workload.
    `fit=False` leaves out the FSRS fit (it reads every review).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rule = settings.day_rule()
    today = rule.day_of(now)
    exam = date.fromisoformat(settings.exam_date) if settings.exam_date else None
    score_points = tuple(sorted(scores, key=lambda s: (s.date, s.kind, s.form)))
    notes: dict[str, str] = {}
    with store.snapshot():
        from srs.plan.queue import Planner

        planner = Planner(store, settings, now)
        areas = weak_areas(store, now)
        window = ReviewWindow.read(store, rule, today, planner.high_yield_misses)
        if forecast is not None:
            planned: Forecast | None = Forecast(tuple(forecast), "plan")
        else:
            planned = workload_forecast(store, window.high_yield, settings, now, today, exam)
        fitted = fsrs_fit(store, settings) if fit and settings.fitted else None
        cards = store.card_count()
        reviews_total = store.review_count()
        attempts = store.attempt_count()
    tiers = tier_rule.tiers_apply(settings)
    if not any(areas.values()):
        notes["weak"] = f"No misses yet: {no_misses_yet(attempts)}."
    if not score_points:
        notes["scores"] = "No self-assessments recorded yet."
    if not tuple(bands):
        notes["bands"] = "No score-report bands recorded yet."
    if not any(d.reviews for d in window.days):
        notes["reviews"] = f"No reviews in the last {REVIEW_DAYS} days yet: study with srs review."
    if exam is None and forecast is None:
        notes["forecast"] = (
            f"No exam date set: the next {DEFAULT_FORECAST_DAYS} days (srs config set exam-date YYYY-MM-DD)."
        )
    if planned is not None and not any(d.reviews or d.new for d in planned.days):
        notes["forecast"] = f"Nothing to review ahead yet: {no_misses_yet(attempts)}."
    if not any(w.misses for w in window.timeline):
        notes["timeline"] = f"No misses in the last {TIMELINE_WEEKS} weeks."
    if fitted is None:
        notes["fit"] = "No fitted FSRS parameters yet: srs optimize fits them once you have enough reviews."
    return Report(
        generated=now,
        today=today,
        exam_date=exam,
        cards=cards,
        reviews_total=reviews_total,
        areas=areas,
        scores=score_points,
        bands=tuple(bands),
        trend=trend(score_points, exam),
        reviews=window.days,
        retention=window.retention(settings, tiers),
        forecast=planned,
        timeline=window.timeline,
        fit=fitted,
        notes=notes,
    )


# -- weak areas -------------------------------------------------------------------------


def outline_ranges() -> dict[str, tuple[str, float]]:
    """USMLE system -> (its outline range as text, the midpoint's share of the exam).

    Systems the outline groups share their group's range (as srs.plan.reference weighs them)."""
    data = json.loads(resources.files("srs").joinpath("data/exam_weights.json").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, float]] = {}
    for group in data["systems"]:
        low, high = group["range"]
        members = group["members"]
        for member in members:
            others = ", ".join(m for m in members if m != member)
            found[member] = (
                f"{low}-{high}%" + (f" with {others}" if others else ""),
                (low + high) / 2 / len(members) / 100,
            )
    return found


def weak_areas(store: Store, now: datetime, rows: int = WEAK_ROWS) -> dict[str, tuple[AreaBar, ...]]:
    from srs.weak import weak_report

    outline = outline_ranges()
    report = weak_report(store, now=now)
    result: dict[str, tuple[AreaBar, ...]] = {}
    for group, areas in report.items():
        bars = []
        for area in areas[:rows]:
            text, share = outline.get(area.name, ("", None)) if group == "system" else ("", None)
            bars.append(
                AreaBar(
                    group, area.name, area.misses, area.share, area.accuracy, area.attempts,
                    tuple(area.reasons.most_common()), text, share,
                )
            )  # fmt: skip
        result[group] = tuple(bars)
    return result


# -- reviews, retention and misses over time ----------------------------------------------


@dataclass(frozen=True)
class ReviewWindow:
    """The log's last weeks, read once: reviews per day, judged answers per tier, misses per week."""

    days: tuple[DayReviews, ...]
    judged: tuple[tuple[int, bool, bool], ...]  # (day index from the end, high-yield, recalled)
    timeline: tuple[MissWeek, ...]
    high_yield: frozenset[int] = frozenset()  # cards in the high-yield tier now

    @classmethod
    def read(cls, store: Store, rule: DayRule, today: date, high_yield_misses: int) -> ReviewWindow:
        first_review_day = today - timedelta(days=REVIEW_DAYS - 1)
        first_week = week_of(today) - timedelta(weeks=TIMELINE_WEEKS)
        start_day = min(first_review_day, first_week)
        span = (today - start_day).days + 1
        bounds = [to_iso(rule.start_of(start_day + timedelta(days=i))) for i in range(span + 1)]
        start = bounds[0]
        rows = store.window_events(start, bounds[-1])
        before = store.last_events_before(start)
        created = store.first_misses()
        tiers = {
            q: tier_rule.is_high_yield(misses, high_yield_misses) for q, misses in store.topic_miss_counts().items()
        }
        subjects = store.subjects()
        window = cls.fold(rows, bounds, start_day, today, first_week, before, created, tiers, subjects)
        return replace(window, high_yield=frozenset(q for q, high in tiers.items() if high))

    @classmethod
    def fold(
        cls,
        rows: Sequence[tuple[int, str, str, int | None, int]],  # WindowEvent's fields
        bounds: list[str],
        start_day: date,
        today: date,
        first_week: date,
        before: dict[int, str],
        created: dict[int, str],
        tiers: dict[int, bool],
        subjects: dict[int, str],
    ) -> ReviewWindow:
        """Count the window's events: (question id, at, kind, rating, is miss), in time order
        per question.

        A review is judged when the card's previous answer (any event after the miss that
        created the card) was on an earlier study day; it is a first answer when the
        previous event is that creating miss. (The loop is the report's hot path: a
        million-review log has a third of a million events in the window.)"""
        span = len(bounds) - 1
        reviews, again, first = [0] * span, [0] * span, [0] * span
        judged: list[tuple[int, bool, bool]] = []
        weekly: Counter[tuple[int, str]] = Counter()
        shift = (start_day - first_week).days
        last = span - 1
        for question_id, group in groupby(rows, key=itemgetter(0)):
            previous = before.get(question_id)
            born = created.get(question_id)
            answered = previous is not None and born is not None and previous > born
            previous_index = -1 if previous is None else bisect_right(bounds, previous) - 1
            high = bool(tiers.get(question_id, 0))
            subject = subjects.get(question_id) or "(none)"
            for _q, at, kind, rating, miss in group:
                index = bisect_right(bounds, at) - 1
                if miss:
                    weekly[((index + shift) // 7, subject)] += 1
                if kind == "review":
                    reviews[index] += 1
                    if rating == 1:
                        again[index] += 1
                    if not answered:
                        first[index] += 1
                    elif previous_index != index:
                        judged.append((last - index, high, (rating or 0) > 1))
                answered = born is not None and at > born  # this event is an answer: the next one may be judged
                previous_index = index
        days = tuple(
            DayReviews(start_day + timedelta(days=i), reviews[i], again[i], first[i])
            for i in range(span)
            if start_day + timedelta(days=i) > today - timedelta(days=REVIEW_DAYS)
        )
        return cls(days, tuple(judged), timeline_weeks(weekly, first_week))

    def retention(self, settings: Settings, tiers: bool) -> tuple[Retention, ...]:
        found = []
        for days in RETENTION_WINDOWS:
            counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for back, high, recalled in self.judged:
                if back < days:
                    tier = ("high-yield" if high else "other") if tiers else "all"
                    counts[tier][0] += 1
                    counts[tier][1] += recalled
            names = ("high-yield", "other") if tiers else ("all",)
            for tier in names:
                desired = settings.high_yield_retention if tier == "high-yield" else settings.desired_retention
                judged_count, recalled_count = counts[tier]
                found.append(Retention(tier, days, judged_count, recalled_count, desired))
        return tuple(found)


def week_of(day: date) -> date:
    """The Monday a study day's week starts on."""
    return day - timedelta(days=day.weekday())


def timeline_weeks(weekly: Counter[tuple[int, str]], first_week: date) -> tuple[MissWeek, ...]:
    """Misses per week for the most-missed subjects (the rest summed), every week present."""
    totals: Counter[str] = Counter()
    for (week, subject), n in weekly.items():
        if 0 <= week < TIMELINE_WEEKS:
            totals[subject] += n
    if not totals:
        return ()
    top = [s for s, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:TIMELINE_SUBJECTS]]
    shown: Counter[tuple[int, str]] = Counter()
    for (week, subject), n in weekly.items():
        if 0 <= week < TIMELINE_WEEKS:
            shown[(week, subject if subject in top else OTHER_SUBJECTS)] += n
    names = top + ([OTHER_SUBJECTS] if len(totals) > len(top) else [])
    return tuple(
        MissWeek(first_week + timedelta(weeks=w), s, shown[(w, s)]) for s in names for w in range(TIMELINE_WEEKS)
    )


# -- self-assessments --------------------------------------------------------------------


def from_assessments(assessments: Iterable[Assessment]) -> tuple[list[ScorePoint], list[BandCell]]:
    """The stored assessments as the report's points (those with a percent) and band cells."""
    points: list[ScorePoint] = []
    cells: list[BandCell] = []
    for a in assessments:
        kind = KIND_LABELS.get(a.kind, a.kind)
        if a.percent is not None:
            form = a.label[len(kind) :].strip() if a.label.lower().startswith(kind.lower()) else a.form
            points.append(ScorePoint(a.taken, kind, form, a.percent))
        cells.extend(BandCell(a.label, b.area, b.band) for b in a.bands)
    return points, cells


def trend(scores: Sequence[ScorePoint], exam: date | None) -> Trend | None:
    """Least-squares line through the scores (srs.plan.readiness.score_trend, what `srs ready`
    prints); None with fewer than two dates."""
    line = score_trend([(s.date, s.percent) for s in scores])
    if line is None:
        return None
    return Trend(line.slope_per_week, line.at(exam) if exam is not None else None, line.points)


# -- the forecast ----------------------------------------------------------------------------


def workload_forecast(
    store: Store, high_yield: frozenset[int], settings: Settings, now: datetime, today: date, exam: date | None
) -> Forecast:
    """Reviews per day until the exam (or for 30 days), played forward with srs.schedule.workload.

    Past workload.SAMPLE studied cards, a fixed sample of them is played (1 in N, by card
    id) and counted N times: the picture stays the same and the report stays fast. New
    cards likewise past workload.SAMPLE, each entering on its day under the daily limit."""
    from srs.schedule.workload import daily_intakes, new_cards_per_day, sample_every, simulate

    days = DEFAULT_FORECAST_DAYS
    if exam is not None and exam > today:
        days = min(MAX_FORECAST_DAYS, (exam - today).days)
    every = sample_every(store.studied_count())
    rows = store.new_and_sampled_cards(every)
    fresh = [r for r in rows if r.state.is_new]
    studied = [r for r in rows if not r.state.is_new]
    rule = settings.day_rule()
    started = store.first_answers_between(rule.day_start(now), now) if fresh else 0  # today's, as the queue counts
    new = new_cards_per_day(len(fresh), started, daily_intakes(settings, today, days, settings.new_per_day))
    new_every = sample_every(len(fresh))
    played_new = simulate(fresh, settings, now, days, high_yield=high_yield, new_every=new_every, new_days=new)
    played_old = simulate(studied, settings, now, days, high_yield=high_yield).per_day
    per_day = [n + every * o for n, o in zip(played_new.per_day, played_old, strict=True)]
    found = [ForecastDay(today + timedelta(days=d), reviews, new[d]) for d, reviews in enumerate(per_day)]
    return Forecast(tuple(found), "workload", every)


# -- the FSRS fit ----------------------------------------------------------------------------


def fsrs_fit(store: Store, settings: Settings, limit: int = FIT_ITEMS) -> Fit | None:
    """Default vs fitted parameters on the latest answers: the three figures and calibration."""
    from srs.schedule.evaluation import metrics, predict
    from srs.schedule.parameters import DEFAULT

    fitted = settings.fitted
    if fitted is None:
        return None
    found, every = latest_items(store, settings.day_rule(), limit)
    if not found:
        return None
    outcomes = [item.recalled for item in found]
    result: dict[str, Scores] = {}
    bins: list[CalibrationBin] = []
    for name, parameters in (("default", DEFAULT), ("fitted", fitted.parameters)):
        predicted = predict(parameters, found)
        m = metrics(predicted, found)
        result[name] = Scores(m.log_loss, m.rmse_bins, m.auc)
        bins += calibration(name, predicted, outcomes)
    return Fit(
        fitted.fitted_at.date(), fitted.reviews, len(found), result["default"], result["fitted"], tuple(bins), every
    )


def latest_items(store: Store, rule: DayRule, limit: int, cards: int = FIT_CARDS) -> tuple[list[Any], int]:
    """The latest `limit` prediction targets (srs.schedule.histories's items) of 1 in N cards, N chosen so
    that about `cards` cards are read (a card's targets need its whole history; reading a
    million-review log whole takes seconds). Returns the items and N."""
    from srs.schedule.histories import CardHistory, Item, answers, delta_ts

    every = max(1, math.ceil(store.card_count() / cards))
    store.sample_cards("report_fit", every)
    found = []
    for question_id, _source, _qid, events in store.histories("report_fit"):
        history = CardHistory(question_id, tuple(answers(events)))
        deltas = delta_ts(history, rule)
        ratings = [int(a.rating) for a in history.answers]
        for end in range(1, len(ratings)):
            if deltas[end] > 0:  # as srs.schedule.histories.items: answers a study day or more after the previous one
                found.append(
                    Item(question_id, history.answers[end].at, tuple(ratings[: end + 1]), tuple(deltas[: end + 1]))
                )
    found.sort(key=lambda item: (item.at, item.card_id))
    return found[-limit:], every


def calibration(
    name: str, predicted: Sequence[float], outcomes: Sequence[bool], count: int = CALIBRATION_BINS
) -> list[CalibrationBin]:
    """Predicted recall in equal-width bins: each bin's mean prediction and recall rate."""
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p, recalled in zip(predicted, outcomes, strict=True):
        totals = sums[min(count - 1, int(p * count))]
        totals[0] += p
        totals[1] += recalled
        totals[2] += 1
    return [CalibrationBin(name, total / n, hits / n, int(n)) for _, (total, hits, n) in sorted(sums.items())]


__all__ = [
    "AreaBar", "BandCell", "CalibrationBin", "DayReviews", "Fit", "Forecast", "ForecastDay", "MissWeek",
    "Report", "Retention", "ScorePoint", "Scores", "Trend", "from_assessments", "gather", "trend",
]  # fmt: skip


def forecast_from_plan(days: Iterable[Any]) -> list[ForecastDay]:
    """The study plan's days (srs.plan.studyplan.PlanDay) as the forecast chart draws them."""
    return [ForecastDay(d.day, d.reviews, d.new, d.kind == "rest") for d in days if d.kind != "exam"]
