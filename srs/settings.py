"""The student's settings, kept in the database's config table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from srs.errors import SrsError
from srs.schedule.parameters import CONFIG_KEY as PARAMETERS_KEY
from srs.schedule.parameters import DEFAULT as DEFAULT_PARAMETERS
from srs.schedule.parameters import FittedParameters
from srs.schedule.scheduler import Scheduler
from srs.store import Store
from srs.timing import WEEKDAYS, DayRule, local_zone_name, weekday_name, zone


@dataclass(frozen=True)
class Settings:
    timezone: str = "UTC"
    rollover_hour: int = 4
    new_per_day: int = 20
    max_reviews_per_day: int = 200
    session_minutes: int = 45
    light_day: str = ""  # a weekday ("sunday") with a shorter session (one; see light_days)
    light_days: str = ""  # several: "sunday,wednesday" (with light_day, the set of light days)
    light_day_minutes: int = 60  # 0: a rest day (its reviews move to the days around it)
    light_day_reviews: int | None = None  # at most this many reviews on a light day (0: rest)
    exam_date: str = ""  # ISO date; before it, every card is seen at least once
    desired_retention: float = 0.9
    high_yield_retention: float = 0.90  # = desired retention: the tier is off (docs/priority.md, the simulator)
    high_yield_misses: int = 3  # misses in a topic that make its cards high-yield
    miss_half_life: float = 30.0  # days for a miss to count half
    deck_root: str = "Step 1 Misses"
    # name the wrong choice on a cloze card's front, "(not X)": off, since seeing the
    # distractor again can reinforce it (docs/cards.md)
    show_wrong_choice: bool = False
    # set by `srs optimize`, not by `srs config set`; None: FSRS's default parameters
    fitted: FittedParameters | None = field(default=None, metadata={"setting": False})
    # read from a database (`load`) and not changed since: its schedulers follow the
    # parameters stored there. Not an init field, so `dataclasses.replace` (settings changed
    # in memory, e.g. by a test or a plan) gives False: those schedulers are the caller's own.
    stored: bool = field(default=False, init=False, compare=False, metadata={"setting": False})

    def day_rule(self) -> DayRule:
        return DayRule(zone(self.timezone), self.rollover_hour)

    @property
    def parameters(self) -> tuple[float, ...]:
        return self.fitted.parameters if self.fitted else DEFAULT_PARAMETERS

    def scheduler(self) -> Scheduler:
        scheduler = Scheduler(
            self.day_rule(),
            parameters=self.parameters,
            desired_retention=self.desired_retention,
            tier_retention=self.high_yield_retention,
        )
        scheduler.follows_store = self.stored
        return scheduler


def current_scheduler(store: Store, scheduler: Scheduler) -> Scheduler:
    """The scheduler a write must use, read inside its transaction (the write lock held).

    Settings read before the lock may be stale: another srs (`srs optimize`) may have
    stored new parameters meanwhile, and cards written with the old ones would no longer
    be the replay of the log. A scheduler built from stored settings gets the stored ones."""
    if not getattr(scheduler, "follows_store", False):
        return scheduler  # one a caller built for itself (tests, simulations)
    fresh = load(store).scheduler()
    return scheduler if fresh.parameters == scheduler.parameters and _same_rules(fresh, scheduler) else fresh


def _same_rules(a: Scheduler, b: Scheduler) -> bool:
    return (a.rule, a.tier_retention, a.desired_retention) == (b.rule, b.tier_retention, b.desired_retention)


def light_weekdays(settings: Settings) -> frozenset[str]:
    """The light (or rest) weekdays: `light-days` and the older single `light-day`."""
    names = [d for d in settings.light_days.split(",") if d]
    return frozenset([*names, settings.light_day] if settings.light_day else names)


def is_light_day(settings: Settings, day: date) -> bool:
    """The one rule for light days: a study day whose weekday is a light weekday."""
    return weekday_name(day) in light_weekdays(settings)


def study_days_between(settings: Settings, start: date, end: date) -> int:
    """Days in [start, end) that take new cards (not light or rest days); at least 1."""
    return max(1, sum(1 for d in range((end - start).days) if not is_light_day(settings, start + timedelta(days=d))))


def check_exam_date(value: str, today: date) -> None:
    """An exam date must be a study day after today (refused: the past, today)."""
    if not value.strip():
        return
    exam = date.fromisoformat(_date(value.strip()))
    if exam <= today:
        when = "is in the past" if exam < today else "is today"
        raise SrsError(
            f"exam-date {exam.isoformat()} {when}: give a date from tomorrow "
            f"({date.fromordinal(today.toordinal() + 1).isoformat()}) on, or '' for none"
        )


def session_length(settings: Settings, day: date) -> float:
    """Minutes a review session lasts on `day`: shorter on the light day."""
    if is_light_day(settings, day):
        return float(min(settings.session_minutes, settings.light_day_minutes))
    return float(settings.session_minutes)


# config key (as the user types it) -> attribute
KEYS = {f.name.replace("_", "-"): f.name for f in fields(Settings) if f.metadata.get("setting", True)}


def load(store: Store) -> Settings:
    """Settings from the database. The time zone is recorded at first use
    (`srs.derived.record_zone`); only a read-only file without one falls back to this machine's."""
    stored = store.config()  # keys starting with "_" are internal bookkeeping
    values: dict[str, object] = {} if "timezone" in stored else {"timezone": local_zone_name()}
    for key, attribute in KEYS.items():
        if key in stored:
            values[attribute] = _parse(key, stored[key])
    if PARAMETERS_KEY in stored:
        values["fitted"] = FittedParameters.from_json(stored[PARAMETERS_KEY])
    settings = Settings(**values)  # type: ignore[arg-type]
    object.__setattr__(settings, "stored", True)  # (frozen)
    return settings


