"""The student's settings, kept in the database's config table."""

from __future__ import annotations

from dataclasses import dataclass, fields

from .db import Store
from .errors import SrsError
from .scheduling import Scheduler
from .timing import DayRule, local_zone_name, zone


@dataclass(frozen=True)
class Settings:
    timezone: str = "UTC"
    rollover_hour: int = 4
    new_per_day: int = 20
    desired_retention: float = 0.9
    deck_root: str = "Step 1 Misses"

    def day_rule(self) -> DayRule:
        return DayRule(zone(self.timezone), self.rollover_hour)

    def scheduler(self) -> Scheduler:
        return Scheduler(self.day_rule(), desired_retention=self.desired_retention)


# config key (as the user types it) -> attribute
KEYS = {f.name.replace("_", "-"): f.name for f in fields(Settings)}


def load(store: Store) -> Settings:
    """Settings from the database; the time zone defaults to this machine's."""
    stored = store.config()  # keys starting with "_" are internal bookkeeping
    values: dict[str, object] = {"timezone": local_zone_name()}
    for key, attribute in KEYS.items():
        if key in stored:
            values[attribute] = _parse(key, stored[key])
    return Settings(**values)  # type: ignore[arg-type]


def save(store: Store, key: str, value: str) -> None:
    """Check and store one setting (validated the way `load` reads it)."""
    if key not in KEYS:
        raise SrsError(f"unknown setting '{key}' (known: {', '.join(sorted(KEYS))})")
    _parse(key, value)
    store.set_config(key, value.strip())


RESCHEDULING_KEYS = {"timezone", "rollover-hour", "desired-retention"}


def change(store: Store, key: str, value: str) -> int:
    """Save a setting in one transaction; settings that change scheduling rebuild every card."""
    from .cards import rebuild_all

    with store.write():
        save(store, key, value)
        if key in RESCHEDULING_KEYS:
            return rebuild_all(store, load(store).scheduler()) or store.card_count()
    return 0


def _parse(key: str, text: str) -> object:
    text = text.strip()
    try:
        if key == "timezone":
            zone(text)
            return text
        if key == "rollover-hour":
            hour = int(text)
            if not 0 <= hour <= 23:
                raise ValueError
            return hour
        if key == "new-per-day":
            count = int(text)
            if count < 0:
                raise ValueError
            return count
        if key == "desired-retention":
            retention = float(text)
            if not 0.7 <= retention <= 0.99:
                raise ValueError
            return retention
        if key == "deck-root":
            if not text or "::" in text:
                raise ValueError
            return text
    except ValueError:
        pass
    raise SrsError(f"setting {key}: '{text}' is not valid ({_HELP[key]})")


_HELP = {
    "timezone": "an IANA name such as America/Chicago",
    "rollover-hour": "a whole hour 0-23",
    "new-per-day": "a whole number, 0 or more",
    "desired-retention": "a number from 0.70 to 0.99",
    "deck-root": "a deck name without '::'",
}
