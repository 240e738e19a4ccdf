"""The progress report: the data behind each chart against a count of the log, the
terminal view, and the commands."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_helpers import HOSTILE, assessments, generated_student

from srs import settings as settings_mod
from srs.plan.queue import Planner
from srs.report import text
from srs.report.charts import specs
from srs.report.data import (
    TIMELINE_WEEKS,
    AreaBar,
    ForecastDay,
    Report,
    ScorePoint,
    calibration,
    gather,
    trend,
    week_of,
)
from srs.report.html import page
from srs.schedule.workload import expected_workload
from srs.store import open_store

NOW = datetime(2026, 11, 24, 18, tzinfo=UTC)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("student") / "student.db"
    generated_student(db, NOW)
    return db


@pytest.fixture(scope="module")
def report(student) -> Report:
    with open_store(student) as store:
        return gather(store, settings_mod.load(store), NOW)


def log_counts(db: Path, now: datetime):
    """The report's numbers counted straight from the event log, one question at a time."""
    with open_store(db) as store:
        settings = settings_mod.load(store)
        rule = settings.day_rule()
        planner = Planner(store, settings, now)
        high = {r.question_id for r in planner.ranked if planner.high_yield(r)}
        subjects = {q.id: q.subject or "(none)" for q in store.questions()}
        today = rule.day_of(now)
        per_day: Counter[date] = Counter()
        again: Counter[date] = Counter()
        first: Counter[date] = Counter()
        judged: Counter[tuple[str, int, bool]] = Counter()
        weekly: Counter[tuple[date, str]] = Counter()
        for question_id, _source, _qid, events in store.histories():
            created = next((i for i, e in enumerate(events) if e.is_miss), None)
            for j, event in enumerate(events):
                day = rule.day_of(event.at)
                if event.is_miss or (event.kind == "review" and event.rating == 1):
                    weekly[(week_of(day), subjects[question_id])] += 1
                if event.kind != "review":
                    continue
                per_day[day] += 1
                again[day] += event.rating == 1
                assert created is not None and j > created
                if j - 1 == created:
                    first[day] += 1
                elif rule.day_of(events[j - 1].at) != day:
                    for days in (30, 90):
                        if (today - day).days < days:
                            tier = "high-yield" if question_id in high else "other"
                            judged[(tier, days, event.rating > 1)] += 1
    return today, per_day, again, first, judged, weekly


def test_reviews_per_day_and_retention_match_a_count_of_the_log(student, report):
    today, per_day, again, first, judged, _weekly = log_counts(student, NOW)
    assert report.reviews[-1].day == today and len(report.reviews) == 90
    assert sum(d.reviews for d in report.reviews) > 100  # the generated student has studied
    for d in report.reviews:
        assert (d.reviews, d.again, d.first) == (per_day[d.day], again[d.day], first[d.day]), d.day
    assert {(r.tier, r.days) for r in report.retention} == {(t, n) for t in ("high-yield", "other") for n in (30, 90)}
    for r in report.retention:
        assert r.judged == judged[(r.tier, r.days, True)] + judged[(r.tier, r.days, False)], r
        assert r.recalled == judged[(r.tier, r.days, True)], r
    assert any(r.judged for r in report.retention if r.tier == "high-yield")
    desired = {r.tier: r.desired for r in report.retention}
    assert desired == {"high-yield": 0.95, "other": 0.90}


def test_miss_timeline_matches_a_count_of_the_log(student, report):
    today, *_, weekly = log_counts(student, NOW)
    weeks = sorted({w.week for w in report.timeline})
    assert len(weeks) == TIMELINE_WEEKS and weeks[-1] == week_of(today) - timedelta(weeks=1)
    named = {w.subject for w in report.timeline} - {"Other subjects"}
    for w in report.timeline:
        if w.subject in named:
            assert w.misses == weekly[(w.week, w.subject)], w
    for week in weeks:
        shown = sum(w.misses for w in report.timeline if w.week == week)
        assert shown == sum(n for (wk, _s), n in weekly.items() if wk == week)
    assert sum(w.misses for w in report.timeline) > 0


