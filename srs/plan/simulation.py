"""A simulated cohort of retake students, to measure whether the priority model pays.

Each student has a latent weakness per topic (a failed attempt: some topics much weaker
than others) and FSRS-6 memory parameters of their own. Every day they do a Qbank block
drawn by the exam's topic shares; each miss makes (or weighs on) a card; then they review
for a fixed number of minutes in the order a policy chooses. On exam day the score is the
blueprint-weighted chance of answering an exam question right, over a sampled exam.

The policies replicate srs's priority formula as parameters (`Policy`), so that the
measurement can vary each constant; the defaults mirror `srs.plan.weights` and
`srs.settings` (a test holds them equal). This module stays out of the review path: it
imports numpy and, of srs, only the score's weights (`srs.plan.weights`).

Random numbers are common to all policies (per student, fact and day), so two policies
differ only by what they chose to study: the paired differences are much tighter than the
scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from srs.plan.weights import exam_weights

# ---------------------------------------------------------------------------------------
# The one tie to srs: its copy of the exam outline, read as data.


def blueprint() -> tuple[dict[str, float], dict[str, float]]:
    """System and discipline weights of the USMLE Step 1 outline, scaled to mean 1: the
    ones the priority score reads (srs.plan.weights, pure data: no store, no I/O beyond it)."""
    weights = exam_weights()
    return dict(weights.systems), dict(weights.disciplines)


# ---------------------------------------------------------------------------------------
# Memory: FSRS-6, vectorised. `w` is an array of parameters whose last axis has 21 entries,
# broadcastable against the states; ratings 1-4 (Again..Easy); elapsed in whole days.

MIN_DIFFICULTY, MAX_DIFFICULTY, MIN_STABILITY = 1.0, 10.0, 0.001
MAXIMUM_INTERVAL = 36500
DEFAULT = np.array(DEFAULT_PARAMETERS, dtype=float)

# Learning steps of the fsrs package's defaults (1 and 10 minutes; relearning 10 minutes):
# the same-day answers (all Good) that follow a first answer, by its rating.
LEARNING_STEPS_AFTER = np.array([0, 2, 2, 1, 0])  # index: rating


def forgetting_curve(elapsed: np.ndarray, stability: np.ndarray, decay: np.ndarray | float) -> np.ndarray:
    """Retrievability after `elapsed` days; decay is w[20]."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    return (1.0 + factor * elapsed / stability) ** -decay


def interval(stability: np.ndarray, retention: float, decay: np.ndarray | float) -> np.ndarray:
    """Whole days until recall falls to `retention` (1 to 36500), as fsrs rounds them."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    days = np.round(stability / factor * (retention ** (-1.0 / decay) - 1.0))
    return np.clip(days, 1, MAXIMUM_INTERVAL).astype(np.int64)


def initial_state(w: np.ndarray, rating: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rating = np.asarray(rating)
    w = np.broadcast_to(w, rating.shape + w.shape[-1:])
    stability = np.maximum(np.take_along_axis(w, (rating - 1)[..., None], axis=-1)[..., 0], MIN_STABILITY)
    difficulty = w[..., 4] - np.exp(w[..., 5] * (rating - 1)) + 1
    return stability, np.clip(difficulty, MIN_DIFFICULTY, MAX_DIFFICULTY)


def next_difficulty(w: np.ndarray, difficulty: np.ndarray, rating: np.ndarray) -> np.ndarray:
    easy = w[..., 4] - np.exp(w[..., 5] * 3) + 1
    delta = -w[..., 6] * (rating - 3)
    damped = difficulty + (10.0 - difficulty) * delta / 9.0
    return np.clip(w[..., 7] * easy + (1 - w[..., 7]) * damped, MIN_DIFFICULTY, MAX_DIFFICULTY)


def short_term_stability(w: np.ndarray, stability: np.ndarray, rating: np.ndarray) -> np.ndarray:
    increase = np.exp(w[..., 17] * (rating - 3 + w[..., 18])) * stability ** -w[..., 19]
    increase = np.where(rating >= 2, np.maximum(increase, 1.0), increase)
    return np.maximum(stability * increase, MIN_STABILITY)


def next_stability(
    w: np.ndarray, difficulty: np.ndarray, stability: np.ndarray, recall: np.ndarray, rating: np.ndarray
) -> np.ndarray:
    forget = np.minimum(
        w[..., 11]
        * difficulty ** -w[..., 12]
        * ((stability + 1) ** w[..., 13] - 1)
        * np.exp((1 - recall) * w[..., 14]),
        stability / np.exp(w[..., 17] * w[..., 18]),
    )
    hard = np.where(rating == 2, w[..., 15], 1.0)
    easy = np.where(rating == 4, w[..., 16], 1.0)
    remember = stability * (
        1 + np.exp(w[..., 8]) * (11 - difficulty) * stability ** -w[..., 9] * (np.exp((1 - recall) * w[..., 10]) - 1)
        * hard * easy
    )
    return np.maximum(np.where(rating == 1, forget, remember), MIN_STABILITY)


def review(
    w: np.ndarray, stability: np.ndarray, difficulty: np.ndarray, elapsed: np.ndarray, rating: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A card's memory after an answer `elapsed` whole days after the previous one."""
    recall = forgetting_curve(np.maximum(elapsed, 0), stability, w[..., 20])
    long_term = next_stability(w, difficulty, stability, recall, rating)
    stability = np.where(elapsed < 1, short_term_stability(w, stability, rating), long_term)
    return stability, next_difficulty(w, difficulty, rating)


