"""The `srs` command group. Subcommands load on first use to keep start-up fast."""

from __future__ import annotations

import errno
import importlib
import sqlite3
from pathlib import Path
from typing import Any

import click

from srs import __version__
from srs.errors import SrsError

from . import safe

COMMANDS = {
    "import": ("srs_cli.importing", "import_command"),
    "review": ("srs_cli.reviewing", "review_command"),
    "due": ("srs_cli.due", "due_command"),
    "queue": ("srs_cli.queueing", "queue_command"),
    "weak": ("srs_cli.weak", "weak_command"),
    "score": ("srs_cli.scores", "score_group"),
    "ready": ("srs_cli.scores", "ready_command"),
    "plan": ("srs_cli.planning", "plan_command"),
    "today": ("srs_cli.planning", "today_command"),
    "cards": ("srs_cli.cards", "cards_command"),
    "edit": ("srs_cli.cards", "edit_command"),
    "report": ("srs_cli.reporting", "report_command"),
    "stats": ("srs_cli.reporting", "stats_command"),
    "export": ("srs_cli.exporting", "export_command"),
    "sync-anki": ("srs_cli.anki", "sync_anki_command"),
    "anking": ("srs_cli.anki", "anking_command"),
    "config": ("srs_cli.config", "config_group"),
    "optimize": ("srs_cli.optimizing", "optimize_command"),
    "evaluate": ("srs_cli.optimizing", "evaluate_command"),
    "backup": ("srs_cli.maintenance", "backup_command"),
    "backups": ("srs_cli.maintenance", "backups_command"),
    "restore": ("srs_cli.maintenance", "restore_command"),
    "doctor": ("srs_cli.maintenance", "doctor_command"),
    "questions": ("srs_cli.questions", "questions_group"),
}
# Disk full, no permission, read-only disk, I/O error: shown as one line, not a traceback.
_FILE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO}


class SrsGroup(click.Group):
    """Loads commands lazily and turns library errors into one `Error: ...` line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SrsError as exc:
            raise click.ClickException(safe.line(exc)) from exc
        except sqlite3.Error as exc:  # the one place a raw SQLite failure becomes a message
            from srs.store.file import explain

            from .common import db_path

            raise click.ClickException(safe.line(explain(exc, db_path(ctx)))) from exc
        except OSError as exc:
            if exc.errno not in _FILE_ERRNOS:
                raise
            reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror
            raise click.ClickException(safe.line(f"{exc.filename or 'a file'}: {reason}")) from exc


@click.group(cls=SrsGroup)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SRS_DB",
    show_envvar=True,
    help="The database file (default: srs.db in your user data folder).",
)
@click.version_option(__version__, prog_name="srs")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None) -> None:
    """Turn the Qbank questions you missed into flashcards, highest-yield first.

    \b
    Daily loop:
      srs import misses.csv     add new misses (new cards, repeat misses)
      srs review                today's cards, most-missed topics first
      srs due                   what is due today and this week
      srs queue                 today's cards in review order
      srs weak                  your weak topics, subjects and systems
      srs export -o misses.apkg the same cards for Anki
      srs sync-anki FILE.colpkg reviews done in Anki come home
      srs anking                AnKing searches for missed UWorld QIDs

    \b
    Am I ready?
      srs score add ...         an NBME, UWSA, ... score and its bands
      srs ready                 trend, distance to 65%/70%, verdict, weak areas
      srs plan                  weeks to exam day, checkpoints, focus topics (--ics)
      srs today                 this morning's blocks, cards, focus and retests

    \b
    Fitted to you:
      srs optimize              FSRS parameters from your own reviews
      srs evaluate              how well they predict your newer reviews

    \b
    Safe keeping:
      srs backup                a backup now (also made before every import)
      srs backups               list the backups
      srs restore FILE          go back to a backup
      srs doctor                check the file and every card; --repair
      srs questions move-source other uworld   questions imported under the wrong source
    """
    ctx.obj = db_path


def main() -> None:
    cli(prog_name="srs")
