"""`srs cards --weak-prompts` and `srs edit`: see and fix cards that do not test a fact."""

from __future__ import annotations

import json

import click

from srs import card_text
from srs import editing as editing_mod
from srs import settings as settings_mod
from srs.timing import utc_now

from .common import counted, open_db


@click.command("cards")
@click.option("--weak-prompts", is_flag=True, help="Only cards still on the generic prompt, most important first.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def cards_command(ctx: click.Context, weak_prompts: bool, limit: int | None, as_json: bool) -> None:
    """How your cards ask: your prompt, a cloze, or the generic prompt (a reread, not a recall test)."""
    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        if not weak_prompts:
            kinds = editing_mod.prompt_kinds(store)
            if as_json:
                click.echo(json.dumps({k.name.lower(): n for k, n in kinds.items()}, indent=2))
                return
            for kind, count in kinds.items():
                click.echo(f"{count:>6}  {kind.value}")
            if kinds[card_text.Kind.GENERIC]:
                click.echo("`srs cards --weak-prompts` lists the generic ones, most important first.")
            return
        weak = editing_mod.weak_prompts(store, settings, utc_now())
    shown = weak[:limit] if limit else weak
    if as_json:
        rows = [
            {"rank": w.rank, "source": w.question.source, "qid": w.question.qid, "misses": w.misses,
             "prompt": card_text.prompt(w.question), "objective": card_text.answer(w.question)}
            for w in shown
        ]  # fmt: skip
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not weak:
        click.echo("Every card tests a fact: none is on the generic prompt.")
        return
    click.echo(f"{counted(len(weak), 'card')} on the generic prompt, most important first:")
    for w in shown:
        q = w.question
        click.echo()
        click.echo(f"#{w.rank}  {card_text.reference(q)}  ({card_text.context(q) or 'no tags'}), missed {w.misses}×")
        click.echo(f"    objective: {card_text.answer(q)}")
        if q.correct_answer:
            click.echo(
                f"    correct answer: {q.correct_answer}  "
                "(not hidden automatically: absent from the objective, or too short)"
            )
        click.echo(f"    fix: {w.log_line}")


@click.command("edit")
@click.argument("qid")
@click.option("--prompt", help="Set the card's prompt without an editor (for scripts).")
@click.option("--objective", help="Set the learning objective (may hold {{c1::…}}).")
@click.option("--explanation", help="Set the explanation.")
@click.pass_context
def edit_command(
    ctx: click.Context, qid: str, prompt: str | None, objective: str | None, explanation: str | None
) -> None:
    """Edit a card's prompt, objective and explanation ($EDITOR); QID or SOURCE:QID.

    The card keeps its schedule and history. The edit is kept in the log, so importing
    an older miss-log row later does not undo it.
    """
    fields = (("prompt", prompt), ("objective", objective), ("explanation", explanation))
    given = {k: v for k, v in fields if v is not None}
    with open_db(ctx) as store:
        question = editing_mod.find(store, qid)
        if not given:
            saved = click.edit(editing_mod.document(question), extension=".txt", require_save=True)
            if saved is None:
                click.echo("Not saved: nothing changed.")
                return
            given = editing_mod.parse(saved)
        changed = editing_mod.edit(store, question, given, utc_now())
        if not changed:
            click.echo("Nothing changed.")
            return
        made = card_text.card(store.question(question.id))
    click.echo(f"{card_text.reference(question)}: {', '.join(changed)} saved. The card is now: {made.kind.value}")
    click.echo(f"  front: {card_text.front_text(made)}")
