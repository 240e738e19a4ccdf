"""Anki packages (.apkg) written with genanki: one note per missed question.

Note GUIDs come from (source, qid), so importing a newer export into the same
Anki collection updates those notes and keeps their review progress. The note
type and root deck ids are fixed in `decks/notetype.json`.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import notes
from .db import Question, Store
from .errors import SrsError
from .queue import Planner
from .settings import Settings


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    notes: int
    decks: int


@lru_cache(maxsize=1)
def note_type() -> dict[str, Any]:
    """Fields, ids, templates and CSS from the `decks/` folder."""
    folder = resources.files("srs_decks")
    spec = json.loads(folder.joinpath("notetype.json").read_text(encoding="utf-8"))
    spec["front"] = folder.joinpath("front.html").read_text(encoding="utf-8")
    spec["back"] = folder.joinpath("back.html").read_text(encoding="utf-8")
    spec["css"] = folder.joinpath("style.css").read_text(encoding="utf-8")
    return spec


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


def note_fields(question: Question, misses: int) -> list[str]:
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
    return [_field(values[name]) for name in note_type()["fields"]]


def export_apkg(
    store: Store,
    settings: Settings,
    out: Path,
    *,
    now: datetime,
    deck_root: str | None = None,
) -> ExportSummary:
    """Write every carded question to `out`; the file appears whole or not at all."""
    import genanki

    root = deck_root or settings.deck_root
    if not root.strip() or "::" in root:
        raise SrsError(f"deck root '{root}' must be a name without '::'")
    rows = Planner(store, settings, now).ranked  # new cards reach Anki in priority order
    if not rows:
        raise SrsError("nothing to export: no cards yet (import a miss log first)")
    spec = note_type()
    model = genanki.Model(
        spec["model_id"],
        spec["model_name"],
        fields=[{"name": name} for name in spec["fields"]],
        templates=[{"name": spec["template_name"], "qfmt": spec["front"], "afmt": spec["back"]}],
        css=spec["css"],
    )
    questions = {q.id: q for q in store.questions(r.question_id for r in rows)}
    decks: dict[str, genanki.Deck] = {}
    for position, row in enumerate(rows):
        question = questions[row.question_id]
        name = deck_name(root, question)
        if name not in decks:
            decks[name] = genanki.Deck(_deck_id(name, root, spec["deck_id"]), name)
        tags = [tag("source", notes.source_name(question.source))]
        tags += [tag(k, getattr(question, k)) for k in ("subject", "system", "topic") if getattr(question, k)]
        decks[name].add_note(
            genanki.Note(
                model=model,
                fields=note_fields(question, row.misses),
                guid=note_guid(question.source, question.qid),
                tags=tags,
                due=position,
            )
        )
    stamp = _export_stamp(store, now)
    _write_package(genanki.Package(list(decks.values())), Path(out), stamp)
    with store.write():
        store.set_config(EXPORT_STAMP_KEY, str(int(stamp)))
    return ExportSummary(Path(out), len(rows), len(decks))


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
