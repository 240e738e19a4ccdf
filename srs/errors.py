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
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
            if self.field:
                where += f" ({self.field})"
        return f"{where}: {self.reason}"


class DatabaseError(SrsError):
    """The database file cannot be used as it is (not ours, too new, locked)."""
