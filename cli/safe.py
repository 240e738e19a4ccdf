"""Text from files, made safe to print: the one helper every command prints file text through.

Cells, topics, file names and paths come from files the student was given; the
terminal must show them as text and never obey them. A carriage return would let a
topic overwrite the row it is printed in (its rank and score), a line break would
split a one-line row, an ESC starts a control sequence, and zero-width and
bidirectional-override characters hide or reorder what is shown. The stored text
stays as written: only what is printed changes.
"""

from __future__ import annotations

import re

# C0 and C1 controls except tab and line feed, DEL, line/paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Invisible and direction-changing characters: zero-width space/joiners, LRM/RLM, ALM,
# embeddings and overrides (LRE RLE PDF LRO RLO), isolates (LRI RLI FSI PDI), word
# joiner and invisible operators, BOM / zero-width no-break space.
_INVISIBLE = re.compile("[\u200b-\u200f\u061c\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_BREAKS = re.compile(r"\r\n|[\r\n\t]")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}"


def line(text: object) -> str:
    """One line of text: breaks and tabs as spaces, invisible characters dropped, controls shown escaped."""
    text = str(text)
    if text.isprintable() and not _INVISIBLE.search(text):
        return text  # the usual case: one scan
    text = _INVISIBLE.sub("", _BREAKS.sub(" ", text))
    return _CONTROL.sub(_visible, text)


def lines(text: object) -> str:
    """Several lines (a prompt, an explanation): line breaks kept (CR LF and CR as LF), the rest as in `line`."""
    text = str(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line(part) for part in text.split("\n"))


def json_text(text: str) -> str:
    """JSON text (as `json.dumps(..., ensure_ascii=False)` gives it) with the invisible and
    direction characters written as \\u escapes: the same JSON value, nothing hidden."""
    escaped = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
