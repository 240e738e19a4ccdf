"""Errors a user can cause. The CLI prints each as one `Error: ...` line."""

from __future__ import annotations


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
            return f"{where}: column '{self.field}': {self.reason}"
        if self.column is not None:
            return f"{where}: column {self.column}: {self.reason}"
        return f"{where}: {self.reason}"


class InvalidRows(SrsError):
    """Some rows could not be read; nothing was imported."""

    def __init__(self, errors: list[InputError], count: int, file: str) -> None:
        self.errors = errors  # the first few
        self.count = count  # all of them
        super().__init__(
            f"{file}: {count} invalid row{'s' if count != 1 else ''}; nothing was imported "
            "(fix them, or use --skip-invalid to import the other rows)"
        )


class DatabaseError(SrsError):
    """The database file cannot be used as it is (not ours, too new, locked)."""
