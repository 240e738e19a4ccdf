"""FSRS-6 parameters fitted to the student's own answers.

Fitting uses `fsrs-rs-python`, the Rust engine Anki itself fits with: it needs no
torch, and on the same 20,000 reviews it is both much faster than the `fsrs`
package's torch optimizer and as accurate (docs/benchmarks.md). New parameters
are kept only when they predict answers they were not fitted to better than the
ones in use (the time-series split of `srs evaluate`: fitted on older answers,
judged on newer ones), and every card is then replayed from the log with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import fsrs_rs_python as rs

from srs.errors import SrsError
from srs.schedule.evaluation import Evaluation, evaluate_items, log_loss, predict, time_series_splits, to_rs_item
from srs.schedule.histories import Item, card_count, card_histories, items
from srs.schedule.parameters import CONFIG_KEY, DEFAULT, FittedParameters, clamp
from srs.schedule.replay import rebuild_all
from srs.settings import Settings, load
from srs.store import Store

# The Rust engine returns the defaults under 8 such answers and fits only the four
# first-answer stabilities under 64. Anki's options screen refused to optimize under
# 1000 when FSRS arrived, later only warned, and its core leaves the caller to check
# for fewer than 400 (rslib scheduler/fsrs/params.rs). 400 answers, each given a study
# day or more after the card's previous one, are where the 21 parameters start to
# rest on data rather than chance.
MIN_REVIEWS = 400
RELEARNING_STEPS = 1  # the scheduler's relearning steps (one of 10 minutes)


class NotEnoughReviews(SrsError):
    """Too little history to fit parameters that beat the defaults."""


@dataclass(frozen=True)
class Fit:
    """A fit and how it compares with the parameters in use: on the answers it was fitted
    to (in-sample, shown for reference), and on newer answers a fit to the older ones has
    not seen (held out: what decides)."""

    parameters: tuple[float, ...]
    current: tuple[float, ...]
    reviews: int  # prediction targets: answers a study day or more after the previous one
    cards: int
    current_log_loss: float
    fitted_log_loss: float
    held_out: int = 0  # answers judged in the time-series split
    held_out_current_log_loss: float = 0.0
    held_out_fitted_log_loss: float = 0.0

    @property
    def improved(self) -> bool:
        """Decided on held-out answers: a fit that only describes its own data is not kept."""
        return self.held_out > 0 and self.held_out_fitted_log_loss < self.held_out_current_log_loss


@dataclass(frozen=True)
class Outcome:
    fit: Fit
    saved: bool
    rescheduled: int  # cards rebuilt with the new parameters (0 when nothing was saved)


def require_enough(found: Sequence[Item], minimum: int = MIN_REVIEWS) -> None:
    if len(found) < minimum:
        raise NotEnoughReviews(
            f"{len(found)} reviews to learn from, {minimum} needed: FSRS learns from answers given "
            "a day or more after the card's previous one (same-day answers don't count), and "
            f"with fewer than {minimum} its parameters would mostly fit chance. "
            "Keep reviewing and try again later."
        )


def fit_parameters(found: Sequence[Item]) -> tuple[float, ...]:
    """FSRS-6 parameters fitted to these prediction targets (Anki's training setup).

    No per-card ids are passed: on held-out answers they made no difference to log loss
    and a slightly worse RMSE(bins) (docs/scheduling.md, bench/fit_card_ids.py)."""
    model = rs.FSRS(list(DEFAULT))
    fitted = model.compute_parameters(
        [to_rs_item(item) for item in found],
        enable_short_term=True,
        num_relearning_steps=RELEARNING_STEPS,
    )
    return clamp(list(fitted))


def fit(store: Store, settings: Settings) -> Fit:
    """Fit to every card's history in the log, compared with the parameters in use."""
    found = items(card_histories(store), settings.day_rule())
    require_enough(found)
    parameters = fit_parameters(found)
    outcomes = [item.recalled for item in found]
    tested: list[Item] = []
    current: list[float] = []
    fitted: list[float] = []
    for train, test in time_series_splits(found):
        tested += test
        current += predict(settings.parameters, test)
        fitted += predict(fit_parameters(train), test)
    judged = [item.recalled for item in tested]
    return Fit(
        held_out=len(tested),
        held_out_current_log_loss=log_loss(current, judged) if tested else 0.0,
        held_out_fitted_log_loss=log_loss(fitted, judged) if tested else 0.0,
        parameters=parameters,
        current=settings.parameters,
        reviews=len(found),
        cards=card_count(found),
        current_log_loss=log_loss(predict(settings.parameters, found), outcomes),
        fitted_log_loss=log_loss(predict(parameters, found), outcomes),
    )


def optimize(store: Store, settings: Settings, now: datetime, *, dry_run: bool = False) -> Outcome:
    """Fit, and unless `dry_run`, store better parameters and replay every card with them."""
    result = fit(store, settings)
    if dry_run or not result.improved:
        return Outcome(result, saved=False, rescheduled=0)
    fitted = FittedParameters(result.parameters, fitted_at=now, reviews=result.reviews)
    return Outcome(result, saved=True, rescheduled=save(store, fitted))


def save(store: Store, fitted: FittedParameters | None) -> int:
    """Store parameters (None: back to the defaults) and rebuild every card, all or nothing.

    Settings are read back inside the transaction, so the cards are rebuilt with exactly
    what a later `load` will see."""
    with store.write():
        if fitted is None:
            store.delete_config(CONFIG_KEY)
        else:
            store.set_config(CONFIG_KEY, fitted.to_json())
        rebuild_all(store, load(store).scheduler())
        return store.card_count()


def reset(store: Store) -> int:
    """Forget fitted parameters (even unreadable ones): FSRS's defaults, every card rebuilt."""
    return save(store, None)


def evaluate(store: Store, settings: Settings) -> Evaluation:
    """The student's own history, split by time; refuses when too short to fit."""
    found = items(card_histories(store), settings.day_rule())
    require_enough(found)
    saved = settings.fitted.parameters if settings.fitted else None
    return evaluate_items(found, fit_parameters, saved=saved)
