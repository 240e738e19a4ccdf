"""Anki packages (.apkg) written with genanki: one note per missed question.

Note GUIDs come from (source, qid), so importing a newer export into the same
Anki collection updates those notes and keeps their review progress. The note
type and root deck ids are fixed in `decks/notetype.json`; each note is written
with the note type version it was first exported with (srs.notetype). New
cards get their new-card positions in priority order.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import notes
from . import notetype as notetype_mod
from .db import AnkiNote, Question, Store
from .errors import SrsError
from .notetype import NoteType, NoteTypes
from .queue import Planner
from .selection import Picked, Selection, select
from .settings import Settings


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    notes: int
    decks: int
    new: int = 0  # notes never exported before


def note_guid(source: str, qid: str) -> str:
    import genanki

    return str(genanki.guid_for("srs", source, qid))


def tag(kind: str, value: str) -> str:
    """'srs::topic::Type_I_hypersensitivity': hierarchical, no spaces."""
    cleaned = re.sub(r"[^\w-]+", "_", value.strip().replace("&", "and")).strip("_")
    return f"srs::{kind}::{cleaned}"


def deck_name(root: str, question: Question) -> str:
    return f"{root}::{question.subject}" if question.subject else root


def _deck_id(name: str, root: str, root_id: int) -> int:
    if name == root:
        return root_id
    digest = hashlib.sha256(f"srs deck {name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def _field(text: str) -> str:
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def note_fields(question: Question, misses: int, fields: tuple[str, ...] | None = None) -> list[str]:
    """Field values in note-type order, every one HTML-escaped."""
    values = {
        "Ref": notes.reference(question),
        "Prompt": notes.prompt(question),
        "Objective": notes.answer(question),
        "Explanation": question.explanation,
        "MyAnswer": question.my_answer,
        "CorrectAnswer": question.correct_answer,
        "Reason": question.reason,
        "Subject": question.subject,
        "System": question.system,
        "Topic": question.topic,
        "Source": notes.source_name(question.source),
        "QID": question.qid,
        "Misses": str(misses),
    }
    names = fields if fields is not None else notetype_mod.load().current.fields
    return [_field(values.get(name, "")) for name in names]


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
    import genanki

    root = deck_root or settings.deck_root
    if not root.strip() or "::" in root:
        raise SrsError(f"deck root '{root}' must be a name without '::'")
    selection = selection or Selection()
    types = note_types or notetype_mod.load()
    planner = Planner(store, settings, now)
    if not planner.ranked:
        raise SrsError("nothing to export: no cards yet (import a miss log first)")
    picked = select(store, planner.ranked, selection, settings.day_rule())  # priority order
    if not picked:
        raise SrsError(_nothing_selected(selection))
    known = store.anki_notes()
    decks, written = _decks(picked, known, types, root)
    stamp = _export_stamp(store, now)
    _write_package(genanki.Package(decks), Path(out), stamp)
    with store.write():
        store.set_config(EXPORT_STAMP_KEY, str(int(stamp)))
        store.record_exported(written, now)
    new = sum(1 for question_id, *_ in written if question_id not in known)
    return ExportSummary(Path(out), len(written), len(decks), new)


def _decks(
    picked: list[Picked], known: dict[int, AnkiNote], types: NoteTypes, root: str
) -> tuple[list[Any], list[tuple[int, str, int, int]]]:
    """genanki decks holding the notes, and what to record of each (question, GUID, version, position)."""
    import genanki

    positions = _positions([row.question_id for row, _ in picked], known)
    models: dict[int, Any] = {}
    decks: dict[str, Any] = {}
    written: list[tuple[int, str, int, int]] = []
    for row, question in picked:
        note = known.get(row.question_id)
        note_type = types.version(note.version if note else None)
        if note_type.version not in models:
            models[note_type.version] = _model(note_type)
        name = deck_name(root, question)
        if name not in decks:
            decks[name] = genanki.Deck(_deck_id(name, root, types.deck_id), name)
        guid = note_guid(question.source, question.qid)
        position = positions[row.question_id]
        fields = note_fields(question, row.misses, note_type.fields)
        model = models[note_type.version]
        decks[name].add_note(genanki.Note(model=model, fields=fields, guid=guid, tags=_tags(question), due=position))
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


def _write_package(package: Any, out: Path, timestamp: float) -> None:
    """Like genanki's write_to_file, but compressed, and atomic via a temporary file."""
    import itertools

    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise SrsError(f"{out}: folder {folder} does not exist")
    with tempfile.TemporaryDirectory(prefix="srs-export-") as work:
        collection = os.path.join(work, "collection.anki2")
        conn = sqlite3.connect(collection)
        try:
            package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=folder)
        os.close(fd)
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.write(collection, "collection.anki2")
                archive.writestr("media", "{}")
            os.replace(partial, out)
        except BaseException:
            os.unlink(partial)
            raise
