"""`srs sync-anki`: reviews done in a real Anki collection come home, once, and hostile files are refused.

The loop under test is the student's: `srs export` → import into Anki → review there
through Anki's v3 scheduler → File → Export (.colpkg, or a deck .apkg with scheduling)
→ `srs sync-anki`.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from anki.collection import CardId, Collection
from anki.scheduler.v3 import CardAnswer
from anki_helpers import (
    anki_collection,
    export,
    export_colpkg,
    export_deck_apkg,
    import_into_anki,
    import_log,
    review_next,
    select_root,
)

from srs.anki.collection import AnkiFileError, Limits, check_entries, copy_collection
from srs.anki.sync import EPOCH
from srs.plan.queue import Planner
from srs.schedule.replay import replay_all
from srs.settings import load
from srs.store import open_store
from srs.timing import from_iso, utc_now

pytestmark = pytest.mark.slow

RATINGS = [CardAnswer.GOOD, CardAnswer.AGAIN, CardAnswer.EASY, CardAnswer.HARD, CardAnswer.AGAIN, CardAnswer.GOOD]


# Helpers
##########################################################################


@pytest.fixture
def studied(srs, sample, tmp_path, tmp_anki) -> Iterator[Collection]:
    """The sample exported, imported into Anki and partly reviewed there."""
    import_log(srs, sample)
    apkg = export(srs, tmp_path / "sample.apkg")
    with anki_collection(tmp_anki) as col:
        import_into_anki(col, apkg)
        select_root(col)
        for rating in RATINGS:
            review_next(col, rating)
        yield col


def anki_reviews(col: Collection) -> set[tuple[str, str, int]]:
    """(note GUID, answer time, button) for every answer in Anki's review log."""
    rows = col.db.all(
        "SELECT n.guid, r.id, r.ease FROM revlog r JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid "
        "WHERE r.ease > 0"
    )
    return {(guid, (EPOCH + timedelta(milliseconds=ms)).isoformat(), ease) for guid, ms, ease in rows}


def srs_reviews(db_path: Path) -> set[tuple[str, str, int]]:
    """The same triples from srs's event log (GUID taken from the event key)."""
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute("SELECT key, at, rating FROM events WHERE kind = 'review'").fetchall()
    finally:
        conn.close()
    assert all(key.startswith("anki|") for key, _, _ in rows)
    guid = lambda key: key.removeprefix("anki|").rsplit("|", 1)[0]  # noqa: E731 - GUIDs may hold '|'
    return {(guid(key), from_iso(at).isoformat(), rating) for key, at, rating in rows}


def db_state(db_path: Path) -> tuple[list[tuple], ...]:
    """Every row sync-anki could write, to show that nothing changed."""
    conn = sqlite3.connect(db_path)
    try:
        return tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("events", "cards", "anki_notes", "questions", "config")
        )
    finally:
        conn.close()


def assert_cards_equal_a_rebuild(db_path: Path) -> None:
    with open_store(db_path) as store:
        scheduler = load(store).scheduler()
        replayed = {qid: r.card for qid, r in replay_all(store, scheduler) if r is not None}
        assert store.cards() == replayed


def misses_by_guid(db_path: Path) -> dict[str, int]:
    from srs.anki.package import note_guid

    with open_store(db_path) as store:
        rows = Planner(store, load(store), utc_now()).ranked
    return {note_guid(r.source, r.qid): r.misses for r in rows}


def sync(srs, path: Path) -> str:
    result = srs("sync-anki", str(path))
    assert result.exit_code == 0, result.output
    return result.output


# The loop
##########################################################################


