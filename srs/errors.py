"""Errors a user can cause. The CLI prints each as one `Error: ...` line."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def shown(value: str, limit: int = 60) -> str:
    """A user's value fit for a one-line message: control characters escaped, long text cut."""
    value = _CONTROL.sub(lambda m: repr(m.group())[1:-1], value.replace("\n", "\\n").replace("\r", "\\r"))
    return value if len(value) <= limit else value[: limit - 1] + "…"


class SrsError(Exception):
    """Root of everything the user can fix: bad input, bad options, bad files."""


class InputError(SrsError):
    """A problem at a place in an input file: names the file, line and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        """`misses.csv:14: column 'date': '31/31/2026' is not a date`."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            where += f": column '{shown(self.field, 40)}'"
        elif self.column is not None:
            where += f": column {self.column}"
        return f"{where}: {shown(self.reason, 400)}"


class InvalidRows(SrsError):
    """Some rows could not be read; nothing was imported."""

    def __init__(self, errors: list[InputError], count: int, file: str) -> None:
        self.errors = errors  # the first few
        self.count = count  # all of them
        super().__init__(
            f"{file}: {count} invalid row{'s' if count != 1 else ''}; nothing was imported "
            f"(fix {'them' if count != 1 else 'it'}, or use --skip-invalid to import the other rows)"
        )


class DatabaseError(SrsError):
    """The database file cannot be used as it is (not ours, too new, locked)."""


class DamagedValue(DatabaseError):
    """A stored value srs cannot read (a hand-edited or damaged row): names where it is."""

    def __init__(self, table: str, row: object, column: str, value: object, expected: str = "a time") -> None:
        self.table, self.row, self.column, self.value = table, row, column, value
        super().__init__(
            f"table {table}, row {row}: {column} {shown(repr(value), 80)} is not {expected} "
            "(a hand-edited or damaged row); `srs doctor` lists every such value, "
            "`srs backups` the copies to `srs restore`"
        )


class AssessmentError(SrsError):
    """A self-assessment that cannot be recorded as given (bad percent, date, band, duplicate)."""
