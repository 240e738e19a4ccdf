"""Issue 16: rest and light days (several weekdays, 0 allowed: reviews move, never
dropped), the exam date refused in the past, intervals pulled forward before the exam."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from qbank_year import qbank_year

from srs.derived import open_database
from srs.ingest.importer import import_attempts
from srs.ingest.misslog import Attempt
from srs.plan.queue import EXAM_WINDOW, Planner
from srs.settings import Settings, is_light_day, load
from srs.timing import UTC, utc_now, weekday_name

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def imported(path, attempts, now=NOW):
    store = open_database(path)
    with store.write():
        store.set_config("timezone", "UTC")
    import_attempts(store, attempts, load(store).scheduler(), file_label="log.csv", now=now)
    return store


def test_several_light_days_and_the_old_setting_together(srs):
    assert srs("config", "set", "light-days", "sun,wed").exit_code == 0
    assert srs("config", "get", "light-days").output.strip() == "wednesday,sunday"
    assert srs("config", "set", "light-day", "fri").exit_code == 0
    assert srs("config", "set", "light-days", "sun,funday").exit_code == 1
    settings = Settings(light_days="wednesday,sunday", light_day="friday")
    week = [NOW.date() + timedelta(days=i) for i in range(7)]
    assert sorted(weekday_name(d) for d in week if is_light_day(settings, d)) == ["friday", "sunday", "wednesday"]


def test_a_rest_day_is_allowed_and_takes_no_reviews(srs):
    assert srs("config", "set", "light-day-minutes", "0").exit_code == 0
    assert srs("config", "set", "light-day-reviews", "0").exit_code == 0
    assert srs("config", "set", "light-day-reviews", "many").exit_code == 1


def test_rest_days_move_reviews_to_the_days_around_them_never_drop_them(tmp_path):
    store = imported(tmp_path / "y.db", qbank_year(datetime(2025, 12, 1, tzinfo=UTC)))
    with store:
        base = load(store)
        today = base.day_rule().day_of(NOW)
        rest = {weekday_name(today + timedelta(days=1)), weekday_name(today + timedelta(days=4))}
        resting = replace(base, light_days=",".join(sorted(rest)), light_day_minutes=0)
        plain, rested = Planner(store, base, NOW).plan(12), Planner(store, resting, NOW).plan(12)  # day 13 is no rest day
    assert [d.due for d in rested if weekday_name(d.day) in rest] == [0, 0, 0, 0]
    assert sum(d.due for d in rested) + rested[-1].backlog == sum(d.due for d in plain) + plain[-1].backlog
    assert all(d.due <= base.max_reviews_per_day for d in rested)


def test_the_day_before_a_rest_day_takes_its_reviews(tmp_path):
    attempts = [Attempt(i, "uworld", str(i), NOW - timedelta(days=6), "incorrect") for i in range(20)]
    attempts += [Attempt(100 + i, "uworld", str(i), NOW - timedelta(days=3), "correct") for i in range(20)]
    store = imported(tmp_path / "r.db", attempts)
    with store:
        base = replace(load(store), new_per_day=0)
        days = sorted({base.day_rule().day_of(c.due) for c in store.cards().values()})
        now = base.day_rule().start_of(days[0] - timedelta(days=1)) + timedelta(hours=8)
        rest = replace(base, light_days=weekday_name(days[0]), light_day_minutes=0)
        before = Planner(store, base, now).queue()
        queue = Planner(store, rest, now).queue()
        plan = Planner(store, rest, now).plan(2)
    due_then = sum(1 for c in store_cards(tmp_path / "r.db") if base.day_rule().day_of(c.due) == days[0])
    assert before.due_count == 0 and due_then > 0
    assert queue.ahead == due_then and queue.due_count == due_then
    assert plan[1].due == 0


def store_cards(path):
    with open_database(path) as store:
        return list(store.cards().values())


def test_an_exam_date_in_the_past_or_today_is_refused(srs):
    today = utc_now().date()
    past = srs("config", "set", "exam-date", (today - timedelta(days=30)).isoformat())
    assert past.exit_code == 1 and "is in the past: give a date from tomorrow" in past.output
    assert srs("config", "set", "exam-date", "").exit_code == 0
    later = (today + timedelta(days=40)).isoformat()
    assert srs("config", "set", "exam-date", later).output.strip() == f"exam-date = {later}"


def test_intervals_ending_after_the_exam_come_due_in_its_last_days(tmp_path):
    store = imported(tmp_path / "e.db", qbank_year(datetime(2025, 12, 1, tzinfo=UTC)))
    with store:
        base = load(store)
        today = base.day_rule().day_of(NOW)
        exam = today + timedelta(days=6)
        planner = Planner(store, replace(base, exam_date=exam.isoformat()), NOW)
        pulled = planner.exam_cards()
        plan = planner.plan(8)
        queue = planner.queue()
        plain = Planner(store, base, NOW).plan(8)
    assert pulled and all(planner.effective_due(c) >= base.day_rule().start_of(exam) for c in pulled)
    assert pulled == sorted(pulled, key=lambda r: -r.score)  # most important first
    assert queue.exam == -(-len(pulled) // 6) and 6 <= EXAM_WINDOW
    # every pulled card is planned before exam day, on top of what FSRS had due anyway
    extra = sum(d.due for d in plan if d.day < exam) - sum(d.due for d in plain if d.day < exam)
    assert extra + (plan[6].backlog - plain[6].backlog) == len(pulled)
    assert all(d.due <= base.max_reviews_per_day for d in plan)


def test_srs_due_names_the_cards_pulled_forward(srs, db_path):
    now = utc_now()
    store = imported(db_path, qbank_year(now - timedelta(days=365)), now=now)
    with store, store.write():
        store.set_config("exam-date", (base_day(store, now) + timedelta(days=5)).isoformat())
    result = srs("due")
    assert result.exit_code == 0, result.output
    assert "Pulled forward for the exam from today" in result.output and "uworld " in result.output


def base_day(store, now):
    return load(store).day_rule().day_of(now)


def test_config_list_shows_an_unset_light_day_review_limit_as_empty(srs):
    lines = srs("config", "list").output.splitlines()
    assert "light-day-reviews = " in lines and "light-days = " in lines