def study(
    w: np.ndarray,
    stability: np.ndarray,
    difficulty: np.ndarray,
    new: np.ndarray,
    elapsed: np.ndarray,
    rating: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A day's study of each card: its answer, then the same-day steps it leads to (all
    Good): learning steps for a new card, the relearning step after a lapse."""
    first_s, first_d = initial_state(w, np.where(new, rating, 3))
    again_s, again_d = review(w, np.where(new, 1.0, stability), np.where(new, 5.0, difficulty), elapsed, rating)
    stability, difficulty = np.where(new, first_s, again_s), np.where(new, first_d, again_d)
    steps = np.where(new, LEARNING_STEPS_AFTER[rating], (rating == 1).astype(int))
    good = np.full_like(rating, 3)
    for step in (1, 2):
        more = steps >= step
        stability = np.where(more, short_term_stability(w, stability, good), stability)
        difficulty = np.where(more, next_difficulty(w, difficulty, good), difficulty)
    return stability, difficulty


# Seconds per answer and rating shares: FSRS's default simulator configuration
# (fsrs-rs `default_simulator_config`, medians from Anki users' logs). Rows: learning,
# review, relearning; columns Again, Hard, Good, Easy.
COSTS = np.array(
    [[19.58, 18.79, 13.78, 10.71], [19.38, 17.59, 12.38, 8.94], [16.44, 15.25, 12.32, 8.03]]
)
FIRST_RATING = np.array([0.24, 0.094, 0.495, 0.171])
RECALL_RATING = np.array([0.224, 0.631, 0.145])  # Hard, Good, Easy when recalled


def seconds(new: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """A day's time on each card: the answer and its same-day steps."""
    first = np.where(new, COSTS[0, rating - 1], COSTS[1, rating - 1])
    steps = np.where(new, LEARNING_STEPS_AFTER[rating] * COSTS[0, 2], (rating == 1) * COSTS[2, 2])
    return first + steps


# Anchors for students' memory: FSRS-6's defaults, and the learner srs/synthetic.py
# simulates (slower to start, forgets faster; the parameters srs's optimizer is tested
# to recover from its histories).
ANCHORS = (
    tuple(DEFAULT_PARAMETERS),
    (0.6, 1.8, 4.2, 15.0, 6.9, 0.6, 2.2, 0.02, 1.4, 0.25, 1.1, 1.9, 0.09, 0.35, 1.3, 0.45, 2.6, 0.4, 0.25, 0.12, 0.35),
)


# ---------------------------------------------------------------------------------------
# The cohort and the plan.


