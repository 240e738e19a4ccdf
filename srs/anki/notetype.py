"""The Anki note type, in every version that has shipped.

Anki refuses ("conflicting") to update a note whose note type changed fields
under it, or whose incoming note type id differs from the one it has. So a
change of fields makes a new version with a new model id and name, and a note
keeps the version it was first exported with: old notes stay on the old type,
new notes get the new one, and one package can hold both. Template and CSS
changes within a version are fine: Anki takes them when the package is newer.
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


@dataclass(frozen=True)
class NoteTypes:
    """The current version, the older ones still written for notes made with them, the root deck id."""

    current: NoteType
    previous: tuple[NoteType, ...]
    deck_id: int

    def version(self, number: int | None) -> NoteType:
        """The version a note was first exported with; the current one when unknown."""
        for note_type in (self.current, *self.previous):
            if note_type.version == number:
                return note_type
        return self.current

    def by_model_id(self, model_id: int) -> NoteType | None:
        for note_type in (self.current, *self.previous):
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
    previous = tuple(from_spec(p, read) for p in spec.get("previous", []))
    versions = [current.version, *(p.version for p in previous)]
    model_ids = [current.model_id, *(p.model_id for p in previous)]
    if len(set(versions)) != len(versions) or len(set(model_ids)) != len(model_ids):
        raise SrsError("decks/notetype.json: every note type version needs its own number and model id")
    return NoteTypes(current, previous, int(spec["deck_id"]))
