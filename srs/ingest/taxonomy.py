"""USMLE names for subjects and systems, and the fixed set of miss reasons.

The mapping is data (`srs/data/taxonomy.json`); this module only looks it up.
Unknown values are kept as written: nothing a student typed is dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from srs.ingest.reasons import UNCLASSIFIED, ReasonRules

REASON_KINDS = (
    "knowledge gap",
    "misread the question",
    "reasoning/application",
    "changed or second-guessed",
    "ran out of time",
    "guessed",
)
__all__ = ["REASON_KINDS", "UNCLASSIFIED", "Taxonomy", "key", "load"]


def key(text: str) -> str:
    """Compare names loosely: 'Heme/Onc', 'heme onc' and 'HemeOnc' are one key."""
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


@dataclass(frozen=True)
class Taxonomy:
    subjects: dict[str, str]  # key -> canonical name
    systems: dict[str, str]
    reasons: ReasonRules

    def __hash__(self) -> int:  # one instance per process (load() is cached): cache by identity
        return id(self)

    @lru_cache(maxsize=1024)  # noqa: B019
    def subject(self, text: str) -> str | None:
        """The discipline's USMLE name, or None when the text is not one we know."""
        return self.subjects.get(key(text)) if text.strip() else None

    @lru_cache(maxsize=1024)  # noqa: B019
    def system(self, text: str) -> str | None:
        return self.systems.get(key(text)) if text.strip() else None

    @lru_cache(maxsize=4096)  # noqa: B019 - the one Taxonomy lives as long as the process
    def reason_kind(self, text: str) -> str:
        """One of REASON_KINDS; UNCLASSIFIED when the words match none of them; '' when
        there are no words (see srs.ingest.reasons)."""
        return self.reasons.kind(text)


def _aliases(groups: dict[str, list[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, spellings in groups.items():
        for spelling in [canonical, *spellings]:
            table.setdefault(key(spelling), canonical)
    return table


@lru_cache(maxsize=1)
def load() -> Taxonomy:
    data = json.loads(resources.files("srs").joinpath("data/taxonomy.json").read_text(encoding="utf-8"))
    reasons = ReasonRules(data["reasons"], REASON_KINDS)
    return Taxonomy(_aliases(data["subjects"]), _aliases(data["systems"]), reasons)
