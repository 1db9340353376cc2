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


#: A group of problems: the same rule broken in the same file and column.
GroupKey = tuple[str, str | None, str]


class ImportValidationError(SalesVelocityError, ValueError):
    """An import was rejected; nothing was written.

    ``problems`` lists findings (the first rows of each rule, not every one); ``counts`` says how many
    rows broke each rule per file and column, so the message shows one line per group with its count and
    first rows instead of one line per row.
    """

    GROUPS_SHOWN = 30
    ROWS_SHOWN = 5

    def __init__(
        self, problems: list[Problem], total: int | None = None, counts: dict[GroupKey, int] | None = None
    ) -> None:
        self.problems = problems
        self.counts = dict(counts or {})
        self.total = total if total is not None else max(len(problems), sum(self.counts.values()))
        groups = self.groups()
        lines = []
        for members, n in groups[: self.GROUPS_SHOWN]:
            # A few rows read best one by one; many are one line with their count and first rows.
            lines += [str(p) for p in members] if n == len(members) <= 3 else [self._line(members, n)]
        if len(groups) > self.GROUPS_SHOWN:
            lines.append(f"… and {len(groups) - self.GROUPS_SHOWN} more kinds of problem")
        listed = sum(n for _m, n in groups)
        if self.total > listed:
            lines.append(f"… and {self.total - listed:,} more not listed")
        kinds = f" of {len(groups)} kinds" if len(groups) > 1 else ""
        body = "\n".join(f"  - {line}" for line in lines)
        super().__init__(
            f"import rejected, nothing was written: {self.total:,} problem(s){kinds}\n{body}",
            hint="fix the rows named above and run the same import again",
        )

    def groups(self) -> list[tuple[list[Problem], int]]:
        """Problems grouped by file, column and rule, in order of first appearance, with their counts."""
        grouped: dict[GroupKey, list[Problem]] = {}
        for problem in self.problems:
            grouped.setdefault((problem.file, problem.column, problem.message), []).append(problem)
        return [(members, max(self.counts.get(key, 0), len(members))) for key, members in grouped.items()]

    def _line(self, members: list[Problem], n: int) -> str:
        first = members[0]
        where = first.file + (f" column `{first.column}`" if first.column else "")
        if first.source:
            where += f" (from `{first.source}`)"
        rows = [str(p.row) for p in members[: self.ROWS_SHOWN] if p.row is not None]
        more = ", …" if n > len(rows) else ""
        at = f" (rows {', '.join(rows)}{more})" if rows else ""
        values = list(dict.fromkeys(p.value for p in members if p.value is not None))[:3]
        shown = f" e.g. {', '.join(repr(v) for v in values)}" if values else ""
        return f"{where}: {n:,} rows{at}{shown}: {first.message}; {first.fix}"


class MetricError(SalesVelocityError, ValueError):
    """A metric was asked for something it cannot compute (unknown grouping, reversed window...)."""
