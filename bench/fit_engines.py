"""Which engine should fit FSRS parameters: the `fsrs` package's torch optimizer or
`fsrs-rs-python` (the Rust engine Anki uses)? Same generated history for both.

    python bench/fit_engines.py [--cards 1600] [--seed 7] [--repeat 3]

The history comes from `tests/support/synthetic.py`: a simulated student whose memory follows
known parameters, scheduled by srs. Each engine fits all of it; the fitted
parameters are then scored on the same answers with srs.schedule.evaluation. Ratios are
against fsrs-rs-python measured in the same run. The torch engine is measured
only where `fsrs[optimizer]` is installed (it is not a dependency of srs).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))  # the simulated student

from srs.schedule.evaluation import Metrics, metrics, predict
from srs.schedule.histories import CardHistory, Item, items
from srs.schedule.optimizer import fit_parameters
from srs.schedule.parameters import DEFAULT, clamp
from synthetic import TRUE_PARAMETERS, Learner, simulate
from srs.timing import DayRule

RULE = DayRule(UTC, 4)
START = datetime(2025, 1, 1, tzinfo=UTC)


def fit_with_torch(histories: Sequence[CardHistory]) -> tuple[float, ...]:
    """The `fsrs` package's Optimizer. It counts elapsed days as whole 24-hour periods,
    so each answer is handed over at midnight of its study day: its day counts then
    equal srs's study days (same-day answers keep their order)."""
    from fsrs import Optimizer, ReviewLog

    logs = []
    for history in histories:
        for answer in history.answers:
            day = RULE.day_of(answer.at)
            at = datetime(day.year, day.month, day.day, tzinfo=UTC)
            logs.append(ReviewLog(history.card_id, answer.rating, at, None))
    return clamp(Optimizer(logs).compute_optimal_parameters())


def timed(fit: Callable[[], tuple[float, ...]], repeat: int) -> tuple[tuple[float, ...], float]:
    """The parameters and the median wall time of `repeat` fits."""
    seconds, parameters = [], DEFAULT
    for _ in range(repeat):
        started = time.perf_counter()
        parameters = fit()
        seconds.append(time.perf_counter() - started)
    return parameters, statistics.median(seconds)


def installed_mb(distribution: str) -> float | None:
    """Size on disk of one installed distribution (its own files, not its dependencies)."""
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    return sum(f.locate().stat().st_size for f in files if f.locate().exists()) / 1e6


def row(name: str, seconds: float | None, base_seconds: float, score: Metrics, base: Metrics, mb: str) -> str:
    ratio = f"{seconds / base_seconds:9.1f}x" if seconds is not None else f"{'-':>10}"
    shown = f"{seconds:9.3f}" if seconds is not None else f"{'-':>9}"
    return (
        f"{name:<22}{shown}{ratio}  {score.log_loss:8.4f} {score.log_loss / base.log_loss:6.3f}x"
        f"  {score.rmse_bins:8.4f}  {score.auc or 0:6.4f}  {mb:>10}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="fits per engine (median time)")
    args = parser.parse_args()

    histories = simulate(Learner(), cards=args.cards, days=365, start=START, rule=RULE, seed=args.seed)
    found: list[Item] = items(histories, RULE)
    answers = sum(len(h.answers) for h in histories)
    print(f"{answers} reviews of {len(histories)} cards; {len(found)} are a day or more after the previous one")

    def score(parameters: Sequence[float]) -> Metrics:
        return metrics(predict(parameters, found), found)

    rs_parameters, rs_seconds = timed(lambda: fit_parameters(found), args.repeat)
    base = score(rs_parameters)
    rs_mb = installed_mb("fsrs-rs-python")
    print()
    print(f"{'engine':<22}{'fit (s)':>9}{'time':>10}  {'log loss':>8} {'ratio':>7}  {'RMSE(bins)':>9} "
          f"{'AUC':>7}  {'install MB':>10}")  # fmt: skip
    print(row("defaults (no fit)", None, rs_seconds, score(DEFAULT), base, "-"))
    print(row("true parameters", None, rs_seconds, score(TRUE_PARAMETERS), base, "-"))
    print(row("fsrs-rs-python", rs_seconds, rs_seconds, base, base, f"{rs_mb:.1f}" if rs_mb else "?"))
    if importlib.util.find_spec("torch") is None:
        print(f"{'fsrs (torch)':<22} not installed: pip install 'fsrs[optimizer]' to measure it")
        return
    torch_parameters, torch_seconds = timed(lambda: fit_with_torch(histories), 1)
    torch_mb = installed_mb("torch")
    shown_mb = f"{torch_mb:.0f} (torch)" if torch_mb else "?"
    print(row("fsrs (torch)", torch_seconds, rs_seconds, score(torch_parameters), base, shown_mb))


if __name__ == "__main__":
    main()
