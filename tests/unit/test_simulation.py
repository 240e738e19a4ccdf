"""The retake simulator (srs/plan/simulation.py, bench/retake_sim.py): its memory is FSRS's,
its policies are srs's, and its answers obey the sanity properties the issue names."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.plan import simulation as sim

BENCH = Path(__file__).resolve().parents[2] / "bench" / "retake_sim.py"
BASE = datetime(2026, 1, 5, tzinfo=UTC)
SMALL = sim.CohortSpec(students=10, topics=40, facts_per_topic=4, exam_questions=120, prior_questions=150)
SHORT = sim.Plan(days=21, minutes=6.0, qbank_per_day=12, new_per_day=8)


# --- memory: the same numbers as the fsrs package --------------------------------------


def _fsrs_history(parameters, days_and_ratings):
    """Stability and difficulty after each study day, by the fsrs package: the day's answer,
    then the same-day Good answers the simulator assumes (learning and relearning steps).
    Each day's first answer is 15 minutes later in the day than the one before, so that
    fsrs's elapsed days (whole 24 h) equal the simulator's day difference."""
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    card, states = Card(), []
    for k, (day, rating) in enumerate(days_and_ratings):
        at = BASE + timedelta(days=day, minutes=15 * k)
        first = card.last_review is None
        card, _ = scheduler.review_card(card, Rating(rating), at)
        steps = int(sim.LEARNING_STEPS_AFTER[rating]) if first else int(rating == 1)
        for step in range(steps):
            card, _ = scheduler.review_card(card, Rating.Good, at + timedelta(minutes=1 + step))
        assert card.state.name == "Review"
        states.append((card.stability, card.difficulty, (card.due - card.last_review).days))
    return states


def _sim_history(parameters, days_and_ratings, retention=0.9):
    w = np.array(parameters)[None, :]
    s, d, last, states = np.ones(1), np.full(1, 5.0), None, []
    for day, rating in days_and_ratings:
        new = np.array([last is None])
        gap = np.array([0 if last is None else day - last])
        s, d = sim.study(w, s, d, new, gap, np.array([rating]))
        last = day
        states.append((float(s[0]), float(d[0]), int(sim.interval(s, retention, w[0, 20])[0])))
    return states


parameter_sets = st.one_of(
    st.sampled_from(sim.ANCHORS),
    st.lists(st.floats(0, 1), min_size=21, max_size=21).map(
        lambda u: tuple(lo + x * (hi - lo) for x, lo, hi in zip(u, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=False))
    ),
)
histories = st.lists(st.tuples(st.integers(1, 40), st.integers(1, 4)), min_size=0, max_size=12).flatmap(
    lambda rest: st.integers(1, 4).map(lambda first: [(0, first)] + _days(rest))
)


def _days(gaps_and_ratings):
    day, out = 0, []
    for gap, rating in gaps_and_ratings:
        day += gap
        out.append((day, rating))
    return out


@settings(max_examples=60, deadline=None)
@given(parameter_sets, histories)
def test_memory_follows_the_fsrs_package(parameters, history):
    expected = _fsrs_history(parameters, history)
    got = _sim_history(parameters, history)
    for (s1, d1, i1), (s2, d2, i2) in zip(expected, got, strict=True):
        assert s2 == pytest.approx(s1, rel=1e-9)
        assert d2 == pytest.approx(d1, rel=1e-9)
        assert i2 == i1


def test_memory_vectorised_over_students_with_their_own_parameters():
    rng = np.random.default_rng(7)
    lows, highs = np.array(LOWER_BOUNDS_PARAMETERS), np.array(UPPER_BOUNDS_PARAMETERS)
    w = lows + rng.random((40, 21)) * (highs - lows)
    w[:20] = sim.ANCHORS[1]
    ratings = rng.integers(1, 5, size=(40, 8))
    gaps = rng.integers(1, 30, size=(40, 8))
    gaps[:, 0] = 0
    days = gaps.cumsum(axis=1)
    s, d = np.ones(40), np.full(40, 5.0)
    for j in range(8):
        gap = days[:, j] - days[:, j - 1] if j else np.zeros(40, dtype=int)
        s, d = sim.study(w, s, d, np.full(40, j == 0), gap, ratings[:, j])
    for i in range(40):
        stability, difficulty, _ = _fsrs_history(tuple(w[i].tolist()), list(zip(days[i].tolist(), ratings[i].tolist(), strict=False)))[-1]
        assert s[i] == pytest.approx(stability, rel=1e-9)
        assert d[i] == pytest.approx(difficulty, rel=1e-9)


@given(st.floats(0.01, 500), st.integers(0, 400), st.sampled_from([0.8, 0.9, 0.95]))
def test_forgetting_curve_and_interval_are_fsrs(stability, elapsed, retention):
    scheduler = Scheduler(desired_retention=retention, enable_fuzzing=False)
    card = Card(stability=stability, difficulty=5.0, last_review=BASE)
    recall = scheduler.get_card_retrievability(card, BASE + timedelta(days=elapsed))
    assert sim.forgetting_curve(elapsed, stability, DEFAULT_PARAMETERS[20]) == pytest.approx(recall, rel=1e-12)
    assert sim.interval(np.array([stability]), retention, DEFAULT_PARAMETERS[20])[0] == scheduler._next_interval(
        stability=stability
    )


# --- the policies mirror srs ------------------------------------------------------------


def test_default_policy_is_srs_priority_and_settings():
    import srs.plan.weights as priority
    from srs.settings import Settings

    policy, shipped = sim.Policy(), Settings()
    assert (policy.question, policy.subject, policy.system) == (priority.QUESTION, priority.SUBJECT, priority.SYSTEM)
    assert policy.exam_tilt == priority.EXAM_TILT
    assert policy.half_life == shipped.miss_half_life
    assert policy.high_yield_misses == shipped.high_yield_misses
    assert policy.desired_retention == shipped.desired_retention
    # srs applies the tier only above the desired retention; the policy's None is "off"
    shipped_tier = shipped.high_yield_retention if shipped.high_yield_retention > shipped.desired_retention else None
    assert policy.high_yield_retention == shipped_tier


def test_blueprint_is_the_one_srs_reads():
    import srs.plan.weights as priority

    systems, disciplines = sim.blueprint()
    weights = priority.exam_weights()
    assert systems == pytest.approx(weights.systems) and disciplines == pytest.approx(weights.disciplines)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), min_size=12, max_size=12), min_size=1, max_size=4), st.integers(1, 6))
def test_high_yield_tier_is_srs_queue_rule(counts, misses):
    table = np.array(counts)
    got = sim._high_yield(table, misses)
    for row, flags in zip(counts, got, strict=False):
        present = sorted(c for c in row if c > 0)
        fifth = present[int(len(present) * 0.8)] if present else 0  # srs: ORDER BY misses OFFSET count*0.8
        assert list(flags) == [c >= max(misses, fifth) for c in row]


# --- sanity properties ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort():
    return sim.make_cohort(SMALL, seed=3)


ORDERS = [
    sim.Policy("due", order="due"),
    sim.Policy("random", order="random"),
    sim.Policy("srs"),
    sim.Policy("miss", exam_tilt=0.0, subject=0.0, system=0.0, half_life=math.inf),
]


def test_unlimited_minutes_every_order_reaches_the_same_score(cohort):
    plan = replace(SHORT, minutes=math.inf, new_per_day=10**6)
    for tier in (None, 0.95):
        scores = [sim.run(cohort, replace(p, high_yield_retention=tier), plan, seed=1).score for p in ORDERS]
        for other in scores[1:]:
            np.testing.assert_allclose(other, scores[0], rtol=1e-12)
    assert (scores[0] > cohort.start_score()).all()


def test_without_minutes_nobody_improves(cohort):
    plan = replace(SHORT, minutes=0.0)
    for policy in ORDERS:
        result = sim.run(cohort, policy, plan, seed=1)
        np.testing.assert_allclose(result.score, cohort.start_score(), rtol=1e-12)
        assert (result.minutes == 0).all() and (result.reviews == 0).all()


def _heavy_weak(seed, tilts):
    """Students weak (0.15) in every topic of the systems the outline weighs above average,
    average (0.5) elsewhere; the exam score under each exam tilt, same everything else."""
    base = sim.make_cohort(replace(SMALL, students=30), seed=seed)
    cohort = base.with_knowledge(np.where(base.heavy[None, :], 0.15, 0.5) * np.ones_like(base.knowledge))
    plan = replace(SHORT, minutes=4.0)
    return [sim.run(cohort, sim.Policy(exam_tilt=t, high_yield_retention=None), plan, seed=seed).score for t in tilts]


@pytest.mark.parametrize("seed", range(8))
def test_ignoring_the_blueprint_never_wins_when_weaknesses_are_in_heavy_systems(seed):
    """"Never beats": the blind policy's paired gain over the aware one is never above its
    95 % interval's noise (the seeds are fixed, so this cannot flicker)."""
    aware, blind = _heavy_weak(seed, (0.25, 0.0))
    gain, half = sim._interval((blind - aware) * 100)
    assert gain - half <= 0, (gain, half)


