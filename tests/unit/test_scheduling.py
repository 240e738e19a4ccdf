"""The scheduler: agreement with the fsrs package, the day rule, and invariants."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.schedule.scheduler import CardState, Rating, Scheduler, State, format_interval
from srs.timing import UTC, DayRule

START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def test_matches_fsrs_package_when_days_are_24_hours():
    """With rollover at midnight UTC and reviews at noon, study days are 24-hour days,
    so memory states equal the fsrs package's; review due dates fall on the same day."""
    rule = DayRule(UTC, 0)
    ours = Scheduler(rule, fuzz=False)
    theirs = fsrs.Scheduler(enable_fuzzing=False)
    card, ref = CardState.new(START), fsrs.Card(card_id=1, due=START)
    now = START
    for rating in [
        Rating.Good,
        Rating.Good,
        Rating.Good,
        Rating.Again,
        Rating.Good,
        Rating.Easy,
        Rating.Hard,
    ]:
        card = ours.answer(card, rating, now, "seed")
        ref, _ = theirs.review_card(ref, rating, now)
        assert (card.state, card.step) == (ref.state, ref.step)
        assert card.stability == ref.stability
        assert card.difficulty == ref.difficulty
        if ref.state == State.Review:
            assert card.due == rule.day_start(ref.due)
            now = ref.due  # answered on the day it is due, at noon
        else:
            assert card.due == ref.due
            now = ref.due
    assert card.reps == 7 and card.lapses == 1


def test_golden_sequence_without_fuzz():
    """Good every time, answered when due: the intervals grow as FSRS-6 defaults say."""
    scheduler = Scheduler(DayRule(UTC, 4), fuzz=False)
    card, now, shown = CardState.new(START), START, []
    for _ in range(6):
        outcome = scheduler.next_states(card, now, "seed")[Rating.Good]
        shown.append(outcome.interval)
        card = outcome.card
        now = max(card.due, now)
    minutes, days = timedelta(minutes=1), timedelta(days=1)
    assert shown == [10 * minutes, 2 * days, 11 * days, 46 * days, 163 * days, 498 * days]


def test_elapsed_days_follow_the_rollover_hour():
    rule = DayRule(UTC, 4)
    evening = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)
    assert rule.elapsed_days(evening, datetime(2026, 11, 2, 3, 59, tzinfo=UTC)) == 0
    assert rule.elapsed_days(evening, datetime(2026, 11, 2, 4, 0, tzinfo=UTC)) == 1
    assert rule.day_of(datetime(2026, 11, 2, 3, 0, tzinfo=UTC)) == date(2026, 11, 1)


def test_day_rule_across_daylight_saving_change():
    rule = DayRule(ZoneInfo("America/New_York"), 4)
    # DST ends at 2 am on 2026-11-01: the study day from 4 am Oct 31 lasts 25 hours.
    start = rule.start_of(date(2026, 10, 31))
    end = rule.start_of(date(2026, 11, 1))
    assert end - start == timedelta(hours=25)
    assert rule.day_of(end - timedelta(seconds=1)) == date(2026, 10, 31)
    assert rule.elapsed_days(start, end) == 1


def test_review_due_dates_land_on_day_starts_in_local_time():
    rule = DayRule(ZoneInfo("Asia/Tokyo"), 4)
    scheduler = Scheduler(rule)
    card = CardState.new(START)
    card = scheduler.answer(card, Rating.Easy, START, "seed")
    assert card.state == State.Review
    local = card.due.astimezone(rule.tz)
    assert (local.hour, local.minute) == (4, 0)


def test_fuzz_is_deterministic_per_card_and_review_count():
    scheduler = Scheduler(DayRule(UTC, 4))
    card = scheduler.answer(CardState.new(START), Rating.Easy, START, "seed")
    later = card.due + timedelta(hours=2)
    first = scheduler.next_states(card, later, "uworld:1")
    again = scheduler.next_states(card, later, "uworld:1")
    assert {r: o.card.due for r, o in first.items()} == {r: o.card.due for r, o in again.items()}
    seeds = {scheduler.next_states(card, later, f"uworld:{i}")[Rating.Good].interval for i in range(40)}
    assert len(seeds) > 1, "fuzz should spread intervals across cards"


ratings = st.sampled_from(list(Rating))
gaps = st.integers(min_value=0, max_value=60 * 24 * 90)  # minutes between answers


@settings(max_examples=150, deadline=None)
@given(history=st.lists(st.tuples(ratings, gaps), max_size=25), rollover=st.integers(0, 23))
def test_invariants_after_any_history(history, rollover):
    """Never due before its last review; Again <= Hard <= Good <= Easy at every step."""
    scheduler = Scheduler(DayRule(ZoneInfo("Europe/Berlin"), rollover))
    card, now = CardState.new(START), START
    for count, (rating, gap) in enumerate(history, start=1):
        now = now + timedelta(minutes=gap)
        outcomes = scheduler.next_states(card, now, "q")
        intervals = [outcomes[r].interval for r in Rating]
        assert intervals == sorted(intervals)
        card = outcomes[rating].card
        assert card.last_review == now
        assert card.due > card.last_review
        assert card.reps == count
    assert card.lapses <= card.reps


@given(st.integers(min_value=0, max_value=10**7))
def test_format_interval_is_short(seconds):
    text = format_interval(timedelta(seconds=seconds))
    assert text[-1] in "mhdoy" and len(text) <= 6


def test_the_machine_time_zone_comes_from_tz_then_the_system(monkeypatch):
    from srs import timing

    monkeypatch.setenv("TZ", "America/Chicago")
    assert timing.local_zone_name() == "America/Chicago"
    monkeypatch.setenv("TZ", ":Asia/Kolkata")
    assert timing.local_zone_name() == "Asia/Kolkata"
    monkeypatch.setenv("TZ", "Not/A_Zone")  # not an IANA name: the system's zone, as tzlocal finds it
    monkeypatch.setattr(timing, "_zone_from_localtime_link", lambda: None)
    import tzlocal

    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Europe/Berlin")
    assert timing.local_zone_name() == "Europe/Berlin"


@settings(max_examples=150, deadline=None)
@given(
    history=st.lists(st.tuples(ratings, gaps), max_size=25),
    steps=st.sampled_from([None, (), (timedelta(minutes=5),)]),
)
def test_answer_saves_what_the_buttons_show(history, steps):
    """`answer` computes only the outcomes its rating depends on; it must equal the full set's pick,
    with and without (re)learning steps (without them, Again can land in Review)."""
    scheduler = Scheduler(DayRule(ZoneInfo("America/New_York"), 4))
    if steps is not None:
        scheduler._fsrs.learning_steps = scheduler._fsrs.relearning_steps = steps
    card, now = CardState.new(START), START
    for rating, gap in history:
        now = now + timedelta(minutes=gap)
        shown = scheduler.next_states(card, now, "uworld:7")[rating].card
        card = scheduler.answer(card, rating, now, "uworld:7")
        assert card == shown
