"""What a card says: its prompt, context and answer, built from the question.

Shared by the terminal review and the Anki export so both show the same card.

A card is one of four kinds, first that applies wins (`Kind`): the student's own
prompt; a cloze the student marked (`{{c1::glucagon}}` or `{{c1::glucagon::drug}}`,
Anki's syntax, in the `cloze` column or in the objective); an automatic cloze that
hides the correct answer (or a clear part of it) where the objective names it;
and, last, a generic prompt built from the tags. Cloze markup is the one markup
srs reads; everything else is text, escaped where it is shown.

srs keeps one card per question (its log, schedule and Anki sync are per question),
so every deletion of a cloze is hidden at once, whatever its number: `{{c1::a}}`
and `{{c2::b}}` make one card that hides both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from srs.model import Question

SOURCE_NAMES = {
    "uworld": "UWorld",
    "amboss": "AMBOSS",
    "nbme": "NBME",
    "uwsa": "UWSA",
    "kaplan": "Kaplan",
    "boards-and-beyond": "Boards and Beyond",
    "bootcamp": "Bootcamp",
    "truelearn": "TrueLearn",
    "other": "Other",
}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.replace("-", " ").title())


def reference(question: Question) -> str:
    """Human form of the question's identity: 'UWorld #118154'."""
    return f"{source_name(question.source)} #{question.qid}"


def context(question: Question, *, front_of_cloze: bool = False) -> str:
    """'Immunology · Cardiovascular · Type I hypersensitivity' (blank parts left out).

    Above a cloze the topic is left out: it often names the hidden answer ("Sarcoidosis")."""
    parts: tuple[str, ...] = (question.subject, question.system)
    if not front_of_cloze:
        parts = (*parts, question.topic)
    return " · ".join(p for p in parts if p)


class Kind(StrEnum):
    """What makes the card's front, in priority order."""

    PROMPT = "own prompt"
    CLOZE = "cloze"  # the student's {{c1::...}} markup
    AUTO = "automatic cloze"  # the correct answer hidden in the objective
    GENERIC = "generic prompt"  # a prompt built from the tags: a reread, not a recall test

    @property
    def recalls(self) -> bool:
        """A real recall prompt: the student can retrieve a specific fact from the front."""
        return self is not Kind.GENERIC


@dataclass(frozen=True)
class Piece:
    """A stretch of the sentence: shown as it is, or hidden on the front."""

    text: str
    hidden: bool = False
    hint: str = ""


@dataclass(frozen=True)
class Card:
    kind: Kind
    prompt: str  # the question on the front (own or generic); '' for a cloze
    pieces: tuple[Piece, ...]  # the objective, hidden parts marked; () without an objective
    not_choice: str = ""  # the wrong choice to name on the front, '(not X)', when the student asks for it

    @property
    def is_cloze(self) -> bool:
        return self.kind in (Kind.CLOZE, Kind.AUTO)

    @property
    def hidden(self) -> list[str]:
        return [p.text for p in self.pieces if p.hidden]


# {{c1::text}} or {{c1::text::hint}}: the number, then everything up to the first '}}'.
CLOZE_MARK = re.compile(r"\{\{c(\d+)::(.*?)\}\}", re.S)
GAP = "[...]"


def cloze_pieces(text: str) -> tuple[Piece, ...] | None:
    """The sentence with the student's deletions, or None when it has none.

    A deletion whose text is blank stays as written (Anki shows nothing to recall there either).
    """
    pieces: list[Piece] = []
    last = 0
    for mark in CLOZE_MARK.finditer(text):
        answer, _, hint = mark.group(2).partition("::")
        if not answer.strip():
            continue
        if mark.start() > last:
            pieces.append(Piece(text[last : mark.start()]))
        pieces.append(Piece(answer, hidden=True, hint=hint.strip()))
        last = mark.end()
    if not any(p.hidden for p in pieces):
        return None
    if last < len(text):
        pieces.append(Piece(text[last:]))
    return tuple(pieces)


def unmarked(text: str) -> str:
    """The text with cloze markup taken out: '{{c1::glucagon::drug}}' reads 'glucagon'."""
    pieces = cloze_pieces(text)
    return "".join(p.text for p in pieces) if pieces is not None else text


# -- automatic cloze ---------------------------------------------------------