def test_the_heavy_weakness_check_can_fail():
    """The check above has power: a tilt the wrong way (towards light systems) loses clearly."""
    wins = 0
    for seed in (1, 3, 6, 7):
        aware, backwards = _heavy_weak(seed, (0.25, -0.8))
        gain, half = sim._interval((backwards - aware) * 100)
        wins += gain + half < 0
    assert wins >= 3


def test_misses_are_a_noisy_signal_of_weakness_and_yield(cohort):
    student, fact, _ = cohort.prior
    misses = np.zeros(cohort.knowledge.shape)
    np.add.at(misses, (student, cohort.topic_of(fact)), 1)
    expected = (1 - cohort.knowledge) * cohort.exam_share[None, :]
    r = np.corrcoef(misses.ravel(), expected.ravel())[0, 1]
    assert 0.3 < r < 0.99


def test_same_seed_same_result_other_seed_other(cohort):
    first = sim.run(cohort, sim.Policy(), SHORT, seed=5)
    again = sim.run(sim.make_cohort(SMALL, seed=3), sim.Policy(), SHORT, seed=5)
    other = sim.run(cohort, sim.Policy(), SHORT, seed=6)
    np.testing.assert_array_equal(first.score, again.score)
    assert not np.array_equal(first.score, other.score)


# --- the script and the review path -----------------------------------------------------


def test_quick_run_prints_the_table(tmp_path):
    out = tmp_path / "table.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "| policy |" in done.stdout and "fsrs-due" in done.stdout and "random" in done.stdout
    rows = json.loads(out.read_text())
    assert {r["weeks"] for r in rows} and all(r["low"] <= r["mean"] <= r["high"] for r in rows)


def test_review_start_does_not_load_the_simulator():
    probe = "import sys, srs_cli.main, srs.review, srs.plan.queue, srs.plan.reference; print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'matplotlib') or m.startswith('srs.plan.simulation')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