def save(store: Store, key: str, value: str) -> None:
    """Check and store one setting (validated the way `load` reads it)."""
    check(key, value)
    store.set_config(key, value.strip())


def check(key: str, value: str) -> None:
    """Raise SrsError unless `value` is valid for setting `key` (before any work with it)."""
    if key not in KEYS:
        raise SrsError(f"unknown setting '{key}' (known: {', '.join(sorted(KEYS))})")
    _parse(key, value)


RESCHEDULING_KEYS = {"timezone", "rollover-hour", "desired-retention", "high-yield-retention"}


def change(store: Store, key: str, value: str, now: datetime) -> int:
    """Save a setting in one transaction; settings that change scheduling rebuild every card."""
    from srs.schedule.replay import rebuild_all

    if key == "exam-date":
        _parse(key, value)
        check_exam_date(value, load(store).day_rule().day_of(now))
    with store.write():
        save(store, key, value)
        if key == "miss-half-life":  # stored miss weights are counted with it
            store.rebase_misses(load(store).miss_half_life, now)
        if key in RESCHEDULING_KEYS:
            return rebuild_all(store, load(store).scheduler()) or store.card_count()
    return 0


def _whole(low: int, high: int) -> Callable[[str], object]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError
        return value

    return parse


def _number(low: float, high: float) -> Callable[[str], object]:
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:
            raise ValueError
        return value

    return parse


def _timezone(text: str) -> str:
    zone(text)
    return text


def _deck(text: str) -> str:
    if not text or "::" in text:
        raise ValueError
    return text


def _flag(text: str) -> bool:
    words = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
    if text.lower() not in words:
        raise ValueError
    return words[text.lower()]


def _weekday(text: str) -> str:
    if not text:
        return ""
    matches = [d for d in WEEKDAYS if d.startswith(text.lower()[:3])]
    if len(text) < 3 or len(matches) != 1:
        raise ValueError
    return matches[0]


def _weekdays(text: str) -> str:
    names = [_weekday(part.strip()) for part in text.split(",") if part.strip()]
    if text.strip() and not names:
        raise ValueError
    return ",".join(d for d in WEEKDAYS if d in names)


def _optional_whole(low: int, high: int) -> Callable[[str], object]:
    whole = _whole(low, high)
    return lambda text: None if text in ("", "none") else whole(text)


def _date(text: str) -> str:
    return date.fromisoformat(text).isoformat() if text else ""


_PARSERS: dict[str, tuple[Callable[[str], object], str]] = {
    "timezone": (_timezone, "an IANA name such as America/Chicago"),
    "rollover-hour": (_whole(0, 23), "a whole hour 0-23"),
    "new-per-day": (_whole(0, 9999), "a whole number, 0 or more"),
    "max-reviews-per-day": (_whole(1, 99999), "a whole number, 1 or more"),
    "session-minutes": (_whole(1, 1440), "minutes, 1 or more"),
    "light-day": (_weekday, "a weekday such as sunday, or '' for none"),
    "light-days": (_weekdays, "weekdays such as sun,wed, or '' for none"),
    "light-day-minutes": (_whole(0, 1440), "minutes, 0 (a rest day) or more"),
    "light-day-reviews": (_optional_whole(0, 99999), "a whole number, 0 (a rest day) or more, or '' for no limit"),
    "exam-date": (_date, "a date such as 2027-01-15, or '' for none"),
    "desired-retention": (_number(0.7, 0.99), "a number from 0.70 to 0.99"),
    "high-yield-retention": (_number(0.7, 0.99), "a number from 0.70 to 0.99"),
    "high-yield-misses": (_whole(1, 999), "a whole number of misses, 1 or more"),
    "miss-half-life": (_number(1, 365), "days, from 1 to 365"),
    "deck-root": (_deck, "a deck name without '::'"),
    "show-wrong-choice": (_flag, "true or false"),
}


def _parse(key: str, text: str) -> object:
    parser, help_text = _PARSERS[key]
    text = text.strip()
    try:
        return parser(text)
    except ValueError:
        raise SrsError(f"setting {key}: '{text}' is not valid ({help_text})") from None
