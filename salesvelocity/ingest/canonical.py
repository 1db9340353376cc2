"""Import canonical CSV/Parquet files (one per table, named after it) with validation and upsert.

Flow: read every file as text with row numbers → type and check in the engine (``validate``) → if any
problem, raise ``ImportValidationError`` and write nothing → else upsert all tables in one transaction.
Re-importing the same files changes nothing; a newer export updates the rows that changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from salesvelocity.errors import ImportValidationError, Problem
from salesvelocity.ingest.files import READERS, read_table_file
from salesvelocity.ingest.validate import stage_and_validate
from salesvelocity.schema import LOAD_ORDER, TABLES
from salesvelocity.store import Store

Progress = Callable[[str], None]


@dataclass
class TableCounts:
    table: str
    files: list[str] = field(default_factory=list)
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do), per table."""

    tables: dict[str, TableCounts]
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return sum(c.read for c in self.tables.values())


def discover(paths: Iterable[str | Path]) -> dict[str, list[Path]]:
    """Map each canonical table to its files; a folder contributes every table file inside it."""
    found: dict[str, list[Path]] = {}
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            problems.append(Problem(str(path), None, None, None, "no such file or folder", "check the path"))
            continue
        # In a folder, a file named after a table is taken whatever its type (so an unsupported .xlsx is
        # reported, not skipped); other files count only if they are tabular.
        candidates = (
            sorted(
                p for p in path.iterdir() if p.is_file() and (p.suffix.lower() in READERS or p.stem.lower() in TABLES)
            )
            if path.is_dir()
            else [path]
        )
        if path.is_dir() and not candidates:
            problems.append(
                Problem(
                    str(path),
                    None,
                    None,
                    None,
                    "the folder holds no .csv or .parquet files",
                    "point at the export folder",
                )
            )
        for file in candidates:
            name = file.stem.lower()
            if file.suffix.lower() not in READERS:
                found.setdefault(name, []).append(file)  # read_table_file explains the unsupported type
                continue
            if name not in TABLES:
                close = difflib.get_close_matches(name, TABLES, n=1)
                fix = f"did you mean {close[0]}{file.suffix}? " if close else ""
                problems.append(
                    Problem(
                        str(file),
                        None,
                        None,
                        None,
                        f"{file.name} is not named after a canonical table",
                        f"{fix}name each file after its table: {', '.join(TABLES)}",
                    )
                )
                continue
            found.setdefault(name, []).append(file)
    if problems:
        raise ImportValidationError(problems)
    return found


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and upsert canonical files into ``store``; all-or-nothing.

    Raises ``ImportValidationError`` listing every problem (file, row, column, value, fix) if any file
    is bad; the database is then unchanged.
    """
    say = progress or (lambda _msg: None)
    files = discover(paths)
    raw = {}
    for table in LOAD_ORDER:
        for file in files.get(table, []):
            say(f"reading {file.name}")
            raw.setdefault(table, []).append((file, read_table_file(file)))
    say("validating")
    staged = stage_and_validate(store, raw)
    result = ImportResult({}, dry_run=dry_run)
    try:
        for table in LOAD_ORDER:
            if table in staged:
                result.tables[table] = _classify(store, table, staged[table])
                result.tables[table].files = [str(f) for f, _ in raw[table]]
        if not dry_run:
            say("writing")
            with store.transaction():
                for table in LOAD_ORDER:
                    if table in staged:
                        _upsert(store, table, staged[table])
    finally:
        for name in staged.values():
            store.sql(f'DROP TABLE IF EXISTS "{name}"')
    return result


def _key_join(table: str, left: str, right: str) -> str:
    return " AND ".join(f'{left}."{k}" IS NOT DISTINCT FROM {right}."{k}"' for k in TABLES[table].key)


def _classify(store: Store, table: str, staging: str) -> TableCounts:
    """Mark each staged row new / updated / unchanged against the store, and count them."""
    cols = TABLES[table].column_names
    same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in cols)
    store.sql(
        f"""
        CREATE OR REPLACE TEMP TABLE "{staging}_c" AS
        SELECT s.*, CASE WHEN t._present IS NULL THEN 'new' WHEN {same} THEN 'unchanged' ELSE 'updated' END
               AS _change
        FROM "{staging}" AS s LEFT JOIN (SELECT *, true AS _present FROM "{table}") AS t
             ON {_key_join(table, "s", "t")}
        """
    )
    store.sql(f'DROP TABLE "{staging}"')
    store.sql(f'ALTER TABLE "{staging}_c" RENAME TO "{staging}"')
    counts = dict(store.sql(f'SELECT _change, count(*) FROM "{staging}" GROUP BY 1').fetchall())
    return TableCounts(
        table,
        read=sum(counts.values()),
        new=counts.get("new", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
    )


def _upsert(store: Store, table: str, staging: str) -> None:
    cols = ", ".join(f'"{c}"' for c in TABLES[table].column_names)
    store.sql(
        f"""DELETE FROM "{table}" AS t USING "{staging}" AS s
            WHERE s._change = 'updated' AND {_key_join(table, "s", "t")}"""
    )
    store.sql(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{staging}" WHERE _change <> \'unchanged\'')
