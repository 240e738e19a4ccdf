"""The export writes the collection genanki would write, row for row.

srs.anki.package inserts notes and cards in bulk instead of through genanki's Note objects
(one statement per row), and skips escaping fields that need none; these tests hold
it to genanki's own output and to html.escape, so a newer genanki that changes its
rows shows up here rather than in a student's Anki.
"""

from __future__ import annotations

import html
import sqlite3
from pathlib import Path

import genanki
import pytest
from anki_helpers import import_log, previous_version
from hypothesis import given, settings
from hypothesis import strategies as st

from srs.anki import notetype
from srs.anki.notetype import NoteTypes
from srs.anki.package import _Deck, _decks, _field, _Note, _write_collection
from srs.filters import Selection, select
from srs.model import AnkiNote
from srs.plan.queue import Planner
from srs.settings import load as load_settings
from srs.store import open_store
from srs.timing import utc_now

TIMESTAMP = 1_795_000_000.0


def genanki_package(decks: list[_Deck]) -> genanki.Package:
    """The same decks and notes, as a plain genanki script would build them."""
    package = []
    for ours in decks:
        deck = genanki.Deck(ours.deck.deck_id, ours.deck.name)
        for n in ours.notes:
            deck.add_note(genanki.Note(model=n.model, fields=n.fields, guid=n.guid, tags=n.tags, due=n.due))
        package.append(deck)
    return genanki.Package(package)


def tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every table's rows, and the schema itself."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    dump = {name: conn.execute(f"SELECT * FROM {name} ORDER BY rowid").fetchall() for name in names}
    dump["sqlite_master"] = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
    return dump


@pytest.fixture
def sample_decks(srs, sample, db_path: Path) -> list[_Deck]:
    """The sample's notes in their decks: a few on an older note type version, one with no card."""
    import_log(srs, sample)
    shipped = notetype.load()
    old = previous_version(shipped.current)
    types = NoteTypes(current=shipped.current, previous=(old,), deck_id=shipped.deck_id)
    with open_store(db_path) as store:
        settings = load_settings(store)
        picked = select(store, Planner(store, settings, utc_now()).ranked, Selection(), settings.day_rule())
    known = {row.question_id: AnkiNote(0, i) for i, (row, _) in enumerate(picked[::5])}
    decks, _ = _decks(picked, known, types, "Step 1 Misses")
    model = decks[0].notes[0].model
    empty = _Note("no-card-guid", model, [], [""] * len(model.fields), 999)  # no field the front needs: no card
    decks[-1].add(empty)
    return decks


def test_collection_matches_genanki(sample_decks: list[_Deck], tmp_path: Path) -> None:
    ours, theirs = sqlite3.connect(tmp_path / "ours.anki2"), sqlite3.connect(tmp_path / "genanki.anki2")
    _write_collection(ours.cursor(), sample_decks, TIMESTAMP)
    genanki_package(sample_decks).write_to_db(theirs.cursor(), TIMESTAMP, iter(range(int(TIMESTAMP * 1000), 10**15)))
    expected = tables(theirs)
    assert len(expected["notes"]) == 78 and len(expected["cards"]) == 77
    assert len({row[2] for row in expected["notes"]}) == 2  # both note type versions
    assert tables(ours) == expected


@settings(deadline=None)  # a loaded CI machine must not make it flaky
@given(st.text(alphabet=st.sampled_from("ab &<>\"'\r\n\t\u00e9\u2265")) | st.text())
def test_fields_are_escaped_as_html_escape_does(text: str) -> None:
    assert _field(text) == html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")
