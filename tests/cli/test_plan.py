"""`srs plan` and `srs today`: weeks to exam day, checkpoints, rest days, focus topics, .ics."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.derived import open_database
from srs.plan.ics import events, write_ics
from srs.plan.studyplan import (
    CHECKPOINT_GAP,
    PlanError,
    Template,
    checkpoints,
    focus_minutes,
    make_plan,
    retests_on,
)
from srs.settings import load
from srs.timing import WEEKDAYS, utc_now, weekday_name

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)  # a Tuesday, after the sample's misses
TODAY = NOW.date()


@pytest.fixture
def student(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    return db_path


def study_today(db) -> date:  # type: ignore[no-untyped-def]
    """The study day the CLI is on now (its rollover hour, not midnight, starts a day)."""
    with open_database(db) as store:
        return load(store).day_rule().day_of(utc_now())


def plan_of(db, **kwargs):  # type: ignore[no-untyped-def]
    with open_database(db) as store:
        return make_plan(store, load(store), NOW, **kwargs)


@pytest.mark.parametrize("weeks", [6, 8, 12])
def test_a_plan_of_each_length(student, weeks):
    plan = plan_of(student, weeks=weeks)
    exam = TODAY + timedelta(weeks=weeks)
    assert plan.exam == exam and plan.days[0].day == TODAY and plan.days[-1].day == exam
    assert [d.day for d in plan.days] == [TODAY + timedelta(days=i) for i in range((exam - TODAY).days + 1)]
    assert plan.days[-1].kind == "exam" and plan.days[-1].reviews == 0
    # the guides' week: blocks on study days only, Saturday practice, Sunday rest
    for d in plan.days[:-1]:
        name = weekday_name(d.day)
        assert d.kind == {"saturday": "practice", "sunday": "rest"}.get(name, "study"), d
        assert d.blocks == (2 if d.kind == "study" else 0)
    days = [c.day for c in plan.checkpoints]
    whys = [c.why for c in plan.checkpoints]
    assert whys[0] == "start" and whys[-1] == "final" and "midpoint" in whys
    assert all(weekday_name(d) == "saturday" and TODAY <= d < exam for d in days)
    assert 7 <= (exam - days[-1]).days <= 14
    assert all((b - a).days <= CHECKPOINT_GAP for a, b in zip(days, days[1:], strict=False))
    assert "sit the exam" in plan.checkpoints[-1].rule and "65%" in plan.checkpoints[-1].rule
    # every new card is seen before the exam
    with open_database(student) as store:
        unseen = store.new_card_count()
    assert sum(d.new for d in plan.days) == unseen and plan.unseen_after == 0


def test_the_planned_reviews_are_the_fsrs_forecast_within_the_limits(student):
    """Nothing is dropped: what a day cannot take waits for the next (a cap of 3 forces it)."""
    with open_database(student) as store:
        settings_ = replace(load(store), max_reviews_per_day=3)
        from srs.plan.studyplan import card_forecast

        forecast = card_forecast(store, settings_, NOW, 42)
    assert sum(forecast.reviews) + forecast.waiting == sum(forecast.demand)
    assert max(forecast.reviews) <= 3 and sum(forecast.demand) > 3


def test_no_reviews_on_the_rest_day_unless_allowed(student):
    plan = plan_of(student, weeks=8, template=Template(rest_review_minutes=0))
    rest = [d for d in plan.days if d.kind == "rest"]
    assert rest and all(d.reviews == 0 for d in rest)
    allowed = plan_of(student, weeks=8, template=Template(rest_review_minutes=600))
    assert sum(d.reviews for d in allowed.days) >= sum(d.reviews for d in plan.days)


def test_a_recent_score_is_the_start_and_scores_appear_in_their_week(srs, student):
    day = (TODAY - timedelta(days=3)).isoformat()
    assert srs("score", "add", "--date", day, "--kind", "nbme", "--form", "NBME 30", "--percent", "58").exit_code == 0
    plan = plan_of(student, weeks=8)
    assert "start" not in [c.why for c in plan.checkpoints]
    first_week = [c for c in plan.checkpoints if c.day - timedelta(days=c.day.weekday()) == TODAY - timedelta(days=1)]
    assert all("58%" in c.score for c in first_week)


def test_focus_topics_follow_the_misses_with_time_and_retests(student):
    plan = plan_of(student, weeks=6)
    assert plan.focus and plan.focus[0].topic == "Type I hypersensitivity"
    top = plan.focus[0]
    assert top.misses == 7 and top.minutes == focus_minutes(7) == 75
    assert ("uworld", "59303") in top.questions
    assert "59303" in top.paste_lists()["UWorld"]


@pytest.mark.parametrize(("misses", "minutes"), [(1, 15), (2, 15), (3, 30), (6, 60), (7, 75), (12, 120), (40, 120)])
def test_time_per_topic_is_ten_minutes_a_miss_in_quarter_hours(misses, minutes):
    assert focus_minutes(misses) == minutes


def test_retests_come_two_and_seven_days_after_a_miss(srs, write_log, db_path):
    rows = ["qid,date,topic,result", "1,2026-11-22,Gout,incorrect", "2,2026-11-17,Gout,incorrect", "3,2026-11-20,Gout,incorrect"]
    assert srs("import", str(write_log("m.csv", "\n".join(rows) + "\n")), "--source", "uworld").exit_code == 0
    with open_database(db_path) as store:
        due = retests_on(store, load(store), TODAY)
    assert [(r.qid, r.missed) for r in due] == [("1", date(2026, 11, 22)), ("2", date(2026, 11, 17))]


@settings(max_examples=150, deadline=None)
@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(1, 120),
    st.sampled_from(WEEKDAYS),
    st.sampled_from([*WEEKDAYS, None]),
    st.lists(st.integers(0, 30), max_size=3),
)
def test_checkpoints_fall_on_the_practice_day_inside_the_block(today, length, practice, rest, ago):
    if rest == practice:
        rest = None
    exam = today + timedelta(days=length)
    template = Template.checked(practice_exam_day=practice, rest_day=rest)
    found = checkpoints(today, exam, template, [today - timedelta(days=a) for a in ago])
    days = [c.day for c in found]
    assert days == sorted(set(days))
    assert all(weekday_name(d) == practice and today <= d < exam for d in days)
    if length >= 7:
        assert found and found[-1].why == "final" and found[-1].rule
    if length >= 14:
        assert 7 <= (exam - days[-1]).days <= 14
    recent = [a for a in ago if a <= 7]
    points = sorted([*([today - timedelta(days=min(recent))] if recent else []), *days])
    assert all((b - a).days <= CHECKPOINT_GAP for a, b in zip(points, points[1:], strict=False))


def test_the_calendar_parses_and_keeps_its_uids(student, tmp_path):
    plan = plan_of(student, weeks=8)
    out = tmp_path / "plan.ics"
    written = write_ics(plan, out, NOW)
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    found = [e for e in calendar.walk("VEVENT")]
    assert len(found) == written == len(events(plan))
    uids = {str(e["UID"]) for e in found}
    assert len(uids) == written  # one UID per event
    summaries = {str(e["SUMMARY"]) for e in found}
    assert {"USMLE Step 1", "Rest day", "NBME self-assessment", "Qbank block 1 of 2"} <= summaries
    exam_event = next(e for e in found if str(e["SUMMARY"]) == "USMLE Step 1")
    assert exam_event.decoded("DTSTART") == plan.exam
    again = tmp_path / "again.ics"
    write_ics(plan_of(student, weeks=8), again, NOW + timedelta(hours=3))
    assert {str(e["UID"]) for e in icalendar.Calendar.from_ical(again.read_bytes()).walk("VEVENT")} == uids
    # a week more: the days both plans share keep their UIDs
    longer = tmp_path / "longer.ics"
    write_ics(plan_of(student, weeks=9), longer, NOW)
    later = {str(e["UID"]) for e in icalendar.Calendar.from_ical(longer.read_bytes()).walk("VEVENT")}
    shared_blocks = {u for u in uids if "-block-" in u}
    assert shared_blocks <= later


def test_plan_command_shows_this_week_and_later_weeks(srs, student):
    result = srs("plan", "--weeks", "8")
    assert result.exit_code == 0, result.output
    assert "Plan to the exam on" in result.output and "This week" in result.output
    assert "Later weeks" in result.output and "Focus topics this week" in result.output
    assert "Type I hypersensitivity — 7 misses — about 1 h 15 min" in result.output
    assert "final" in result.output and "sit the exam" in result.output
    data = json.loads(srs("plan", "--weeks", "8", "--json").output)
    assert data["exam"] and len(data["checkpoints"]) >= 3 and data["focus"][0]["paste"]["UWorld"]
    pasted = srs("plan", "--weeks", "8", "--retest").output
    assert pasted.startswith("# Type I hypersensitivity\n") and "UWorld: " in pasted


def test_plan_writes_an_ics_file(srs, student, tmp_path):
    out = tmp_path / "plan.ics"
    result = srs("plan", "--weeks", "6", "--ics", str(out))
    assert result.exit_code == 0 and f"events to {out}" in result.output
    assert icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")


def test_today_is_one_screen(srs, student):
    assert srs("config", "set", "exam-date", (study_today(student) + timedelta(days=50)).isoformat()).exit_code == 0
    result = srs("today")
    assert result.exit_code == 0, result.output
    assert "Today, " in result.output and "Cards: " in result.output and "Exam in 50 days" in result.output
    assert "Focus: Type I hypersensitivity" in result.output
    data = json.loads(srs("today", "--json").output)
    assert data["days_to_exam"] == 50 and data["focus"]["topic"] == "Type I hypersensitivity"


def test_no_exam_date_and_no_weeks_is_one_clear_line(srs, student):
    result = srs("plan")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: no exam date: set one (srs config set exam-date YYYY-MM-DD), or give --exam-date or --weeks"
    ]


def test_a_short_plan_is_a_final_review(srs, student):
    day = (study_today(student) + timedelta(days=4)).isoformat()
    result = srs("plan", "--exam-date", day)
    assert result.exit_code == 0 and "only a final review" in result.output


def test_a_template_with_no_rest_day_warns(srs, student, tmp_path):
    path = tmp_path / "week.json"
    path.write_text('{"rest_day": null, "blocks_per_day": 3}', encoding="utf-8")
    result = srs("plan", "--weeks", "6", "--template", str(path))
    assert result.exit_code == 0 and "no rest day" in result.output and "3 timed blocks" in result.output


def test_the_template_beside_the_database_is_used(srs, student):
    (student.parent / "plan-template.json").write_text('{"practice_exam_day": "friday"}', encoding="utf-8")
    assert "Friday practice exam" in srs("plan", "--weeks", "6").output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "week.json:1: column 2: not a JSON plan template"),
        ('{"rest_day": "someday"}', "week.json: rest_day must be a weekday such as sunday, not 'someday'"),
        ('{"blocks": 2}', "week.json: unknown template keys blocks"),
        ('{"blocks_per_day": 99}', "week.json: blocks_per_day must be a whole number from 0 to 8, not 99"),
        ('["sunday"]', "week.json: a plan template is a JSON object"),
    ],
)
def test_a_bad_template_is_one_line_naming_the_file(srs, student, tmp_path, content, message):
    path = tmp_path / "week.json"
    path.write_text(content, encoding="utf-8")
    result = srs("plan", "--weeks", "6", "--template", str(path))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines


def test_an_exam_date_before_tomorrow_is_refused(student):
    with open_database(student) as store, pytest.raises(PlanError, match="is not after today"):
        make_plan(store, load(store), NOW, exam=TODAY)


def test_the_report_draws_the_plan_with_its_rest_days(srs, student):
    """With an exam date ahead, the report's forecast is the plan's, day for day."""
    exam = study_today(student) + timedelta(days=30)
    assert srs("config", "set", "exam-date", exam.isoformat()).exit_code == 0
    forecast = json.loads(srs("stats", "--json").output)["forecast"]
    assert forecast["source"] == "plan"
    plan = json.loads(srs("plan", "--json").output)
    days = [d for d in plan["weeks"][0]["days"]] + [d for w in plan["weeks"][1:] for d in w["days"]]
    expected = [{"day": d["day"], "reviews": d["reviews"], "new": d["new"], "rest": d["kind"] == "rest"} for d in days if d["kind"] != "exam"]
    assert forecast["days"] == expected and any(d["rest"] for d in expected)


GOLDEN_CHECKPOINTS = {  # from Tue 24 Nov 2026, the guides' week, no score recorded (checked by hand)
    6: [("2026-11-28", "start"), ("2026-12-12", "midpoint"), ("2026-12-26", "final")],
    8: [("2026-11-28", "start"), ("2026-12-19", "midpoint"), ("2027-01-09", "final")],
    12: [("2026-11-28", "start"), ("2026-12-19", "between"), ("2027-01-02", "midpoint"),
         ("2027-01-23", "between"), ("2027-02-06", "final")],
}  # fmt: skip


@pytest.mark.parametrize("weeks", sorted(GOLDEN_CHECKPOINTS))
def test_golden_checkpoints_and_weeks(student, weeks):
    plan = plan_of(student, weeks=weeks)
    assert [(c.day.isoformat(), c.why) for c in plan.checkpoints] == GOLDEN_CHECKPOINTS[weeks]
    assert [w.start.isoformat() for w in plan.weeks][:2] == ["2026-11-23", "2026-11-30"]
    assert len(plan.weeks) == weeks + 1  # the exam week is a week of its own
    assert [w.blocks for w in plan.weeks[1:-1]] == [10] * (weeks - 1)  # 5 study days x 2 blocks


def test_cards_due_after_the_exam_come_in_its_final_days(srs, write_log, db_path):
    """Five well-learned cards due next autumn: the plan brings each back once in the exam's
    last 10 days (srs.plan.queue's pull-forward), and none before."""
    rows = ["qid,date,topic,result"]
    for q in range(1, 6):
        rows += [f"{q},2026-06-0{q},Gout,incorrect", f"{q},2026-06-1{q},Gout,correct",
                 f"{q},2026-07-1{q},Gout,correct", f"{q},2026-09-1{q},Gout,correct", f"{q},2026-11-1{q},Gout,correct"]
    assert srs("import", str(write_log("m.csv", "\n".join(rows) + "\n"))).exit_code == 0
    plan = plan_of(db_path, weeks=4)
    window = [d for d in plan.days if 0 < (plan.exam - d.day).days <= 10]
    before = [d for d in plan.days if (plan.exam - d.day).days > 10]
    assert sum(d.exam_pulled for d in window) == 5 and all(d.exam_pulled == 0 for d in before)
    assert all(d.reviews >= d.exam_pulled for d in plan.days)


def test_the_plan_keeps_the_students_own_light_days(srs, student):
    """A student who made Sunday a rest day (light-day-minutes 0) and Wednesday light saw the
    plan give Sunday the template's 60 minutes of reviews, and drop Wednesday (the plan's rest
    day replaced the student's light day), while `srs review` gave Sunday none."""
    assert srs("config", "set", "light-day", "wednesday").exit_code == 0
    assert srs("config", "set", "light-days", "sunday").exit_code == 0
    assert srs("config", "set", "light-day-minutes", "0").exit_code == 0
    result = srs("plan", "--weeks", "6")
    assert result.exit_code == 0, result.output
    assert "rest day: Sunday (no review)" in result.output
    data = json.loads(srs("plan", "--weeks", "6", "--json").output)
    days = [d for w in data["weeks"] for d in w["days"]]
    by_weekday = {}
    for d in days:
        by_weekday.setdefault(date.fromisoformat(d["day"]).strftime("%A"), []).append(d)
    assert by_weekday["Sunday"] and all(d["reviews"] == 0 and d["new"] == 0 for d in by_weekday["Sunday"])
    assert all(d["reviews"] == 0 for d in by_weekday["Wednesday"])  # the student's light day too
    # srs today on the template's rest day agrees with srs review: nothing to review
    with open_database(student) as store:
        settings = load(store)
        plan = make_plan(store, settings, NOW, weeks=6)
    assert plan.template.rest_review_minutes == 0
    ics_text = "".join(e[3] for e in events(plan) if "rest@" in e[0])
    assert "Protect it: no review." in ics_text


def test_the_plans_new_cards_today_leave_out_those_begun_today(srs, student):
    """After new cards were begun today, `srs due` counted what was left of today's new cards
    while `srs plan` still gave today the whole day's intake."""
    exam = study_today(student) + timedelta(days=56)
    assert srs("config", "set", "exam-date", exam.isoformat()).exit_code == 0
    before = json.loads(srs("plan", "--json").output)["weeks"][0]["days"][0]
    assert before["new"] == 20
    assert srs("review", "--limit", "12", input="3\n" * 12).exit_code == 0
    with open_database(student) as store:
        rule = load(store).day_rule()
        begun = store.first_answers_between(rule.day_start(utc_now()), utc_now())
    assert begun > 0
    after = json.loads(srs("plan", "--json").output)["weeks"][0]["days"][0]
    due_today = json.loads(srs("due", "--json").output)["days"][0]
    assert after["new"] == due_today["new"] == 20 - begun
    total_before = sum(d["new"] for w in json.loads(srs("plan", "--json").output)["weeks"] for d in w["days"])
    with open_database(student) as store:
        unseen = store.new_card_count()
    assert total_before == unseen  # every card not yet begun is still planned, once


def test_light_and_rest_days_take_no_new_cards_and_every_card_still_begins(srs, student):
    """A 60-minute rest day read '24 new, 180 reviews ≈ 68 min' under 'at most 60 min of light
    review': new cards are not review, so light and rest days now take none, and the exam's
    pace spreads them over the other days."""
    today = study_today(student)
    name = weekday_name(today)
    assert srs("config", "set", "light-days", f"{name},wednesday").exit_code == 0
    due = json.loads(srs("due", "--json").output)["days"]
    assert due[0]["new"] == 0  # today is light: light review only
    assert srs("review", "--limit", "40", input="3\n" * 40).exit_code == 0
    with open_database(student) as store:
        assert store.first_answers_between(load(store).day_rule().day_start(utc_now()), utc_now()) == 0
        unseen = store.new_card_count()
    assert srs("config", "set", "exam-date", (today + timedelta(days=30)).isoformat()).exit_code == 0
    data = json.loads(srs("plan", "--json").output)
    days = [d for w in data["weeks"] for d in w["days"] if d["kind"] != "exam"]
    light = {name, "wednesday", "sunday"}  # the student's, and the plan's rest day
    for d in days:
        if weekday_name(date.fromisoformat(d["day"])) in light:
            assert d["new"] == 0, d
    assert sum(d["new"] for d in days) == unseen  # all begun before the exam


def test_a_card_an_imported_history_scheduled_is_not_a_new_card_begun(srs, write_log, db_path):
    """Reviewing a card whose Qbank history (a miss, then right weeks later) had scheduled it
    counted as beginning a new card, and cut today's new cards by one each."""
    rows = ["QID,Date,Topic,Result"]
    for q in range(5):  # scheduled by their history: due by now
        rows += [f"70{q},2026-10-0{q + 1},Gout,incorrect", f"70{q},2026-10-2{q},Gout,correct"]
    rows += ["801,2026-11-20,Lupus,incorrect", "802,2026-11-21,ITP,incorrect"]  # two new cards
    assert srs("import", str(write_log("m.csv", "\n".join(rows) + "\n"))).exit_code == 0
    today = json.loads(srs("due", "--json").output)["days"][0]
    assert today["due"] == 5 and today["new"] == 2
    assert srs("review", "--limit", "60", input="3\n" * 60).exit_code == 0
    with open_database(db_path) as store:
        rule = load(store).day_rule()
        assert store.first_answers_between(rule.day_start(utc_now()), utc_now()) == 2
