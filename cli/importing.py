"""`srs import`: read a miss log into the database."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

import click

from srs import settings as settings_mod
from srs.errors import InvalidRows
from srs.ingest.columns import parse_mapping
from srs.ingest.importer import ImportSummary, PreviewRow, import_stream
from srs.ingest.kinds import folder_error
from srs.ingest.misslog import ReadOptions, ReadReport
from srs.ingest.readers import FORMATS
from srs.timing import utc_now

from . import safe
from .common import open_db, print_notices


@click.command("import")
@click.argument("file", type=click.Path(exists=True, allow_dash=True))  # a folder: see below
@click.option("--source", help="Qbank for rows without a source column (uworld, amboss, nbme, ...).")
@click.option("--format", "format_", type=click.Choice(FORMATS), help="Skip detection and read as this format.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar='"COLUMN=FIELD"',
    help="Read a column as a field (or 'ignore').",
)
@click.option("--sheet", help="Excel: the sheet to read (default: the first).")
@click.option(
    "--date",
    "default_date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Date of rows without one (a pasted test).",
)
@click.option("--dayfirst", is_flag=True, help="Read 3/11/2026 as 3 November.")
@click.option("--monthfirst", is_flag=True, help="Read 3/11/2026 as March 11.")
@click.option("--header-row", type=click.IntRange(min=1), help="The row (1-based) that names the columns.")
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and list the bad ones.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.pass_context
def import_command(
    ctx: click.Context,
    file: str,
    source: str | None,
    format_: str | None,
    mapping: tuple[str, ...],
    sheet: str | None,
    default_date: object,
    dayfirst: bool,
    monthfirst: bool,
    header_row: int | None,
    skip_invalid: bool,
    dry_run: bool,
) -> None:
    """Import a miss log: CSV, TSV, JSON, JSONL, Excel (.xlsx), or a UWorld table pasted on stdin.

    Each row is one attempt at a question. The first miss of a question makes a
    new card; later misses and correct attempts count as recalls. Importing the
    same file again changes nothing. FILE may be - for standard input:
    `xclip -o | srs import - --source uworld`.
    """
    name = "<stdin>" if file == "-" else file
    if file != "-" and Path(file).is_dir():
        raise folder_error(file)  # Numbers saves some spreadsheets as a folder
    if dayfirst and monthfirst:
        raise click.UsageError("--dayfirst and --monthfirst contradict each other; give one")
    options = ReadOptions(
        default_source=source,
        default_date=default_date.date() if default_date else None,  # type: ignore[attr-defined]
        dayfirst=dayfirst,
        monthfirst=monthfirst,
        header_row=header_row,
        mapping=parse_mapping(list(mapping)),
    )
    with _open_input(file) as stream, open_db(ctx, provisional=True) as store:
        new, settings = store.provisional, settings_mod.load(store)
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        with _progress(size) as progress:
            try:
                summary = import_stream(
                    store,
                    settings.scheduler(),
                    stream,
                    name,
                    now=utc_now(),
                    format=format_,
                    sheet=sheet,
                    options=options,
                    skip_invalid=skip_invalid,
                    dry_run=dry_run,
                    progress=(lambda _rows: progress(stream.tell())) if progress else None,
                )
            except InvalidRows as exc:
                _list_errors(exc.errors, exc.count)
                raise
        if new and not dry_run:
            print_notices(store)  # the new database is kept: what opening it recorded
    _print_summary(summary)


def _open_input(file: str) -> IO[bytes]:
    """A seekable binary stream: the file, or standard input read into memory."""
    if file == "-":
        return io.BytesIO(sys.stdin.buffer.read())
    return Path(file).open("rb")


class _progress:
    """A progress bar on a terminal for large files; nothing when piped."""

    def __init__(self, size: int) -> None:
        self.bar = None
        if size > 5_000_000 and sys.stderr.isatty():
            self.bar = click.progressbar(length=size, label="Importing", file=sys.stderr)
        self.done = 0

    def __enter__(self):  # type: ignore[no-untyped-def]
        if self.bar is None:
            return None
        self.bar.__enter__()

        def update(position: int) -> None:
            assert self.bar is not None
            self.bar.update(position - self.done)
            self.done = position

        return update

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, trace)


def _list_errors(errors: list, count: int) -> None:
    for error in errors:
        click.echo(safe.line(error), err=True)
    if count > len(errors):
        click.echo(f"... and {count - len(errors)} more", err=True)


def _print_summary(summary: ImportSummary) -> None:
    click.echo(safe.line(summary.line()))
    if summary.dry_run:
        _print_columns(summary.report)
        _print_preview(summary.preview)
    if summary.errors:
        _list_errors(summary.errors, summary.invalid)
    for note in summary.notes():
        click.echo(safe.line(note), err=True)
    if summary.report.assumptions:
        click.echo("Assumed:", err=True)
        for sentence in summary.report.assumptions:
            click.echo(safe.line(f"  - {sentence}"), err=True)


WIDTH = 80


def _cut(text: str, width: int) -> str:
    text = safe.line(text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _print_columns(report: ReadReport) -> None:
    """The mapping the import chose: each file column read and its field."""
    if not report.columns:
        return
    click.echo("Columns read:")
    width = min(max(len(safe.line(c)) for c, _ in report.columns), 30)
    for column, target in report.columns:
        click.echo(f"  {_cut(column, width):<{width}}  → {target}")


PREVIEW_FIELDS = ("subject", "system", "objective", "reason", "prompt", "cloze", "my_answer", "correct_answer",
                  "why_wrong", "explanation", "category")  # fmt: skip


def _print_preview(rows: list[PreviewRow]) -> None:
    """The first rows as they would be stored, in 80 columns: one line of identity, date,
    result and topic, and one of the other fields, cut to fit."""
    if not rows:
        return
    click.echo(f"First {len(rows)} {'row' if len(rows) == 1 else 'rows'} as {'it' if len(rows) == 1 else 'they'} "
               "would be stored:")
    source_w = min(max(len("source"), *(len(safe.line(r.source)) for r in rows)), 10)
    qid_w = min(max(len("qid"), *(len(safe.line(r.qid)) for r in rows)), 16)
    fixed = 2 + 5 + 2 + source_w + 2 + qid_w + 2 + 10 + 2 + 9 + 2
    topic_w = max(WIDTH - fixed, 10)
    click.echo(f"  {'line':>5}  {'source':<{source_w}}  {'qid':<{qid_w}}  {'date':<10}  {'result':<9}  topic")
    for row in rows:
        topic = row.fields.get("topic", "(no topic)")
        click.echo(
            f"  {row.line:>5}  {_cut(row.source, source_w):<{source_w}}  {_cut(row.qid, qid_w):<{qid_w}}  "
            f"{row.day:<10}  {row.result:<9}  {_cut(topic, topic_w)}"
        )
        others = [f"{name} {row.fields[name]}" for name in PREVIEW_FIELDS if row.fields.get(name)]
        if others:
            click.echo("         " + _cut("; ".join(others), WIDTH - 9))