@dataclass(frozen=True)
class CohortSpec:
    students: int = 200
    topics: int = 400
    facts_per_topic: int = 8  # Qbank questions per topic: 3,200 in all, about a UWorld
    exam_questions: int = 280  # a Step 1 form
    guess: float = 0.2  # five options
    ability: float = -0.4  # mean logit of knowing a topic (a failed attempt: just under 60 %)
    ability_spread: float = 0.4  # between students
    weakness_spread: float = 1.5  # between a student's topics
    yield_spread: float = 0.6  # lognormal sigma of a topic's share within its system and discipline
    parameter_spread: float = 0.2  # lognormal sigma of each memory parameter around its anchor
    prior_questions: int = 1200  # Qbank questions of the past attempt
    prior_days: int = 60
    blueprint_in_share: float = 0.5  # see make_cohort
    qbank_follows_blueprint: float = 1.0  # 1: the Qbank asks each topic as often as the exam; 0: by yield alone


@dataclass(frozen=True)
class Plan:
    """The study plan every policy shares."""

    days: int = 56
    minutes: float = 45.0  # review minutes a study day
    rest_every: int = 7  # the last day of each week is a rest day (no Qbank, no reviews)
    qbank_per_day: int = 40
    new_per_day: int = 20
    exam_date_intake: bool = True  # srs with exam-date set: every card seen before the exam


@dataclass(frozen=True)
class Cohort:
    spec: CohortSpec
    topic_system: np.ndarray  # (K,) index into systems
    topic_discipline: np.ndarray  # (K,)
    exam_share: np.ndarray  # (K,) how often the exam asks each topic; sums to 1
    qbank_share: np.ndarray  # (K,) how often the Qbank does
    tilt_weight: np.ndarray  # (K,) sqrt(w_system * w_discipline): the exam factor's input
    heavy: np.ndarray  # (K,) the topic's system weighs more than the average one
    knowledge: np.ndarray  # (N, K) latent chance of knowing a topic without studying it
    parameters: np.ndarray  # (N, 21) each student's true memory
    exam: np.ndarray  # (N, Q) the exam's questions (facts)
    prior: tuple[np.ndarray, np.ndarray, np.ndarray]  # misses of the past attempt: student, fact, day (< 0)

    @property
    def students(self) -> int:
        return self.knowledge.shape[0]

    @property
    def facts(self) -> int:
        return self.knowledge.shape[1] * self.spec.facts_per_topic

    def topic_of(self, fact: np.ndarray) -> np.ndarray:
        return fact // self.spec.facts_per_topic

    def fact_share(self) -> np.ndarray:
        """How often the Qbank asks each fact (question)."""
        return np.repeat(self.qbank_share / self.spec.facts_per_topic, self.spec.facts_per_topic)

    def start_score(self) -> np.ndarray:
        """Each student's expected exam score before any study."""
        known = self.knowledge[np.arange(self.students)[:, None], self.topic_of(self.exam)]
        return (self.spec.guess + (1 - self.spec.guess) * known).mean(axis=1)

    def with_knowledge(self, knowledge: np.ndarray) -> Cohort:
        return replace(self, knowledge=knowledge, prior=_prior(self.spec, knowledge, self.fact_share(), 0))


def make_cohort(spec: CohortSpec, seed: int) -> Cohort:
    rng = np.random.default_rng([seed, 1])
    systems, disciplines = blueprint()
    w_sys, w_disc = np.array(list(systems.values())), np.array(list(disciplines.values()))
    k, n = spec.topics, spec.students
    # The outline's weight of a system or discipline is carried partly by how many topics
    # it has and partly by how often each is asked (exponents 1 - a and a, a =
    # blueprint_in_share), so that the exam's shares follow the outline either way.
    a = spec.blueprint_in_share
    topic_system = rng.choice(len(w_sys), size=k, p=w_sys ** (1 - a) / (w_sys ** (1 - a)).sum())
    topic_discipline = rng.choice(len(w_disc), size=k, p=w_disc ** (1 - a) / (w_disc ** (1 - a)).sum())
    outline = w_sys[topic_system] * w_disc[topic_discipline]
    yields = rng.lognormal(0.0, spec.yield_spread, size=k)
    share = outline**a * yields / (outline**a * yields).sum()
    qbank = outline ** (a * spec.qbank_follows_blueprint) * yields
    qbank /= qbank.sum()
    tilt = np.sqrt(w_sys[topic_system] * w_disc[topic_discipline])
    logit = spec.ability + spec.ability_spread * rng.standard_normal((n, 1))
    knowledge = _sigmoid(logit + spec.weakness_spread * rng.standard_normal((n, k)))
    anchors = np.array(ANCHORS)[rng.integers(len(ANCHORS), size=n)]
    params = np.clip(
        anchors * rng.lognormal(0.0, spec.parameter_spread, size=anchors.shape),
        LOWER_BOUNDS_PARAMETERS,
        UPPER_BOUNDS_PARAMETERS,
    )
    exam_facts = np.repeat(share / spec.facts_per_topic, spec.facts_per_topic)
    exam = rng.choice(exam_facts.size, size=(n, spec.exam_questions), p=exam_facts)
    return Cohort(
        spec,
        topic_system,
        topic_discipline,
        share,
        qbank,
        tilt,
        w_sys[topic_system] > 1.0,
        knowledge,
        params,
        exam,
        _prior(spec, knowledge, np.repeat(qbank / spec.facts_per_topic, spec.facts_per_topic), seed),
    )


