"""The day rule for new cards in every forecast (plan, report) and the queue: today's begun
cards count against today's intake; light and rest days take none; the rest enter at the
intake per day, each once."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from srs.schedule.workload import daily_intakes, new_cards_per_day
from srs.settings import Settings, study_days_between
from srs.timing import weekday_name


@given(
    fresh=st.integers(0, 500),
    started=st.integers(0, 60),
    intakes=st.lists(st.integers(0, 80), min_size=1, max_size=60),
)
def test_each_unbegun_card_enters_once_within_each_days_intake(fresh, started, intakes):
    per_day = new_cards_per_day(fresh, started, intakes)
    assert len(per_day) == len(intakes)
    assert all(0 <= n <= cap for n, cap in zip(per_day, intakes, strict=True))
    assert per_day[0] <= max(0, intakes[0] - started)  # what today's begun cards leave
    room = max(0, intakes[0] - started) + sum(intakes[1:])
    assert sum(per_day) == min(fresh, room)  # every card not yet begun, once, while there is room


def test_a_worked_example():
    assert new_cards_per_day(30, 5, [20, 20, 20, 20]) == [15, 15, 0, 0]
    assert new_cards_per_day(30, 25, [20, 20, 20, 20]) == [0, 20, 10, 0]
    assert new_cards_per_day(30, 0, [20, 0, 20]) == [20, 0, 10]  # a rest day between


def test_light_and_rest_days_take_no_new_cards():
    settings = Settings(light_days="sunday,wednesday")
    monday = date(2026, 11, 30)
    intakes = daily_intakes(settings, monday, 14, 25)
    for d, intake in enumerate(intakes):
        day = monday + timedelta(days=d)
        assert intake == (0 if weekday_name(day) in ("sunday", "wednesday") else 25), day
    assert study_days_between(settings, monday, monday + timedelta(days=14)) == 10
    assert study_days_between(Settings(), monday, monday + timedelta(days=14)) == 14
