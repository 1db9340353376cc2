"""The PostgreSQL store: server mode for a team that shares one database (`--db postgresql://…`).

Metrics read through Ibis exactly as on DuckDB. What differs is below: parameters (`?` becomes psycopg's
`%s`), transactions, and writing many rows. Imports and the demo are validated and staged in an
in-memory DuckDB as everywhere else, then *published*: the touched tables are replaced in one
PostgreSQL transaction with COPY, never row by row. Readers see the old tables until the commit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

import ibis

from salesvelocity.derived import derived_from
from salesvelocity.errors import StoreError
from salesvelocity.schema import DERIVED, LOAD_ORDER, SQL_TYPES, TABLES
from salesvelocity.store import FrameResults, Store

#: Rows are streamed to and from the server in chunks of this many bytes.
CHUNK = 1 << 20


def redacted(url: str) -> str:
    """The URL without its password, for messages and headers."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def _params(query: str, params: list | None) -> str:
    """DuckDB's `?` placeholders as psycopg's `%s` (our SQL never holds a literal `?`)."""
    if not params:
        return query
    return query.replace("%", "%%").replace("?", "%s")


#: Canonical tables in load order, then the derived ones (computed from them).
WRITE_ORDER = [*LOAD_ORDER, *DERIVED]


def _described(name: str):
    return TABLES.get(name) or DERIVED[name]


class PostgresStore(FrameResults, Store):
    """An open salesvelocity database on a PostgreSQL server."""

    kind = "postgres"

    @property
    def raw(self):
        raise StoreError(
            "bulk loading goes through an in-memory DuckDB and `publish` on PostgreSQL",
            hint="this is a salesvelocity bug: please report it",
        )

    def sql(self, query: str, params: list | None = None):
        cursor = self.backend.con.cursor()
        cursor.execute(_params(query, params), params or None)
        return cursor

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.backend.con.transaction():
            yield
        self._tables.clear()
        self.forget()

    def initialise(self) -> int:
        """Create or check the tables, plus an index on each table's key: the planner joins deals, stage
        changes and people on them (DuckDB needs none; PostgreSQL scans and sorts without)."""
        found = super().initialise()
        for table in (*TABLES.values(), *DERIVED.values()):
            keys = ", ".join(f'"{k}"' for k in table.key)
            self.sql(f'CREATE INDEX IF NOT EXISTS "{table.name}_key" ON "{table.name}" ({keys})')
        return found

    # -- bulk: DuckDB in, DuckDB out ----------------------------------------------------------------
    def copy_into(self, scratch: Store, names: Iterable[str] = WRITE_ORDER) -> None:
        """Copy tables from the server into ``scratch`` (an in-memory DuckDB store) with COPY … TO STDOUT."""
        with tempfile.TemporaryDirectory() as folder:
            for name in names:
                cols = _described(name).column_names
                path = Path(folder) / f"{name}.csv"
                with path.open("wb") as sink, self.backend.con.cursor() as cursor:
                    listed = ", ".join(f'"{c}"' for c in cols)
                    with cursor.copy(f'COPY "{name}" ({listed}) TO STDOUT (FORMAT csv)') as copy:
                        for chunk in copy:
                            sink.write(chunk)
                types = ", ".join(f"'{c.name}': '{SQL_TYPES[c.type]}'" for c in _described(name).columns)
                scratch.sql(f'DELETE FROM "{name}"')
                if not path.stat().st_size:
                    continue
                scratch.sql(
                    f'INSERT INTO "{name}" ({listed}) SELECT {listed} FROM read_csv(?, header = false, '
                    f"delim = ',', quote = '\"', escape = '\"', columns = {{{types}}}, allow_quoted_nulls = false)",
                    [str(path)],
                )

    def publish(self, scratch: Store, names: Iterable[str]) -> None:
        """Replace tables on the server with ``scratch``'s in one transaction, streamed with COPY."""
        names = set(names)
        names = [n for n in WRITE_ORDER if n in names | set(derived_from(names))]  # derived rows follow
        with tempfile.TemporaryDirectory() as folder, self.transaction():
            for name in reversed(names):
                self.sql(f'DELETE FROM "{name}"')
            for name in names:
                cols = ", ".join(f'"{c}"' for c in _described(name).column_names)
                path = Path(folder) / f"{name}.csv"
                scratch.sql(f"COPY (SELECT {cols} FROM \"{name}\") TO '{_sql_text(path)}' (FORMAT csv, HEADER false)")
                with (
                    self.backend.con.cursor() as cursor,
                    cursor.copy(f'COPY "{name}" ({cols}) FROM STDIN (FORMAT csv)') as copy,
                    path.open("rb") as f,
                ):
                    while chunk := f.read(CHUNK):
                        copy.write(chunk)
                path.unlink()
        for name in names:
            self.sql(f'ANALYZE "{name}"')  # fresh statistics for the planner, after the commit

    def through_duckdb(self, work: Callable[[Store], object], tables: Callable[[object], Iterable[str]], write: bool):
        """Run ``work`` on an in-memory DuckDB copy of the database; publish ``tables(result)`` if ``write``."""
        from salesvelocity.store import connect

        scratch = connect(":memory:", timezone=self.zone)
        try:
            self.copy_into(scratch)
            result = work(scratch)
            if write:
                self.publish(scratch, tables(result))
            return result
        finally:
            scratch.close()


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def connect_postgres(url: str, *, create: bool, zone: str) -> PostgresStore:
    """Open (and unless ``create`` is False, initialise) a salesvelocity database on a PostgreSQL server."""
    parsed = urlparse(url)
    shown = redacted(url)
    if not parsed.path.strip("/"):
        raise StoreError(
            f"database URL {shown!r} names no database", hint="postgresql://user:password@host:5432/dbname"
        )
    options = dict(parse_qsl(parsed.query))
    try:
        backend = ibis.postgres.connect(
            host=parsed.hostname or os.environ.get("PGHOST") or "localhost",
            port=parsed.port or 5432,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            database=unquote(parsed.path.strip("/")),
            **options,
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(
            f"cannot connect to {shown}: {first}",
            hint="check that the server runs and that the URL's user, password, host, port and database are right",
        ) from exc
    store = PostgresStore(backend, shown, zone)
    try:
        store.sql("SET TIME ZONE 'UTC'")
        version = store.schema_version()
        if version is None and store.has_other_tables():
            raise StoreError(
                f"{shown} holds other tables, not a salesvelocity database",
                hint="salesvelocity never writes into a database it did not create: create an empty database for it",
            )
        if version is None and not create:
            raise StoreError(f"{shown} is not a salesvelocity database yet", hint="run `salesvelocity init` first")
        store.initialise()
    except BaseException:
        store.close()
        raise
    return store