def _prior(spec: CohortSpec, knowledge: np.ndarray, fact_share: np.ndarray, seed: int) -> tuple:
    """The past attempt's Qbank misses (unstudied, each its age in days)."""
    rng = np.random.default_rng([seed, 2])
    n = knowledge.shape[0]
    facts = rng.choice(fact_share.size, size=(n, spec.prior_questions), p=fact_share)
    known = spec.guess + (1 - spec.guess) * np.take_along_axis(knowledge, facts // spec.facts_per_topic, axis=1)
    missed = rng.random(facts.shape) >= known
    days = -rng.integers(1, spec.prior_days + 1, size=facts.shape)
    student = np.broadcast_to(np.arange(n)[:, None], facts.shape)
    return student[missed], facts[missed], days[missed]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------------------
# Policies.


@dataclass(frozen=True)
class Policy:
    """How a day's reviews are ordered and which new cards enter.

    `order`: "priority" (srs's score), "due" (plain FSRS: most overdue first, new cards
    after, in the order they were missed) or "random". The score's constants mirror
    srs.plan.weights (QUESTION, SUBJECT, SYSTEM, EXAM_TILT) and srs.settings (half-life,
    high-yield threshold, retentions): score = (T + q·Q + G)·E·(1.5 − R/2), G = T̄·(s·S/S̄ +
    y·Y/Ȳ), E = 1 + tilt·(√(w_sys·w_disc) − 1). half_life=inf counts every miss as 1;
    high_yield_retention=None turns the tier off.
    """

    name: str = "srs"
    order: str = "priority"
    question: float = 0.5
    subject: float = 0.25
    system: float = 0.25
    exam_tilt: float = 0.25
    half_life: float = 30.0
    desired_retention: float = 0.90
    high_yield_retention: float | None = None  # srs ships the tier off (settings: 0.90 = desired)
    high_yield_misses: int = 3
    recall_factor: bool = True


@dataclass(frozen=True)
class Result:
    policy: Policy
    plan: Plan
    score: np.ndarray  # (N,) expected exam score on exam day
    start: np.ndarray  # (N,) before any study
    minutes: np.ndarray  # (N,) review minutes spent
    reviews: np.ndarray  # (N,) answers given (same-day steps not counted)


def run(cohort: Cohort, policy: Policy, plan: Plan, seed: int) -> Result:
    """One policy over the plan, for every student of the cohort.

    State is kept per (student, question); each day's work is done on the few cards that
    are candidates (due, or new and admitted), grouped by student."""
    n, f, m = cohort.students, cohort.facts, cohort.spec.facts_per_topic
    k = cohort.knowledge.shape[1]
    guess = cohort.spec.guess
    fact_topic = np.arange(f) // m
    known_topic = cohort.knowledge[:, fact_topic]  # (N, F)
    decay = cohort.parameters[:, 20]  # (N,)
    fact_share = cohort.fact_share()
    view = _View(policy, cohort)
    fade = 1.0 if math.isinf(policy.half_life) else 2.0 ** (-1.0 / policy.half_life)

    true_s, true_d = np.ones((n, f)), np.full((n, f), 5.0)
    est_s, est_d = np.ones((n, f)), np.full((n, f), 5.0)
    last = np.full((n, f), -1, dtype=np.int64)
    never = np.iinfo(np.int64).max
    due, due_high = np.full((n, f), never), np.full((n, f), never)  # never due until studied
    card, unseen = np.zeros((n, f), dtype=bool), np.zeros((n, f), dtype=bool)
    created = np.zeros((n, f))
    weight, count = np.zeros((n, f)), np.zeros((n, f))
    minutes, answers = np.zeros(n), np.zeros(n)
    students = np.arange(n)

    def missed(student: np.ndarray, fact: np.ndarray, day: np.ndarray | int) -> None:
        """Log misses: a miss weighs 1 on its day (2^(-age/h) for the past attempt's), and
        makes its question a card, ordered by when it was first missed."""
        at = student * f + fact
        ages = np.broadcast_to(_age_weight(day, fade), at.shape)
        np.add(weight, np.bincount(at, weights=ages, minlength=n * f).reshape(n, f), out=weight)
        np.add(count, np.bincount(at, minlength=n * f).reshape(n, f), out=count)
        fresh = ~card.flat[at]
        when = np.broadcast_to(np.asarray(day, dtype=float), at.shape) * 1e6 + np.arange(at.size)
        created.flat[at[fresh]] = when[fresh]
        unseen.flat[at[fresh]] = True
        card.flat[at] = True

    student, fact, day = cohort.prior
    order = np.argsort(day, kind="stable")
    missed(student[order], fact[order], day[order])

    for today in range(plan.days):
        rng = np.random.default_rng([seed, 3, today])
        draws = rng.choice(f, size=(n, plan.qbank_per_day), p=fact_share)
        qbank_u = rng.random(draws.shape)
        if today:
            weight *= fade
        if plan.rest_every and today % plan.rest_every == plan.rest_every - 1:
            continue

        # The Qbank block: misses by current knowledge, each a new card or more weight on one.
        rows = np.broadcast_to(students[:, None], draws.shape)
        seen = last[rows, draws]
        recall = np.where(seen >= 0, forgetting_curve(today - seen, true_s[rows, draws], decay[:, None]), 0.0)
        knows = guess + (1 - guess) * (1 - (1 - known_topic[rows, draws]) * (1 - recall))
        wrong = qbank_u >= knows
        missed(rows[wrong], draws[wrong], today)

        # Today's candidates: due cards (the tier's earlier due date for high-yield topics)
        # and the new cards admitted today.
        is_due = due <= today
        high = None
        if policy.high_yield_retention:
            high = np.repeat(_high_yield(count.reshape(n, k, m).sum(axis=2), policy.high_yield_misses), m, axis=1)
            is_due |= high & (due_high <= today)
        view.today(weight)
        ds, df = np.nonzero(is_due)
        ns, nf = np.nonzero(unseen)
        due_now = due[ds, df]
        if high is not None:
            due_now = np.where(high[ds, df], np.minimum(due_now, due_high[ds, df]), due_now)
        shuffle = _uniform(seed, 4, today, n, ns, nf), _uniform(seed, 4, today, n, ds, df)
        new_key = view.keys(ns, nf, None, today, last, est_s, created, shuffle[0])
        cap = np.full(n, plan.new_per_day)
        if plan.exam_date_intake:
            backlog = np.bincount(ns, minlength=n)
            cap = np.maximum(cap, np.ceil(backlog / max(plan.days - today, 1))).astype(np.int64)
        rank, _ = _grouped(ns, new_key, np.ones(ns.size))
        keep = rank < cap[ns]
        cs, cf = np.concatenate([ds, ns[keep]]), np.concatenate([df, nf[keep]])
        is_new = np.concatenate([np.zeros(ds.size, bool), np.ones(int(keep.sum()), bool)])
        key = np.concatenate([view.keys(ds, df, due_now, today, last, est_s, created, shuffle[1]), new_key[keep]])

        # What each answer would be (fixed by the day's numbers), and the session's cut.
        gap = today - last[cs, cf]
        recall = np.where(is_new, 0.0, forgetting_curve(np.maximum(gap, 0), true_s[cs, cf], decay[cs]))
        u = _uniform(seed, 5, today, n, cs, cf)  # per student, question and day: common to all policies
        recalled = _uniform(seed, 6, today, n, cs, cf) < recall
        rating = np.where(
            is_new,
            1 + np.searchsorted(np.cumsum(FIRST_RATING)[:-1], u, side="right"),
            np.where(recalled, 2 + np.searchsorted(np.cumsum(RECALL_RATING)[:-1], u, side="right"), 1),
        )
        cost = seconds(is_new, rating)
        _, before = _grouped(cs, key, cost)
        take = before < plan.minutes * 60.0  # a card starts while time is left
        s_idx, f_idx, r, fresh, gap, cost = cs[take], cf[take], rating[take], is_new[take], gap[take], cost[take]
        if not s_idx.size:
            continue
        true_s[s_idx, f_idx], true_d[s_idx, f_idx] = study(
            cohort.parameters[s_idx], true_s[s_idx, f_idx], true_d[s_idx, f_idx], fresh, gap, r
        )
        s_new, d_new = study(DEFAULT, est_s[s_idx, f_idx], est_d[s_idx, f_idx], fresh, gap, r)
        est_s[s_idx, f_idx], est_d[s_idx, f_idx] = s_new, d_new
        last[s_idx, f_idx] = today
        unseen[s_idx, f_idx] = False
        due[s_idx, f_idx] = today + interval(s_new, policy.desired_retention, DEFAULT[20])
        if policy.high_yield_retention:
            due_high[s_idx, f_idx] = today + interval(s_new, policy.high_yield_retention, DEFAULT[20])
        minutes += np.bincount(s_idx, weights=cost, minlength=n) / 60.0
        answers += np.bincount(s_idx, minlength=n)
        lapse = (r == 1) & ~fresh  # an Again in review is a miss
        missed(s_idx[lapse], f_idx[lapse], today)

    recall = np.where(last >= 0, forgetting_curve(np.maximum(plan.days - last, 0), true_s, decay[:, None]), 0.0)
    knows = guess + (1 - guess) * (1 - (1 - known_topic) * (1 - recall))
    score = np.take_along_axis(knows, cohort.exam, axis=1).mean(axis=1)
    return Result(policy, plan, score, cohort.start_score(), minutes, answers)


def _uniform(seed: int, stream: int, day: int, n: int, s: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1), one per (student, question, day): the same whichever
    policy asks and however many cards it asks about (a splitmix64 hash)."""
    x = (s.astype(np.uint64) + np.uint64(n) * f.astype(np.uint64)) ^ np.uint64(
        (seed * 0x9E3779B1 + stream * 0x85EBCA77 + day * 0xC2B2AE3D) % 2**64
    )
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / 2.0**53


def _age_weight(day: int | np.ndarray, fade: float) -> np.ndarray | float:
    """A miss's weight today: misses before day 0 have faded by their age (later days fade
    with the daily multiplication)."""
    return fade ** (-np.minimum(np.asarray(day, dtype=float), 0.0))


def _high_yield(topic_count: np.ndarray, misses: int) -> np.ndarray:
    """Topics with at least `misses` misses, or as many as the top fifth of the student's
    topics have when more than a fifth have that many (srs.plan.tiers)."""
    ranked = np.sort(topic_count, axis=1)
    with_misses = (topic_count > 0).sum(axis=1)
    at = topic_count.shape[1] - with_misses + (with_misses * 0.8).astype(np.int64)
    fifth = np.where(with_misses > 0, ranked[np.arange(len(ranked)), np.minimum(at, topic_count.shape[1] - 1)], 0)
    return topic_count >= np.maximum(misses, fifth)[:, None]


class _View:
    """A policy's sort keys for some cards (lowest first), from the day's miss weights."""

    def __init__(self, policy: Policy, cohort: Cohort) -> None:
        if policy.order not in ("priority", "due", "random"):
            raise ValueError(f"unknown order {policy.order!r}")
        self.policy, self.cohort = policy, cohort
        self.m = cohort.spec.facts_per_topic
        self.tilt = 1.0 + policy.exam_tilt * (cohort.tilt_weight - 1.0)  # (K,)
        self.systems = np.eye(int(cohort.topic_system.max()) + 1)[cohort.topic_system]  # (K, systems)
        self.disciplines = np.eye(int(cohort.topic_discipline.max()) + 1)[cohort.topic_discipline]

    def today(self, weight: np.ndarray) -> None:
        """Per topic, T + G: the topic's weighted misses and its subject and system term."""
        if self.policy.order != "priority":
            return
        n, p, c = weight.shape[0], self.policy, self.cohort
        topic = weight.reshape(n, -1, self.m).sum(axis=2)  # (N, K)
        subject, system = topic @ self.disciplines, topic @ self.systems
        subject = subject[:, c.topic_discipline] / _mean_present(subject)[:, None]
        system = system[:, c.topic_system] / _mean_present(system)[:, None]
        self.signal = topic + _mean_present(topic)[:, None] * (p.subject * subject + p.system * system)
        self.weight = weight

    def keys(self, s, f, due, today, last, est_s, created, shuffle) -> np.ndarray:
        """Keys of cards (s, f): due cards with their due days, new cards with due=None."""
        p, new = self.policy, due is None
        if p.order == "random":
            return shuffle
        if p.order == "due":  # reviews by due day (then age of the card), new cards after, oldest first
            return 1e12 + created[s, f] if new else due * 1e9 + created[s, f] / 1e6
        topic = f // self.m
        score = (self.signal[s, topic] + p.question * self.weight[s, f]) * self.tilt[topic]
        if p.recall_factor and not new:
            score = score * (1.5 - forgetting_curve(today - last[s, f], est_s[s, f], DEFAULT[20]) / 2)
        elif p.recall_factor:
            score = score * 1.5
        return -score + created[s, f] * 1e-15


