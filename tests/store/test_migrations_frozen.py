"""Migrations are history: once a later one exists, a migration's text never changes, and
what it copies of today's rules still equals them. (A shipped migration edited later is
what once made databases of earlier versions fail to open.)"""

from __future__ import annotations

import hashlib
import inspect
import re

import pytest

from srs import derived, model
from srs.ingest.reasons import UNCLASSIFIED
from srs.plan import weights
from srs.settings import Settings
from srs.store import migrations

# sha256 (first 16 hex digits) of each migration's source and the private helpers it calls.
# A new migration adds its line here when the next one is written; an existing line never changes.
FROZEN = {
    "m001_initial": "81d2cbf89cfe58df",
    "m002_anki_notes": "4f752ece9f411d3a",
    "m003_event_indexes": "5cd5d99d46405876",
    "m004_miss_totals": "f7993f450b269360",
    "m005_topic_copies": "401327951c98a9a3",
    "m006_assessments": "beb5e8dd8db190e2",
    "m007_interday_steps": "416b3540503bd2b4",
    "m008_cloze_and_text_events": "802a8d658f222f7c",
    "m009_question_identity": "64b8b90dc24d7908",
    "m010_event_reason_kinds": "81d1f33b7c042780",
}


def source_of(migration) -> str:  # type: ignore[no-untyped-def]
    text = inspect.getsource(migration)
    helpers = sorted(set(re.findall(r"\b(_[a-z]\w*)\(", text)))
    return text + "".join(inspect.getsource(getattr(migrations, h)) for h in helpers if hasattr(migrations, h))


def digest(migration) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(source_of(migration).encode()).hexdigest()[:16]


@pytest.mark.parametrize("migration", migrations.MIGRATIONS[:-1], ids=lambda m: m.__name__)
def test_a_migration_with_a_later_one_never_changes(migration):
    assert digest(migration) == FROZEN[migration.__name__], (
        f"{migration.__name__} has shipped (a later migration exists): add a new migration instead of editing it"
    )


def test_every_migration_is_recorded():
    assert list(FROZEN) == migrations.NAMES


def test_migrations_run_none_of_todays_code():
    """No srs import inside a migration: it would change whenever that code does."""
    for migration in migrations.MIGRATIONS:
        assert not re.search(r"^\s*(from|import) srs", source_of(migration), re.M), migration.__name__
    assert [m for m in re.findall(r"^from (srs\S*) import", inspect.getsource(migrations), re.M)] == []


def test_what_migrations_copy_still_equals_the_live_rules():
    assert migrations.M005_NEW_CARD_ORDER == weights.NEW_CARD_ORDER
    assert migrations.M005_NEW_CARD_ORDER in inspect.getsource(migrations.m005_topic_copies)
    assert migrations.M001_MISS_RESULTS == model.MISS_RESULTS
    results = ", ".join(f"'{r}'" for r in model.MISS_RESULTS)
    assert f"result IN ({results})" in source_of(migrations.m002_anki_notes)
    assert f"result IN ({results})" in source_of(migrations.m003_event_indexes)
    assert f"rating = {model.MISSED_RATING}" in source_of(migrations.m003_event_indexes)
    assert migrations.DERIVED_STALE_KEY == derived.STALE_KEY
    assert migrations.M006_ASSESSMENT_KINDS == model.ASSESSMENT_KINDS
    assert migrations.M006_BANDS == model.BANDS
    kinds, bands = (", ".join(f"'{k}'" for k in names) for names in (model.ASSESSMENT_KINDS, model.BANDS))
    assert f"kind IN ({kinds})" in source_of(migrations.m006_assessments)
    assert f"band IN ({bands})" in source_of(migrations.m006_assessments)
    assert f"result IN ({results})" in source_of(migrations.m010_event_reason_kinds)
    assert migrations.M010_UNCLASSIFIED == UNCLASSIFIED
    assert f"'{UNCLASSIFIED}'" in source_of(migrations.m010_event_reason_kinds)
    assert migrations.REASONS_STALE_KEY == derived.REASONS_STALE_KEY
    assert f"'{derived.REASONS_STALE_KEY}'" in source_of(migrations.m010_event_reason_kinds)
    assert f"'{Settings().miss_half_life!r}'" in source_of(migrations.m004_miss_totals)  # the default half-life
