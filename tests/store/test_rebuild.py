"""The event log is the truth: stored card states always equal a rebuild from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_priority import fresh_db

from srs.ingest.importer import import_attempts
from srs.ingest.misslog import Attempt
from srs.review import ReviewSession
from srs.schedule.replay import rebuild_all, replay_all
from srs.schedule.scheduler import Rating
from srs.settings import load
from srs.store import open_store
from srs.timing import UTC

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

attempts = st.lists(
    st.tuples(
        st.integers(0, 5),  # question
        st.integers(0, 60 * 24 * 40),  # minutes after START
        st.sampled_from(["incorrect", "correct", "omitted"]),
        st.sampled_from(["", "Gout", " gout", "Asthma"]),  # a later row may move a question to another topic
    ),
    min_size=1,
    max_size=30,
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from(list(Rating)), st.integers(1, 60 * 24 * 5)),
        st.tuples(st.just("undo"), st.just(Rating.Good), st.integers(1, 30)),
        st.tuples(st.just("import"), st.sampled_from(["incorrect", "correct"]), st.integers(1, 60 * 24)),
    ),
    max_size=25,
)


def assert_cards_equal_rebuild(store) -> None:
    scheduler = load(store).scheduler()
    expected = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
    assert store.cards() == expected
    days = {r[0]: r[1:] for r in store.conn.execute("SELECT question_id, last_day, tier_day FROM cards")}
    assert days == {qid: scheduler.study_days(card) for qid, card in expected.items()}
    assert_miss_totals_equal_recount(store)


def assert_miss_totals_equal_recount(store) -> None:
    """Totals kept up to date answer by answer equal a recount of the whole log, and every
    card carries its topic's totals (the ranking reads them there)."""
    assert not store.topic_copies_differ()
    kept = (store.card_misses(), store.miss_groups())
    with store.write():
        store.refresh_misses()
    recount = (store.card_misses(), store.miss_groups())
    for ours, truth in zip(kept, recount, strict=True):
        mine, right = ({r[:-2]: r[-2:] for r in rows} for rows in (ours, truth))
        assert mine.keys() == right.keys()
        for key, (misses, mass) in mine.items():
            assert misses == right[key][0] and mass == pytest.approx(right[key][1], rel=1e-9, abs=1e-6), key


def to_attempts(rows, offset=START):
    return [
        Attempt(
            line=i + 2,
            source="uworld",
            qid=str(q),
            at=offset + timedelta(minutes=m),
            result=res,
            fields={"topic": topic} if topic else {},
        )
        for i, (q, m, res, topic) in enumerate(rows)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=attempts, actions=steps)
def test_any_imports_and_reviews_leave_cards_equal_to_their_rebuild(tmp_path: Path, rows, actions):
    db = fresh_db(tmp_path, "prop")  # a replayed example must not find the first run's reviews
    with open_store(db) as store:
        settings_ = load(store)
        scheduler = settings_.scheduler()
        now = START + timedelta(days=41)
        import_attempts(store, to_attempts(rows), scheduler, file_label="t", now=now)
        assert_cards_equal_rebuild(store)
        for kind, value, minutes in actions:
            now += timedelta(minutes=minutes)
            if kind == "import":
                extra = [Attempt(line=2, source="uworld", qid="0", at=now, result=value)]
                import_attempts(store, extra, scheduler, file_label="t2", now=now)
                continue
            session = ReviewSession(store, settings_, now=now)
            row = session.next_card(now)
            if row is None:
                continue
            session.answer(row, value, now)
            if kind == "undo":
                session.undo()
            assert_cards_equal_rebuild(store)
        assert_cards_equal_rebuild(store)
        before = store.cards()
        with store.write():
            rebuild_all(store, scheduler)
        assert store.cards() == before


def test_rebuild_all_repairs_a_tampered_cache(srs, sample, db_path):
    srs("import", str(sample))
    with open_store(db_path) as store:
        good = store.cards()
        store.conn.execute("UPDATE cards SET stability = 99, reps = 42")
        store.conn.commit()
        assert store.cards() != good
        with store.write():
            rebuild_all(store, load(store).scheduler())
        assert store.cards() == good
