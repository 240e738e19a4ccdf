"""Anki packages (.apkg) written with genanki: one note per missed question.

Note GUIDs come from (source, qid), so importing a newer export into the same
Anki collection updates those notes and keeps their review progress. The note
type and root deck ids are fixed in `decks/notetype.json`; each note is written
with the note type version it was first exported with (srs.anki.notetype). New
cards get their new-card positions in priority order.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import html
import itertools
import os
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from srs import card_text as notes
from srs.anki import notetype as notetype_mod
from srs.anki import scratch
from srs.anki.identity import note_guid
from srs.anki.notetype import NoteType, NoteTypes
from srs.errors import SrsError
from srs.filters import Picked, Selection, select
from srs.model import AnkiNote, Question, no_misses_yet
from srs.plan.queue import Planner
from srs.settings import Settings
from srs.store import Store
from srs.store.file import explain


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    notes: int
    decks: int
    new: int = 0  # notes never exported before


_NOT_IN_TAG = re.compile(r"[^\w-]+")


@lru_cache(maxsize=8192)
def tag(kind: str, value: str) -> str:
    """'srs::topic::Type_I_hypersensitivity': hierarchical, no spaces.

    Cached: an export asks for the same few subjects, systems and topics thousands of times.
    """
    cleaned = _NOT_IN_TAG.sub("_", value.strip().replace("&", "and")).strip("_")
    return f"srs::{kind}::{cleaned}"


def deck_name(root: str, question: Question) -> str:
    return f"{root}::{question.subject}" if question.subject else root


def _deck_id(name: str, root: str, root_id: int) -> int:
    if name == root:
        return root_id
    digest = hashlib.sha256(f"srs deck {name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


_TO_ESCAPE = re.compile("[&<>\"'\r\n\\[]")  # what html.escape, the line breaks and Anki's tags below change
# Anki's own markup, which it acts on wherever it appears in a field: play tags ([sound:x.mp3],
# [anki:tts ...], [anki:play:...]) and LaTeX ([latex]...[/latex], [$]...[/$], [$$]...[/$$]), which
# it compiles into an image. Its opening bracket becomes an entity: the browser shows "[" and Anki
# no longer sees a tag. (Cloze markup, {{c1::...}}, is the note type's business, not touched here.)
_ANKI_TAG = re.compile(r"\[(?=sound:|anki:|/?latex\]|/?\$\$?\])", re.IGNORECASE)


def _field(text: str) -> str:
    """HTML-escaped, line breaks as <br>, Anki's play and LaTeX tags inert. Most fields need no
    change: one search finds out, where escaping scans the text seven times."""
    if not _TO_ESCAPE.search(text):
        return text
    text = html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")
    return _ANKI_TAG.sub("&#91;", text) if "[" in text else text


# Kept out of a field's text so that only srs's own markup can make a cloze: braces and
# colons as character references (they render the same, Anki's cloze parser skips them).
_NOT_MARKUP = str.maketrans({"{": "&#123;", "}": "&#125;", ":": "&#58;"})


def _text(text: str) -> str:
    """A stretch of the student's text inside srs-made markup: escaped, and never markup itself."""
    return _field(text).translate(_NOT_MARKUP)


def _highlighted(card: notes.Card) -> str:
    """The sentence, the hidden phrases in Anki's own cloze span (basic notes that show a cloze)."""
    return "".join(f'<span class="cloze">{_text(p.text)}</span>' if p.hidden else _field(p.text) for p in card.pieces)


def cloze_text(card: notes.Card, sentence: str) -> str:
    """The Text field of a cloze note: every deletion `{{c1::...}}`, so one card hides them all
    (srs keeps one card per question). A card that is no cloze (its question lost it, or got
    its own prompt) hides the whole sentence under its prompt."""
    if not card.is_cloze:
        return "{{c1::" + _text(sentence) + "}}"
    return "".join(
        ("{{c1::" + _text(p.text) + (f"::{_text(p.hint)}" if p.hint else "") + "}}") if p.hidden else _text(p.text)
        for p in card.pieces
    )


