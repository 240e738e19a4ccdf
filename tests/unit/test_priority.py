"""The priority model: properties that must hold, and the scenario it exists for."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srs.ingest.importer import import_attempts
from srs.ingest.misslog import Attempt
from srs.model import CardRow, MissCount, topic_key
from srs.plan.queue import Planner
from srs.plan.reference import rank, score
from srs.plan.signals import MissSignals, load_signals
from srs.plan.weights import exam_weights
from srs.review import ReviewSession
from srs.schedule.scheduler import CardState, Rating, Scheduler, State
from srs.settings import load
from srs.store import open_store
from srs.timing import UTC, DayRule
from srs.weak import weak_report

_SERIAL = itertools.count()


def fresh_db(tmp_path: Path, tag: str) -> Path:
    """A database path no earlier example used: hypothesis runs one example more than once
    (when it replays or shrinks), and a second run must not find the first one's data."""
    return tmp_path / f"{tag}-{next(_SERIAL)}.db"

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
SCHEDULER = Scheduler(DayRule(UTC, 4))


def row(question_id: int, topic: str, subject: str = "Pathology", system: str = "Renal/Urinary") -> CardRow:
    return CardRow(question_id, "uworld", str(question_id), topic, subject, system, CardState.new(NOW))


def signals(misses: list[tuple[int, str, int, float]]) -> MissSignals:
    """(question, topic, count, weight) -> signals, same subject and system for all."""
    return MissSignals.from_counts([MissCount(q, t, "Pathology", "Renal/Urinary", n, w) for q, t, n, w in misses])


@settings(max_examples=200, deadline=None)
@given(base=st.integers(0, 20), extra=st.integers(1, 10), age=st.floats(0, 200))
def test_more_topic_misses_never_rank_lower(base, extra, age):
    weight = 0.5 ** (age / 30)
    few = signals([(1, "A", base, base * weight), (2, "B", base + extra, (base + extra) * weight)])
    a, b = row(1, "A"), row(2, "B")
    assert score(b, few, SCHEDULER, NOW) >= score(a, few, SCHEDULER, NOW)


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 20), older=st.floats(0, 300), newer_by=st.floats(0, 300))
def test_recent_misses_never_rank_below_older_ones(count, older, newer_by):
    def weight(age: float) -> float:
        return count * 0.5 ** (age / 30)

    both = signals([(1, "A", count, weight(older + newer_by)), (2, "B", count, weight(older))])
    assert score(row(2, "B"), both, SCHEDULER, NOW) >= score(row(1, "A"), both, SCHEDULER, NOW)


def test_exam_weight_only_tilts():
    weights = exam_weights()
    assert weights.version.startswith("usmle-step1")
    factors = [weights.factor(d, s) for d in weights.disciplines for s in weights.systems]
    assert 0.7 < min(factors) and max(factors) < 1.4
    assert weights.factor("Pathology", "Cardiovascular") > weights.factor("Genetics", "Human Development")
    assert weights.factor("Unknown", "Unknown") == 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.sampled_from("ABCD"), st.integers(0, 9)), min_size=1, max_size=30))
def test_ranking_is_a_deterministic_permutation(cards):
    rows = [row(i, topic) for i, (_, topic, _) in enumerate(cards)]
    data = signals([(i, topic, n, n * 0.8) for i, (_, topic, n) in enumerate(cards)])
    first = rank(rows, data, SCHEDULER, NOW)
    second = rank(list(reversed(rows)), data, SCHEDULER, NOW)
    assert [r.question_id for r in first] == [r.question_id for r in second]
    assert sorted(r.question_id for r in first) == sorted(r.question_id for r in rows)
    assert all(a.score >= b.score for a, b in zip(first, first[1:], strict=False))


def scenario_log() -> str:
    lines = ["qid,date,subject,system,topic,objective"]
    for i in range(6):  # one topic missed six times
        lines.append(f"{100 + i},2026-11-{10 + i},Immunology,Immune System,Type I hypersensitivity,IgE point {i}")
    for i, topic in enumerate(["Gout", "Asthma", "Lupus", "Diuretics", "Anemia", "Syncope"]):
        lines.append(f"{200 + i},2026-11-{10 + i},Pathology,Cardiovascular,{topic},point {topic}")
    return "\n".join(lines) + "\n"


