"""The plan as an iCalendar file, written with the `icalendar` library.

One all-day event per Qbank block, checkpoint, rest day and the exam. UIDs come from
the day and what the event is, so exporting again after the plan changed updates the
events a calendar app already has instead of adding copies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from srs.plan.studyplan import PlanDay, StudyPlan

UID_DOMAIN = "srs.plan"


def events(plan: StudyPlan) -> list[tuple[str, PlanDay, str, str]]:
    """(uid, day, summary, description) for each event of the plan."""
    found = []
    t = plan.template
    for day in plan.days:
        stamp = day.day.isoformat()
        cards = f"Cards: {day.reviews} reviews and {day.new} new, about {day.minutes} min."
        if day.kind == "exam":
            found.append((f"{stamp}-exam@{UID_DOMAIN}", day, "USMLE Step 1", "Exam day."))
        elif day.kind == "rest":
            found.append((
                f"{stamp}-rest@{UID_DOMAIN}", day, "Rest day",
                f"Protect it: {t.rest_review}. {cards}",
            ))  # fmt: skip
        elif day.checkpoint is not None:
            c = day.checkpoint
            text = f"Self-assessment ({c.why}): a full-length NBME, then review its misses. {cards}"
            if c.rule:
                text += f" Rule: {c.rule}."
            found.append((f"{stamp}-checkpoint@{UID_DOMAIN}", day, "NBME self-assessment", text))
        elif day.kind == "practice":
            found.append((
                f"{stamp}-practice@{UID_DOMAIN}", day, "Practice day: 4-5 timed blocks",
                f"Timed {t.block_questions}-question blocks, then review their misses. {cards}",
            ))  # fmt: skip
        else:
            for n in range(1, day.blocks + 1):
                found.append((
                    f"{stamp}-block-{n}@{UID_DOMAIN}", day, f"Qbank block {n} of {day.blocks}",
                    f"{t.block_questions} timed questions in the morning; review them in depth in the "
                    f"afternoon. Evening: {cards}",
                ))  # fmt: skip
    return found


def write_ics(plan: StudyPlan, out: Path, now: datetime) -> int:
    """Write the plan's events to `out` (atomically); returns how many."""
    import icalendar  # only `srs plan --ics` pays for it

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//srs//study plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Step 1 retake plan")
    found = events(plan)
    for uid, day, summary, description in found:
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", now)
        event.add("dtstart", day.day)
        event.add("dtend", day.day + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(calendar.to_ical())
    partial.replace(out)
    return len(found)
