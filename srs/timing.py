"""What day it is for the student, and how times are stored.

One rule, Anki's: a study day starts at the rollover hour (default 4 am) in the
student's time zone, so a late-night session still counts as "today" and the
elapsed days between two reviews are counted in study days, as Anki counts them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from srs.errors import SrsError

UTC = UTC
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_name(day: date) -> str:
    """A study day's weekday, in English whatever the locale (settings name days this way)."""
    return WEEKDAYS[day.weekday()]

LN2 = 0.6931471805599453
UNIX_EPOCH_JULIAN_DAY = 2440587.5


def julian_day(moment: datetime) -> float:
    """Days since the Julian epoch, as SQLite's julianday() counts them."""
    return moment.timestamp() / 86400 + UNIX_EPOCH_JULIAN_DAY


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """Stored form of a time: UTC, fixed width, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def local_zone_name() -> str:
    """The machine's IANA time zone name, or UTC when it cannot be told.

    `TZ` and the /etc/localtime link answer on Linux and macOS without loading tzlocal
    (which brings in logging: a tenth of `srs review`'s start-up); tzlocal knows the rest.
    """
    quick = _zone_from_environment() or _zone_from_localtime_link()
    if quick:
        return quick
    try:
        import tzlocal

        name = tzlocal.get_localzone_name()
    except Exception:  # noqa: BLE001 - an odd /etc/localtime must not stop the tool
        return "UTC"
    return name or "UTC"


def _zone_from_environment() -> str | None:
    name = os.environ.get("TZ", "").removeprefix(":")
    return name if name and not name.startswith("/") and _known_zone(name) else None


def _zone_from_localtime_link() -> str | None:
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    _, found, name = target.partition("zoneinfo/")
    return name if found and _known_zone(name) else None


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SrsError(f"unknown time zone '{name}' (use an IANA name such as America/New_York)") from exc


@dataclass(frozen=True)
class DayRule:
    """Study days: they start at `rollover_hour` local time in `tz`."""

    tz: tzinfo = UTC
    rollover_hour: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.rollover_hour <= 23:
            raise SrsError(f"rollover hour must be 0-23, not {self.rollover_hour}")

    def day_of(self, moment: datetime) -> date:
        local = moment.astimezone(self.tz)
        return (local - timedelta(hours=self.rollover_hour)).date()

    def start_of(self, day: date) -> datetime:
        """The UTC moment study day `day` begins."""
        local = datetime.combine(day, time(self.rollover_hour), tzinfo=self.tz)
        return local.astimezone(UTC)

    def day_start(self, moment: datetime) -> datetime:
        return self.start_of(self.day_of(moment))

    def next_day_start(self, moment: datetime) -> datetime:
        return self.start_of(self.day_of(moment) + timedelta(days=1))

    def elapsed_days(self, earlier: datetime, later: datetime) -> int:
        """Study days between two moments (0 on the same study day)."""
        return (self.day_of(later) - self.day_of(earlier)).days

    def local_noon(self, day: date) -> datetime:
        """The moment a date-only attempt is taken to have happened."""
        return datetime.combine(day, time(12), tzinfo=self.tz).astimezone(UTC)

    def localize(self, naive: datetime) -> datetime:
        """Read a wall-clock time without an offset as the student's local time."""
        return naive.replace(tzinfo=self.tz).astimezone(UTC)
