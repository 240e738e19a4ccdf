"""Which question a row is about: its Qbank and its id, however the student wrote them.

A question is (source, qid). The Qbanks' names, which of them number their questions,
which know them by form and block, and the shape of their question links are data
(`srs/data/sources.json`); this module only applies them. Nothing here guesses: a name
or an id it does not recognise is kept as written (normalised for Unicode and case
only where the bank's ids allow it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from srs.ingest.taxonomy import key as name_key

OTHER = "other"  # the source of rows that name none


def nfc(text: str) -> str:
    """Text in Unicode NFC: 'é' typed on macOS (e + accent) and on Windows (é) are one."""
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Sources:
    names: dict[str, str]  # name key -> source
    numeric: frozenset[str]  # banks whose ids are whole numbers
    exact: frozenset[str]  # banks whose ids are letters and digits, taken exactly as written
    forms: frozenset[str]  # banks whose questions are known by form, block and number
    urls: tuple[tuple[str, re.Pattern[str]], ...]  # (source, pattern with an `id` group)
    id_cells: dict[str, tuple[re.Pattern[str], ...]]  # source -> its results table's id-cell forms


@lru_cache(maxsize=1)
def load() -> Sources:
    data = json.loads(resources.files("srs").joinpath("data/sources.json").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    numeric: set[str] = set()
    exact: set[str] = set()
    forms: set[str] = set()
    urls: list[tuple[str, re.Pattern[str]]] = []
    id_cells: dict[str, tuple[re.Pattern[str], ...]] = {}
    for source, entry in data["sources"].items():
        for spelling in [source, *entry.get("aliases", [])]:
            names.setdefault(name_key(spelling), source)
        (numeric if entry.get("numeric") else exact).add(source)
        if entry.get("forms"):
            forms.add(source)
        urls += [(source, re.compile(p, re.IGNORECASE)) for p in entry.get("urls", [])]
        if entry.get("id_cells"):
            id_cells[source] = tuple(re.compile(p) for p in entry["id_cells"])
    return Sources(names, frozenset(numeric), frozenset(exact), frozenset(forms), tuple(urls), id_cells)


# -- sources -------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def source_and_form(text: str) -> tuple[str, str]:
    """The source a name means, and the form it names ('UWSA 2' -> ('uwsa', '2')), or ''.

    A name srs does not know is kept as written: lower case, spaces as '-'."""
    text = nfc(text).strip()
    if not text:
        return "", ""
    sources, key = load(), name_key(text)
    if key in sources.names:
        return sources.names[key], ""
    digits = re.search(r"\d+$", key)
    if digits:  # 'NBME 30', 'UWSA2', 'NBME Form 27', 'Free 120 2024'
        for cut in range(len(key) - 1, digits.start() - 1, -1):
            name = key[:cut].removesuffix("form")
            if sources.names.get(name) in sources.forms:
                return sources.names[name], str(int(key[cut:]))
    return re.sub(r"\s+", "-", text.lower()), ""


def normalize_source(text: str) -> str:
    """The source a name means: 'UW', 'U World', 'UWORLD' are all 'uworld'."""
    return source_and_form(text)[0]


# -- question ids ----------------------------------------------------------------------

# 'QID 118154', 'Q: 17', 'Question #5', 'Q. 12': a prefix set off from the id, dropped for any bank
_SPACED_PREFIX = re.compile(
    r"(?:q(?:uestion)?\s*(?:id|no|num|number|nr)?|qid)\s*(?:[:#.\-]\s*|\s+)(?P<rest>\S.*)", re.IGNORECASE | re.DOTALL
)
# 'q118154', 'QID118154': a prefix run into the id, dropped only when the rest is a number
_JOINED_PREFIX = re.compile(r"(?:qid|q)(?P<rest>\d+(?:[.,]\d+)*(?:[eE][+]?\d+)?)", re.IGNORECASE)
_FLOAT_FORM = re.compile(r"\d+(?:\.\d*)?(?:[eE][+]?\d{1,2})?")  # 118154.0, 1.18154E+05
_SPREADSHEET_E = re.compile(r"\d\.\d+[eE]\+\d{1,2}")  # 1.18154E+05: only a spreadsheet writes an id so
_GROUPED = re.compile(r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+")  # 118,154 (a number format)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def qid_from_url(text: str, source: str = "") -> tuple[str, str] | None:
    """(source, id) of a pasted question link whose bank's link form is known.

    The row's own bank's forms are tried first."""
    patterns = load().urls
    for bank, pattern in sorted(patterns, key=lambda p: p[0] != source):
        found = pattern.search(text)
        if found:
            return bank, found.group("id")
    return None


@lru_cache(maxsize=8192)
def normalize_qid(text: str, source: str = "") -> str:
    """The question id a cell means, for questions of `source`.

    `#118154`, `QID 118154` and (for banks that number their questions, or an unknown
    one) `q118154` are 118154; for banks that number their questions a spreadsheet's
    `118154.0`, `1.18154E+05` or `118,154` is 118154 too, and so is `0118154`. Ids of banks that use letters
    (AMBOSS: `Bh0VT3`) are taken exactly, case and all. A link gives the id inside it
    where the bank's link form is known (`qid_from_url`); another link is kept as written.
    """
    qid = nfc(text).strip()
    if qid.isdigit() and qid.isascii():
        # a bank that numbers its questions: '0118154' (a text cell) is the number 118154
        return str(int(qid)) if qid[0] == "0" and source in load().numeric else qid
    sources = load()
    exact = source in sources.exact
    while True:  # '#QID 5', 'Q# q5': prefixes until none is left (each pass shortens the text)
        before = qid
        qid = qid.lstrip("#").strip()
        spaced = _SPACED_PREFIX.fullmatch(qid)
        if spaced:
            qid = spaced.group("rest").strip()
        elif not exact:
            joined = _JOINED_PREFIX.fullmatch(qid)
            if joined:
                qid = joined.group("rest")
        if qid == before:
            break
    if _URL.match(qid):
        found = qid_from_url(qid, source)
        return normalize_qid(found[1], source) if found else qid
    if exact:
        return qid
    for cell in sources.id_cells.get(source, ()):
        in_cell = cell.fullmatch(qid)
        if in_cell:  # UWorld's '1 - 118154', its results table copied into a sheet
            return in_cell.group("id")
    if source in sources.numeric:
        if _GROUPED.fullmatch(qid):
            qid = re.sub(r"\D", "", qid)
        if _FLOAT_FORM.fullmatch(qid) and not qid.isdigit():
            return _integral(qid)
    elif re.fullmatch(r"\d+\.0+", qid):  # any other bank: 118154.0 is what a spreadsheet made of 118154
        return qid.split(".")[0]
    return qid


def numbered(source: str) -> bool:
    """A bank whose every question id is one whole number (UWorld, Kaplan); not a bank known by
    form and block, whose ids are often written whole in one cell ('F28-B3-Q25')."""
    sources = load()
    return source in sources.numeric and source not in sources.forms


def number_and_more(qid: str) -> bool:
    """An id of a bank that numbers its questions with a question number in it and something
    else besides ('118154*', '118156, 118157', '118160 ✓'): kept as written it would be a
    question apart from 118154, or two merged. An id without such a number ('C1') is not."""
    return not (qid.isdigit() and qid.isascii()) and _QUESTION_NUMBER.search(qid) is not None


_QUESTION_NUMBER = re.compile(r"\d{4,}")  # the shortest question number counted as one (a UWorld id has 4-6)


def looks_numeric(qid: str) -> bool:
    """An id kept as written that a spreadsheet made of a number ('1.18154E+05', '118,154'):
    read as the number only for a bank known to number its questions."""
    return bool(_SPREADSHEET_E.fullmatch(qid) or (_GROUPED.fullmatch(qid) and "," in qid))


def results_cell(qid: str) -> tuple[str, str] | None:
    """(bank, id) when an id kept as written has the form of a bank's results-table id cell
    ('1 - 118154': UWorld's row number, then the id), or None. Read so only under that bank."""
    for bank, cells in load().id_cells.items():
        for cell in cells:
            found = cell.fullmatch(qid)
            if found:
                return bank, found.group("id")
    return None


_E_FORM = re.compile(r"(?P<lead>\d)(?:[.,](?P<rest>\d*))?[eE]\+?(?P<exp>\d{1,2})")


def rounded(text: str, source: str = "") -> bool:
    """A number a spreadsheet rounded for display ('1.2E+05' for 118154 in a narrow column):
    its digits are fewer than the number's, so the question id is lost. Never for a bank whose
    ids are letters and digits (an AMBOSS id is taken as written)."""
    if source in load().exact:
        return False
    found = _E_FORM.fullmatch(text.strip())
    return found is not None and 1 + len(found.group("rest") or "") < int(found.group("exp")) + 1


def _integral(text: str) -> str:
    """'1.18154E+05' -> '118154'; a number that is not whole (or too long to be exact in a
    spreadsheet, 15 digits) is kept as written."""
    from decimal import Decimal, InvalidOperation  # here: srs starts without it

    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if number != number.to_integral_value() or number >= 10**15 or _E_FORM.fullmatch(text) and rounded(text):
        return text
    return str(int(number))


# -- forms and blocks (NBME and other banks known by form) -------------------------------

_FORM_WORDS = re.compile(r"(?:form|exam|test|assessment|#|no\.?)\s*[:#.\-]?\s*", re.IGNORECASE)
_BLOCK_WORDS = re.compile(r"(?:block|blk|section|sect?|part|b|s)\s*[:#.\-]?\s*(?=\d)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def form_of(text: str) -> tuple[str, str]:
    """(source it names or '', form) of a Form cell: 'NBME 30' -> ('nbme', '30'),
    'Form 27' -> ('', '27'), 'CBSE Form A' -> ('nbme', 'A')."""
    text = " ".join(nfc(text).split())
    if not text:
        return "", ""
    source, form = source_and_form(text)
    if form:
        return source, form
    named = ""
    words = text.split(" ")
    for cut in range(len(words) - 1, 0, -1):  # 'CBSE Form A': the leading words name the bank
        bank = load().names.get(name_key(" ".join(words[:cut])))
        if bank:
            named, text = bank, " ".join(words[cut:])
            break
    while True:
        stripped = _FORM_WORDS.match(text)
        if not stripped or not stripped.group(0) or stripped.end() == len(text):
            break
        text = text[stripped.end() :]
    return named, str(int(text)) if text.isdigit() else text


@lru_cache(maxsize=256)
def block_of(text: str) -> str:
    """A Block cell: 'Block 2', 'B2', 'Section 2' and '2' are '2'."""
    text = " ".join(nfc(text).split())
    stripped = _BLOCK_WORDS.match(text)
    if stripped:
        text = text[stripped.end() :]
    return str(int(text)) if text.isdigit() else text


def compose_qid(form: str, block: str, number: str) -> str:
    """One id for a question known by form, block and number: 'F30/B2/Q17'
    (`NBME 30 / Block 2 / Q17`), never the number alone when a form or block is known."""
    parts = ([f"F{form}"] if form else []) + ([f"B{block}"] if block else [])
    return "/".join([*parts, f"Q{number}"]) if parts else number
