"""Issue 16: an imported Qbank history schedules like a lived one.

Qbank attempts are days apart: (re)learning steps that would have ended in a gap of a
study day or more are over (docs/scheduling.md), interday learning cards count against
the daily maximum, and attempts are told apart by study day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from qbank_year import qbank_year

from srs.derived import open_database
from srs.ingest.importer import attempt_key, import_attempts
from srs.ingest.misslog import Attempt
from srs.model import Event
from srs.plan.queue import Planner
from srs.schedule.replay import rating_of, replay
from srs.schedule.scheduler import CardState, Rating, Scheduler, State
from srs.settings import load
from srs.timing import UTC, DayRule

RULE = DayRule(UTC, 4)
SCHEDULER = Scheduler(RULE, fuzz=False)
AUG = datetime(2026, 8, 1, 15, tzinfo=UTC)


def qbank(index: int, at: datetime, result: str) -> Event:
    return Event(index, 1, at, "qbank", result, None, None)


def test_a_miss_then_right_days_later_graduates():
    """The issue's case: missed on 1 Aug, right on 4 Aug: a review card, not a 10-minute step."""
    result = replay([qbank(1, AUG, "incorrect"), qbank(2, AUG + timedelta(days=3), "correct")], SCHEDULER, "s")
    assert result is not None
    assert result.card.state == State.Review and result.card.step is None
    assert result.card.due >= RULE.start_of(RULE.day_of(AUG + timedelta(days=4)))


def test_same_day_steps_are_kept():
    """Within one study day the steps are Anki's: Good after a miss goes to the 10-minute step."""
    result = replay([qbank(1, AUG, "incorrect"), qbank(2, AUG + timedelta(hours=2), "correct")], SCHEDULER, "s")
    assert result is not None and result.card.state == State.Learning and result.card.step == 1


def test_a_lapse_then_right_the_next_day_graduates_and_again_restarts():
    review = CardState(AUG, State.Relearning, 0, 5.0, 5.0, AUG, 3, 1)
    later = AUG + timedelta(days=2)
    assert SCHEDULER.answer(review, Rating.Good, later, "s").state == State.Review
    assert SCHEDULER.answer(review, Rating.Hard, later, "s").state == State.Review
    again = SCHEDULER.answer(review, Rating.Again, later, "s")
    assert again.state == State.Relearning and again.step == 0
    outcomes = SCHEDULER.next_states(review, later, "s")
    assert outcomes[Rating.Good].card == SCHEDULER.answer(review, Rating.Good, later, "s")


