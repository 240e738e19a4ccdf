"""Sorting a student's "why I missed it" into one of the fixed kinds.

Whole words and phrases, never substrings: "didn't know tryptase timing" is a knowledge
gap (not "ran out of time"), "ECG changed after the bolus" says nothing about changing an
answer, "anion gap" is no knowledge gap. The patterns, negations and priorities are data
(`reasons` in `srs/data/taxonomy.json`, whose comment gives the rules); this module applies them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from srs.model import UNCLASSIFIED

__all__ = ["ANSWER_LETTER", "UNCLASSIFIED", "ReasonRules"]

ANSWER_LETTER = "_"  # a pattern word standing for one answer letter (a to h)
_LETTERS = frozenset("abcdefgh")
_BOUNDARY = "|"  # a clause ends (punctuation): no pattern spans it, no negation reaches over it
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2019\u2018\u02bc\u00b4`\u2032"})
_TOKENS = re.compile(r"[a-z0-9']+|[.,;:!?()\[\]{}\"\n]+")


@dataclass(frozen=True)
class _Pattern:
    kind: str
    words: tuple[str, ...]
    strong: bool  # a 'phrases' pattern (beats a 'words' one)


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    pattern: _Pattern


class ReasonRules:
    """The reason patterns of taxonomy.json, compiled. `kind(text)` sorts one reason."""

    def __init__(self, data: Mapping[str, Any], kinds: Sequence[str]) -> None:
        table: dict[str, dict[str, list[str]]] = data["kinds"]
        order: list[str] = data["order"]
        if set(order) != set(kinds) or set(table) != set(kinds):
            raise ValueError("taxonomy.json reasons out of date: 'order' and 'kinds' must name REASON_KINDS")
        self.rank = {kind: i for i, kind in enumerate(order)}
        self.negations: frozenset[str] = frozenset(data["negations"])
        self.fillers: frozenset[str] = frozenset(data["fillers"])
        stems = "|".join(sorted(re.escape(s) for s in data["negative_contractions"]))
        self._not = re.compile(rf"\b({stems})n'?t\b")
        self.alone: dict[tuple[str, ...], str] = {}
        self.by_first: dict[str, list[_Pattern]] = {}
        self.by_prefix: list[_Pattern] = []  # patterns whose first word ends in *
        for kind in order:
            spec = table[kind]
            for text in spec.get("alone", []):
                self.alone.setdefault(tuple(text.lower().split()), kind)
            for group, strong in (("phrases", True), ("words", False)):
                for text in spec.get(group, []):
                    words = tuple(text.lower().split())
                    pattern = _Pattern(kind, words, strong)
                    if words[0].endswith("*"):
                        self.by_prefix.append(pattern)
                    else:
                        self.by_first.setdefault(words[0], []).append(pattern)

    def words(self, text: str) -> tuple[str, ...]:
        """The text as words: lower case, apostrophes unified, "didn't"/"didnt" -> "did not",
        "can't"/"cannot" -> "can not", "50/50" -> "50 50"; punctuation as clause boundaries."""
        text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
        text = self._not.sub(r"\1 not", text)
        text = re.sub(r"\bcan'?t\b|\bcannot\b", "can not", text)
        text = re.sub(r"\bwon'?t\b", "will not", text)
        found: list[str] = []
        for token in _TOKENS.findall(text):
            if token[0].isalnum() or token[0] == "'":
                word = token.replace("'", "")
                if word:
                    found.append(word)
            elif found and found[-1] != _BOUNDARY:
                found.append(_BOUNDARY)
        while found and found[-1] == _BOUNDARY:
            found.pop()
        return tuple(found)

    def kind(self, text: str) -> str:
        """One of the kinds; UNCLASSIFIED when the words match none; '' for no words at all."""
        if not text.strip():
            return ""
        words = self.words(text)
        whole = tuple(w for w in words if w != _BOUNDARY)
        if whole in self.alone:
            return self.alone[whole]
        matches = self._longest(self._matches(words))
        kept = [m for m in matches if not self._negated(words, m.start)]
        if not kept:
            return UNCLASSIFIED
        best = min(kept, key=lambda m: (not m.pattern.strong, self.rank[m.pattern.kind], m.start))
        return best.pattern.kind

    def _matches(self, words: tuple[str, ...]) -> list[_Match]:
        found = []
        for start, word in enumerate(words):
            for pattern in (*self.by_first.get(word, ()), *self.by_prefix):
                end = start + len(pattern.words)
                if end <= len(words) and all(_fits(p, w) for p, w in zip(pattern.words, words[start:end], strict=True)):
                    found.append(_Match(start, end, pattern))
        return found

    @staticmethod
    def _longest(matches: list[_Match]) -> list[_Match]:
        """Matches that no longer match covers ("second guessed" hides its "guessed")."""
        kept: list[_Match] = []
        for match in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
            if not any(k.start <= match.start and match.end <= k.end for k in kept):
                kept.append(match)
        return kept

    def _negated(self, words: tuple[str, ...], start: int) -> bool:
        """A negation before the match, with only filler words between ("wasn't really rushed")."""
        i = start - 1
        while i >= 0 and words[i] in self.fillers:
            i -= 1
        return i >= 0 and words[i] in self.negations


def _fits(pattern_word: str, word: str) -> bool:
    if pattern_word == ANSWER_LETTER:
        return word in _LETTERS
    if pattern_word.endswith("*"):
        return word.startswith(pattern_word[:-1])
    return pattern_word == word