def note_fields(
    question: Question,
    misses: int,
    fields: tuple[str, ...] | None = None,
    *,
    show_wrong_choice: bool = False,
    card: notes.Card | None = None,
) -> list[str]:
    """Field values in note-type order, every one HTML-escaped (srs's own markup around escaped text).

    `card`: the question's card when the caller has it already (notes.card)."""
    card = card or notes.card(question, show_wrong_choice=show_wrong_choice)
    names = fields if fields is not None else notetype_mod.load().current.fields
    is_cloze_type = "Text" in names
    chose = notes.wrong_choice(question) if question.why_wrong else ""
    why_wrong = question.why_wrong if chose else ""
    sentence = notes.back_text(card) or notes.answer(question)
    explanation = _field(question.explanation)
    if why_wrong and not is_cloze_type:  # a basic note: the contrast leads the explanation
        contrast = f"Why not {_field(chose)}: {_field(why_wrong)}"
        explanation = contrast + (f"<br>{explanation}" if explanation else "")
    values = {
        "Ref": _field(notes.reference(question)),
        "Prompt": _field(card.prompt if is_cloze_type else notes.front_text(card)),
        "Explanation": explanation,
        "MyAnswer": _field(question.my_answer),
        "CorrectAnswer": _field(question.correct_answer),
        "Reason": _field(question.reason),
        "Subject": _field(question.subject),
        "System": _field(question.system),
        "Topic": _field(question.topic),
        "Source": _field(notes.source_name(question.source)),
        "QID": _field(question.qid),
        "Misses": str(misses),
    }
    if is_cloze_type:
        values.update(Text=cloze_text(card, sentence), NotChoice=_field(card.not_choice), WhyWrong=_field(why_wrong))
    else:
        values["Objective"] = _highlighted(card) if card.is_cloze else _field(sentence)
    return [values.get(name, "") for name in names]


def export_apkg(
    store: Store,
    settings: Settings,
    out: Path,
    *,
    now: datetime,
    deck_root: str | None = None,
    selection: Selection | None = None,
    note_types: NoteTypes | None = None,
) -> ExportSummary:
    """Write the selected cards to `out`; the file appears whole or not at all."""
    root = deck_root or settings.deck_root
    if not root.strip() or "::" in root:
        raise SrsError(f"deck root '{root}' must be a name without '::'")
    selection = selection or Selection()
    types = note_types or notetype_mod.load()
    ranked = Planner(store, settings, now).ranking()
    if not ranked:
        raise SrsError(f"nothing to export: no cards yet ({no_misses_yet(store.attempt_count())})")
    picked = select(store, ranked, selection, settings.day_rule())  # priority order
    if not picked:
        raise SrsError(_nothing_selected(selection))
    known = store.anki_notes()
    decks, written = _decks(picked, known, types, root, settings.show_wrong_choice)
    stamp = _export_stamp(store, now)
    out = Path(out)
    # The package is written whole beside `out`, the export recorded, and only then the file
    # renamed into place: an export that fails (a full disk, a read-only database) leaves no
    # new file and no record, and one that succeeds leaves both.
    with _package(decks, out, stamp) as partial:
        try:
            with store.write():
                store.set_config(EXPORT_STAMP_KEY, str(int(stamp)))
                store.record_exported(written, now)
        except sqlite3.Error as exc:
            raise SrsError(f"{out} was not written: {explain(exc, store.path)}") from exc
        except SrsError as exc:
            raise SrsError(f"{out} was not written: {exc}") from exc
        try:
            os.replace(partial, out)
        except OSError as exc:
            raise SrsError(
                f"{out}: cannot put the package in place ({_reason(exc)}); the export is recorded, "
                "so run it again to write the file"
            ) from exc
    new = sum(1 for question_id, *_ in written if question_id not in known)
    return ExportSummary(Path(out), len(written), len(decks), new)


class _Note(NamedTuple):
    """One note as it goes into the package: what genanki's Note would hold."""

    guid: str
    model: Any  # genanki.Model of the note's note type version
    tags: list[str]
    fields: list[str]  # HTML-escaped, in the note type's field order
    due: int  # the new-card position