def test_reviews_done_in_anki_come_home_once(srs, db_path, tmp_path, studied):
    col = studied
    answers = anki_reviews(col)
    assert len(answers) == len(RATINGS)
    again = {guid for guid, _, ease in answers if ease == 1}
    misses_before = misses_by_guid(db_path)
    colpkg = export_colpkg(col, tmp_path / "collection.colpkg")
    conn = sqlite3.connect(db_path)  # as if the export had been made by an srs that kept no record
    with conn:
        conn.execute("DELETE FROM anki_notes")
    conn.close()

    cards = len({guid for guid, _, _ in answers})
    assert sync(srs, colpkg) == (
        f"77 srs notes in collection.colpkg, 6 Anki reviews: 6 new, 0 already recorded, "
        f"0 manual changes skipped; {cards} cards updated\n"
    )
    assert srs_reviews(db_path) == answers  # each answer once, its button and its time
    assert_cards_equal_a_rebuild(db_path)
    misses_after = misses_by_guid(db_path)
    for guid, count in misses_before.items():  # an Again in Anki is a miss for priority
        assert misses_after[guid] == count + sum(1 for g, _, e in answers if g == guid and e == 1)
    assert again and all(misses_after[g] > misses_before[g] for g in again)

    before = db_state(db_path)
    assert "6 Anki reviews: 0 new, 6 already recorded" in sync(srs, colpkg)
    assert db_state(db_path) == before

    # The notes found in Anki count as exported: nothing is new to it.
    assert srs("export", "-o", str(tmp_path / "x.apkg"), "--new-only").output.startswith("Error: nothing new")


def test_other_exports_and_later_reviews(srs, db_path, tmp_path, studied):
    col = studied
    sync(srs, export_colpkg(col, tmp_path / "first.colpkg"))
    state = db_state(db_path)
    for same in (
        export_deck_apkg(col, tmp_path / "deck.apkg"),
        export_colpkg(col, tmp_path / "old.colpkg", legacy=True),
    ):
        assert "6 Anki reviews: 0 new, 6 already recorded" in sync(srs, same)
    assert db_state(db_path) == state

    reviewed = [review_next(col, CardAnswer.GOOD), review_next(col, CardAnswer.AGAIN)]
    col.sched.set_due_date([CardId(reviewed[0])], "3")  # a manual change: logged by Anki, not a recall
    later = export_deck_apkg(col, tmp_path / "later.apkg")
    assert "9 Anki reviews: 2 new, 6 already recorded, 1 manual changes skipped" in sync(srs, later)
    assert srs_reviews(db_path) == anki_reviews(col)
    assert_cards_equal_a_rebuild(db_path)


# Hostile and broken files
##########################################################################


def zip_with(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def srs_package(srs, sample, tmp_path) -> dict[str, bytes]:
    """The entries of a real (if review-less) Anki package: what srs export writes."""
    with zipfile.ZipFile(export(srs, tmp_path / "base.apkg")) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def corrupted(collection: bytes) -> bytes:
    """A collection with its notes table's first page overwritten."""
    data = bytearray(collection)
    page = int.from_bytes(data[16:18], "big")
    assert len(data) >= 4 * page
    data[page : 2 * page] = bytes((i * 37) % 251 for i in range(page))
    return bytes(data)


HOSTILE = {
    "traversal": lambda base: {**base, "../evil.txt": b"x"},
    "absolute": lambda base: {**base, "/tmp/evil.txt": b"x"},
    "backslash": lambda base: {**base, "..\\evil.txt": b"x"},
    "zip bomb": lambda base: {**base, "collection.anki2": bytes(20 * 1024 * 1024)},
    "corrupt collection": lambda base: {**base, "collection.anki2": corrupted(base["collection.anki2"])},
    "no collection": lambda base: {"media": b"{}"},
}
REFUSALS = {
    "traversal": "refused: entry '../evil.txt' points outside the folder it unpacks into",
    "absolute": "refused: entry '/tmp/evil.txt' points outside the folder it unpacks into",
    "backslash": "refused: entry '..\\evil.txt' points outside the folder it unpacks into",
    "zip bomb": "refused: entry 'collection.anki2' is compressed 1,0",
    "corrupt collection": "the collection inside is damaged or not an Anki collection (Anki: ",
    "no collection": "no Anki collection inside; export one from Anki (File → Export)",
    "not a zip": "not an Anki export (not a zip archive); in Anki use File → Export",
}


@pytest.mark.parametrize("case", [*HOSTILE, "not a zip"])
def test_hostile_files_are_refused_and_nothing_is_written(srs, sample, tmp_path, db_path, monkeypatch, case):
    import_log(srs, sample)
    base = srs_package(srs, sample, tmp_path)
    bad = tmp_path / "bad.colpkg"
    if case == "not a zip":
        bad.write_text("collection.anki2\n" * 100)
    else:
        zip_with(bad, HOSTILE[case](base))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = db_state(db_path)

    result = srs("sync-anki", str(bad))

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}: {REFUSALS[case]}"), result.output
    assert len(result.output.splitlines()) == 1
    assert db_state(db_path) == before
    assert list(scratch.iterdir()) == []  # the temporary copy is gone
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_the_base_of_the_hostile_files_is_accepted(srs, sample, tmp_path):
    """The hostile files differ from a good one only by their trick."""
    import_log(srs, sample)
    good = zip_with(tmp_path / "good.apkg", srs_package(srs, sample, tmp_path))
    assert sync(srs, good).startswith("77 srs notes in good.apkg, 0 Anki reviews")


