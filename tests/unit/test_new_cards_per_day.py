"""The day rule for new cards in every forecast (plan, report): today's begun cards take
today's first places; the rest enter at the intake per day, each once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from srs.schedule.workload import new_cards_per_day


@given(fresh=st.integers(0, 500), started=st.integers(0, 60), intake=st.integers(1, 80), days=st.integers(1, 60))
def test_each_unbegun_card_enters_once_within_the_intake(fresh, started, intake, days):
    per_day = new_cards_per_day(fresh, started, intake, days)
    assert len(per_day) == days and all(0 <= n <= intake for n in per_day)
    assert per_day[0] == max(0, min(intake, fresh + started) - started)  # what today leaves
    if intake * days >= fresh + started:
        assert sum(per_day) == fresh  # every card not yet begun, once
    else:
        assert sum(per_day) == max(0, intake * days - started)  # the days are full


def test_a_worked_example():
    assert new_cards_per_day(30, 5, 20, 4) == [15, 15, 0, 0]
    assert new_cards_per_day(30, 25, 20, 4) == [0, 15, 15, 0]
    assert new_cards_per_day(7, 0, 20, 3) == [7, 0, 0]
