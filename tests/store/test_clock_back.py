"""Answers across a wall clock that moves back (issue 14, item 4): the log keeps the
order the answers were given in, so its replay is the card stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from safety_helpers import cards_equal_replay

from srs import settings as settings_mod
from srs.derived import open_database
from srs.review import ReviewSession
from srs.schedule.scheduler import Rating
from srs.timing import utc_now


@pytest.mark.parametrize("back_minutes", [1, 3, 5, 10, 30, 60, 60 * 5, 60 * 23])
@pytest.mark.parametrize(
    "ratings", [(Rating.Again, Rating.Good), (Rating.Good, Rating.Hard), (Rating.Again, Rating.Again, Rating.Easy)]
)
def test_a_learning_card_answered_after_the_clock_jumps_back(srs, sample, db_path, back_minutes, ratings):
    assert srs("import", str(sample)).exit_code == 0
    now = utc_now()
    with open_database(db_path) as store:
        settings = settings_mod.load(store)
        session = ReviewSession(store, settings, now=now)
        row = session.next_card(now)
        assert row is not None
        question = row.question_id
        for rating in ratings:
            session.answer(row, rating, now)
            now -= timedelta(minutes=back_minutes)  # the wall clock moves back between answers
            again = [r for r in session.pending if r.question_id == question]
            if not again:
                break
            row = again[0]
        times = [e.at for e in sorted(store.events(question), key=lambda e: e.id)]
        assert times == sorted(times)  # in the log's order (at, then id) as answered
    assert cards_equal_replay(db_path)
