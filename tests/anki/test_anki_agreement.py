"""srs's memory states equal real Anki's for the same history and parameters.

Anki (the `anki` package, headless) computes each card's stability and difficulty
from its review log with `compute_memory_state`; srs replays the same answers as
events. Histories are seeded-random, with answers minutes apart, less than 24 hours
apart across a day boundary, and across daylight-saving changes.

One documented difference, tested as such: Anki counts days as 86,400-second
periods back from its *next* rollover (rslib `RevlogEntry::days_elapsed`), using
today's UTC offset for all of the past; srs counts the student's calendar study
days. They differ only for an answer in the hour between the two rollovers on the
far side of a daylight-saving change from today (4-5 am in summer when it is now
winter; 3-4 am in winter when it is now summer). Elsewhere they agree exactly.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import fsrs_rs_python as rs
import pytest
from synthetic import TRUE_PARAMETERS

from srs.model import Event
from srs.schedule.replay import replay
from srs.schedule.scheduler import CardState, Scheduler
from srs.timing import DayRule

pytestmark = pytest.mark.slow

CHILD = Path(__file__).resolve().parents[1] / "support" / "anki_memory_states.py"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOLERANCE = 1e-4  # relative; Anki computes in f32
NEW_YORK = ZoneInfo("America/New_York")
DST_CHANGES = [datetime(2025, 3, 9), datetime(2025, 11, 2), datetime(2026, 3, 8), datetime(2026, 11, 1)]

History = list[tuple[int, int]]  # (epoch milliseconds, rating)


# Running both sides
##########################################################################


def anki_states(histories: list[History], zone: str, rollover: int) -> tuple[int, list[list[float]]]:
    """Anki's (stability, difficulty) per history, computed in a child process in `zone`."""
    request = {"parameters": list(TRUE_PARAMETERS), "rollover": rollover, "cards": histories}
    env = {**os.environ, "TZ": zone}
    done = subprocess.run(
        [sys.executable, str(CHILD)], input=json.dumps(request), env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    return answer["next_day_at"], answer["states"]


def moment(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def srs_state(history: History, rule: DayRule) -> CardState:
    """The card srs replays from these answers: a miss creates it, then each answer
    is a review event (ratings 1-4) or a Qbank attempt (Again/Good)."""
    first = moment(history[0][0]) - timedelta(minutes=5)
    events = [Event(0, 1, first, "qbank", "incorrect", None, None)]
    for index, (ms, rating) in enumerate(history, start=1):
        if rating in (1, 3) and index % 3 == 0:
            result = "incorrect" if rating == 1 else "correct"
            events.append(Event(index, 1, moment(ms), "qbank", result, None, None))
        else:
            events.append(Event(index, 1, moment(ms), "review", None, rating, None))
    replayed = replay(events, Scheduler(rule, parameters=TRUE_PARAMETERS, fuzz=False), "seed")
    assert replayed is not None
    return replayed.card


def study_day_deltas(history: History, rule: DayRule) -> list[int]:
    times = [moment(ms) for ms, _ in history]
    return [0] + [rule.elapsed_days(a, b) for a, b in zip(times, times[1:], strict=False)]


def anki_day_deltas(history: History, next_day_at: int) -> list[int]:
    """Anki's delta_t: whole 86,400 s periods back from the next rollover."""
    days_ago = [(next_day_at - ms // 1000) // 86_400 for ms, _ in history]
    return [0] + [a - b for a, b in zip(days_ago, days_ago[1:], strict=False)]


def fsrs_rs_state(history: History, deltas: list[int]) -> tuple[float, float]:
    model = rs.FSRS(list(TRUE_PARAMETERS))
    item = rs.FSRSItem([rs.FSRSReview(rating, d) for (_, rating), d in zip(history, deltas, strict=True)])
    state = model.memory_state(item)
    return state.stability, state.difficulty


def close(ours: float | None, theirs: float) -> bool:
    return ours is not None and abs(ours - theirs) <= TOLERANCE * abs(theirs)


# Generated histories
##########################################################################


def random_histories(count: int, zone: tzinfo, seed: int, avoid_hours: range = range(0)) -> list[History]:
    """Seeded histories from 2025 to autumn 2026: answers minutes, hours (overnight) or
    days apart; local times in `avoid_hours` are moved two hours later."""
    rng = random.Random(seed)
    histories, used = [], set()
    for _ in range(count):
        at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.uniform(0, 420))
        history = []
        for index in range(rng.randint(1, 14)):
            if index:
                at += _gap(rng)
            at = _outside(at, zone, avoid_hours)
            rating = rng.choices([1, 2, 3, 4], weights=[3, 1, 5, 1] if index == 0 else [2, 1.5, 5.5, 1])[0]
            history.append((_unique_ms(at, used), rating))
        histories.append(history)
    return histories


def _gap(rng: random.Random) -> timedelta:
    kind = rng.random()
    if kind < 0.3:
        return timedelta(minutes=rng.uniform(1, 240))  # learning steps, same sitting
    if kind < 0.5:
        return timedelta(hours=rng.uniform(4, 23.9))  # overnight: < 24 h, maybe a new study day
    return timedelta(days=rng.randint(1, 40), hours=rng.uniform(-6, 6))


def _outside(at: datetime, zone: tzinfo, avoid_hours: range) -> datetime:
    while at.astimezone(zone).hour in avoid_hours:
        at += timedelta(hours=1)
    return at


def _unique_ms(at: datetime, used: set[int]) -> int:
    """Revlog ids are unique milliseconds; nudge a clash by one."""
    ms = (at - EPOCH) // timedelta(milliseconds=1)
    while ms in used:
        ms += 1
    used.add(ms)
    return ms


def dst_histories(zone: tzinfo) -> list[History]:
    """Around each daylight-saving change: late evening, then early morning or the next
    evening (less than 24 hours later, across the change), then days later."""
    used: set[int] = set()
    histories = []
    for change in DST_CHANGES:
        eve = (change - timedelta(days=1)).replace(tzinfo=zone)
        for evening, morning, ratings in [
            (22.5, 6.0, [3, 3, 3]),
            (23.75, 5.25, [1, 3, 4]),
            (21.0, 20.0, [3, 1, 3]),
            (2.5, 7.0, [2, 3, 3]),  # 2:30 am the night before, then the morning after the change
        ]:
            first = eve + timedelta(hours=evening)
            second = datetime.combine(change.date(), datetime.min.time(), zone) + timedelta(hours=morning)
            third = second + timedelta(days=3, hours=2)
            times = [first.astimezone(UTC), second.astimezone(UTC), third.astimezone(UTC)]
            histories.append([(_unique_ms(t, used), r) for t, r in zip(times, ratings, strict=True)])
    return histories


# The tests
##########################################################################


def assert_agree(histories: list[History], zone: str, rollover: int) -> None:
    rule = DayRule(ZoneInfo(zone), rollover)
    next_day_at, states = anki_states(histories, zone, rollover)
    assert rule.start_of(rule.day_of(moment(next_day_at * 1000 - 1))) + timedelta(days=1) == moment(
        next_day_at * 1000
    ), "Anki's next day must start at the same rollover as srs's"
    mismatched = []
    for history, (stability, difficulty) in zip(histories, states, strict=True):
        assert study_day_deltas(history, rule) == anki_day_deltas(history, next_day_at)
        card = srs_state(history, rule)
        if not (close(card.stability, stability) and close(card.difficulty, difficulty)):
            mismatched.append((history, card.stability, card.difficulty, stability, difficulty))
    assert not mismatched, mismatched[:3]


def test_agrees_with_anki_in_utc_with_4am_rollover():
    histories = random_histories(150, UTC, seed=1)
    assert sum(len(h) for h in histories) > 1000
    assert_agree(histories, "UTC", 4)


def test_agrees_with_anki_across_daylight_saving_changes():
    """New York, rollover 4 am: overnight answers across each 2025-2026 change, and
    random ones; no answer between 3 and 5 am local (see the module docstring)."""
    histories = dst_histories(NEW_YORK) + random_histories(150, NEW_YORK, seed=2, avoid_hours=range(3, 5))
    assert_agree(histories, "America/New_York", 4)


def test_agrees_with_anki_in_a_far_zone_with_midnight_rollover():
    zone = ZoneInfo("Asia/Kolkata")
    assert_agree(random_histories(60, zone, seed=3), "Asia/Kolkata", 0)


def test_the_daylight_saving_hour_is_the_one_difference_and_why():
    """An answer at 4:30 am on the other side of a DST change from today: srs counts the
    calendar study day, Anki a fixed 24-hour period back from its next rollover. Each
    side equals the FSRS engine fed its own day count, so nothing else differs."""
    rule = DayRule(NEW_YORK, 4)
    now_is_summer = bool(datetime.now(NEW_YORK).dst())
    day = datetime(2026, 1, 14) if now_is_summer else datetime(2026, 7, 14)  # the other season
    hour = 3.5 if now_is_summer else 4.5  # inside the hour between the two rollovers
    evening = datetime.combine((day - timedelta(days=1)).date(), datetime.min.time(), NEW_YORK) + timedelta(hours=20)
    early = datetime.combine(day.date(), datetime.min.time(), NEW_YORK) + timedelta(hours=hour)
    history: History = [
        (int((evening.astimezone(UTC) - EPOCH) / timedelta(milliseconds=1)), 3),
        (int((early.astimezone(UTC) - EPOCH) / timedelta(milliseconds=1)), 3),
    ]
    next_day_at, [(stability, difficulty)] = anki_states([history], "America/New_York", 4)

    ours, theirs = study_day_deltas(history, rule), anki_day_deltas(history, next_day_at)
    assert ours != theirs and sorted([ours[1], theirs[1]]) == [0, 1]
    card = srs_state(history, rule)
    assert (card.stability, card.difficulty) == pytest.approx(fsrs_rs_state(history, ours), rel=TOLERANCE)
    assert (stability, difficulty) == pytest.approx(fsrs_rs_state(history, theirs), rel=TOLERANCE)
    assert not close(card.stability, stability)