MIN_HIDDEN_CHARACTERS = 3  # letters or digits: never a phrase of one or two letters
MIN_VISIBLE_WORDS = 3  # what is left must still say something
MAX_HIDDEN_SHARE = 0.6  # of the objective's letters and digits
ARTICLES = {"a", "an", "the"}
STOPWORDS = ARTICLES | {
    "of", "in", "on", "at", "to", "for", "with", "by", "and", "or", "from", "as", "into", "via", "per", "vs", "not",
    "no", "is", "are", "be", "its", "their",
}  # fmt: skip
# Words that qualify the answer but are not it: "Increased serum calcium" is clear as "calcium".
QUALIFIERS = {
    "increased", "decreased", "elevated", "reduced", "low", "high", "higher", "lower", "serum", "plasma", "level",
    "levels", "test", "testing", "type", "acute", "chronic", "therapy", "treatment", "administration", "dose",
    "the", "both", "only", "deficiency", "excess",
}  # fmt: skip
# Abbreviations a log writes in the answer and the objective spells out ("IM epinephrine").
ABBREVIATIONS = {
    "im": "intramuscular", "iv": "intravenous", "sc": "subcutaneous", "sq": "subcutaneous", "po": "oral",
    "ace": "angiotensin-converting enzyme", "ssri": "selective serotonin reuptake inhibitor",
    "nsaid": "nonsteroidal anti-inflammatory drug", "mi": "myocardial infarction", "dm": "diabetes mellitus",
    "ppi": "proton pump inhibitor", "tca": "tricyclic antidepressant", "mao": "monoamine oxidase",
    "ra": "rheumatoid arthritis", "sle": "systemic lupus erythematosus", "ms": "multiple sclerosis",
    "dka": "diabetic ketoacidosis", "gerd": "gastroesophageal reflux disease",
    "copd": "chronic obstructive pulmonary disease",
}  # fmt: skip
_WORD = re.compile(r"\w+")


def folded(text: str) -> tuple[str, list[int]]:
    """Text without case or accents, and for each of its characters the index it came from.

    'Ménière' folds to 'meniere'; matching on the folded text and mapping back keeps the
    student's own spelling in what is hidden and shown."""
    if text.isascii():  # most text: nothing to fold but case
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            for piece in part.casefold():
                out.append(piece)
                index.append(i)
    return "".join(out), index


def _token_pattern(token: str, last: bool) -> str:
    if last and token.isalpha() and len(token) >= 4:  # plurals either way: cell/cells, antibody/antibodies
        if token.endswith("ies"):
            return re.escape(token[:-3]) + "(?:y|ies)"
        if token.endswith("y"):
            return re.escape(token[:-1]) + "(?:y|ies)"
        if token.endswith("es") and len(token) > 4:
            return re.escape(token[:-2]) + "(?:es|e|s)?"
        if token.endswith("s"):
            return re.escape(token[:-1]) + "(?:s|es)?"
        return re.escape(token) + "(?:s|es)?"
    return re.escape(token)


