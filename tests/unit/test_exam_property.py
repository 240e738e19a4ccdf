"""Issue 16, the exam date as a property: whatever the history, a student who does each
day's queue sees every studied card at least once in the exam's final days, and no day's
reviews go over the cap.

Each example imports a generated history, then lives the days up to the exam: each day at
noon it answers every card the review session offers (Good), as `srs review` would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qbank_year import qbank_year
from test_priority import fresh_db

from srs.derived import open_database
from srs.ingest.importer import import_attempts
from srs.ingest.misslog import Attempt
from srs.plan.queue import EXAM_WINDOW, Planner
from srs.review import ReviewSession
from srs.schedule.scheduler import Rating
from srs.settings import load
from srs.timing import UTC

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
TOPICS = ("Type I hypersensitivity", "Nephritic syndrome", "Beta blockers", "Gout")


@st.composite
def histories(draw):
    """Qbank attempts as students make them: a first miss, then 0-3 correct redos at growing
    gaps, some more misses; (question, days before today, result) per attempt."""
    rows = []
    for question in range(draw(st.integers(1, 25))):
        ago = draw(st.integers(2, 200))
        rows.append((question, ago, draw(st.sampled_from(["incorrect", "incorrect", "omitted"]))))
        for _ in range(draw(st.integers(0, 3))):
            ago -= draw(st.integers(1, max(1, ago // 2)))
            if ago < 1:
                break
            rows.append((question, ago, draw(st.sampled_from(["correct", "correct", "correct", "incorrect"]))))
    return rows


def import_history(path, rows):
    store = open_database(path)
    with store.write():
        store.set_config("timezone", "UTC")
    attempts = [
        Attempt(
            line,
            "uworld",
            f"{question + 1000}",
            NOW - timedelta(days=ago, hours=question % 5),
            result,
            {"topic": TOPICS[question % 4], "subject": "Pathology", "system": "Renal/Urinary"},
        )
        for line, (question, ago, result) in enumerate(rows, start=2)
    ]
    import_attempts(store, attempts, load(store).scheduler(), file_label="log.csv", now=NOW)
    return store


def live_until(store, plan_settings, exam):
    """Do each day's queue until the exam; (day, question, was studied before) per answer."""
    rule = plan_settings.day_rule()
    answers = []
    day = rule.day_of(NOW)
    while day < exam:
        now = rule.local_noon(day)
        session = ReviewSession(store, plan_settings, now=now)
        for _ in range(2000):
            row = session.next_card(now)
            if row is None:
                break
            answers.append((day, row.question_id, row.state.reps > 0))
            session.answer(row, Rating.Good, now)
            now += timedelta(minutes=1)
        day += timedelta(days=1)
    return answers


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=histories(), days_ahead=st.integers(1, 14))
def test_with_room_enough_every_studied_card_is_seen_in_the_exams_last_days(tmp_path, rows, days_ahead):
    store = import_history(fresh_db(tmp_path, "exam"), rows)
    with store:
        base = load(store)
        exam = base.day_rule().day_of(NOW) + timedelta(days=days_ahead)
        plan_settings = replace(base, exam_date=exam.isoformat(), max_reviews_per_day=10_000)
        answers = live_until(store, plan_settings, exam)
        window = exam - timedelta(days=EXAM_WINDOW)
        seen = {question for day, question, _ in answers if day >= window}
        studied = {question for question, card in store.cards().items() if card.reps > 0}
        # a card last met (imported) inside the window, before today, was seen there too
        for question in studied - seen:
            days = [base.day_rule().day_of(event.at) for event in store.events(question)]
            assert max(days) >= window, (question, days, exam)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """A generated Qbank year (tests/support/qbank_year.py): many cards whose intervals end
    after any exam date drawn below. Built once; the examples only read it."""
    path = tmp_path_factory.mktemp("exam") / "year.db"
    store = open_database(path)
    with store.write():
        store.set_config("timezone", "UTC")
    import_attempts(store, qbank_year(NOW - timedelta(days=365)), load(store).scheduler(), file_label="y.csv", now=NOW)
    store.close()
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days_ahead=st.integers(1, 14), cap=st.integers(1, 250), later=st.integers(0, 13), tier=st.booleans())
def test_the_exam_never_takes_a_day_over_the_cap(year, days_ahead, cap, later, tier):
    """Whatever the exam date, the cap and the day (the student may have skipped days),
    today's queue and each planned day hold at most `cap` reviews, exam cards included."""
    store = open_database(year)
    with store:
        base = load(store)
        exam = base.day_rule().day_of(NOW) + timedelta(days=days_ahead + later)
        now = NOW + timedelta(days=later)
        chosen = replace(base, exam_date=exam.isoformat(), max_reviews_per_day=cap)
        if tier:  # a high-yield tier: some cards come due sooner, and are not pulled forward
            chosen = replace(chosen, high_yield_retention=0.95)
        planner = Planner(store, chosen, now)
        queue = planner.queue()
        plan = planner.plan(days_ahead)
        pulled = planner.exam_cards()
        counted = planner.exam_card_count()
    assert counted == len(pulled)  # the plan's count without reading the cards
    studied = [row for row in queue.cards if row.state.reps > 0]
    assert len(studied) <= cap and queue.exam <= cap
    assert all(day.due <= cap for day in plan), [(d.day, d.due) for d in plan]
    if pulled and cap >= len(pulled):  # room enough: the first day of the window takes its share
        window = exam - timedelta(days=EXAM_WINDOW)
        if planner.today >= window:
            assert queue.exam == -(-len(pulled) // (exam - planner.today).days)