def test_scenario_most_missed_topic_comes_first_in_review_and_tops_weak(srs, write_log, db_path):
    assert srs("import", str(write_log("m.csv", scenario_log()))).exit_code == 0
    result = srs("review", "--limit", "6", input="3\n" * 6)
    assert result.exit_code == 0, result.output
    shown = [line for line in result.output.splitlines() if line.startswith("[")]
    assert len(shown) == 6 and all("Type I hypersensitivity" in line for line in shown)
    weak = json.loads(srs("weak", "--json").output)
    assert weak["topic"][0]["name"] == "Type I hypersensitivity" and weak["topic"][0]["misses"] == 6
    assert abs(weak["topic"][0]["share"] - 0.5) < 1e-9
    queue = json.loads(srs("queue", "--json", "--limit", "50").output)
    # the six answered Good a study day or more after their miss graduate (the interday
    # rule): due on a later day, not dropped; the other six are still here
    assert len(queue["cards"]) == 6
    with open_store(db_path) as store:
        studied = [c for c in store.cards().values() if c.reps]
    assert len(studied) == 6 and all(c.state == State.Review and c.due > NOW for c in studied)


def test_backlog_after_a_break_is_spread_most_important_first(srs, write_log, db_path):
    lines = ["qid,date,topic,result"]
    for i in range(30):  # missed, then right twice: 30 review cards, topic T0 missed most
        topic = "T0" if i < 6 else f"T{i}"
        lines += [
            f"{i},2026-09-01,{topic},incorrect",
            f"{i},2026-09-05,{topic},correct",
            f"{i},2026-09-10,{topic},correct",
        ]
    srs("import", str(write_log("m.csv", "\n".join(lines) + "\n")))
    with open_store(db_path) as store:
        settings_ = replace(load(store), max_reviews_per_day=10)
        planner = Planner(store, settings_, NOW + timedelta(days=60))  # back after a long break
        queue = planner.queue()
        plan = planner.plan(3)
    assert queue.due_count == 10 and queue.backlog == 20
    assert {c.topic for c in queue.cards[:6]} == {"T0"}  # most important first
    assert [(d.due, d.backlog) for d in plan] == [(10, 20), (10, 10), (10, 0), (0, 0)]


def test_exam_date_raises_new_cards_so_every_card_is_seen(srs, sample, db_path):
    srs("import", str(sample))
    with open_store(db_path) as store:
        base = load(store)
        today = base.day_rule().day_of(NOW)
        soon = replace(base, exam_date=(today + timedelta(days=2)).isoformat())
        planner = Planner(store, soon, NOW)
        unseen = sum(1 for r in planner.ranked if r.state.is_new)
        assert unseen == 67  # 77 cards, 10 of them missed again in the Qbank already
        assert planner.queue().new_count == 34  # 2 days left: ceil(67 / 2)
        assert sum(d.new for d in planner.plan(3)) == unseen
        assert Planner(store, base, NOW).queue().new_count == 20


def test_light_day_caps_reviews_by_minutes(srs, sample, db_path):
    srs("import", str(sample))
    with open_store(db_path) as store:
        base = load(store)
        weekday = base.day_rule().day_of(NOW).strftime("%A").lower()
        light = replace(base, light_day=weekday, light_day_minutes=1)
        planner = Planner(store, light, NOW)
        assert planner.capacity(planner.today) == 3  # 60 s at the default 20 s per card
        assert planner.capacity(planner.today + timedelta(days=1)) == base.max_reviews_per_day


def test_config_rejects_bad_daily_settings(srs):
    assert srs("config", "set", "light-day", "sun").output.strip() == "light-day = sun"
    assert srs("config", "get", "light-day").output.strip() == "sunday"
    assert srs("config", "set", "exam-date", "2027-13-01").exit_code == 1
    assert srs("config", "set", "max-reviews-per-day", "0").exit_code == 1
    assert srs("config", "set", "high-yield-retention", "0.95").exit_code == 0


def test_high_yield_tier_stays_the_top_fifth_for_a_big_history(srs, write_log, db_path):
    lines = ["qid,date,topic"]
    for t in range(10):  # ten topics, every one missed 4+ times: not all can be high-yield
        for k in range(4 + t):
            lines.append(f"{t * 100 + k},2026-11-0{1 + k % 9},Topic {t}")
    srs("import", str(write_log("m.csv", "\n".join(lines) + "\n")))
    with open_store(db_path) as store:
        planner = Planner(store, load(store), NOW)
        assert planner.high_yield_misses == 12  # the top fifth: topics 8 and 9 (12 and 13 misses)
        high, other = planner.tiers()
    assert (high, other) == (12 + 13, sum(range(4, 14)) - 25)


