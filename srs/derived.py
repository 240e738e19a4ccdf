"""What is derived from the log is rebuilt with today's rules after a migration.

Migrations are history: they hold literal SQL and never call today's code. When one
adds columns that srs's rules fill from the log (topic keys, study days, miss totals),
it marks them stale; opening the database through `open_database` then fills them from
the cards and the log in one transaction, as srs keeps them for a new database.
"""

from __future__ import annotations

from pathlib import Path

from srs import settings as settings_mod
from srs.schedule.replay import rebuild_all
from srs.schedule.scheduler import Scheduler
from srs.store import Store, open_store
from srs.store.migrations import DERIVED_STALE_KEY, REASONS_STALE_KEY
from srs.timing import DayRule, from_iso, local_zone_name

STALE_KEY = DERIVED_STALE_KEY


def open_database(path: Path, *, provisional: bool = False) -> Store:
    """Open (creating or migrating) the database, and bring what is derived up to date.
    `provisional`: a new database is put in place only if kept (see `open_store`)."""
    store = open_store(path, provisional=provisional)
    try:
        record_zone(store)
        refresh_if_stale(store)
        reclassify_if_stale(store)
    except BaseException:
        store.close()
        raise
    return store


def record_zone(store: Store) -> str | None:
    """The time zone is the database's: the first use records this machine's (and says so),
    so a later `TZ` or another machine never moves the student's study days."""
    if "timezone" in store.config():
        return None
    name = local_zone_name()
    if not store.record_config_once("timezone", name):
        return None
    store.notices.append(
        f"Recorded the time zone {name} in {store.path}: study days follow it on every machine "
        "(`srs config set timezone ZONE` changes it)"
    )
    return name


def refresh_if_stale(store: Store) -> bool:
    """Fill the derived columns a migration marked stale; True if it did."""
    if STALE_KEY not in store.config():
        return False
    with store.write():
        what = store.config().get(STALE_KEY)
        if what is None:  # another srs did it meanwhile
            return False
        if what == "spread":
            store.spread_topic_totals()
        elif what == "regroup":  # grouping keys by today's rule, group totals from the cards (m009)
            store.regroup()
        elif what == "replay":  # every card from the log with today's scheduler (m007)
            scheduler = settings_mod.load(store).scheduler()
            rekey_attempts(store, scheduler.rule)
            rebuild_all(store, scheduler)
            fill_kept(store, scheduler)
        else:
            fill_kept(store, settings_mod.load(store).scheduler())
        store.delete_config(STALE_KEY)
    return True


def reclassify_if_stale(store: Store) -> bool:
    """Sort the stored reasons again by today's rule when a migration marked them (m009:
    the kinds an earlier rule gave); True if it did."""
    if REASONS_STALE_KEY not in store.config():
        return False
    from srs.ingest import taxonomy  # only after that migration: most starts never need it

    with store.write():
        if REASONS_STALE_KEY not in store.config():  # another srs did it meanwhile
            return False
        store.reclassify_reasons(taxonomy.load().reason_kind)
        store.delete_config(REASONS_STALE_KEY)
    return True


def rekey_attempts(store: Store, rule: DayRule) -> int:
    """Qbank attempts keyed by calendar date get the study-day key an import gives them now
    (so importing the same log again still finds them); where two attempts share a study
    day, the second keeps its old key (both stay in the log)."""
    from srs.ingest.importer import study_day_key  # only after a migration: not on every start

    changes = []
    for event_id, key, at in store.qbank_event_keys():
        new = study_day_key(key, from_iso(at), rule)
        if new is not None:
            changes.append((event_id, new))
    return store.set_event_keys(changes)


def fill_kept(store: Store, scheduler: Scheduler) -> None:
    """What is kept beside the stored cards (topic keys, study days, miss totals), from
    their states as they are and the log, without replaying them (inside a write)."""
    store.rekey_topics()
    store.set_study_days([(question_id, *scheduler.study_days(card)) for question_id, card in store.cards().items()])
    store.recount_misses()
    store.spread_topic_totals()
