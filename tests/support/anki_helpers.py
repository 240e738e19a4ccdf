"""Helpers for the tests that drive a real Anki collection (the `anki` package, headless).

Anki is driven the way the desktop app drives it: `import_anki_package` with the
import dialog's default options, reviews answered through the v3 scheduler,
exports through the collection's own export calls.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

# anki.collection must be imported before anki.cards or anki.scheduler (circular imports).
from anki.collection import (
    CardId,
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition, ImportResponse
from anki.notes import Note
from anki.scheduler.v3 import CardAnswer, Scheduler

from srs.anki.notetype import NoteType

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
ROOT = "Step 1 Misses"
DECKS = Path(__file__).resolve().parents[2] / "decks"


@contextmanager
def anki_collection(path: Path) -> Iterator[Collection]:
    """A real Anki collection (created if missing), always closed afterwards."""
    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def import_package(col: Collection, apkg: Path) -> ImportResponse.Log:
    """Import like Anki's import dialog with its default options, whatever the log says.

    Those defaults: update notes and note types only "if newer" (the incoming note's
    mtime, in whole seconds, must be strictly later than the one in the collection),
    no scheduling, no merging of note types.
    """
    options = ImportAnkiPackageOptions(
        merge_notetypes=False,
        update_notes=IF_NEWER,
        update_notetypes=IF_NEWER,
        with_scheduling=False,
        with_deck_configs=False,
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options)).log


def import_into_anki(col: Collection, apkg: Path) -> ImportResponse.Log:
    """Import with the dialog's defaults; fails on any conflict or missing part."""
    log = import_package(col, apkg)
    problems = {
        "conflicting": len(log.conflicting),
        "missing_notetype": len(log.missing_notetype),
        "missing_deck": len(log.missing_deck),
        "empty_first_field": len(log.empty_first_field),
    }
    assert not any(problems.values()), problems
    return log


def export(srs, out: Path, *args: str) -> Path:
    result = srs("export", "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    return out


def import_log(srs, path: Path) -> None:
    result = srs("import", str(path))
    assert result.exit_code == 0, result.output


def notes_by_guid(col: Collection) -> dict[str, Note]:
    return {note.guid: note for note in (col.get_note(nid) for nid in col.find_notes(""))}


def review_next(col: Collection, rating: CardAnswer.Rating.V) -> CardId:
    """Answer the card at the top of the selected deck's study queue; returns its id.

    The v3 scheduler only accepts an answer for the card at the top of its queue.
    """
    sched = col.sched
    assert isinstance(sched, Scheduler)
    queued = sched.get_queued_cards().cards[0]
    card = col.get_card(CardId(queued.card.id))
    card.start_timer()
    sched.answer_card(sched.build_answer(card=card, states=queued.states, rating=rating))
    return card.id


def select_root(col: Collection, name: str = ROOT) -> None:
    deck = col.decks.id_for_name(name)
    assert deck is not None
    col.decks.select(deck)


def progress(col: Collection, card_id: CardId) -> dict[str, int]:
    card = col.get_card(card_id)
    return {k: getattr(card, k) for k in ("reps", "lapses", "ivl", "type", "queue", "due", "left")}


def export_colpkg(col: Collection, out: Path, *, legacy: bool = False) -> Path:
    """File → Export → Anki Collection Package. Closes the collection, as Anki does; reopens it."""
    col.export_collection_package(str(out), include_media=True, legacy=legacy)
    col.reopen()
    return out


def export_deck_apkg(col: Collection, out: Path, deck: str = ROOT) -> Path:
    """File → Export → Anki Deck Package of one deck, with scheduling information."""
    deck_id = col.decks.id_for_name(deck)
    assert deck_id is not None
    options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False)
    col.export_anki_package(out_path=str(out), options=options, limit=DeckIdLimit(deck_id))
    return out


def package_notes(apkg: Path) -> list[dict[str, str]]:
    """The notes in an srs-written package (genanki's plain SQLite), in new-card order, without Anki."""
    with zipfile.ZipFile(apkg) as archive:
        data = archive.read("collection.anki2")
    folder = apkg.parent / f".{apkg.name}.read"
    folder.mkdir(exist_ok=True)
    path = folder / "collection.anki2"
    path.write_bytes(data)
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT n.guid, n.flds, n.tags FROM notes n JOIN cards c ON c.nid = n.id ORDER BY c.due"
        ).fetchall()
    finally:
        conn.close()
    names = json.loads((DECKS / "notetype.json").read_text(encoding="utf-8"))["fields"]
    return [{"guid": g, "tags": t.strip(), **dict(zip(names, f.split("\x1f"), strict=False))} for g, f, t in rows]


def sample_rows(sample: Path) -> list[dict[str, str]]:
    with sample.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def fresh_anki_path(tmp_path: Path) -> Path:
    """Where a fresh Anki collection goes (Anki needs its folder to exist)."""
    (tmp_path / "anki").mkdir()
    return tmp_path / "anki" / "collection.anki2"


def previous_version(current: NoteType) -> NoteType:
    """A made-up earlier version: fewer fields, its own id and name, as a real v0 would have had."""
    return NoteType(
        version=0,
        model_id=current.model_id - 1000,
        name="srs missed question v0",
        fields=("Ref", "Prompt", "Objective", "Source", "QID"),
        template_name="Recall",
        front="<div class=prompt>{{Prompt}}</div>",
        back="{{FrontSide}}<hr id=answer>{{Objective}}<div>{{Source}} #{{QID}}</div>",
        css=".card { font-family: sans-serif; }",
    )


def rendered(note: Note) -> tuple[str, str]:
    """Question and answer HTML (without the CSS) as Anki renders the note's card."""
    (card,) = note.cards()
    output = card.render_output(reload=True)
    return output.question_text, output.answer_text


class Html(HTMLParser):
    """The elements, attribute names and decoded text of a piece of HTML."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self._text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def words(self) -> str:
        """The text with its whitespace runs as single spaces."""
        return " ".join(self.text.split())
