"""Inputs of a write are read under its write lock (issue 14, item 1): `srs optimize`
committing new parameters between a command's read of the settings and its write must
not leave cards that differ from the replay of the log."""

from __future__ import annotations

import io
from datetime import timedelta

from safety_helpers import cards_equal_replay, make_log

from srs import settings as settings_mod
from srs.derived import open_database
from srs.ingest.importer import import_stream
from srs.review import ReviewSession
from srs.schedule import optimizer
from srs.schedule.parameters import DEFAULT, FittedParameters
from srs.schedule.scheduler import Rating
from srs.timing import utc_now

# FSRS's defaults with a much slower forgetting curve: every stability and due day moves
OTHER = tuple(p * 3 if i in (0, 1, 2, 3) else p for i, p in enumerate(DEFAULT))


def _optimize_elsewhere(db_path) -> None:
    """What `srs optimize` in another process commits."""
    with open_database(db_path) as other:
        optimizer.save(other, FittedParameters(OTHER, fitted_at=utc_now(), reviews=400))


def test_an_import_reads_the_parameters_under_its_lock(srs, sample, db_path, tmp_path):
    assert srs("import", str(sample)).exit_code == 0
    log = make_log(tmp_path / "more.csv", 40)
    with open_database(db_path) as store:
        stale = settings_mod.load(store)  # read before the lock, as the CLI does
        _optimize_elsewhere(db_path)
        import_stream(store, stale.scheduler(), io.BytesIO(log.read_bytes()), log.name, now=utc_now())
    assert cards_equal_replay(db_path)


def test_a_review_answer_reads_the_parameters_under_its_lock(srs, sample, db_path):
    assert srs("import", str(sample)).exit_code == 0
    now = utc_now()
    with open_database(db_path) as store:
        session = ReviewSession(store, settings_mod.load(store), now=now)
        first = session.next_card(now)
        session.answer(first, Rating.Good, now)
        _optimize_elsewhere(db_path)
        for _ in range(3):
            now += timedelta(seconds=20)
            row = session.next_card(now)
            session.answer(row, Rating.Again, now)
        session.undo()
    assert cards_equal_replay(db_path)


def test_settings_changed_in_memory_keep_their_own_scheduler(db_path, srs, sample):
    """A scheduler from settings a caller changed (dataclasses.replace) is the caller's: a
    write must not swap it for the stored one (it made a tier day disagree with its card)."""
    from dataclasses import replace

    from srs.derived import open_database
    from srs.settings import current_scheduler, load

    assert srs("import", str(sample)).exit_code == 0
    with open_database(db_path) as store:
        stored = load(store)
        assert stored.stored and current_scheduler(store, stored.scheduler()).tier_retention == 0.90
        changed = replace(stored, high_yield_retention=0.95)
        assert not changed.stored
        mine = changed.scheduler()
        assert current_scheduler(store, mine) is mine and mine.tier_retention == 0.95