def test_weak_areas_forecast_and_fit(student, report):
    topics = report.areas["topic"]
    assert topics and topics[0].misses >= topics[-1].misses
    assert any(a.name == HOSTILE for a in topics)
    systems = {a.name: a for a in report.areas["system"]}
    assert systems["Cardiovascular"].outline == "7-11%"
    assert systems["Respiratory"].outline.startswith("11-15% with Renal/Urinary")
    assert any(a.reasons for a in report.areas["subject"])
    # no sampling on a small collection: the forecast is srs.schedule.workload's, day for day
    assert report.exam_date == report.today + timedelta(days=40)
    with open_store(student) as store:
        settings = settings_mod.load(store)
        expected = expected_workload(store, settings, NOW, days=40).per_day
    assert report.forecast is not None and report.forecast.sampled == 1
    assert [d.reviews for d in report.forecast.days] == list(expected)
    assert report.fit is not None and report.fit.judged > 50
    assert sum(b.count for b in report.fit.bins) == 2 * report.fit.judged
    assert report.fit.default.log_loss > 0 and report.fit.fitted.rmse_bins >= 0


def test_sections_without_data_say_so(db_path):
    with open_store(db_path) as store:
        empty = gather(store, settings_mod.load(store), NOW)
    assert empty.reviews and not any(d.reviews for d in empty.reviews)
    charts = specs(empty)
    assert {name for name, spec in charts.items() if spec is not None} == set()  # nothing drawn from nothing
    html = page(empty, {name: None for name in charts})
    for note in ("No self-assessments recorded yet.", "No misses yet", "No reviews in the last 90 days",
                 "No fitted FSRS parameters yet", "Nothing to review ahead yet"):  # fmt: skip
        assert note in html, note
    assert html.count('data-empty="1"') == len(charts)


def test_scores_bands_and_a_plan_are_taken_as_plain_data(student):
    with open_store(student) as store:
        settings = settings_mod.load(store)
        scores, bands = assessments(settings.day_rule().day_of(NOW))
        plan = [ForecastDay(NOW.date() + timedelta(days=i), 50 + i, 5, rest=i % 7 == 6) for i in range(14)]
        with_plan = gather(store, settings, NOW, scores=reversed(scores), bands=bands, forecast=plan, fit=False)
    assert [s.percent for s in with_plan.scores] == [58, 61, 66, 68]  # in date order
    assert with_plan.trend is not None and with_plan.trend.slope_per_week > 0
    assert with_plan.forecast is not None and with_plan.forecast.source == "plan"
    assert with_plan.fit is None and "scores" not in with_plan.notes
    drawn = specs(with_plan)
    assert drawn["scores"] is not None and drawn["bands"] is not None
    assert "rest day" in json.dumps(drawn["forecast"])
    lines = text.stats_lines(with_plan)
    assert any("2 rest days" in line for line in lines)
    assert any("NBME 28: 68%" in line for line in lines)


# -- trend, calibration, sparklines ----------------------------------------------------------


@given(
    st.lists(st.integers(0, 200), min_size=2, max_size=12, unique=True),
    st.floats(-0.5, 0.5),
    st.floats(30, 80),
    st.integers(1, 120),
)
def test_trend_finds_the_line_through_scores_on_a_line(days, slope, start, ahead):
    origin = date(2026, 6, 1)
    scores = [ScorePoint(origin + timedelta(days=d), "NBME", str(i), start + slope * d) for i, d in enumerate(days)]
    exam = origin + timedelta(days=max(days) + ahead)
    found = trend(scores, exam)
    assert found is not None and found.points == len(days)
    assert found.slope_per_week == pytest.approx(slope * 7, abs=1e-6)
    assert found.at_exam == pytest.approx(start + slope * (exam - origin).days, abs=1e-6)


def test_no_trend_from_one_day():
    one = [ScorePoint(date(2026, 6, 1), "NBME", "1", 60), ScorePoint(date(2026, 6, 1), "UWSA", "1", 64)]
    assert trend(one, None) is None and trend([], None) is None


@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=200))
def test_calibration_bins_hold_every_answer(pairs):
    bins = calibration("fitted", [p for p, _ in pairs], [o for _, o in pairs])
    assert sum(b.count for b in bins) == len(pairs)
    assert sum(round(b.observed * b.count) for b in bins) == sum(o for _, o in pairs)
    for b in bins:
        low = min(9, int(b.predicted * 10)) / 10
        assert low - 1e-9 <= b.predicted <= low + 0.1 + 1e-9 and 0 <= b.observed <= 1


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=300), st.integers(1, 60))
def test_sparkline_length_and_extremes(values, width):
    line = text.sparkline(values, width)
    assert len(line) == min(len(values), width)
    assert set(line) <= set(text.TICKS)
    if len(values) <= width and max(values) > min(values):
        assert line[values.index(max(values))] == "█" and line[values.index(min(values))] == "▁"


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.integers(1, 40))
def test_bar_never_exceeds_its_width(value, top, width):
    shown = text.bar(value, top, width)
    assert len(shown) <= width
    assert (shown == "") == (value <= 0 or top <= 0)


