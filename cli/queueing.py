"""`srs queue`: today's cards in the order `srs review` will show them."""

from __future__ import annotations

import json

import click

from srs import card_text as notes
from srs import settings as settings_mod
from srs.plan.queue import todays_queue
from srs.timing import utc_now

from .common import open_db


@click.command("queue")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Rows to show.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def queue_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Today's review queue, highest priority first (score: see docs/priority.md)."""
    with open_db(ctx) as store:
        queue = todays_queue(store, settings_mod.load(store), utc_now())
        rows = queue.cards[:limit]
        questions = {q.id: q for q in store.questions(r.question_id for r in rows)}
    items = [
        {
            "rank": rank,
            "ref": notes.reference(questions[row.question_id]),
            "kind": "new" if row.state.is_new else "due",
            "topic": questions[row.question_id].topic,
            "topic_misses": row.topic_misses,
            "misses": row.misses,
            "score": round(row.score, 3),
            "prompt": notes.prompt(questions[row.question_id]),
        }
        for rank, row in enumerate(rows, start=1)
    ]
    if as_json:
        payload = {"due": queue.due_count, "new": queue.new_count, "cards": items}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"{queue.due_count} due and {queue.new_count} new today; top {len(items)}:")
    for item in items:
        topic = f"{item['topic']} ({item['topic_misses']} misses)" if item["topic"] else "(no topic)"
        click.echo(f"{item['rank']:>3}. {item['kind']:<3}  {item['score']:>6.2f}  {item['ref']:<18} {topic}")
