"""The interday rule against real Anki (the `anki` package, FSRS on), same history.

A card answered Again (a learning step, 10 minutes left), then answered again after a gap:
Anki and srs give the same memory state (stability) for every rating and gap, and the
same outcome within a study day. After a study day or more they part, on purpose (see
docs/scheduling.md): Anki keeps Hard and Good in the learning steps (Good: the 10-minute
step), srs ends the steps and schedules the card in days; Again restarts the steps in both.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic import TRUE_PARAMETERS

from srs.schedule.scheduler import CardState, Rating, Scheduler, State
from srs.timing import DayRule

pytestmark = pytest.mark.slow
pytest.importorskip("anki")

CHILD = Path(__file__).resolve().parents[1] / "support" / "anki_gap_states.py"
GAPS = [5 * 60, 3 * 86400, 20 * 86400]  # within the day; 3 and 20 days later


def test_gap_outcomes_against_real_anki():
    request = {"parameters": list(TRUE_PARAMETERS), "gaps": GAPS}
    done = subprocess.run(
        [sys.executable, str(CHILD)], input=json.dumps(request), capture_output=True, text=True,
        env={"TZ": "UTC", "PATH": ""}, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    now = datetime.fromtimestamp(answer["now"], UTC)
    # Anki's default rollover is 4 am in the machine's zone (UTC here)
    scheduler = Scheduler(DayRule(UTC, 4), parameters=TRUE_PARAMETERS, fuzz=False)
    for gap, anki in zip(GAPS, answer["cards"], strict=True):
        first = now - timedelta(seconds=gap)
        card = scheduler.answer(CardState.new(first), Rating.Again, first, "s")
        interday = scheduler.rule.elapsed_days(first, now) >= 1
        for rating in Rating:
            ours = scheduler.answer(card, rating, now, "s")
            theirs = anki[rating.name.lower()]
            assert ours.stability == pytest.approx(theirs["stability"], rel=1e-3), (gap, rating)
            if rating == Rating.Again or rating == Rating.Easy or not interday:
                assert (ours.state == State.Review) == (theirs["kind"] == "review"), (gap, rating)
            else:  # the documented difference
                assert theirs["kind"] == "learning" and ours.state == State.Review, (gap, rating)
