"""How well parameters predict the student's answers: log loss, RMSE(bins), AUC.

Measured honestly: on a time-series split, parameters are fitted on older answers
and judged on newer ones they have not seen, as Anki's "Evaluate" does. Only
answers given a study day or more after the card's previous one are judged
(FSRS makes no recall prediction within a day). The metric functions are plain
math on lists, so they can be checked by hand.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import fsrs_rs_python as rs

from srs.schedule.histories import Item
from srs.schedule.parameters import DEFAULT

SPLITS = 5  # as fsrs-rs and Anki: train on the first k sixths, test on the next one
EPSILON = 1e-7  # keeps log loss finite for a prediction of exactly 0 or 1


@dataclass(frozen=True)
class Metrics:
    log_loss: float
    rmse_bins: float
    auc: float | None  # None when every answer was recalled (or none was)


@dataclass(frozen=True)
class Evaluation:
    reviews: int  # answers judged (the test parts of the split)
    default: Metrics
    fitted: Metrics
    saved: Metrics | None = None  # the parameters `srs optimize` saved (fitted on every answer)


# -- metrics ------------------------------------------------------------------


def log_loss(predictions: Sequence[float], outcomes: Sequence[bool]) -> float:
    """Mean binary cross-entropy of predicted recall against what happened."""
    total = 0.0
    for p, recalled in zip(predictions, outcomes, strict=True):
        p = min(max(p, EPSILON), 1 - EPSILON)
        total -= math.log(p) if recalled else math.log(1 - p)
    return total / len(predictions)


def rmse_bins(predictions: Sequence[float], found: Sequence[Item]) -> float:
    """RMSE(bins) as the FSRS authors define it (fsrs-rs `evaluate`, srs-benchmark).

    Answers are grouped by interval, review count and lapse count, each on a log
    scale; within a bin the mean prediction is compared with the recall rate; the
    squared gaps are averaged weighted by bin size. Unlike a plain RMSE, it rewards
    being right on average for each kind of answer, not guessing each 0/1 outcome.
    """
    bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p, item in zip(predictions, found, strict=True):
        totals = bins[bin_of(item)]
        totals[0] += p
        totals[1] += 1.0 if item.recalled else 0.0
        totals[2] += 1
    squared = sum(((pred - real) / n) ** 2 * n for pred, real, n in bins.values())
    return math.sqrt(squared / sum(n for _, _, n in bins.values()))


def bin_of(item: Item) -> tuple[int, int, int]:
    """(interval, review count, lapse count) bin, as fsrs-rs's `r_matrix_index`."""
    interval = round(2.48 * 3.62 ** math.floor(math.log(item.elapsed, 3.62)) * 100)
    length = sum(1 for d in item.delta_ts if d > 0) + 1
    length_bin = round(1.99 * 1.89 ** math.floor(math.log(length, 1.89)))
    lapses = sum(1 for r, d in zip(item.ratings[:-1], item.delta_ts[:-1], strict=True) if r == 1 and d > 0)
    lapse_bin = round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73))) if lapses else 0
    return interval, length_bin, lapse_bin


def auc(predictions: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance that a recalled answer was predicted more
    likely than a forgotten one (ties count half). None without both kinds."""
    positives = sum(1 for o in outcomes if o)
    negatives = len(outcomes) - positives
    if not positives or not negatives:
        return None
    ranked = sorted(zip(predictions, outcomes, strict=True), key=lambda pair: pair[0])
    rank_sum, start = 0.0, 0
    while start < len(ranked):
        end = start
        while end < len(ranked) and ranked[end][0] == ranked[start][0]:
            end += 1
        average_rank = (start + 1 + end) / 2  # ranks start..end-1, counted from 1
        rank_sum += average_rank * sum(1 for _, o in ranked[start:end] if o)
        start = end
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def metrics(predictions: Sequence[float], found: Sequence[Item]) -> Metrics:
    outcomes = [item.recalled for item in found]
    return Metrics(log_loss(predictions, outcomes), rmse_bins(predictions, found), auc(predictions, outcomes))


# -- predictions ----------------------------------------------------------------


def to_rs_item(item: Item) -> rs.FSRSItem:
    """The Rust engine's form of a history: (rating, study days since the previous answer)."""
    return rs.FSRSItem([rs.FSRSReview(r, d) for r, d in zip(item.ratings, item.delta_ts, strict=True)])


def predict(parameters: Sequence[float], found: Sequence[Item]) -> list[float]:
    """Predicted recall for each target: FSRS's retrievability after its history."""
    model = rs.FSRS(list(parameters))
    states = model.memory_state_batch([to_rs_item(item.history()) for item in found])
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return [(1 + factor * item.elapsed / state.stability) ** decay for item, state in zip(found, states, strict=True)]


# -- the split -------------------------------------------------------------------


def time_series_splits(found: Sequence[Item], splits: int = SPLITS) -> list[tuple[list[Item], list[Item]]]:
    """(older, newer) pairs: train on the first k parts, test on part k+1 (items oldest first)."""
    size = len(found) // (splits + 1)
    if size == 0:
        return []
    pairs = []
    for k in range(1, splits + 1):
        end = len(found) if k == splits else (k + 1) * size
        pairs.append((list(found[: k * size]), list(found[k * size : end])))
    return pairs


def evaluate_items(
    found: Sequence[Item],
    fit: Callable[[Sequence[Item]], Sequence[float]],
    *,
    saved: Sequence[float] | None = None,
) -> Evaluation:
    """Defaults vs parameters fitted on older answers, both judged on the newer ones; and
    the `saved` parameters (if any) on the same answers (they were fitted on all of them)."""
    tested: list[Item] = []
    default: list[float] = []
    fitted: list[float] = []
    for train, test in time_series_splits(found):
        tested += test
        default += predict(DEFAULT, test)
        fitted += predict(fit(train), test)
    kept = metrics(predict(saved, tested), tested) if saved is not None and tested else None
    return Evaluation(len(tested), metrics(default, tested), metrics(fitted, tested), kept)