@dataclass
class _Deck:
    """A genanki deck, which writes the deck's and its note types' JSON, and its notes in the order added.

    The notes stay out of the genanki deck: `_write_collection` writes their rows in bulk.
    """

    deck: Any  # genanki.Deck
    notes: list[_Note] = field(default_factory=list)

    def add(self, note: _Note) -> None:
        if note.model.model_id not in self.deck.models:
            self.deck.add_model(note.model)  # as genanki does for a deck's notes: first use first
        self.notes.append(note)


def _decks(
    picked: list[Picked], known: dict[int, AnkiNote], types: NoteTypes, root: str, show_wrong_choice: bool = False
) -> tuple[list[_Deck], list[tuple[int, str, int, int]]]:
    """The decks holding the notes, and what to record of each (question, GUID, version, position)."""
    import genanki

    positions = _positions([row.question_id for row, _ in picked], known)
    models: dict[int, Any] = {}
    decks: dict[str, _Deck] = {}
    written: list[tuple[int, str, int, int]] = []
    for row, question in picked:
        note = known.get(row.question_id)
        made = notes.card(question, show_wrong_choice=show_wrong_choice)
        note_type = types.version(note.version if note else None, cloze=made.is_cloze)
        model = models.get(note_type.version)
        if model is None:
            model = models[note_type.version] = _model(note_type)
        name = deck_name(root, question)
        deck = decks.get(name)
        if deck is None:
            deck = decks[name] = _Deck(genanki.Deck(_deck_id(name, root, types.deck_id), name))
        guid = note_guid(question.source, question.qid)
        position = positions[row.question_id]
        fields = note_fields(question, row.misses, note_type.fields, card=made)
        deck.add(_Note(guid, model, _tags(question), fields, position))
        written.append((row.question_id, guid, note_type.version, position))
    return list(decks.values()), written


def _positions(question_ids: list[int], known: dict[int, AnkiNote]) -> dict[int, int]:
    """New-card positions: a note keeps the one of its first export; the others follow every
    position given before, in the order given (priority order).

    Anki takes an imported new card's position as it is and never changes the position of
    a card it already has, so only positions past all earlier ones put new cards behind
    the cards already waiting, in priority order among themselves.
    """
    given = [note.position for note in known.values() if note.position is not None]
    following = max(max(given, default=-1) + 1, len(known))  # notes from before positions were kept used 0..n-1
    positions: dict[int, int] = {}
    for question_id in question_ids:
        note = known.get(question_id)
        if note is not None and note.position is not None:
            positions[question_id] = note.position
        else:
            positions[question_id] = following
            following += 1
    return positions


def _model(note_type: NoteType) -> Any:
    import genanki

    return genanki.Model(
        note_type.model_id,
        note_type.name,
        fields=[{"name": name} for name in note_type.fields],
        templates=[{"name": note_type.template_name, "qfmt": note_type.front, "afmt": note_type.back}],
        css=note_type.css,
        model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
    )


def _tags(question: Question) -> list[str]:
    tags = [tag("source", notes.source_name(question.source))]
    return tags + [tag(k, getattr(question, k)) for k in ("subject", "system", "topic") if getattr(question, k)]


def _nothing_selected(selection: Selection) -> str:
    if selection.new_only and selection == Selection(new_only=True):
        return "nothing new to export: every card was exported before (leave out --new-only to export them again)"
    if selection.new_only:
        return "nothing new to export: every card that matches these filters was exported before"
    return "nothing to export: no card matches all these filters"


EXPORT_STAMP_KEY = "_last-export-stamp"


def _export_stamp(store: Store, now: datetime) -> float:
    """The export time, but always a later second than the previous export.

    Anki updates a note only when the incoming one is newer, to the second; two
    exports in one second would otherwise leave the second one ignored.
    """
    last = int(store.config().get(EXPORT_STAMP_KEY, "0"))
    return float(max(int(now.timestamp()), last + 1))


