"""Cards whose front is still the generic prompt, and the student's own edits of a card's text.

An edit is part of the log: each changed field becomes a text event (`text_events`),
and the question's text is updated with it. A miss log imported later never
overwrites an edited field (srs.ingest.importer), even with a newer row: the student
wrote the edit in srs on purpose, and a spreadsheet row is usually the old text
copied along. Editing changes what the card says, never its schedule or history.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from srs import card_text
from srs.errors import SrsError
from srs.model import Question
from srs.plan.queue import Planner
from srs.settings import Settings
from srs.store import Store

EDITABLE = ("prompt", "objective", "explanation")  # what `srs edit` opens; the rest shows as comments
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # as srs.ingest.misslog drops them
_HEADER = re.compile(r"^== (\w+) ==\s*$")


@dataclass(frozen=True)
class WeakPrompt:
    question: Question
    misses: int
    rank: int  # 1: the most important card of all

    @property
    def log_line(self) -> str:
        """What to add to the miss log (or run) to give the card a real recall prompt."""
        q = self.question
        return f'srs edit {q.source}:{q.qid} --prompt "…"   or mark the answer in its objective: {{{{c1::…}}}}'


def weak_prompts(store: Store, settings: Settings, now: datetime) -> list[WeakPrompt]:
    """Cards still on the generic prompt, most important (srs's priority order) first."""
    ranking = Planner(store, settings, now).ranking()
    questions = {q.id: q for q in store.questions([r.question_id for r in ranking])}
    return [
        WeakPrompt(questions[r.question_id], r.misses, place)
        for place, r in enumerate(ranking, start=1)
        if r.question_id in questions and not card_text.card(questions[r.question_id]).kind.recalls
    ]


def prompt_kinds(store: Store) -> dict[card_text.Kind, int]:
    """How many cards ask in each way (own prompt, cloze, automatic cloze, generic)."""
    kinds = dict.fromkeys(card_text.Kind, 0)
    for question in store.carded_questions():
        kinds[card_text.card(question).kind] += 1
    return kinds


def find(store: Store, name: str) -> Question:
    """The question named 'QID' or 'source:QID'; an error when none or several match."""
    source, _, qid = name.rpartition(":") if ":" in name else ("", "", name)
    qid = qid.strip().lstrip("#")
    found = [q for q in store.questions_by_qid(qid) if not source or q.source == source.strip().lower()]
    if not found:
        raise SrsError(f"no card for question '{name}' (srs cards --weak-prompts lists them)")
    if len(found) > 1:
        sources = ", ".join(f"{q.source}:{q.qid}" for q in found)
        raise SrsError(f"question '{name}' is in several Qbanks: name one ({sources})")
    return found[0]


def document(question: Question) -> str:
    """The text `srs edit` opens: the editable fields under headers, the others as comments."""
    made = card_text.card(question)
    lines = [
        f"# srs edit: {card_text.reference(question)}  ({card_text.context(question)})",
        "# Lines starting with # are ignored. Keep the '== field ==' lines; an empty field is cleared.",
        "# Mark what to recall in the objective: {{c1::answer}} or {{c1::answer::hint}}.",
        f"# The card is now: {made.kind.value}: {card_text.front_text(made)}",
    ]
    for name in ("my_answer", "correct_answer", "why_wrong", "reason", "subject", "system", "topic"):
        value = getattr(question, name)
        if value:
            lines.append(f"# {name.replace('_', ' ')}: {' '.join(value.split())}")
    for name in EDITABLE:
        lines += ["", f"== {name} ==", getattr(question, name)]
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """The fields a saved document gives; a field whose header was deleted is left out."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            name = header.group(1)
            if name not in EDITABLE:
                raise SrsError(f"'== {name} ==' is not a field srs edit changes ({', '.join(EDITABLE)})")
            current = fields.setdefault(name, [])
        elif line.startswith("#"):
            continue
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in fields.items()}


def edit(store: Store, question: Question, changes: dict[str, str], now: datetime) -> dict[str, str]:
    """Store the student's text for these fields (only those that differ); returns them.

    One text event per changed field, and the question's text, in one transaction."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise SrsError(f"srs edit changes {', '.join(EDITABLE)}, not {', '.join(sorted(unknown))}")
    cleaned = {name: _TERMINAL_CONTROL.sub("", value).strip() for name, value in changes.items()}
    changed = {name: value for name, value in cleaned.items() if value != getattr(question, name)}
    if not changed:
        return {}
    stamp = uuid.uuid4().hex
    with store.write():
        ((_, rank, _),) = store.question_texts([(question.source, question.qid)]).values()
        for name, value in changed.items():
            key = f"edit|{question.source}|{question.qid}|{name}|{stamp}"
            store.insert_text_event(question.id, at=now, field=name, value=value, key=key, recorded=now)
        store.set_question_text(question.id, changed, rank)
    return changed