def test_high_yield_card_comes_due_at_the_higher_retention(srs, write_log, db_path):
    lines = ["qid,date,topic,result"]
    lines += [f"{i},2026-09-0{i},Hot topic,incorrect" for i in range(1, 4)]  # 3 misses: high-yield
    lines += ["1,2026-09-10,Hot topic,correct", "1,2026-09-20,Hot topic,correct"]  # card 1 now in review
    lines += ["9,2026-09-01,Cold topic,incorrect", "9,2026-09-10,Cold topic,correct", "9,2026-09-20,Cold topic,correct"]
    assert srs("config", "set", "high-yield-retention", "0.95").exit_code == 0  # the tier is opt-in
    srs("import", str(write_log("m.csv", "\n".join(lines) + "\n")))
    with open_store(db_path) as store:
        settings_ = load(store)
        hot = store.find_question_id("other", "1")
        cold = store.find_question_id("other", "9")
        card = store.card(hot)
        assert card is not None and card.stability is not None and card.last_review is not None
        planner = Planner(store, settings_, NOW)
        rule = planner.rule
        tier_days = planner.scheduler.interval_for(card.stability, settings_.high_yield_retention)
        moment = rule.start_of(rule.day_of(card.last_review) + timedelta(days=tier_days)) + timedelta(hours=6)
        assert moment < card.due  # due at 0.95 before it is due at 0.90
        queue = Planner(store, settings_, moment).queue()
        ids = {c.question_id for c in queue.cards}
        assert hot in ids and cold not in ids


# The queue's SQL against the reference model
##########################################################################

history = st.lists(
    st.tuples(
        st.integers(0, 12),  # question
        st.integers(0, 60 * 24 * 90),  # minutes after the start
        st.sampled_from(["incorrect", "correct", "omitted", "guessed"]),
        st.sampled_from(["", "Gout", "gout", "Asthma", "Type I hypersensitivity"]),
        st.sampled_from(["", "Pathology", "Pharmacology", "Made-up discipline"]),
        st.sampled_from(["", "Cardiovascular", "Renal/Urinary"]),
    ),
    min_size=1,
    max_size=40,
)


START = datetime(2026, 6, 1, 8, tzinfo=UTC)


def to_attempts(rows, *, whole_days: bool = False, names: bool = True) -> list[Attempt]:
    """`history` rows as attempts (at whole days after START when `whole_days`: many equal
    scores); `names=False` keeps the topic only."""
    attempts = []
    for i, (q, minutes, result, topic, subject, system) in enumerate(rows):
        at = START + (timedelta(days=minutes // 1440) if whole_days else timedelta(minutes=minutes))
        given = (("topic", topic), ("subject", subject), ("system", system)) if names else (("topic", topic),)
        attempts.append(Attempt(i + 2, "uworld", str(q), at, result, {k: v for k, v in given if v}))
    return attempts


def imported_and_answered(store, settings_, rows, ratings, *, minutes_apart: int) -> datetime:
    """Import the rows 91 days after START, then answer the queue's cards with these ratings,
    `minutes_apart` (some of them Again); returns the time of the last answer."""
    now = START + timedelta(days=91)
    import_attempts(store, to_attempts(rows), settings_.scheduler(), file_label="t", now=now)
    session = ReviewSession(store, settings_, now=now)
    for rating in ratings:
        now += timedelta(minutes=minutes_apart)
        card = session.next_card(now)
        if card is not None:
            session.answer(card, rating, now)
    return now


def recount(store, now: datetime, half_life: float = 30.0) -> MissSignals:
    """Miss signals straight from the log: each miss weighs 2^(-age / half-life)."""
    counts: dict[int, list] = {}
    for event in store.all_events():
        missed = (event.kind == "qbank" and event.result != "correct") or event.rating == 1
        if missed:
            age = (now - event.at).total_seconds() / 86400
            entry = counts.setdefault(event.question_id, [0, 0.0])
            entry[0] += 1
            entry[1] += 0.5 ** (age / half_life)
    questions = {q.id: q for q in store.questions()}
    return MissSignals.from_counts([
        MissCount(q, questions[q].topic, questions[q].subject, questions[q].system, n, w)
        for q, (n, w) in counts.items()
    ])  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=history, ratings=st.lists(st.sampled_from(list(Rating)), max_size=15), later=st.integers(0, 60))
def test_sql_ranking_equals_the_reference_model(tmp_path, rows, ratings, later):
    """Planner.ranked (scored and ordered by SQLite) gives the order, scores and miss counts
    of srs.plan.reference.rank on the same cards, at any moment."""
    with open_store(fresh_db(tmp_path, "r")) as store:
        settings_ = load(store)
        now = imported_and_answered(store, settings_, rows, ratings, minutes_apart=37)
        moment = now + timedelta(days=later)
        planner = Planner(store, settings_, moment)
        reference = rank(store.card_rows(), load_signals(store, moment), settings_.scheduler(), moment)
        recounted = rank(store.card_rows(), recount(store, moment), settings_.scheduler(), moment)
        ours = planner.ranked
    by_id = {r.question_id: r.score for r in recounted}
    assert [r.score for r in ours] == pytest.approx([by_id[r.question_id] for r in ours], rel=1e-9)
    assert [r.question_id for r in ours] == [r.question_id for r in reference]
    assert [(r.misses, r.topic_misses) for r in ours] == [(r.misses, r.topic_misses) for r in reference]
    assert [r.score for r in ours] == pytest.approx([r.score for r in reference], rel=1e-12)
    assert [r.state for r in ours] == [r.state for r in reference]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=history, days=st.integers(1, 120), cap=st.integers(0, 8), hy_retention=st.sampled_from([0.9, 0.95, 0.97]))
