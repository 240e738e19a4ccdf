"""`srs backup`, `srs backups`, `srs restore`, `srs doctor`: keeping the study history safe."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from srs.derived import open_database
from srs.errors import DatabaseError
from srs.timing import utc_now

from .common import db_path

if TYPE_CHECKING:
    from srs.doctor import Diagnosis
    from srs.store.backup import Backup


def _existing(ctx: click.Context) -> Path:
    path = db_path(ctx)
    if not path.exists():
        raise DatabaseError(f"no database at {path} (choose one with --db or SRS_DB)")
    return path


@click.command("backup")
@click.option("--list", "list_", is_flag=True, help="List the backups instead (as `srs backups`).")
@click.pass_context
def backup_command(ctx: click.Context, list_: bool) -> None:
    """Back up the database now and print the backup's path.

    Backups go to backups/ next to the database. Ones you make are never
    deleted by srs; the automatic ones (before each import and schema upgrade)
    are rotated: the last 10 and one per day for 30 days are kept.
    """
    if list_:
        _list(_existing(ctx))
        return
    from srs.derived import open_database
    from srs.store.backup import backup_now

    with open_database(_existing(ctx)) as store:
        path = backup_now(store, utc_now())
    click.echo(f"Backed up to {path}")


@click.command("backups")
@click.pass_context
def backups_command(ctx: click.Context) -> None:
    """List the database's backups, newest first."""
    _list(_existing(ctx))


def _list(db: Path) -> None:
    from srs.store.backup import folder_for, list_backups

    backups = list_backups(db)
    if not backups:
        click.echo(f"No backups yet in {folder_for(db)} (`srs backup` makes one).")
        return
    for backup in backups:
        size = backup.path.stat().st_size / 1024
        click.echo(f"{backup.taken:%Y-%m-%d %H:%M:%S} UTC  {backup.reason:<9} {size:8.0f} KiB  {backup.path}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def restore_command(ctx: click.Context, file: Path) -> None:
    """Replace the database with the backup FILE.

    FILE is checked first (integrity, that it is an srs database); the current
    database is backed up before it is replaced; no backup is ever deleted.
    """
    from srs.store.backup import restore

    done = restore(db_path(ctx), file, utc_now())
    open_database(done.db).close()  # brings an older backup's schema up to date now, not on next use
    if done.previous is not None:
        click.echo(f"Kept the database as it was in {done.previous}")
    click.echo(f"Restored {done.db} from {done.source}")


@click.command("doctor")
@click.option("--repair", is_flag=True, help="Rebuild every card from the log, in one transaction (after a backup).")
@click.pass_context
def doctor_command(ctx: click.Context, repair: bool) -> None:
    """Check the database: integrity, foreign keys, and every card against its log.

    Exits with status 1 when something is wrong, and says how to repair it.
    """
    from srs.doctor import diagnose

    db = _existing(ctx)
    diagnosis = diagnose(db)
    cards_only = diagnosis.unreadable and not diagnosis.log_unreadable
    if repair and diagnosis.file.ok and (
        diagnosis.problems or diagnosis.totals_differ or diagnosis.texts_differ or cards_only
    ):
        from srs.doctor import repair as repair_cards

        done = repair_cards(db, utc_now())
        again = f"; {done.texts} cards given their edited text again" if done.texts else ""
        click.echo(
            f"Rebuilt the cards from the log ({done.rebuilt} were wrong{again}); the copy before is {done.backup}"
        )
        diagnosis = diagnose(db)
    _report(db, diagnosis)
    if not diagnosis.ok:
        ctx.exit(1)


def _report(db: Path, diagnosis: Diagnosis) -> None:
    checked = diagnosis.file
    click.echo(f"Checked {db}")
    found = checked.problems
    click.echo(f"  integrity_check: {'ok' if not found else f'{len(found)} problems: ' + '; '.join(found[:3])}")
    if not checked.problems:
        errors = checked.foreign_key_errors
        click.echo(f"  foreign_key_check: {f'{errors} rows point to missing rows' if errors else 'ok'}")
    if not checked.ok:
        _advise_restore(db, diagnosis.good_backup)
        return
    if diagnosis.unreadable:
        shown = "; ".join(diagnosis.unreadable[:5])
        more = f" and {len(diagnosis.unreadable) - 5} more" if len(diagnosis.unreadable) > 5 else ""
        count = len(diagnosis.unreadable)
        click.echo(f"  stored values: {count} cannot be read (hand-edited or damaged): {shown}{more}")
        if diagnosis.log_unreadable:
            click.echo("The log itself holds them, so the cards cannot be checked or rebuilt from it.")
            _advise_restore(db, diagnosis.good_backup, damaged=False)
        else:
            click.echo(
                "To repair: srs doctor --repair  (rebuilds every card from the log in one transaction, after a backup)"
            )
        return
    if not diagnosis.problems:
        click.echo(f"  cards: all {diagnosis.cards} equal the replay of their log")
    else:
        examples = ", ".join(f"{p.reference} ({p.kind})" for p in diagnosis.problems[:5])
        more = f" and {len(diagnosis.problems) - 5} more" if len(diagnosis.problems) > 5 else ""
        click.echo(f"  cards: {len(diagnosis.problems)} differ from the replay of their log: {examples}{more}")
    totals = "differ from a recount of the cards" if diagnosis.totals_differ else "ok"
    click.echo(f"  miss totals by topic, subject and system: {totals}")
    if diagnosis.texts_differ:
        shown = ", ".join(diagnosis.texts_differ[:5]) + (" and more" if len(diagnosis.texts_differ) > 5 else "")
        click.echo(f"  edited text: {len(diagnosis.texts_differ)} cards differ from your srs edits: {shown}")
    if diagnosis.ok:
        click.echo("No problems found.")
        return
    click.echo("To repair: srs doctor --repair  (rebuilds every card from the log in one transaction, after a backup)")


def _advise_restore(db: Path, good: Backup | None, *, damaged: bool = True) -> None:
    if damaged:
        click.echo("The file is damaged: srs cannot repair it.")
    if good is not None:
        click.echo(f"To repair: restore the newest good backup ({good.taken:%Y-%m-%d %H:%M} UTC):")
        click.echo(f"  srs --db {db} restore {good.path}")
    else:
        click.echo("No good backup was found next to it; restore a copy from elsewhere with `srs restore FILE`.")