def _reason(exc: OSError | sqlite3.Error) -> str:
    """'the disk is full' for ENOSPC (and SQLite's own word for it), else the system's words."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        return exc.strerror or str(exc)
    if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "full" in str(exc):
        return "the disk is full"
    return str(exc)


@contextlib.contextmanager
def _package(decks: list[_Deck], out: Path, timestamp: float) -> Iterator[str]:
    """Like genanki's write_to_file, but compressed: the whole package in a private hidden file
    beside `out` (removed unless the caller renamed it into place)."""
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise SrsError(f"{out}: folder {folder} does not exist")
    with scratch.work_folder("export") as work:
        collection = os.path.join(work, "collection.anki2")
        try:
            conn = sqlite3.connect(collection)
            try:
                # A scratch file, zipped and then deleted: no journal, no fsync. genanki's schema is 13
                # statements, each committed and synced on its own: about 100 ms at 20,000 notes.
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")
                _write_collection(conn.cursor(), decks, timestamp)
                conn.commit()
            finally:
                conn.close()
        except (OSError, sqlite3.Error) as exc:
            raise SrsError(
                f"{out} was not written: cannot build the package in the temporary folder {work} ({_reason(exc)})"
            ) from exc
        try:
            partial = scratch.partial_beside(out, folder)
        except OSError as exc:
            raise SrsError(f"{out} was not written: cannot create a file in {folder} ({_reason(exc)})") from exc
        try:
            try:
                with zipfile.ZipFile(
                    partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL
                ) as archive:
                    archive.write(collection, "collection.anki2")
                    archive.writestr("media", "{}")
            except OSError as exc:
                raise SrsError(f"{out} was not written: {_reason(exc)}") from exc
            yield partial
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)


# zlib level. 20,000 notes (a 9.1 MB collection): 1.86 MB in 66 ms at level 1, 1.75 MB in 204 ms
# at level 6 (zlib's default). Either is far under the target of 40 % of genanki's 8.6 MB file.
ZIP_LEVEL = 1

_NOTE_ROW = "INSERT INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_CARD_ROW = "INSERT INTO cards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _write_collection(cursor: sqlite3.Cursor, decks: list[_Deck], timestamp: float) -> None:
    """The collection genanki's Package.write_to_db writes, row for row, with its notes and
    cards inserted by one executemany each instead of one statement per row.

    Same schema, deck and note type JSON (genanki's own code), note and card ids from the
    same counter in the same order, same values (tests/test_export_collection.py compares
    the two). genanki's per-note check for unescaped HTML is left out: `note_fields`
    escapes every field, and tags never hold a space (`tag`).
    """
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    ids = itertools.count(int(timestamp * 1000))
    notes: list[tuple[Any, ...]] = []
    cards: list[tuple[Any, ...]] = []
    for deck in decks:
        deck.deck.write_to_db(cursor, timestamp, ids)  # JSON only: the genanki deck holds no notes
        _add_rows(deck, ids, int(timestamp), notes, cards)
    cursor.executemany(_NOTE_ROW, notes)
    cursor.executemany(_CARD_ROW, cards)


_CARD_ZEROS = (0,) * 8  # a new card's ivl, factor, reps, lapses, left, odue, odid, flags


def _add_rows(
    deck: _Deck, ids: Iterator[int], mod: int, notes: list[tuple[Any, ...]], cards: list[tuple[Any, ...]]
) -> None:
    """The deck's note and card rows: the columns, values and id order of genanki's Note and Card."""
    for note in deck.notes:
        note_id = next(ids)
        tags = " " + " ".join(note.tags) + " "
        sort_field = note.fields[note.model.sort_field_index]
        notes.append(
            (note_id, note.guid, note.model.model_id, mod, -1, tags, "\x1f".join(note.fields), sort_field, 0, 0, "")
        )
        for ord_ in _card_ords(note.model, note.fields):  # id, nid, did, ord, mod, usn, type, queue, due, ...
            cards.append((next(ids), note_id, deck.deck.deck_id, ord_, mod, -1, 0, 0, note.due, *_CARD_ZEROS, ""))


_ANY_ALL = {"any": any, "all": all}


def _card_ords(model: Any, fields: list[str]) -> list[int]:
    """The templates that give this note a card: genanki's rule for front/back note types
    (any, or all, of the fields a template needs are not empty). A cloze note has one card,
    c1: srs writes every deletion as c1 (cloze_text)."""
    if model.model_type == model.CLOZE:
        return [0]
    return [ord_ for ord_, kind, required in model._req if _ANY_ALL[kind](fields[i] for i in required)]