def test_sql_queue_picks_what_the_reference_would(tmp_path, rows, days, cap, hy_retention):
    """Today's queue from SQL: the due cards at their tier's retention (Planner.effective_due,
    the reference) that fit in the day, highest priority first, and the right backlog."""
    start, attempts = START, to_attempts(rows, names=False)
    with open_store(fresh_db(tmp_path, "q")) as store:
        settings_ = replace(load(store), max_reviews_per_day=max(1, cap), high_yield_misses=2,
                            high_yield_retention=hy_retention, new_per_day=cap)  # fmt: skip
        now = start + timedelta(days=91 + days)
        import_attempts(store, attempts, settings_.scheduler(), file_label="t", now=start + timedelta(days=91))
        planner = Planner(store, settings_, now)
        queue = planner.queue()
        end = planner.rule.next_day_start(now)
        everything = planner.ranked
        horizon = end + timedelta(days=30)
        moments = planner.due_moments(horizon)  # what `srs due` plans with, without reading rows
        assert sorted(moments) == sorted(planner.effective_due(r) for r in planner.studied_due_before(horizon))
    studied = [r for r in everything if not r.state.is_new and planner.effective_due(r) < end]
    # only same-day steps (answered today) go over the cap; interday learning cards count (issue 16)
    learning = [r for r in studied if r.state.state != 2 and planner.rule.day_of(r.state.last_review) >= planner.today]
    due = [r for r in studied if r not in learning]
    room = max(0, settings_.max_reviews_per_day - len(learning))
    fresh = [r for r in everything if r.state.is_new][:cap]
    expected = sorted(learning + due[:room] + fresh, key=lambda r: (-r.score, r.state.due, r.question_id))
    assert [r.question_id for r in queue.cards] == [r.question_id for r in expected]
    assert queue.backlog == max(0, len(due) - room)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=history, limit=st.integers(1, 15))
def test_the_first_new_cards_are_the_head_of_the_full_ranking(tmp_path, rows, limit):
    """The queue finds the first new cards without scoring them all (the first few of each
    subject and system, in index order): exactly the head of the full ranking, ties included."""
    start, attempts = START, to_attempts(rows, whole_days=True)
    with open_store(fresh_db(tmp_path, "n")) as store:
        settings_ = load(store)
        import_attempts(store, attempts, settings_.scheduler(), file_label="t", now=start + timedelta(days=91))
        planner = Planner(store, settings_, start + timedelta(days=95))
        head = [(r.question_id, r.score) for r in planner.new_cards(limit)]
        everything = [(r.question_id, r.score) for r in planner.new_cards()]
    assert head == everything[:limit]


def test_a_long_history_does_not_let_a_big_subject_drown_the_topic():
    """Three hundred single misses across Pathology / Cardiovascular topics, and six in one
    Immunology topic: the six-miss topic still comes first (subjects and systems tilt, relative
    to the average one; they do not add up with the length of the history)."""
    counts = [MissCount(q, f"Topic {q}", "Pathology", "Cardiovascular", 1, 1.0) for q in range(300)]
    counts += [MissCount(1000 + q, "Type I hypersensitivity", "Immunology", "Immune System", 1, 1.0) for q in range(6)]
    data = MissSignals.from_counts(counts)
    hot = row(1000, "Type I hypersensitivity", "Immunology", "Immune System")
    big = row(0, "Topic 0", "Pathology", "Cardiovascular")
    assert score(hot, data, SCHEDULER, NOW) > 1.5 * score(big, data, SCHEDULER, NOW)
    # the weak subject and system still tilt: by up to a typical topic's weight, not by hundreds
    assert 0.5 < data.groups_term("Pathology", "Cardiovascular") < 1.5 * data.typical_topic
    assert data.groups_term("Pathology", "Cardiovascular") > 10 * data.groups_term("Immunology", "Immune System")


