"""Rows of a miss log that are not attempts: section dividers (`WEEK 2`, `--- Renal ---`)
and totals (`TOTAL`, `Average`, `Total: 40`). They are skipped and listed, never imported
and never an error. The words are data (`srs/data/rows.json`).

The rule is conservative: a row is skipped only when it cannot be an attempt. A lone cell
is a divider when it is in the first column (where students write section labels) and is
not a question id there (`118154`, `5mRzSg`, `#17` are attempts whatever else is empty),
or when its words or rules say so anywhere (`WEEK 2`, `--- Renal ---`); a lone topic in
the third column is a row that lost its id, and stays an error. A row that is the header
again (a log pasted into the sheet twice) is skipped too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from srs.errors import shown
from srs.ingest.readers import Record

# one token, perhaps after '#', 'Q', 'QID' or 'No.': what a question id can look like
_ID_LIKE = re.compile(r"(?:#|q(?:id)?\s*#?|no\.?)?\s*[\w.+-]+|https?://\S+", re.IGNORECASE)
# a label set off by rules or stars: '--- Renal ---', '=== Cardio ===', '*** Block 3 ***'
_DECORATED = re.compile(r"\s*([-=*~#_])\1+\s*\S.*?\s*\1+\s*|\s*([-=*~_])\2{2,}\s*")


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], re.Pattern[str], frozenset[str]]:
    data = json.loads(resources.files("srs").joinpath("data/rows.json").read_text(encoding="utf-8"))
    summary = frozenset(w.lower() for w in data["summary"])
    divider = "|".join(re.escape(w) for w in sorted(data["divider"], key=len, reverse=True))
    unticked = frozenset(w.lower() for w in data["unticked"])
    return summary, re.compile(rf"\W*(?:{divider})\s*#?\s*\d+\W*", re.IGNORECASE), unticked


def unticked_only(record: Record, field_of: Callable[[str], str | None]) -> bool:
    """A row whose only filled cells are unticked checkboxes (FALSE), perhaps beside a row
    number in a column srs does not read ('#', 'No.'): an unused row of a sheet template whose
    checkbox column (and numbering) runs down the whole sheet. No question, so nothing to read
    (the caller counts them and says so); a ticked box (TRUE) alone stays an error."""
    unticked = _words()[2]
    found = False
    for column, text in record.values:
        if text and not text.isspace():
            if text.strip().lower() in unticked:
                found = True
            elif not (text.strip().isdigit() and field_of(column) is None):
                return False
    return found and record.extra is None


def not_attempt(record: Record, field_of: Callable[[str], str | None]) -> str | None:
    """The row's text as shown when it is a divider or a total; None for a row to read."""
    if record.extra is not None:
        return None  # more cells than columns: an error of its own
    first: tuple[int, str, str] | None = None
    for index, (column, text) in enumerate(record.values):  # the first two non-empty cells: rows are many
        if text and not text.isspace():
            if first is not None:
                named = first[1].strip().casefold() == first[2].casefold()
                return _shown_row(record) if _is_summary(first[2]) or named and _header_again(record) else None
            first = (index, column, text.strip())
    if first is None:
        return None
    index, column, text = first
    if _is_summary(text) or _words()[1].fullmatch(text) or _DECORATED.fullmatch(text):
        return _shown_row(record)
    if index != 0:
        return None  # a lone value further right: a row missing its id, which its error says
    if field_of(column) == "qid" and _ID_LIKE.fullmatch(text):
        return None
    return _shown_row(record)


def _header_again(record: Record) -> bool:
    """The header row met again (a log copied into the sheet twice): every non-empty cell is
    its own column's name, and there are two or more of them."""
    cells = [(column, text) for column, text in record.values if text and not text.isspace()]
    return len(cells) > 1 and all(column.strip().casefold() == text.strip().casefold() for column, text in cells)


def _is_summary(text: str) -> bool:
    """`TOTAL`, `Average`, `% correct`, `Total: 40`."""
    summary = _words()[0]
    text = text.lower()
    word, colon, _ = text.partition(":")
    return text.rstrip(":").strip() in summary or bool(colon and word.strip() in summary)


def _shown_row(record: Record) -> str:
    return shown(" | ".join(text.strip() for _, text in record.values if text.strip()), 60)
