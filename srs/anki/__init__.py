"""Anki: note identity, note types, .apkg packages, reading collections, sync."""
