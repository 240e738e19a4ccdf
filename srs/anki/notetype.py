"""The Anki note type, in every version that has shipped.

Anki refuses ("conflicting") to update a note whose note type changed fields
under it, or whose incoming note type id differs from the one it has. So a
change of fields makes a new version with a new model id and name, and a note
keeps the version it was first exported with: old notes stay on the old type,
new notes get the new one, and one package can hold both. Template and CSS
changes within a version are fine: Anki takes them when the package is newer.

There are two kinds: basic (front and back) and cloze (Anki's own cloze kind,
`{{cloze:Text}}`). Anki cannot move a note to another note type on import (the
same "conflicting" refusal), so a question's note keeps the kind it was first
exported with: a new question with a cloze gets a cloze note; a basic note whose
question gains a cloze shows the cloze srs draws ("[...]" in its Prompt field);
a cloze note whose question loses its cloze hides the whole objective under its
prompt. Either way the GUID, the note and its review history stay (docs/cards.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from srs.errors import SrsError


@dataclass(frozen=True)
class NoteType:
    version: int
    model_id: int
    name: str
    fields: tuple[str, ...]
    template_name: str
    front: str
    back: str
    css: str
    kind: str = "basic"  # or "cloze"

    @property
    def is_cloze(self) -> bool:
        return self.kind == "cloze"


@dataclass(frozen=True)
class NoteTypes:
    """The current basic and cloze versions, the older ones still written for notes made
    with them, the root deck id."""

    current: NoteType
    previous: tuple[NoteType, ...]
    deck_id: int
    cloze: NoteType | None = None

    @property
    def all(self) -> tuple[NoteType, ...]:
        return (self.current, *((self.cloze,) if self.cloze else ()), *self.previous)

    def version(self, number: int | None, *, cloze: bool = False) -> NoteType:
        """The version a note was first exported with; for a new note, the current cloze
        note type when its card is a cloze, else the current basic one."""
        for note_type in self.all:
            if note_type.version == number:
                return note_type
        return self.cloze if cloze and self.cloze else self.current

    def by_model_id(self, model_id: int) -> NoteType | None:
        for note_type in self.all:
            if note_type.model_id == model_id:
                return note_type
        return None


def from_spec(spec: dict[str, Any], read: Any) -> NoteType:
    """One version from its JSON entry; `read(name)` gives a template or CSS file's text."""
    try:
        return NoteType(
            version=int(spec["version"]),
            model_id=int(spec["model_id"]),
            name=str(spec["model_name"]),
            fields=tuple(spec["fields"]),
            template_name=str(spec["template_name"]),
            front=read(spec.get("front", "front.html")),
            back=read(spec.get("back", "back.html")),
            css=read(spec.get("css", "style.css")),
            kind=str(spec.get("kind", "basic")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SrsError(f"decks/notetype.json: bad note type entry ({exc})") from exc


@lru_cache(maxsize=1)
def load() -> NoteTypes:
    """The note types in `decks/notetype.json` (top level: current; `previous`: older ones)."""
    folder = resources.files("srs_decks")
    spec = json.loads(folder.joinpath("notetype.json").read_text(encoding="utf-8"))

    def read(name: str) -> str:
        return folder.joinpath(name).read_text(encoding="utf-8")

    current = from_spec(spec, read)
    cloze = from_spec(spec["cloze"], read) if "cloze" in spec else None
    previous = tuple(from_spec(p, read) for p in spec.get("previous", []))
    types = NoteTypes(current, previous, int(spec["deck_id"]), cloze)
    versions = [t.version for t in types.all]
    model_ids = [t.model_id for t in types.all]
    if len(set(versions)) != len(versions) or len(set(model_ids)) != len(model_ids):
        raise SrsError("decks/notetype.json: every note type version needs its own number and model id")
    if current.is_cloze or (cloze is not None and not cloze.is_cloze):
        raise SrsError("decks/notetype.json: the top level is the basic note type, 'cloze' the cloze one")
    return types
