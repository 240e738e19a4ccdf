"""The retention tiers, once: which cards are high-yield, and whether tiers apply.

A card is high-yield when its topic has at least `high-yield-misses` misses, or, when
more than a fifth of the topics have that many, as many as the top fifth of topics
have: the tier stays the top fifth for a student with a big history. High-yield
cards are scheduled at `high-yield-retention` (their due day: Scheduler.tier_due_day).
"""

from __future__ import annotations

from srs.settings import Settings
from srs.store import Store

TOP_FRACTION = 0.8  # the tier is at most the top fifth of topics (by misses)


def threshold(settings: Settings, store: Store) -> int:
    """Misses in a topic that make its cards high-yield."""
    return max(settings.high_yield_misses, store.topic_misses_at(TOP_FRACTION))


def is_high_yield(topic_misses: int, misses_needed: int) -> bool:
    return topic_misses >= misses_needed


def tiers_apply(settings: Settings) -> bool:
    """Tiers only matter when the high-yield retention is above the desired one."""
    return settings.high_yield_retention > settings.desired_retention


def tier_retention(settings: Settings) -> float | None:
    """The high-yield tier's retention, or None when tiers do not apply."""
    return settings.high_yield_retention if tiers_apply(settings) else None