def test_size_limits_and_odd_entries(srs, sample, tmp_path):
    import_log(srs, sample)
    package = zip_with(tmp_path / "p.apkg", srs_package(srs, sample, tmp_path))
    with pytest.raises(AnkiFileError, match=r"refused: it would unpack to 0\.0 GiB \(limit 0 GiB; a zip bomb"):
        copy_collection(package, tmp_path, Limits(max_total_bytes=1000))
    with pytest.raises(AnkiFileError, match=r"refused: 2 entries \(limit 1\)"):
        copy_collection(package, tmp_path, Limits(max_entries=1))
    with pytest.raises(AnkiFileError, match=r"refused: its collection is"):
        copy_collection(package, tmp_path, Limits(max_collection_bytes=1000))

    link = zipfile.ZipInfo("media")
    link.external_attr = 0o120777 << 16
    locked = zipfile.ZipInfo("media")
    locked.flag_bits |= 0x1
    for entries, message in (
        ([link], "entry 'media' is a link"),
        ([locked], "entry 'media' is encrypted"),
        ([zipfile.ZipInfo("media"), zipfile.ZipInfo("media")], "entry 'media' appears twice"),
        ([zipfile.ZipInfo("C:/evil")], "entry 'C:/evil' points outside"),
    ):
        with pytest.raises(AnkiFileError, match=message):
            check_entries(entries, "x.colpkg")


def test_integrity_is_checked_before_reading():
    from srs.anki.collection import _check_integrity

    class Db:
        def scalar(self, sql: str) -> str:
            assert sql == "PRAGMA integrity_check"
            return "*** in database main ***\nPage 7: btreeInitPage() returns error code 11"

    class Col:
        db = Db()

    with pytest.raises(AnkiFileError, match=r"^x\.colpkg: the collection inside is damaged \(\*\*\* in database"):
        _check_integrity(Col(), "x.colpkg")


def test_without_the_anki_package_it_says_how_to_install_it(srs, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "anki.collection", None)
    result = srs("sync-anki", str(tmp_path / "collection.colpkg"))
    assert result.exit_code == 1
    assert result.output == "Error: reading Anki files needs the 'anki' package: python -m pip install 'srs[anki]'\n"


def test_sync_reads_the_parameters_under_its_lock(studied, srs, db_path, tmp_path):
    """Issue 14, item 1, for `srs sync-anki`: settings read before the write lock, new
    parameters committed by another srs meanwhile, then the sync: cards still equal the log."""
    from safety_helpers import cards_equal_replay

    from srs.anki.sync import sync_anki
    from srs.derived import open_database
    from srs.schedule import optimizer
    from srs.schedule.parameters import DEFAULT, FittedParameters

    colpkg = export_colpkg(studied, tmp_path / "collection.colpkg")
    other = tuple(p * 3 if i in (0, 1, 2, 3) else p for i, p in enumerate(DEFAULT))
    with open_database(db_path) as store:
        stale = load(store)  # read before the lock, as the CLI does
        with open_database(db_path) as elsewhere:
            optimizer.save(elsewhere, FittedParameters(other, fitted_at=utc_now(), reviews=400))
        summary = sync_anki(store, stale, colpkg, now=utc_now())
    assert summary.added > 0
    assert cards_equal_replay(db_path)