def _mean_present(table: np.ndarray) -> np.ndarray:
    """Per student, the mean over the entries with misses (1 where there are none)."""
    present = table > 0
    total = np.where(present, table, 0.0).sum(axis=1)
    return np.where(present.any(axis=1), total / np.maximum(present.sum(axis=1), 1), 1.0)


def _grouped(group: np.ndarray, key: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per element: its rank within its group by key (stable), and the summed cost of the
    group's elements ranked before it."""
    by_key = np.argsort(key)
    order = by_key[np.argsort(group[by_key].astype(np.uint16), kind="stable")]  # a radix sort
    g = group[order]
    starts = np.searchsorted(g, g, side="left")
    spent = np.cumsum(cost[order])
    before_sorted = spent - cost[order] - np.where(starts > 0, spent[starts - 1], 0.0)
    rank, before = np.empty(group.size, dtype=np.int64), np.empty(group.size)
    rank[order] = np.arange(group.size) - starts
    before[order] = np.maximum(before_sorted, 0.0)  # no rounding below zero: zero minutes study nothing
    return rank, before


# ---------------------------------------------------------------------------------------
# Summaries.


@dataclass(frozen=True)
class Summary:
    name: str
    mean: float  # expected exam score, percent
    low: float  # 95 % interval over students
    high: float
    gain: float  # against the reference policy, percentage points
    gain_low: float
    gain_high: float
    minutes: float  # review minutes per student over the plan
    minutes_per_point: float  # per point gained over the start


def summarise(results: Sequence[Result], reference: str) -> list[Summary]:
    base = next(r for r in results if r.policy.name == reference)
    rows = []
    for r in results:
        mean, half = _interval(r.score * 100)
        gain, gain_half = _interval((r.score - base.score) * 100)
        points = float((r.score - r.start).mean() * 100)
        spent = float(r.minutes.mean())
        rows.append(
            Summary(
                r.policy.name,
                mean,
                mean - half,
                mean + half,
                gain,
                gain - gain_half,
                gain + gain_half,
                spent,
                spent / points if points > 0 else math.inf,
            )
        )
    return rows


def _interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of its normal 95 % interval."""
    n = len(values)
    sd = float(values.std(ddof=1)) if n > 1 else 0.0
    return float(values.mean()), 1.96 * sd / math.sqrt(n)
