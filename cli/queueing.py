"""`srs queue`: today's cards in the order `srs review` will show them."""

from __future__ import annotations

import json

import click

from srs import card_text as notes
from srs import settings as settings_mod
from srs.plan.queue import Planner
from srs.plan.weights import exam_weights
from srs.timing import utc_now

from . import safe
from .common import counted, open_db


@click.command("queue")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Rows to show.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def queue_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Today's review queue, highest priority first (score: see docs/priority.md; a score report's
    bands lift their areas: shown as bands ×F)."""
    with open_db(ctx) as store:
        planner = Planner(store, settings_mod.load(store), utc_now())
        queue = planner.queue()
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
            "factors": _factors(planner, row.subject, row.system),
            "prompt": notes.prompt(questions[row.question_id]),
        }
        for rank, row in enumerate(rows, start=1)
    ]
    if as_json:
        payload = {"due": queue.due_count, "new": queue.new_count, "cards": items}
        click.echo(safe.json_text(json.dumps(payload, indent=2, ensure_ascii=False)))
        return
    click.echo(f"{queue.due_count} due and {queue.new_count} new today; top {len(items)}:")
    for item in items:
        misses = counted(item["topic_misses"], "miss", "misses")
        topic = f"{safe.line(item['topic'])} ({misses})" if item["topic"] else "(no topic)"
        bands = item["factors"]["bands"]
        lifted = f"  bands ×{bands['factor']:.2f} ({safe.line(', '.join(bands['areas']))})" if bands["areas"] else ""
        ref = safe.line(item["ref"])
        click.echo(f"{item['rank']:>3}. {item['kind']:<3}  {item['score']:>6.2f}  {ref:<18} {topic}{lifted}")


def _factors(planner: Planner, subject: str, system: str) -> dict[str, object]:
    """The exam factor E of the score and its parts: the outline's tilt and the bands' lift
    (docs/priority.md)."""
    lifts = planner.signals.bands
    areas = [area for area in (system, subject) if area in lifts]
    return {
        "exam": round(planner.signals.exam_factor(subject, system), 4),
        "outline": round(exam_weights().factor(subject, system), 4),
        "bands": {
            "factor": round(planner.signals.band_factor(subject, system), 4),
            "areas": areas,
            "why": [reason for area in areas for reason in lifts[area].reasons],
        },
    }
