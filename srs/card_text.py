"""What a card says: its prompt, context and answer, built from the question.

Shared by the terminal review and the Anki export so both show the same card.
"""

from __future__ import annotations

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


def context(question: Question) -> str:
    """'Immunology · Cardiovascular · Type I hypersensitivity' (blank parts left out)."""
    return " · ".join(p for p in (question.subject, question.system, question.topic) if p)


def prompt(question: Question) -> str:
    """The student's own prompt, or a recall question built from the tags: never empty."""
    if question.prompt:
        return question.prompt
    if question.topic:
        return f"{question.topic}: what is the learning point you missed ({reference(question)})?"
    area = " · ".join(p for p in (question.subject, question.system) if p)
    if area:
        return f"{area}: what did {reference(question)} test, and what is the learning point?"
    return f"What did {reference(question)} test, and what is the learning point?"


def answer(question: Question) -> str:
    if question.objective:
        return question.objective
    return "(No learning objective yet: add one to your miss log and import it again.)"


def answer_details(question: Question, misses: int) -> list[tuple[str, str]]:
    """Labelled lines for the back of the card, only those that have content."""
    lines: list[tuple[str, str]] = []
    if question.explanation:
        lines.append(("Explanation", question.explanation))
    if question.my_answer or question.correct_answer:
        chose = question.my_answer or "?"
        lines.append(("Answers", f"you chose {chose}; correct: {question.correct_answer or '?'}"))
    if question.reason:
        lines.append(("Why missed", question.reason))
    lines.append(("Source", f"{reference(question)}, missed {misses}×"))
    return lines
