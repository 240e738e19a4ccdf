"""Which Anki note is which question: identity from content, never from the clock.

A note's GUID comes from (source, qid), so a newer export imported into the same
collection updates its notes instead of duplicating them, and `srs sync-anki` finds
them again. Note-type and deck ids are fixed in `decks/notetype.json`.
"""

from __future__ import annotations


def note_guid(source: str, qid: str) -> str:
    import genanki  # only exports and syncs pay for it

    return str(genanki.guid_for("srs", source, qid))
