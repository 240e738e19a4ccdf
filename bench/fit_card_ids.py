"""Should the fit pass per-card ids to fsrs-rs? Held-out figures with and without them.

    python bench/fit_card_ids.py [--cards 1500] [--seeds 3]

`compute_parameters(..., card_ids=...)` lets fsrs-rs group a card's items (its
outlier filter and the pretraining of the first-answer stabilities see cards, not
items). Both variants are fitted on the older answers of each time-series split of
srs.schedule.evaluation and judged on the newer ones, on histories of the simulated
student (tests/support/synthetic.py: late reviews, same-day steps, known truth).
Recorded in docs/scheduling.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

import fsrs_rs_python as rs

from srs.schedule.evaluation import metrics, predict, time_series_splits, to_rs_item
from srs.schedule.histories import Item, items
from srs.schedule.optimizer import RELEARNING_STEPS
from srs.schedule.parameters import DEFAULT, clamp
from synthetic import Learner, simulate
from srs.timing import DayRule

RULE = DayRule(UTC, 4)
START = datetime(2025, 1, 1, tzinfo=UTC)


def fit(found: Sequence[Item], with_ids: bool) -> tuple[float, ...]:
    model = rs.FSRS(list(DEFAULT))
    kwargs = {"card_ids": [item.card_id for item in found]} if with_ids else {}
    fitted = model.compute_parameters(
        [to_rs_item(item) for item in found], enable_short_term=True, num_relearning_steps=RELEARNING_STEPS, **kwargs
    )
    return clamp(list(fitted))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=1500)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'seed':>4} {'variant':>11} {'log loss':>9} {'RMSE(bins)':>11} {'AUC':>7}")
    totals: dict[bool, list[float]] = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for seed in range(args.seeds):
        found = items(simulate(Learner(), cards=args.cards, days=365, start=START, rule=RULE, seed=seed), RULE)
        for with_ids in (True, False):
            tested: list[Item] = []
            predicted: list[float] = []
            for train, test in time_series_splits(found):
                tested += test
                predicted += predict(fit(train, with_ids), test)
            m = metrics(predicted, tested)
            totals[with_ids][0] += m.log_loss / args.seeds
            totals[with_ids][1] += m.rmse_bins / args.seeds
            label = "card ids" if with_ids else "no ids"
            print(f"{seed:>4} {label:>11} {m.log_loss:9.4f} {m.rmse_bins:11.4f} {m.auc or 0:7.4f}")
    for with_ids, (loss, rmse) in totals.items():
        print(f"mean {'card ids' if with_ids else 'no ids':>11} {loss:9.4f} {rmse:11.4f}")


if __name__ == "__main__":
    main()