@lru_cache(maxsize=4096)
def _phrase_regex(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words, in order, with at most a few spaces or punctuation marks between them."""
    parts = [_token_pattern(t, i == len(tokens) - 1) for i, t in enumerate(tokens)]
    return re.compile(r"(?<!\w)" + r"[^\w]{1,3}".join(parts) + r"(?!\w)")


def _candidates(answer: str) -> list[list[str]]:
    """Phrases to look for, best first: the whole answer (articles and brackets dropped,
    abbreviations also spelled out), then its clear parts, longest first."""
    text, _ = folded(answer)
    text = re.sub(r"\([^)]*\)", " ", text)
    tokens = _WORD.findall(text)
    while tokens and tokens[0] in ARTICLES:
        tokens = tokens[1:]
    if not tokens:
        return []
    found: list[list[str]] = []
    spelled = [w for t in tokens for w in _WORD.findall(ABBREVIATIONS.get(t, t))]
    for whole in (spelled, tokens) if spelled != tokens else (tokens,):
        found.append(whole)
    content = [t for t in tokens if t not in STOPWORDS and t not in QUALIFIERS]
    needed = max(1, -(-len(content) // 2))  # at least half the answer's content words
    runs = []
    for size in range(len(tokens) - 1, 0, -1):
        for start in range(len(tokens) - size + 1):
            run = tokens[start : start + size]
            if run[0] in STOPWORDS or run[-1] in STOPWORDS:
                continue
            kept = [t for t in run if t in content]
            if len(kept) >= needed and kept:
                runs.append(run)
    for run in runs:
        found.append(run)
        spelled_run = [w for t in run for w in _WORD.findall(ABBREVIATIONS.get(t, t))]
        if spelled_run != run:
            found.append(spelled_run)
    return found


def _alnum(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _acceptable(objective: str, spans: list[tuple[int, int]]) -> bool:
    hidden = "".join(objective[a:b] for a, b in spans)
    if any(_alnum(objective[a:b]) < MIN_HIDDEN_CHARACTERS for a, b in spans):
        return False
    visible = objective
    for a, b in reversed(spans):
        visible = visible[:a] + " " + visible[b:]
    if len([w for w in _WORD.findall(visible) if any(c.isalpha() for c in w)]) < MIN_VISIBLE_WORDS:
        return False
    return _alnum(hidden) <= MAX_HIDDEN_SHARE * _alnum(objective)


def auto_pieces(objective: str, answer: str) -> tuple[Piece, ...] | None:
    """The objective with the correct answer hidden wherever it appears, or None.

    Every occurrence is hidden, not just the first: a second mention left visible
    would give the answer away. None when the answer is absent, tiny, or would
    leave too little of the sentence to read."""
    if not objective.strip() or not answer.strip():
        return None
    text, index = folded(objective)
    for tokens in _candidates(answer):
        if not all(t[:3] in text for t in tokens):  # cheap: most candidates are not there at all
            continue
        spans = [(index[m.start()], index[m.end() - 1] + 1) for m in _phrase_regex(tuple(tokens)).finditer(text)]
        if spans and _acceptable(objective, spans):
            return _split(objective, spans)
    return None


def _split(text: str, spans: list[tuple[int, int]]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    last = 0
    for a, b in spans:
        if a > last:
            pieces.append(Piece(text[last:a]))
        pieces.append(Piece(text[a:b], hidden=True))
        last = b
    if last < len(text):
        pieces.append(Piece(text[last:]))
    return tuple(pieces)


# -- the card ------------------------------------------------------------------


def _same_choice(a: str, b: str) -> bool:
    return folded(" ".join(a.split()))[0] == folded(" ".join(b.split()))[0]


def wrong_choice(question: Question) -> str:
    """The answer the student chose, when known and not the correct one."""
    chose = question.my_answer.strip()
    if not chose or (question.correct_answer.strip() and _same_choice(chose, question.correct_answer)):
        return ""
    return chose


def card(question: Question, *, show_wrong_choice: bool = False) -> Card:
    """The card the question makes: its own prompt, else a cloze, else the generic prompt."""
    marked = (cloze_pieces(question.cloze) if question.cloze else None) or cloze_pieces(question.objective)
    sentence = unmarked(question.objective)
    if question.prompt:
        pieces = marked or (auto_pieces(sentence, question.correct_answer) if sentence else None)
        return Card(Kind.PROMPT, question.prompt, pieces or ((Piece(sentence),) if sentence else ()))
    not_choice = wrong_choice(question) if show_wrong_choice else ""
    if marked:
        return Card(Kind.CLOZE, "", marked, not_choice)
    automatic = auto_pieces(sentence, question.correct_answer)
    if automatic:
        return Card(Kind.AUTO, "", automatic, not_choice)
    return Card(Kind.GENERIC, generic_prompt(question), (Piece(sentence),) if sentence else ())


def front_text(card: Card) -> str:
    """The front as plain text: the prompt, or the sentence with '[...]' (or '[hint]') for each deletion."""
    if not card.is_cloze:
        return card.prompt
    text = "".join(f"[{p.hint}]" if p.hidden and p.hint else GAP if p.hidden else p.text for p in card.pieces)
    return f"{text} (not {card.not_choice})" if card.not_choice else text


def back_text(card: Card) -> str:
    """The whole sentence, nothing hidden (the back shows it with the hidden phrases highlighted)."""
    return "".join(p.text for p in card.pieces)


def generic_prompt(question: Question) -> str:
    """The last resort: a prompt built from the tags, never empty."""
    if question.topic:
        return f"{question.topic}: what is the learning point you missed ({reference(question)})?"
    area = " · ".join(p for p in (question.subject, question.system) if p)
    if area:
        return f"{area}: what did {reference(question)} test, and what is the learning point?"
    return f"What did {reference(question)} test, and what is the learning point?"


def prompt(question: Question, *, show_wrong_choice: bool = False) -> str:
    """What the front asks, as plain text: never empty."""
    return front_text(card(question, show_wrong_choice=show_wrong_choice))


def answer(question: Question) -> str:
    """The back's sentence: the objective, markup taken out."""
    text = back_text(card(question))
    if text:
        return text
    return "(No learning objective yet: add one to your miss log and import it again.)"


def answer_details(question: Question, misses: int) -> list[tuple[str, str]]:
    """Labelled lines for the back of the card, only those that have content."""
    lines: list[tuple[str, str]] = []
    if question.explanation:
        lines.append(("Explanation", question.explanation))
    if question.my_answer or question.correct_answer:
        chose = question.my_answer or "?"
        lines.append(("Answers", f"you chose {chose}; correct: {question.correct_answer or '?'}"))
    chose = wrong_choice(question)
    if chose and question.why_wrong:
        lines.append((f"Why not {chose}", question.why_wrong))
    if question.reason:
        lines.append(("Why missed", question.reason))
    lines.append(("Source", f"{reference(question)}, missed {misses}×"))
    return lines
