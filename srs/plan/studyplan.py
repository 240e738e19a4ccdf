"""A plan to exam day: weeks, checkpoints, a protected rest day, this week's focus topics.

Nothing here is stored: a plan is derived each time from the log, the settings, the
recorded self-assessments and the template, so importing misses, adding a score or
moving the exam date gives the new plan at the next `srs plan`. Every rule is in
docs/plan.md with its source.

- The week (the retake guides' rhythm): Monday to Friday `blocks_per_day` timed
  `block_questions`-question Qbank blocks in the morning, their review in the afternoon,
  the cards in the evening; on the practice-exam day (Saturday) a self-assessment or a
  full day of blocks; on the rest day (Sunday) at most `rest_review_minutes` of review.
- Checkpoints (self-assessments), on practice-exam days inside the block: at the start
  (unless one was taken in the last 7 days), at the midpoint, and 7-14 days before the
  exam, plus enough in between that none is more than 3 weeks from the next.
- Focus topics: the topics missed most, weighted by recency and the exam outline (and the
  score reports' bands), each with time for targeted review (10 minutes a miss, in
  quarter hours, 15 minutes to 2 hours: "six misses are worth an hour") and a retest of
  its missed questions 2 and 7 days after each miss.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from srs.card_text import source_name
from srs.errors import SrsError
from srs.plan import tiers
from srs.plan.queue import Planner
from srs.plan.readiness import rules as readiness_rules
from srs.plan.signals import load_signals
from srs.settings import Settings, light_weekdays, study_days_between
from srs.store import Store
from srs.timing import WEEKDAYS, weekday_name

MINUTES_PER_MISS = 10  # targeted review time per miss ("six misses are worth an hour")
FOCUS_MINUTES = (15, 120)  # at least a quarter hour, at most two hours per topic a week
FOCUS_TOPICS = 3
RETEST_DAYS = (2, 7)  # redo a missed question as a custom block 2 and 7 days after the miss
CHECKPOINT_GAP = 21  # days: at most three weeks between two self-assessments
RECENT_CHECKPOINT = 7  # a score in the last 7 days is the start's baseline
FINAL_WINDOW = (7, 14)  # the last checkpoint: 7-14 days before the exam
SHORT_PLAN = 7  # days: a plan this short is only a final review
MAX_PLAN_DAYS = 366


class PlanError(SrsError):
    """The plan cannot be made as asked (no exam date, a bad template)."""


@dataclass(frozen=True)
class Template:
    """The week a student follows. Weekdays by name; `rest_day` None: no rest day."""

    rest_day: str | None = "sunday"
    practice_exam_day: str = "saturday"
    blocks_per_day: int = 2
    block_questions: int = 40
    review_minutes: int = 60  # the evening slot for the cards
    rest_review_minutes: int = 60  # light review at most, on the rest day

    @property
    def rest_review(self) -> str:
        """What the rest day holds, in words: 'at most 60 min of light review', or 'no review'."""
        return f"at most {self.rest_review_minutes} min of light review" if self.rest_review_minutes else "no review"

    @classmethod
    def from_file(cls, path: Path) -> Template:
        """A JSON object with any of the fields; unknown keys and bad values are errors."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PlanError(f"{path}: cannot read the plan template ({exc.strerror})") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f":{exc.lineno}: column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            raise PlanError(f"{path}{where}: not a JSON plan template ({exc})") from exc
        if not isinstance(data, dict):
            raise PlanError(f'{path}: a plan template is a JSON object, e.g. {{"rest_day": "sunday"}}')
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PlanError(f"{path}: unknown template keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        return cls.checked(**data, _source=str(path))

    @classmethod
    def checked(cls, _source: str = "template", **values: Any) -> Template:
        template = replace(cls(), **values)
        for name in ("rest_day", "practice_exam_day"):
            value = getattr(template, name)
            if value is None and name == "rest_day":
                continue
            if not isinstance(value, str) or value.lower() not in WEEKDAYS:
                raise PlanError(f"{_source}: {name} must be a weekday such as sunday, not {value!r}")
            template = (
                replace(template, rest_day=value.lower())
                if name == "rest_day"
                else replace(template, practice_exam_day=value.lower())
            )
        for name, low, high in (
            ("blocks_per_day", 0, 8), ("block_questions", 1, 80),
            ("review_minutes", 0, 600), ("rest_review_minutes", 0, 600),
        ):  # fmt: skip
            value = getattr(template, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise PlanError(f"{_source}: {name} must be a whole number from {low} to {high}, not {value!r}")
        if template.rest_day == template.practice_exam_day:
            raise PlanError(f"{_source}: the rest day and the practice-exam day are both {template.rest_day}")
        return template


@dataclass(frozen=True)
class Checkpoint:
    day: date
    why: str  # "start", "between", "midpoint", "final"
    rule: str = ""  # the final one carries the readiness rule
    score: str = ""  # a score recorded that week, if any


@dataclass(frozen=True)
class Retest:
    source: str
    qid: str
    missed: date
    on: tuple[date, ...]  # the retest days (2 and 7 days after the miss)


@dataclass(frozen=True)
class FocusTopic:
    topic: str
    misses: int
    weight: float  # recency-weighted misses times the exam factor: the ranking
    minutes: int
    questions: tuple[tuple[str, str], ...]  # (source, qid) of its missed questions
    retests: tuple[Retest, ...] = ()  # those falling in the plan's first week

    def paste_lists(self) -> dict[str, str]:
        """QIDs by Qbank, comma separated: what a custom-test box takes."""
        found: dict[str, list[str]] = {}
        for source, qid in self.questions:
            found.setdefault(source_name(source), []).append(qid)
        return {name: ", ".join(qids) for name, qids in found.items()}


@dataclass(frozen=True)
class PlanDay:
    day: date
    kind: str  # "study", "practice", "rest", "exam"
    blocks: int
    reviews: int
    new: int
    minutes: int  # expected minutes for the cards (reviews and new)
    checkpoint: Checkpoint | None = None
    exam_pulled: int = 0  # of the reviews: cards seen once more before the exam


@dataclass(frozen=True)
class Week:
    start: date
    days: tuple[PlanDay, ...]

    @property
    def reviews(self) -> int:
        return sum(d.reviews for d in self.days)

    @property
    def new(self) -> int:
        return sum(d.new for d in self.days)

    @property
    def blocks(self) -> int:
        return sum(d.blocks for d in self.days)


@dataclass(frozen=True)
class StudyPlan:
    today: date
    exam: date
    template: Template
    weeks: tuple[Week, ...]
    checkpoints: tuple[Checkpoint, ...]
    focus: tuple[FocusTopic, ...]
    seconds_per_card: float
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unseen_after: int = 0  # new cards still unseen on exam day at the planned pace

    @property
    def days(self) -> tuple[PlanDay, ...]:
        return tuple(d for w in self.weeks for d in w.days)

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        data = plain(asdict(self))
        data["focus"] = [{**plain(asdict(f)), "paste": f.paste_lists()} for f in self.focus]
        return data


# -- the calendar -------------------------------------------------------------------------------


def day_kind(day: date, exam: date, template: Template) -> str:
    if day == exam:
        return "exam"
    name = weekday_name(day)
    if name == template.rest_day:
        return "rest"
    if name == template.practice_exam_day:
        return "practice"
    return "study"


def checkpoints(today: date, exam: date, template: Template, taken: list[date] | None = None) -> list[Checkpoint]:
    """Self-assessment days on the practice-exam day: start (unless one was taken in the
    last 7 days), midpoint, 7-14 days before the exam, and none more than 3 weeks apart."""
    practice = [
        today + timedelta(days=i)
        for i in range((exam - today).days)
        if weekday_name(today + timedelta(days=i)) == template.practice_exam_day
    ]
    if not practice or (exam - today).days < SHORT_PLAN:
        return []
    final_window = [d for d in practice if FINAL_WINDOW[0] <= (exam - d).days <= FINAL_WINDOW[1]]
    final = final_window[-1] if final_window else practice[-1]
    chosen: dict[date, str] = {final: "final"}
    recent = [t for t in (taken or []) if 0 <= (today - t).days <= RECENT_CHECKPOINT]
    if not recent and practice[0] != final:
        chosen[practice[0]] = "start"
    midpoint = today + (exam - today) / 2
    middle = min(practice, key=lambda d: (abs((d - midpoint).days), d))
    if middle not in chosen and middle < final:
        chosen[middle] = "midpoint"
    baseline = [max(recent)] if recent else []  # a recent score counts as the start
    while True:  # fill gaps of more than three weeks, from the start
        points = sorted([*baseline, *chosen])
        gaps = [(a, b) for a, b in zip(points, points[1:], strict=False) if (b - a).days > CHECKPOINT_GAP]
        if not gaps:
            break
        a, b = gaps[0]
        candidates = [d for d in practice if a < d < b and (d - a).days <= CHECKPOINT_GAP]
        if not candidates:
            break
        chosen[candidates[-1]] = "between"
    final_rule = readiness_rules()
    line = final_rule.lines[0]
    rule = (
        f"sit the exam on {exam.isoformat()} only if this NBME is at {line.percent:.0f}% or more "
        f"({line.meaning}); otherwise move the date (srs ready)"
    )
    return [Checkpoint(d, why, rule if why == "final" else "") for d, why in sorted(chosen.items())]


# -- the plan -------------------------------------------------------------------------------------


def with_settings(template: Template, settings: Settings) -> Template:
    """The week as the student's settings leave it: a student who has set light days
    (`light-days`, `light-day-minutes`) keeps those minutes on the rest day too, so the plan,
    `srs today` and `srs review` agree on what the rest day holds."""
    if not light_weekdays(settings):
        return template
    return replace(template, rest_review_minutes=settings.light_day_minutes)


def plan_settings(settings: Settings, template: Template) -> Settings:
    """The settings a plan schedules with (one rule for the plan, `srs today` and the report's
    forecast): the template's rest day joins the student's light days, with the minutes
    `with_settings` gives it."""
    days = set(light_weekdays(settings)) | ({template.rest_day} if template.rest_day else set())
    minutes = with_settings(template, settings).rest_review_minutes
    return replace(settings, light_day="", light_days=",".join(sorted(days)), light_day_minutes=minutes)


def make_plan(
    store: Store,
    settings: Settings,
    now: datetime,
    *,
    exam: date | None = None,
    weeks: int | None = None,
    template: Template | None = None,
) -> StudyPlan:
    """The plan from today to the exam (the `exam-date` setting, `exam`, or `weeks` from today)."""
    template = with_settings(template or Template(), settings)
    rule = settings.day_rule()
    today = rule.day_of(now)
    exam = exam or (date.fromisoformat(settings.exam_date) if settings.exam_date else None)
    if exam is None and weeks is not None:
        exam = today + timedelta(weeks=weeks)
    if exam is None:
        raise PlanError("no exam date: set one (srs config set exam-date YYYY-MM-DD), or give --exam-date or --weeks")
    if exam <= today:
        raise PlanError(f"the exam date {exam.isoformat()} is not after today ({today.isoformat()})")
    if (exam - today).days > MAX_PLAN_DAYS:
        raise PlanError(f"the exam date {exam.isoformat()} is more than a year away: plan at most {MAX_PLAN_DAYS} days")
    # reviews on the rest day: at most its light review (the planner's light day)
    planned_settings = replace(plan_settings(settings, template), exam_date=exam.isoformat())
    horizon = (exam - today).days
    with store.snapshot():
        seconds = store.typical_answer_seconds()
        forecast = card_forecast(store, planned_settings, now, horizon)
        unseen_before = store.new_card_count()
        taken = store.assessments()
        focus = focus_topics(store, settings, now, today)
    days = []
    for offset in range(horizon + 1):
        day = today + timedelta(days=offset)
        kind = day_kind(day, exam, template)
        blocks = template.blocks_per_day if kind == "study" else 0
        reviews, new = (0, 0) if kind == "exam" else (forecast.reviews[offset], forecast.new[offset])
        pulled = 0 if kind == "exam" else min(forecast.exam[offset], reviews)  # within the day's planned reviews
        minutes = math.ceil((reviews + new) * seconds / 60)
        days.append(PlanDay(day, kind, blocks, reviews, new, minutes, exam_pulled=pulled))
    taken_days = [a.taken for a in taken]
    points = checkpoints(today, exam, template, taken_days)
    by_week: dict[date, list[str]] = {}
    for a in taken:
        if a.percent is not None:
            by_week.setdefault(_week_start(a.taken), []).append(f"{a.label} {a.percent:g}%")
    points = [replace(c, score="; ".join(by_week.get(_week_start(c.day), []))) for c in points]
    marked = {c.day: c for c in points}
    days = [replace(d, checkpoint=marked.get(d.day)) for d in days]
    week_list: list[Week] = []
    for d in days:
        if not week_list or _week_start(d.day) != week_list[-1].start:
            week_list.append(Week(_week_start(d.day), ()))
        week_list[-1] = replace(week_list[-1], days=(*week_list[-1].days, d))
    new_total = sum(d.new for d in days)
    warnings, notes = _advice(settings, template, days, unseen_before, new_total, horizon)
    return StudyPlan(
        today, exam, template, tuple(week_list), tuple(points), tuple(focus), seconds,
        tuple(warnings), tuple(notes), max(0, unseen_before - new_total),
    )  # fmt: skip


@dataclass(frozen=True)
class CardForecast:
    """Per day from today to the day before the exam: the reviews FSRS expects (`demand`,
    new cards' later answers included), those planned within the day's capacity, the new
    cards introduced, and what still waits on exam day."""

    demand: tuple[int, ...]
    reviews: tuple[int, ...]
    new: tuple[int, ...]
    waiting: int
    sampled: int = 1  # 1 in N studied cards played (N times each), on big collections
    exam: tuple[int, ...] = ()  # of the demand: cards pulled forward into the exam's final days


def card_forecast(store: Store, settings: Settings, now: datetime, days: int) -> CardForecast:
    """Every card played forward with FSRS at the expected recall (srs.schedule.workload),
    new cards entering fast enough to all be seen before the exam; then each day's reviews
    within the queue's capacity (`max-reviews-per-day`; on light and rest days less), the rest
    carried over."""
    from srs.schedule.workload import daily_intakes, new_cards_per_day, sample_every, simulate

    every = sample_every(store.studied_count())
    rows = store.new_and_sampled_cards(every)
    fresh = [r for r in rows if r.state.is_new]
    studied = [r for r in rows if not r.state.is_new]
    rule = settings.day_rule()
    today = rule.day_of(now)
    started = store.first_answers_between(rule.day_start(now), now) if fresh else 0  # today's, as the queue counts
    unseen = len(fresh) + started
    study_days = study_days_between(settings, today, today + timedelta(days=days))  # light days take no new cards
    intake = max(settings.new_per_day, math.ceil(unseen / study_days)) if fresh else settings.new_per_day
    played = replace(settings, new_per_day=intake)
    new = new_cards_per_day(len(fresh), started, daily_intakes(settings, today, days, intake))
    high_yield: set[int] = set()
    if tiers.tiers_apply(settings):
        needed = tiers.threshold(settings, store)
        high_yield = {q for q, n in store.topic_miss_counts().items() if tiers.is_high_yield(n, needed)}
    answers_new = simulate(
        fresh, played, now, days, high_yield=high_yield, new_every=sample_every(len(fresh)), new_days=new
    ).per_day
    answers_old = simulate(studied, played, now, days, high_yield=high_yield).per_day
    demand = [answers_new[d] - new[d] + every * answers_old[d] for d in range(days)]
    planner = Planner(store, settings, now)
    capacity = planner.capacity  # the queue's rule: light and rest days included
    # the exam: cards whose interval ends after it come due in its final days, spread evenly
    # (srs.plan.queue's pull-forward, for the cards as they stand now)
    exam = [0] * days
    window = planner.exam_window()
    if window is not None:
        pending = planner.exam_card_count()
        for d in range(days):
            day = today + timedelta(days=d)
            if window[0] <= day < window[1] and pending > 0:
                exam[d] = math.ceil(pending / (window[1] - day).days)
                pending -= exam[d]
                demand[d] += exam[d]
    # today's answers so far take their share of today's capacity, as in the queue
    answered = store.answers_between(planner.rule.day_start(now), now)
    planned, waiting = [], 0
    for d in range(days):
        cap = capacity(today + timedelta(days=d)) - (answered if d == 0 else 0)
        cap = max(0, cap)
        want = demand[d] + waiting
        planned.append(min(want, cap))
        waiting = want - planned[-1]
    return CardForecast(tuple(demand), (*planned, 0), (*new, 0), waiting, every, (*exam, 0))




def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _advice(
    settings: Settings, template: Template, days: list[PlanDay], unseen: int, new_total: int, horizon: int
) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    notes: list[str] = []
    if template.rest_day is None:
        warnings.append("no rest day in the template: the retake guides advise protecting one day a week")
    if horizon < SHORT_PLAN:
        away = "tomorrow" if horizon == 1 else f"{horizon} days away"
        notes.append(f"the exam is {away}: a plan this short is only a final review")
    study_days = [d for d in days if d.kind in ("study", "practice")]
    over = [d for d in study_days if d.minutes > template.review_minutes]
    if over:
        worst = max(over, key=lambda d: d.minutes)
        warnings.append(
            f"{len(over)} days need more than the evening's {template.review_minutes} minutes for the cards "
            f"(most: {worst.minutes} min on {worst.day:%a %d %b}); raise review_minutes in the template, "
            f"or lower desired-retention (now {settings.desired_retention:.2f})"
        )
    per_day = max((d.new for d in days), default=0)
    if unseen and per_day > settings.new_per_day:
        warnings.append(
            f"{unseen} cards are not yet seen: at new-per-day {settings.new_per_day} they do not all fit before "
            f"the exam, so the plan takes up to {per_day} a day; set it now "
            f"(srs config set new-per-day {per_day}) or move the exam date"
        )
    if unseen > new_total:
        warnings.append(f"{unseen - new_total} cards stay unseen on exam day at this pace")
    return warnings, notes


# -- focus topics -------------------------------------------------------------------------------


def focus_minutes(misses: int) -> int:
    """Targeted review time for a topic: 10 minutes a miss, in quarter hours, 15 min to 2 h."""
    raw = MINUTES_PER_MISS * misses
    quarters = max(1, math.floor(raw / 15 + 0.5))
    return int(min(FOCUS_MINUTES[1], max(FOCUS_MINUTES[0], 15 * quarters)))


def focus_topics(
    store: Store, settings: Settings, now: datetime, today: date, limit: int = FOCUS_TOPICS
) -> list[FocusTopic]:
    """The topics missed most, by recency-weighted misses times the exam factor (with bands)."""
    signals = load_signals(store, now, complete=False)
    groups = [g for g in store.miss_groups("topic") if g.misses > 0]
    if not groups:
        return []
    candidates = sorted(groups, key=lambda g: (-g.mass, g.name))[: limit * 5]
    questions = store.topic_questions([g.name for g in candidates])
    rule = settings.day_rule()
    found = []
    for group in candidates:
        rows = [q for q in questions if q.topic_key == group.name]
        if not rows:
            continue
        pairs: dict[tuple[str, str], int] = {}
        for q in rows:
            pairs[(q.subject, q.system)] = pairs.get((q.subject, q.system), 0) + 1
        subject, system = max(pairs, key=lambda p: (pairs[p], p))
        weight = group.mass * signals.scale * signals.exam_factor(subject, system)
        retests = []
        for q in rows:
            if q.last_miss is None:
                continue
            missed = rule.day_of(q.last_miss)
            on = tuple(missed + timedelta(days=n) for n in RETEST_DAYS)
            if any(today <= d < today + timedelta(days=7) for d in on):
                retests.append(Retest(q.source, q.qid, missed, on))
        found.append(
            FocusTopic(
                rows[0].topic,
                group.misses,
                weight,
                focus_minutes(group.misses),
                tuple((q.source, q.qid) for q in rows),
                tuple(sorted(retests, key=lambda r: (r.on, r.source, r.qid))),
            )
        )
    found.sort(key=lambda f: (-f.weight, f.topic))
    return found[:limit]


def retests_on(store: Store, settings: Settings, day: date) -> list[Retest]:
    """Questions missed in the Qbank 2 or 7 days before `day`: today's retest block."""
    rule = settings.day_rule()
    start = rule.start_of(day - timedelta(days=max(RETEST_DAYS)))
    found = {}
    for miss in store.qbank_misses_since(start):
        missed = rule.day_of(miss.at)
        if (day - missed).days in RETEST_DAYS:
            on = tuple(missed + timedelta(days=n) for n in RETEST_DAYS)
            found[(miss.source, miss.qid)] = Retest(miss.source, miss.qid, missed, on)
    return sorted(found.values(), key=lambda r: (r.source, r.qid))


@dataclass(frozen=True)
class Today:
    day: date
    kind: str
    blocks: int
    block_questions: int
    due: int
    new: int
    minutes: int
    focus: FocusTopic | None
    retests: tuple[Retest, ...]
    days_to_exam: int | None
    next_checkpoint: date | None
    notes: tuple[str, ...] = field(default=())


def today_view(store: Store, settings: Settings, now: datetime, template: Template | None = None) -> Today:
    """One screen for the morning: today's blocks, cards, focus topic, retests, days left."""
    template = with_settings(template or Template(), settings)
    rule = settings.day_rule()
    today = rule.day_of(now)
    exam = date.fromisoformat(settings.exam_date) if settings.exam_date else None
    planned = plan_settings(settings, template)
    with store.snapshot():
        queue = Planner(store, planned, now).queue()
        seconds = store.typical_answer_seconds()
        focus = focus_topics(store, settings, now, today, limit=1)
        retests = retests_on(store, settings, today)
        taken = [a.taken for a in store.assessments()]
    kind = day_kind(today, exam, template) if exam else day_kind(today, today + timedelta(days=1), template)
    nxt = None
    if exam and exam > today:
        nxt = next((c.day for c in checkpoints(today, exam, template, taken)), None)
    due, new = queue.due_count, queue.new_count
    return Today(
        today, kind, template.blocks_per_day if kind == "study" else 0, template.block_questions, due, new,
        math.ceil((due + new) * seconds / 60), focus[0] if focus else None, tuple(retests),
        (exam - today).days if exam else None, nxt,
    )  # fmt: skip
