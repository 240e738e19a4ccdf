"""What a result cell says: `incorrect`, `✅`, `❌ Incorrect`, `🤔 guessed`, `FALSCH`, `1`.

The words and marks are data (`srs/data/results.json`); this module only normalises a
cell (NFKC, no variation selectors, lower case) and looks its parts up.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from srs.model import RESULTS

# U+FE00-FE0F and the supplementary selectors: they change how a mark looks, not what it says
_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u200d]")
_SPACES = re.compile(r"\s+")


def normalized(text: str) -> str:
    text = _SELECTORS.sub("", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", text).strip().lower()


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, str]:
    """Normalised spelling -> result."""
    data = _data()
    assert set(data["results"]) == set(RESULTS), "results.json names other results than srs.model.RESULTS"
    table: dict[str, str] = {}
    for result, spellings in data["results"].items():
        for spelling in [result, *spellings]:
            known = table.setdefault(normalized(spelling), result)
            assert known == result, f"results.json gives '{spelling}' to two results"
    return table


@lru_cache(maxsize=1)
def accepted() -> str:
    """The short list an error gives: `incorrect (wrong, ✗, ...), correct (...), ...`."""
    shown = _data()["shown"]
    return ", ".join(f"{result} ({', '.join(words)})" for result, words in shown.items())


def _data() -> dict:
    return json.loads(resources.files("srs").joinpath("data/results.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def result_of(text: str) -> str | None:
    """The result a cell names, or None when a part of it is not a known word or mark, or
    its parts disagree (`✅ wrong`). A correct mark beside a guess is a guess."""
    words = vocabulary()
    key = normalized(text)
    if key in words:
        return words[key]
    found = {words.get(part) for part in _parts(key)}
    if not found or None in found:
        return None
    if found == {"correct", "guessed"}:
        return "guessed"
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _missed_words() -> dict[str, bool]:
    data = _data()["missed"]
    table = {normalized(word): True for word in data["yes"]}
    for word in data["no"]:
        assert table.setdefault(normalized(word), False) is False, f"results.json: '{word}' is both yes and no"
    return table


def missed_of(text: str) -> bool | None:
    """What a cell of a yes/no 'Missed?' column says: True (missed), False (answered right),
    or None when it is not a yes/no value (a result word there would read backwards)."""
    return _missed_words().get(normalized(text))


def missed_accepted() -> str:
    data = _data()["missed"]
    return f"yes ({', '.join(data['yes'][:6])}, ...) or no ({', '.join(data['no'][:4])}, ...), or empty"


def _parts(key: str) -> list[str]:
    """`❌ incorrect!` -> ['❌', 'incorrect']: the marks around a word, one by one, and the
    word (punctuation around it dropped)."""
    start, end = 0, len(key)
    while start < end and not key[start].isalnum():
        start += 1
    while end > start and not key[end - 1].isalnum():
        end -= 1
    marks = [c for c in key[:start] + key[end:] if not c.isspace() and not unicodedata.category(c).startswith("P")]
    core = key[start:end]
    return marks + ([core] if core else [])
