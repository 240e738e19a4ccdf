"""A forecast over thousands of new cards plays 1 in N of them (srs.schedule.workload):
the estimate stays close to playing every card (below the sample size every card plays)."""

from __future__ import annotations

from datetime import datetime

from srs.model import CardRow, CardState
from srs.schedule.workload import SAMPLE, sample_every, simulate
from srs.settings import Settings
from srs.timing import UTC

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def new_cards(count: int) -> list[CardRow]:
    return [
        CardRow(q, "uworld", str(q), f"Topic {q % 40}", "Pathology", "Renal/Urinary", CardState.new(NOW))
        for q in range(1, count + 1)
    ]


def test_sampled_new_cards_forecast_what_playing_every_card_does():
    settings = Settings(new_per_day=150)
    cards = new_cards(4500)
    every = sample_every(len(cards))
    assert every == 3 and sample_every(SAMPLE) == 1
    full = simulate(cards, settings, NOW, 30).per_day
    sampled = simulate(cards, settings, NOW, 30, new_every=every).per_day
    assert sum(full) > 0
    assert abs(sum(sampled) - sum(full)) / sum(full) < 0.05  # the month's total
    weekly = [(sum(full[i : i + 7]), sum(sampled[i : i + 7])) for i in range(0, 28, 7)]
    assert all(abs(s - f) / f < 0.12 for f, s in weekly), weekly  # and its shape, week by week
