"""A blind pass after the import, as a student retaking Step 1 meets the commands: what each
shows must read right (one day, one miss), agree with the other commands, and a bad value
must say what to fix and change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from srs.derived import open_database
from srs.settings import load
from srs.timing import utc_now

# invented questions: two topics, one missed once, one only ever answered right
ONE_MISS_LOG = (
    "QID,Date,Subject,System,Topic,Result\n"
    "731204,2026-11-20,Pharm,Renal,Quellmann tubule toxicity,incorrect\n"
    "731377,2026-11-21,Path,Cardio,Varnoff valve lesion,correct\n"
)
ONLY_CORRECT_LOG = (
    "QID,Date,Subject,System,Topic,Result\n"
    "840011,2026-11-20,Pharm,Renal,Quellmann tubule toxicity,correct\n"
    "840012,2026-11-21,Path,Cardio,Varnoff valve lesion,correct\n"
)


def study_today(db) -> date:  # type: ignore[no-untyped-def]
    with open_database(db) as store:
        return load(store).day_rule().day_of(utc_now())


def stored_setting(db, key: str) -> str:  # type: ignore[no-untyped-def]
    with open_database(db) as store:
        return str(getattr(load(store), key.replace("-", "_")))


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [
        ("new-per-day", "-1", "a whole number, 0 or more"),
        ("light-day-minutes", "-5", "minutes, 0 (a rest day) or more"),
        ("miss-half-life", "-3", "days, from 1 to 365"),
        ("max-reviews-per-day", "-200", "a whole number, 1 or more"),
    ],
)
def test_a_negative_setting_says_what_to_fix_not_no_such_option(srs, db_path, write_log, key, value, what):
    # `srs config set new-per-day -1` said "Error: No such option '-1'." under a usage block
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    before = stored_setting(db_path, key)
    result = srs("config", "set", key, value)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"Error: setting {key}: '{value}' is not valid ({what})"]
    assert stored_setting(db_path, key) == before


def test_config_set_refuses_an_extra_option(srs):
    result = srs("config", "set", "new-per-day", "25", "--bogus")
    assert result.exit_code == 2
    assert "unexpected extra argument (--bogus)" in result.output


def test_an_exam_tomorrow_reads_one_day_one_week(srs, db_path, write_log):
    # "Plan to the exam on …: 1 days, 1 weeks", "the exam is 1 days away", "Exam in 1 days"
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    tomorrow = study_today(db_path) + timedelta(days=1)
    assert srs("config", "set", "exam-date", tomorrow.isoformat()).exit_code == 0
    plan = srs("plan")
    assert plan.exit_code == 0, plan.output
    assert f"Plan to the exam on {tomorrow:%a %d %b %Y}: 1 day, 1 week\n" in plan.output
    assert "Note: the exam is tomorrow: a plan this short is only a final review" in plan.output
    assert "Quellmann tubule toxicity — 1 miss — about" in plan.output
    assert "1 days" not in plan.output and "1 misses" not in plan.output
    today = srs("today")
    assert today.exit_code == 0, today.output
    assert "  Exam in 1 day\n" in today.output
    assert "Quellmann tubule toxicity — 1 miss — about" in today.output


def test_an_exam_in_a_year_counts_days_and_weeks(srs, db_path, write_log):
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    today = study_today(db_path)
    exam = today + timedelta(days=365)
    assert srs("config", "set", "exam-date", exam.isoformat()).exit_code == 0
    plan = srs("plan")
    assert plan.exit_code == 0, plan.output
    assert f"Plan to the exam on {exam:%a %d %b %Y}: 365 days, " in plan.output
    assert "  Exam in 365 days" in srs("today").output


def test_the_queue_says_one_miss(srs, write_log):
    # "Quellmann tubule toxicity (1 misses)"
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    result = srs("queue")
    assert result.exit_code == 0, result.output
    assert "Quellmann tubule toxicity (1 miss)\n" in result.output
    assert "misses)" not in result.output


def test_nothing_ahead_is_said_once_without_a_row_of_zeros(srs, write_log, tmp_path):
    # a log of only correct answers has no cards: stats drew "▁▁▁… peak 0, 0/day" above
    # "Nothing to review ahead yet", and the report said it twice, then "0 reviews over 30 days"
    assert srs("import", str(write_log("log.csv", ONLY_CORRECT_LOG))).exit_code == 0
    stats = srs("stats")
    assert stats.exit_code == 0, stats.output
    forecast = stats.output.split("Forecast\n", 1)[1].split("\n\n", 1)[0]
    assert forecast.strip() == (
        "Nothing to review ahead yet: all 2 attempts so far were answered right."
    )
    page = tmp_path / "report.html"
    assert srs("report", "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert html.count("Nothing to review ahead yet") == 1
    assert "0 reviews over" not in html


def test_a_forecast_with_reviews_still_draws_and_sums(srs, write_log, tmp_path):
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    stats = srs("stats")
    assert "  next 30 days  " in stats.output and "peak " in stats.output
    page = tmp_path / "report.html"
    assert srs("report", "-o", str(page)).exit_code == 0
    assert " reviews over 30 days, " in page.read_text(encoding="utf-8")


def test_one_answer_reads_one_card_one_answer(srs, db_path, write_log):
    # "Reviewed 1 cards (1 answers) in 0 min"
    assert srs("import", str(write_log("log.csv", ONE_MISS_LOG))).exit_code == 0
    result = srs("review", "--limit", "1", input="4\n")
    assert result.exit_code == 0, result.output
    assert "Reviewed 1 card (1 answer) in " in result.output
    with open_database(db_path) as store:
        assert store.conn.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0] == 1


def test_plan_day_lines_count_reviews_as_the_json_and_the_calendar_do(srs, db_path, sample, tmp_path):
    # the day line said "cards: 20 new, 14 answers": fewer answers than new cards, while
    # --json calls 14 'reviews' and the .ics says "14 reviews and 20 new"
    import json

    import icalendar

    assert srs("import", str(sample)).exit_code == 0
    exam = study_today(db_path) + timedelta(days=56)
    assert srs("config", "set", "exam-date", exam.isoformat()).exit_code == 0
    text = srs("plan")
    assert text.exit_code == 0, text.output
    data = json.loads(srs("plan", "--json").output)
    ics = tmp_path / "plan.ics"
    assert srs("plan", "--ics", str(ics)).exit_code == 0
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    first = data["weeks"][0]["days"][0]
    assert first["new"] > first["reviews"] > 0  # the sample's first day: the case that read wrong
    line = f"cards: {first['new']} new, {first['reviews']} reviews ≈ {first['minutes']} min"
    assert line in text.output
    assert " answers" not in text.output.split("Focus topics")[0]
    described = [
        str(e["DESCRIPTION"]) for e in calendar.walk("VEVENT") if e.decoded("DTSTART").isoformat() == first["day"]
    ]
    assert any(f"{first['reviews']} reviews and {first['new']} new" in d for d in described)
    later = text.output.split("Later weeks\n", 1)[1]
    assert " reviews" in later.splitlines()[0] and " answers" not in later


def test_the_plans_today_leaves_out_what_was_answered_today(srs, db_path, sample):
    # after answering part of today's cards, `srs due` and `srs today` showed what was left
    # (7) while `srs plan` still gave today the whole day's cap (12 reviews)
    import json

    assert srs("import", str(sample)).exit_code == 0
    exam = study_today(db_path) + timedelta(days=56)
    assert srs("config", "set", "exam-date", exam.isoformat()).exit_code == 0
    assert srs("config", "set", "max-reviews-per-day", "12").exit_code == 0
    before = json.loads(srs("plan", "--json").output)["weeks"][0]["days"][0]
    assert before["reviews"] == 12  # the sample's first day fills the cap
    assert srs("review", "--limit", "5", input="3\n" * 5).exit_code == 0
    with open_database(db_path) as store:
        answered = store.conn.execute("SELECT count(*) FROM events WHERE kind = 'review'").fetchone()[0]
    assert answered == 5
    after = json.loads(srs("plan", "--json").output)["weeks"][0]["days"][0]
    due_today = json.loads(srs("due", "--json").output)["days"][0]
    assert after["reviews"] <= 12 - answered
    assert after["reviews"] == due_today["due"]
    assert f"{after['reviews']} due and" in srs("today").output


def test_one_more_clash_reads_singular(srs, write_log):
    # "1 more rows give a question a second result for one day" (a 3,500-attempt log showed it)
    rows = ["QID,Date,Topic,Result"]
    for n in range(6):  # six questions answered twice on one day: five listed, one more
        rows += [f"55{n:04d},2026-11-1{n},Orvell reflex {n},incorrect", f"55{n:04d},2026-11-1{n},Orvell reflex {n},correct"]
    for n in range(6):  # six questions with two topics on two days
        rows += [f"66{n:04d},2026-11-0{n + 1},Tessin sign {n},incorrect", f"66{n:04d},2026-11-2{n},Brule node {n},incorrect"]
    result = srs("import", str(write_log("log.csv", "\n".join(rows) + "\n")))
    assert result.exit_code == 0, result.output
    assert "  - 1 more row gives a question a second result for one day\n" in result.output
    assert "  - 1 more question has two topics in this file\n" in result.output


def test_one_card_one_note_one_day_left(srs, db_path, write_log, tmp_path):
    # "(1 cards in all)", "Exam …: 1 days left", "1 cards on the generic prompt", "Wrote 1 notes",
    # "(1 cards rescheduled)"
    log = "QID,Date,Subject,System,Topic,Result\n731204,2026-11-20,Pharm,Renal,Quellmann tubule toxicity,incorrect\n"
    assert srs("import", str(write_log("log.csv", log))).exit_code == 0
    tomorrow = study_today(db_path) + timedelta(days=1)
    assert srs("config", "set", "exam-date", tomorrow.isoformat()).output == f"exam-date = {tomorrow}\n"
    due = srs("due").output
    assert "(1 card in all)" in due
    assert f"Exam {tomorrow}: 1 day left" in due
    assert "1 card on the generic prompt, most important first:" in srs("cards", "--weak-prompts").output
    out = tmp_path / "one.apkg"
    assert srs("export", "-o", str(out)).output.startswith("Wrote 1 note in 1 deck to ")
    assert srs("config", "set", "desired-retention", "0.85").output.startswith("desired-retention = 0.85 (1 card rescheduled)")
    assert srs("score", "add", "--date", "2026-11-25", "--kind", "nbme", "--form", "NBME 30", "--percent", "61").exit_code == 0
    assert f"Exam date {tomorrow}: 1 day left" in srs("ready").output


def test_a_log_of_right_answers_is_not_told_to_import_a_log(srs, write_log, db_path, tmp_path):
    """After a log where every attempt was right, weak areas, export and the report say so
    (they said 'import a miss log first', to a student who just had)."""
    assert srs("weak").output.strip() == "No misses yet: import a miss log first (srs import FILE)."
    assert srs("import", str(write_log("log.csv", ONLY_CORRECT_LOG))).exit_code == 0
    said = "all 2 attempts so far were answered right"
    assert srs("weak").output.strip() == f"No misses yet: {said}."
    export = srs("export", "-o", str(tmp_path / "out.apkg"))
    assert export.exit_code == 1
    assert export.output.strip() == f"Error: nothing to export: no cards yet ({said})"
    page = tmp_path / "report.html"
    assert srs("report", "-o", str(page)).exit_code == 0
    assert f"No misses yet: {said}." in page.read_text(encoding="utf-8")