names = st.text(st.characters(min_codepoint=32, max_codepoint=255, blacklist_categories=("Cc",)), max_size=120)


@settings(max_examples=40, deadline=None)
@given(st.lists(names, min_size=1, max_size=6), st.booleans())
def test_stats_fit_80_columns_whatever_the_names(area_names, color):
    areas = tuple(AreaBar("topic", n, 10 ** (i + 1), 0.1, 0.5, 20) for i, n in enumerate(area_names))
    report = Report(NOW, NOW.date(), NOW.date() + timedelta(days=9), 10**6, 10**7,
                    {"topic": areas, "system": areas})  # fmt: skip
    for line in text.stats_lines(report, color=color):
        assert len(ANSI.sub("", line)) <= 80, line
        assert color or "\x1b" not in line


# -- the commands -------------------------------------------------------------------------------


def test_report_command_writes_one_self_contained_page(srs, student, tmp_path):
    out = tmp_path / "report.html"
    done = srs("--db", str(student), "report", "-o", str(out))
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Wrote {out} (") and out.exists() and not Path(f"{out}.part").exists()
    html = out.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower() and "http://" not in html.replace("http://www.w3.org/", "")
    assert "<img" not in html  # the hostile topic is text, in the tables and in the charts
    assert "&lt;img src=x onerror=" in html
    assert html.count("<svg") >= 8


def test_report_into_a_missing_folder_is_one_error_line(srs, student, tmp_path):
    done = srs("--db", str(student), "report", "-o", str(tmp_path / "nowhere" / "r.html"))
    assert done.exit_code == 1
    assert done.output.startswith("Error: cannot write ") and done.output.count("\n") == 1


def test_stats_command_text_json_and_no_color(srs, student, monkeypatch):
    import srs_cli.reporting as reporting

    monkeypatch.setattr(reporting, "_stdout_is_terminal", lambda: True)
    coloured = srs("--db", str(student), "stats")
    assert coloured.exit_code == 0, coloured.output
    assert "\x1b[" in coloured.output
    monkeypatch.setenv("NO_COLOR", "1")
    plain = srs("--db", str(student), "stats")
    assert plain.exit_code == 0 and "\x1b" not in plain.output
    lines = plain.output.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert any(line.startswith("  retention high-yield 30 days") for line in lines)
    assert any("FSRS fit" in line for line in lines)
    data = json.loads(srs("--db", str(student), "stats", "--json").output)
    assert set(data) >= {"areas", "reviews", "retention", "forecast", "timeline", "fit", "notes"}
    assert data["areas"]["topic"][0]["misses"] >= data["areas"]["topic"][-1]["misses"]


def test_use_color_respects_no_color():
    from srs_cli.reporting import use_color

    assert use_color({}, True) and not use_color({}, False)
    assert not use_color({"NO_COLOR": "1"}, True) and use_color({"NO_COLOR": ""}, True)


def test_gather_wants_an_aware_clock(student):
    with open_store(student) as store, pytest.raises(ValueError):
        gather(store, replace(settings_mod.load(store)), NOW.replace(tzinfo=None))


def test_the_fit_reads_the_same_items_as_srs_history(student):
    from srs.report.data import latest_items
    from srs.schedule.histories import card_histories, items

    with open_store(student) as store:
        rule = settings_mod.load(store).day_rule()
        every = items(card_histories(store), rule)
        with store.snapshot():
            for limit in (1, 37, len(every), len(every) + 50):
                assert latest_items(store, rule, limit) == (every[-limit:], 1), limit
            sampled, one_in = latest_items(store, rule, 10**6, cards=30)
            assert one_in == 3 and sampled == [i for i in every if i.card_id % 3 == 0]


def test_report_open_hands_the_file_to_the_browser(srs, student, tmp_path, monkeypatch):
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    out = tmp_path / "r.html"
    done = srs("--db", str(student), "report", "-o", str(out), "--open")
    assert done.exit_code == 0, done.output
    assert opened == [out.resolve().as_uri()]
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    assert "open the file yourself" in srs("--db", str(student), "report", "-o", str(out), "--open").output


def test_the_wheel_holds_the_report_package():
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert "srs.report" in project["tool"]["setuptools"]["packages"]  # a plain `pip install .` ships srs report
    assert any(d.startswith("vl-convert-python") for d in project["project"]["dependencies"])
