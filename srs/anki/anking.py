"""The AnKing companion: Anki searches that find the AnKing cards for missed UWorld questions.

AnKing tags each card with the UWorld questions that test it:
`#AK_Step1_v12::#UWorld::Step::118154` (v12, Steps 1 and 2), `#AK_Step3_v12::#UWorld::118154`
(v12, Step 3), `#AK_Step1_v11::#UWorld::118154` (v11 and older). A tag search also
finds a tag's children and never a longer number, so `…::1181` does not find 118154.

A search holds at most 100 QIDs (about 4,400 characters): Anki turns each term into
one SQLite expression and fails above about 1,000 terms ("Expression tree is too
large"), the desktop search box keeps only 32,767 characters, and a phone's search
field is easier to paste into with less. A UWorld block of 40 questions fits in one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from srs.errors import SrsError, shown
from srs.filters import Selection, select
from srs.model import no_misses_yet
from srs.plan.queue import Planner
from srs.settings import Settings
from srs.store import Store

PER_SEARCH = 100
MAX_PER_SEARCH = 500  # half of what Anki can run
_VERSION = re.compile(r"v?(\d{1,3})", re.IGNORECASE)
_QID = re.compile(r"\d{1,12}")


@dataclass(frozen=True)
class AnkingSearches:
    searches: list[str]
    qids: list[str]  # in priority order
    skipped: list[str]  # UWorld QIDs that are not numbers: no AnKing tag can name them


def deck_version(text: str) -> int:
    """'v12', 'V12' or '12' -> 12."""
    match = _VERSION.fullmatch(text.strip())
    if not match:
        raise SrsError(f"AnKing deck version '{shown(text)}' is not like v12")
    return int(match.group(1))


def tag(qid: str, *, version: int = 12, step: int = 1) -> str:
    """The AnKing tag for one UWorld QID."""
    prefix = f"#AK_Step{step}_v{version}::#UWorld"
    if version >= 12 and step in (1, 2):
        return f"{prefix}::Step::{qid}"
    return f"{prefix}::{qid}"


def searches(qids: list[str], *, version: int = 12, step: int = 1, per_search: int = PER_SEARCH) -> list[str]:
    """`tag:… OR tag:…` searches of at most `per_search` QIDs each."""
    if not 1 <= per_search <= MAX_PER_SEARCH:
        raise SrsError(f"QIDs per search must be 1-{MAX_PER_SEARCH} (Anki fails above about 1,000)")
    terms = [f"tag:{tag(qid, version=version, step=step)}" for qid in qids]
    return [" OR ".join(terms[start : start + per_search]) for start in range(0, len(terms), per_search)]


def anking_searches(
    store: Store,
    settings: Settings,
    selection: Selection,
    *,
    now: datetime,
    version: int = 12,
    step: int = 1,
    per_search: int = PER_SEARCH,
) -> AnkingSearches:
    """Searches for the missed UWorld questions that pass `selection`, most important first."""
    rows = Planner(store, settings, now).ranked
    if not rows:
        raise SrsError(f"no missed questions yet ({no_misses_yet(store.attempt_count())})")
    uworld = replace(selection, sources=("uworld",))
    picked = [question.qid.strip() for _, question in select(store, rows, uworld, settings.day_rule())]
    if not picked:
        raise SrsError("no missed UWorld question matches" + ("" if selection.is_everything else " these filters"))
    qids = [q for q in picked if _QID.fullmatch(q)]
    skipped = [q for q in picked if not _QID.fullmatch(q)]
    if not qids:
        raise SrsError(f"no missed UWorld QID is a number (e.g. '{shown(skipped[0])}'); AnKing tags use numbers")
    return AnkingSearches(searches(qids, version=version, step=step, per_search=per_search), qids, skipped)
