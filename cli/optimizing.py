"""`srs optimize` and `srs evaluate`: FSRS parameters fitted to the student."""

from __future__ import annotations

import json

import click

from srs import settings as settings_mod
from srs.timing import utc_now

from .common import open_db


@click.command("optimize")
@click.option("--dry-run", is_flag=True, help="Fit and compare, but save nothing.")
@click.option("--reset", is_flag=True, help="Forget fitted parameters: back to FSRS's defaults.")
@click.pass_context
def optimize_command(ctx: click.Context, dry_run: bool, reset: bool) -> None:
    """Fit FSRS parameters to your own reviews and reschedule every card with them."""
    from srs.schedule import optimizer

    with open_db(ctx) as store:
        if reset:
            if dry_run:
                click.echo("Dry run: nothing changed.")
            else:
                click.echo(f"Back to FSRS's default parameters; {optimizer.reset(store)} cards rescheduled.")
            return
        settings = settings_mod.load(store)
        outcome = optimizer.optimize(store, settings, utc_now(), dry_run=dry_run)
    fit = outcome.fit
    current = "the default parameters"
    if settings.fitted:
        current = f"the parameters fitted on {settings.fitted.fitted_at:%Y-%m-%d}"
    click.echo(
        f"Fitted FSRS-6 to {fit.reviews} reviews of {fit.cards} cards "
        "(answers a day or more after the card's previous one)."
    )
    click.echo(
        f"Held-out log loss (fitted on older reviews, judged on {fit.held_out} newer ones; lower is "
        f"better): {fit.held_out_current_log_loss:.4f} with {current}, {fit.held_out_fitted_log_loss:.4f} fitted."
    )
    click.echo(
        f"In-sample log loss (on the reviews fitted to, for reference): {fit.current_log_loss:.4f} with "
        f"{current}, {fit.fitted_log_loss:.4f} fitted."
    )
    click.echo("Parameters: " + ", ".join(f"{p:.4f}" for p in fit.parameters))
    if dry_run:
        click.echo("Dry run: nothing saved.")
    elif not outcome.saved:
        click.echo(f"The fitted parameters predict newer reviews no better than {current}: kept those.")
    else:
        click.echo(f"Saved; {outcome.rescheduled} cards rescheduled.")


@click.command("evaluate")
@click.option("--json", "as_json", is_flag=True, help="Output JSON for scripts.")
@click.pass_context
def evaluate_command(ctx: click.Context, as_json: bool) -> None:
    """How well default and fitted parameters predict your newer reviews."""
    from srs.schedule.evaluation import SPLITS
    from srs.schedule.optimizer import evaluate

    with open_db(ctx) as store:
        settings = settings_mod.load(store)
        result = evaluate(store, settings)
    columns = {"log_loss": "log loss", "rmse_bins": "RMSE (bins)", "auc": "AUC"}
    if as_json:
        payload = {
            "reviews": result.reviews,
            "splits": SPLITS,
            "default": {key: getattr(result.default, key) for key in columns},
            "fitted": {key: getattr(result.fitted, key) for key in columns},
            "saved": {key: getattr(result.saved, key) for key in columns} if result.saved else None,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(
        f"Fitted on older reviews, judged on {result.reviews} newer ones "
        f"({SPLITS} time-series splits; same-day reviews excluded)."
    )
    rows = [("default", result.default), ("fitted on older", result.fitted)]
    if result.saved is not None and settings.fitted is not None:
        rows.append((f"saved {settings.fitted.fitted_at:%Y-%m-%d}*", result.saved))
    click.echo(f"{'':18}" + "".join(f"{label:>13}" for label in columns.values()))
    for label, values in rows:
        shown = "".join(
            f"{getattr(values, key):13.4f}" if getattr(values, key) is not None else f"{'-':>13}" for key in columns
        )
        click.echo(f"{label:18}{shown}")
    click.echo("Log loss and RMSE (bins): lower is better; AUC: higher is better.")
    if result.saved is not None:
        click.echo("* fitted by `srs optimize` on every review, these included: not a held-out figure.")