attempts = st.lists(
    st.tuples(st.floats(min_value=0, max_value=20 * 24, allow_nan=False), st.booleans()), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(attempts, st.integers(0, 23))
def test_no_card_is_left_in_a_step_that_fell_due_a_study_day_before_its_last_event(history, rollover):
    """After any imported history: a card in a (re)learning step is due within a study day of
    its last event, and whenever an event came a study day or more after a step fell due,
    that event ended the steps (unless it was a miss, which starts them again)."""
    rule = DayRule(ZoneInfo("America/New_York"), rollover)
    scheduler = Scheduler(rule, fuzz=False)
    events = sorted(
        (qbank(i, AUG + timedelta(hours=h), "correct" if right else "incorrect") for i, (h, right) in enumerate(history)),
        key=lambda e: (e.at, e.id),
    )
    card = None
    for event in events:
        if card is None:
            card = CardState.new(event.at) if event.is_miss else None
            continue
        before = card
        card = scheduler.answer(card, rating_of(event), event.at, "seed")
        stale_step = before.state in (State.Learning, State.Relearning) and rule.elapsed_days(before.due, event.at) >= 1
        if stale_step and event.is_miss is False:
            assert card.state == State.Review
        if card.state in (State.Learning, State.Relearning):
            assert rule.elapsed_days(event.at, card.due) <= 1
    result = replay(events, scheduler, "seed")
    if result is not None and result.card.state != State.Review:
        last = events[-1]
        previous = [e for e in events if e.at < last.at or e.id < last.id]
        same_day = bool(previous) and rule.elapsed_days(previous[-1].at, last.at) == 0
        assert last.is_miss or same_day or result.card.reps == 0


def year_database(tmp_path, now):
    store = open_database(tmp_path / "year.db")
    with store.write():
        store.set_config("timezone", "UTC")
    summary = import_attempts(
        store, qbank_year(datetime(2025, 12, 1, tzinfo=UTC)), load(store).scheduler(), file_label="year.csv", now=now
    )
    assert summary.rows == 3000
    return store


def test_an_imported_year_gives_a_capped_spread_plan(tmp_path):
    """A 3,000-attempt year into an empty database: no day over the cap, the backlog spread
    over the next days, the highest-priority cards first (main said 568 due today)."""
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    with year_database(tmp_path, now) as store:
        settings_ = load(store)
        planner = Planner(store, settings_, now)
        plan = planner.plan(10)
        queue = planner.queue()
        ranked = [r for r in planner.ranked if not r.state.is_new and planner.effective_due(r) < RULE.next_day_start(now)]
        learning = Counter(c.state for c in store.cards().values() if c.reps)
    cap = settings_.max_reviews_per_day
    assert all(day.due <= cap for day in plan), [d.due for d in plan]
    assert plan[0].due == cap and plan[0].backlog > 0
    assert sum(day.due for day in plan) >= plan[0].due + plan[0].backlog  # moved, not dropped
    assert plan[-1].backlog == 0
    shown = [c for c in queue.cards if not c.state.is_new]
    assert [c.question_id for c in shown] == [c.question_id for c in ranked[: len(shown)]]
    assert learning[State.Review] > learning[State.Learning] + learning[State.Relearning]


def test_interday_learning_cards_count_against_the_cap_same_day_steps_do_not(tmp_path):
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    lines = [Attempt(i, "uworld", str(i), now - timedelta(days=30), "incorrect") for i in range(10)]
    lines += [Attempt(100 + i, "uworld", str(i), now - timedelta(days=20), "incorrect") for i in range(10)]
    lines += [Attempt(200 + i, "uworld", f"t{i}", now - timedelta(hours=30), "incorrect") for i in range(4)]
    lines += [Attempt(300 + i, "uworld", f"t{i}", now - timedelta(hours=2), "incorrect") for i in range(4)]
    store = open_database(tmp_path / "cap.db")
    with store:
        with store.write():
            store.set_config("timezone", "UTC")
        import_attempts(store, lines, load(store).scheduler(), file_label="x", now=now)
        settings_ = replace(load(store), max_reviews_per_day=6, new_per_day=0)
        queue = Planner(store, settings_, now + timedelta(minutes=30)).queue()
    # the 4 cards in a step answered today all come and take room; 2 of the 10 learning
    # cards last answered 20 days ago fit, 8 wait (main: all 14 came)
    assert queue.due_count == 4 + 2 and queue.backlog == 8


def test_attempts_are_identified_by_study_day():
    rule = DayRule(ZoneInfo("America/Chicago"), 4)

    def key(hour: int, minute: int, day: int = 10) -> str:
        at = rule.localize(datetime(2026, 11, day, hour, minute))
        return attempt_key(Attempt(1, "uworld", "7", at, "incorrect"), rule, Counter())

    assert key(3, 30) != key(4, 30)  # the same date, two study days
    assert key(23, 30) == key(0, 30, day=11)  # two dates, one study day


def test_a_fresh_install_imports_a_year_and_srs_due_shows_a_capped_spread_plan(srs, write_log):
    """The issue's user path: `srs import` of a generated 3,000-attempt year, then `srs due`
    (main: "568 due today" with a limit of 200)."""
    import json

    from srs.timing import utc_now

    rows = qbank_year(utc_now() - timedelta(days=362))
    lines = ["qid,date,topic,subject,system,result"]
    lines += [
        f"{a.qid},{a.at:%Y-%m-%d %H:%M:%S}Z,{a.fields['topic']},{a.fields['subject']},{a.fields['system']},{a.result}"
        for a in rows
    ]
    assert srs("config", "set", "timezone", "UTC").exit_code == 0
    imported = srs("import", str(write_log("year.csv", "\n".join(lines) + "\n")))
    assert imported.exit_code == 0 and imported.output.startswith("3000 rows read"), imported.output
    plan = json.loads(srs("due", "--json", "--days", "10").output)
    dues = [day["due"] for day in plan["days"]]
    assert max(dues) <= 200 and dues[0] == 200 and plan["days"][0]["backlog"] > 0, dues
    assert dues[1] == 200  # the backlog is spread over the next days, not dropped
    text = srs("due").output
    assert text.startswith("Today (") and " 200 due, " in text.splitlines()[0]