def test_the_worked_example_in_docs_priority():
    """docs/priority.md works a score out by hand: the code gives the same numbers."""

    def weight(age: float) -> float:
        return 0.5 ** (age / 30)

    data = MissSignals.from_counts([
        MissCount(1, "Type I hypersensitivity", "Immunology", "Immune System", 2, weight(2) + weight(30)),
        MissCount(2, "Type I hypersensitivity", "Immunology", "Immune System", 1, weight(10)),
        MissCount(3, "another topic", "Immunology", "Immune System", 1, weight(45)),
        MissCount(4, "Gout", "Pathology", "Cardiovascular", 1, weight(1)),
    ])  # fmt: skip
    studied = CardState(NOW, 2, None, 10.0, 5.0, NOW - timedelta(days=1))
    r = SCHEDULER.retrievability(studied, NOW)
    hot = replace(row(1, "Type I hypersensitivity", "Immunology", "Immune System"), state=studied)
    assert data.miss_signal(hot) == pytest.approx(3.843, abs=5e-4)
    assert score(hot, data, SCHEDULER, NOW) / (1.5 - r / 2) * 1.2 == pytest.approx(4.234, abs=5e-4)
    assert score(row(4, "Gout", "Pathology", "Cardiovascular"), data, SCHEDULER, NOW) == pytest.approx(3.307, abs=5e-4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=history, ratings=st.lists(st.sampled_from(list(Rating)), max_size=10))
def test_weak_areas_count_what_the_log_holds(tmp_path, rows, ratings):
    """`srs weak`: per topic, subject and system, the misses (Qbank misses and review Agains),
    Qbank attempts and correct ones, counted straight from the log."""
    with open_store(fresh_db(tmp_path, "w")) as store:
        now = imported_and_answered(store, load(store), rows, ratings, minutes_apart=41)
        report = weak_report(store, now=now)
        questions = {q.id: q for q in store.questions()}
        events = list(store.all_events())
    for by in ("topic", "subject", "system"):
        expected: dict[str, list[int]] = {}
        for event in events:
            question = questions[event.question_id]
            name = getattr(question, by) or "(none)"
            entry = expected.setdefault(topic_key(name) if by == "topic" else name, [0, 0, 0])
            entry[0] += (event.kind == "qbank" and event.result != "correct") or event.rating == 1
            entry[1] += event.kind == "qbank"
            entry[2] += event.kind == "qbank" and event.result == "correct"
        found = {
            (topic_key(a.name) if by == "topic" else a.name): [a.misses, a.attempts, a.correct] for a in report[by]
        }
        assert found == {k: v for k, v in expected.items() if v[0]}, by


def test_a_high_yield_card_comes_due_in_the_plan_on_its_tier_day(srs, write_log, db_path):
    """A high-yield card reviewed yesterday with a long interval: due in about 99 days at 0.90,
    about 40 at 0.95. Looking 60 days ahead, the plan (and the list it is checked against)
    finds it on its tier day; looking 20 days ahead, nowhere."""
    lines = ["qid,date,topic"] + [f"{i},2026-11-{10 + i},Gout" for i in range(3)]  # three misses: high-yield
    assert srs("config", "set", "high-yield-retention", "0.95").exit_code == 0  # the tier is opt-in
    assert srs("import", str(write_log("m.csv", "\n".join(lines) + "\n"))).exit_code == 0
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with open_store(db_path) as store:
        settings_ = load(store)
        scheduler = settings_.scheduler()
        card = CardState(now + timedelta(days=99), 2, None, 99.0, 5.0, now - timedelta(days=1), 3, 0)
        with store.write():
            store.update_card(1, card, scheduler.study_days(card))
        planner = Planner(store, settings_, now)
        tier_due = planner.effective_due(next(r for r in planner.ranked if r.question_id == 1))
        assert now + timedelta(days=30) < tier_due < now + timedelta(days=55)
        far, near = now + timedelta(days=60), now + timedelta(days=20)
        assert tier_due in planner.due_moments(far)
        assert 1 in [r.question_id for r in planner.studied_due_before(far)]
        assert tier_due not in planner.due_moments(near)
        assert 1 not in [r.question_id for r in planner.studied_due_before(near)]
