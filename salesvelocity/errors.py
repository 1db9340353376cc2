"""One error hierarchy for every user-facing failure.

A ``SalesVelocityError`` is a mistake the user can fix: its message names the thing and the fix, and the
CLI prints it without a traceback (``--debug`` shows one). Anything else is a bug and surfaces as such.
"""

from __future__ import annotations

from dataclasses import dataclass


class SalesVelocityError(Exception):
    """Base of every error salesvelocity raises on purpose; ``hint`` says how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class ConfigError(SalesVelocityError, ValueError):
    """Settings, database URL or command options that cannot be used."""


class StoreError(SalesVelocityError):
    """The database cannot be opened, is of an unknown schema version, or is not initialised."""


@dataclass(frozen=True)
class Problem:
    """One rejected value: where it is, what it is, and how to fix it."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    source: str | None = None  # the export's column a mapped canonical column came from

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" column `{self.column}`"
        if self.source:
            where += f" (from `{self.source}`)"
        shown = "" if self.value is None else f" {self.value!r}:"
        return f"{where}:{shown} {self.message}; {self.fix}"


class ImportValidationError(SalesVelocityError, ValueError):
    """An import was rejected; nothing was written. ``problems`` lists every finding (capped per rule)."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = "" if self.total <= 50 else f"\n  … and {self.total - 50} more"
        super().__init__(
            f"import rejected, nothing was written: {self.total} problem(s)\n{shown}{more}",
            hint="fix the rows named above and run the same import again",
        )


class MetricError(SalesVelocityError, ValueError):
    """A metric was asked for something it cannot compute (unknown grouping, reversed window...)."""
