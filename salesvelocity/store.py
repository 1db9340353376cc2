"""The store: one small layer over an Ibis backend holding the canonical tables.

``connect()`` opens (and, unless ``create=False``, initialises or migrates) a database given as a URL or
a path. Metrics receive Ibis tables from ``Store.table``; nothing here computes a metric.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import ibis
import ibis.expr.datatypes as dt
from ibis.backends.duckdb import Backend as DuckDBBackend

from salesvelocity.clock import UTC_NAME, zone_name
from salesvelocity.errors import StoreError
from salesvelocity.schema import APP_TABLES, DERIVED, SCHEMA_VERSION, TABLES

META_TABLE = "_salesvelocity_meta"

_NAIVE, _AWARE = dt.Timestamp(), dt.Timestamp(timezone="UTC")


# ``timezone(zone, ts)`` is the SQL standard's AT TIME ZONE, spelt the same in DuckDB and PostgreSQL: on a
# naive timestamp it reads the wall clock of ``zone``; on one with a zone it gives ``zone``'s wall clock.
@ibis.udf.scalar.builtin(name="timezone")
def _read_wall_clock(zone: str, ts: _NAIVE) -> _AWARE: ...


@ibis.udf.scalar.builtin(name="timezone")
def _show_wall_clock(zone: str, ts: _AWARE) -> _NAIVE: ...


def wall_clock(column: ibis.Value, zone: str) -> ibis.Value:
    """A stored (UTC) timestamp column as the wall clock of ``zone`` shows it."""
    return _show_wall_clock(zone, _read_wall_clock(UTC_NAME, column))


def parse_url(url: str | Path) -> tuple[str, str]:
    """Split a database URL into (backend, location). A bare path means a DuckDB file."""
    text = str(url)
    if text in (":memory:", "duckdb://", "duckdb://:memory:", "duckdb:///:memory:"):
        return "duckdb", ":memory:"
    if "://" not in text:
        return "duckdb", text
    if text.split("://", 1)[0].lower() in ("pyspark", "spark"):  # local[2] is no host urlparse accepts
        return "pyspark", text
    parsed = urlparse(text)
    if parsed.scheme == "duckdb":
        # duckdb:///relative.duckdb and duckdb:////abs/path.duckdb, as SQLAlchemy spells them.
        location = text[len("duckdb:///") :] if text.startswith("duckdb:///") else parsed.path
        return "duckdb", location or ":memory:"
    if parsed.scheme in ("postgres", "postgresql"):
        return "postgres", text
    raise StoreError(
        f"database URL {text!r}: unknown scheme {parsed.scheme!r}",
        hint="use a DuckDB file path, postgresql://user:password@host:5432/dbname or pyspark://local[2]?path=DIR",
    )


class Store:
    """An open salesvelocity database. Use ``connect()`` rather than constructing one directly."""

    #: The engine underneath, and the SQL dialect it speaks.
    kind = "duckdb"

    def __init__(self, backend: DuckDBBackend, location: str, zone: str = UTC_NAME) -> None:
        self.backend = backend
        self.location = location
        #: The reporting time zone: ``table()`` shows every timestamp as this zone's wall clock.
        self.zone = zone
        self._tables: dict[str, ibis.Table] = {}
        #: results by expression while ``remembering`` (None: not remembering)
        self._results: dict | None = None
        #: temporary tables of ``materialise`` → how many hold them
        self._materialised: dict[str, int] = {}

    # -- raw access -------------------------------------------------------------------------
    @property
    def raw(self):
        """The DuckDB connection underneath, for bulk loading (import) only."""
        return self.backend.con

    def sql(self, query: str, params: list | None = None):
        return self.raw.execute(query, params or [])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: everything inside commits together or not at all. Inside another transaction it
        is part of that one (a service that records in one step may be called within a larger step)."""
        if getattr(self, "_in_transaction", False):
            yield
            return
        self.raw.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        finally:
            self._in_transaction = False
        self.raw.execute("COMMIT")
        self._tables.clear()
        self.forget()

    @contextlib.contextmanager
    def remembering(self) -> Iterator[None]:
        """Inside, an expression equal to one already run returns the first result without running again.

        For one report or page: its sections ask some questions twice (the team-health lists and warnings
        share the unrecognised wins; equal expressions compare equal in Ibis). Nothing may change the data
        meanwhile — a read-only command, or the web app under its lock; a transaction forgets everything.
        """
        if self._results is not None:
            yield
            return
        self._results = {}
        try:
            yield
        finally:
            self._results = None

    def materialise(self, expr: ibis.Table) -> ibis.Table:
        """``expr`` computed once into a temporary table of this connection; give it back with
        ``drop_materialised``.

        Named by a digest of its SQL, so expressions over it are equal from one build to the next and their
        compiled SQL is found again (``compiled``, ``sqlcache``); Ibis's ``cache()`` names each anew. Equal
        expressions materialised together share one table.
        """
        import hashlib

        sql = compiled(self.backend, expr)
        name = "_sv_memo_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()
        users = self._materialised.get(name, 0)
        if not users:
            self._prepare(expr)  # in-memory tables it reads are registered first
            self.sql(f'CREATE TEMP TABLE "{name}" AS {sql}')
        self._materialised[name] = users + 1
        return self.backend.table(name)

    def _prepare(self, expr: ibis.Expr) -> None:
        """Register the in-memory tables ``expr`` reads (period spines, stage orders) before it runs.

        Ibis registers them as Arrow tables, and DuckDB scans Arrow through ``pyarrow.dataset``, whose
        import imports pandas: 0.3–0.5 s on the first spine of every command. A small table of plain
        types becomes a temporary view over SQL ``VALUES`` instead (Ibis then skips it); anything else
        goes Ibis's way. Ibis is pinned to 12.0, whose backends expose these hooks.
        """
        if self.backend.name == "duckdb":
            from ibis.expr import operations as ops

            for node in expr.op().find(ops.InMemoryTable):
                if node not in self.backend._memtables and node.name.startswith("_sv_mem_"):
                    values = _values_sql(node.data.to_pyarrow(node.schema))
                    if values is not None:
                        self.sql(f'CREATE OR REPLACE TEMP VIEW "{node.name}" AS {values}')
                        self.backend._memtables.add(node)
        self.backend._run_pre_execute_hooks(expr)

    def drop_materialised(self, table: ibis.Table) -> None:
        """Give back a table of ``materialise``; the last user drops it."""
        name = table.get_name()
        users = self._materialised.get(name, 0) - 1
        if users > 0:
            self._materialised[name] = users
            return
        self._materialised.pop(name, None)
        self.sql(f'DROP TABLE IF EXISTS "{name}"')

    def forget(self) -> None:
        if self._results:
            self._results.clear()

    def remembered(self, key: tuple, run):
        """``run()``, or its result from earlier while ``remembering`` (``key``: what the result depends on)."""
        if self._results is None:
            return run()
        if key not in self._results:
            self._results[key] = run()
        return self._results[key]

    # -- schema -----------------------------------------------------------------------------
    def schema_version(self) -> int | None:
        # The name is written into the query, not bound: binding a Python value makes DuckDB import pandas
        # (0.3–0.5 s, on every command that opens a database) to see whether it is a DataFrame.
        exists = self.sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
            f"AND table_name = '{META_TABLE}'"
        ).fetchone()[0]
        if not exists:
            return None
        row = self.sql(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def has_other_tables(self) -> bool:
        """Whether the database holds any table (used to refuse a foreign database that lacks our schema)."""
        found = self.sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()")
        return bool(found.fetchone()[0])

    def initialise(self) -> int:
        """Create missing tables or migrate an older schema in place; return the version found before."""
        from salesvelocity.migrations import migrate

        found = self.schema_version()
        _check_not_newer(self.location, found)
        if found == SCHEMA_VERSION:
            return found  # up to date: opening writes nothing
        with self.transaction():
            if found is None:
                self.sql(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
                for table in (*TABLES.values(), *DERIVED.values()):
                    self.sql(table.ddl())
                for ddl in APP_TABLES.values():
                    self.sql(ddl)
            else:
                migrate(self, found)
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        return found or 0

    # -- reading ----------------------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        """The Ibis table for a canonical table name, its timestamps in the reporting time zone.

        Storage is UTC; every metric reads through here, so a day or period cut anywhere downstream is a
        day of the reporting zone. Day-only columns (pulse answers) are days already and stay as stored.
        """
        described = TABLES.get(name) or (DERIVED.get(name) if self.derived else None)
        if described is None:
            raise StoreError(f"unknown table {name!r}", hint=f"tables are: {', '.join(TABLES)}")
        if name not in self._tables:
            table = self.backend.table(name)
            if self.zone != UTC_NAME:
                moments = [c.name for c in described.columns if c.type == "timestamp" and not c.to_day]
                table = table.mutate(**{c: self.wall_clock(table[c]) for c in moments})
            self._tables[name] = table
        return self._tables[name]

    def app_table(self, name: str) -> ibis.Table:
        """One of the web app's own tables (``schema.APP_TABLES``), as stored (they are not canonical data:
        no scope, no reporting zone — timestamps are UTC)."""
        if name not in APP_TABLES:
            raise StoreError(f"unknown app table {name!r}", hint=f"app tables are: {', '.join(APP_TABLES)}")
        return self.backend.table(name)

    def set_zone(self, zone: str) -> None:
        """Report in ``zone`` from now on (the admin changed the setting)."""
        self.zone = zone_name(zone)
        self._tables.clear()

    def wall_clock(self, column: ibis.Value) -> ibis.Value:
        """A stored (UTC) timestamp column as the reporting zone's wall clock shows it."""
        return wall_clock(column, self.zone)

    def detail(self) -> Store:
        """The rows that may be shown one by one: all of them (a ``ScopedStore`` narrows this)."""
        return self

    #: Whether anything may be shown person by person (an exec's scoped store says no).
    sees_people = True

    #: Whether the derived tables (``schema.DERIVED``) are kept here; metrics then read them instead of
    #: recomputing (a Spark folder of canonical files has none).
    derived = True

    def meta(self, key: str) -> str | None:
        """A value of the metadata table (schema version, pulse key id, demo marker)."""
        # Written into the query, not bound (binding imports pandas; see ``schema_version``).
        row = self.sql(f"SELECT value FROM {META_TABLE} WHERE key = {_sql_text(key)}").fetchone()
        return row[0] if row else None

    def uses(self, name: str) -> bool:
        """Whether table ``name`` holds any row at all: a feature nobody records has no data, not zeros."""
        return bool(self.count(name))

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the metadata table (in SQL both engines speak)."""
        self.sql(f"DELETE FROM {META_TABLE} WHERE key = ?", [key])
        self.sql(f"INSERT INTO {META_TABLE} VALUES (?, ?)", [key, value])

    def count(self, name: str) -> int:
        return int(self.sql(f'SELECT count(*) FROM "{name}"').fetchone()[0])

    def execute(self, expr: ibis.Expr):
        """Run an expression in the engine and return a pyarrow Table (small, aggregated results)."""

        def run():
            # What Ibis's to_pyarrow does, with the compiled SQL kept (see ``compiled``).
            self._prepare(expr)
            table = self.raw.sql(compiled(self.backend, expr.as_table())).to_arrow_table()
            return expr.__pyarrow_result__(table, data_mapper=_arrow_mapper())

        return self.remembered(("execute", expr.op()), run)

    def value(self, expr: ibis.Expr):
        """Run a scalar expression in the engine and return it as a Python value (None for NULL)."""
        return self.execute(expr).as_py()

    def execute_sql(self, expr: ibis.Table) -> tuple[str, object]:
        """Compile ``expr`` once, run that SQL in the engine; return (sql, pyarrow Table typed as ``expr``).

        For callers that also show the SQL (``--show-sql``): compiling a large expression costs as much
        as running it on a small table, so it is done once.
        """

        def run():
            sql = self.to_sql(expr)
            self._prepare(expr)
            table = self.raw.sql(sql).to_arrow_table()
            return sql, table.cast(expr.schema().to_pyarrow())

        return self.remembered(("execute_sql", expr.op()), run)

    def to_sql(self, expr: ibis.Expr) -> str:
        return compiled(self.backend, expr, pretty=True)

    def close(self) -> None:
        self.backend.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FrameResults:
    """Results through Ibis's ``execute`` (pandas), typed to the expression's schema: for the engines whose
    results Ibis 12's ``to_pyarrow`` cannot convert (PostgreSQL returns NUMERIC for `1.0`-style literals and
    AVG of integers in float64 columns; PySpark likewise). Results are small aggregates."""

    def execute(self, expr: ibis.Table):
        import pyarrow as pa

        def run():
            frame = self.backend.execute(expr)
            return pa.Table.from_pandas(frame, schema=expr.schema().to_pyarrow(), preserve_index=False)

        return self.remembered(("execute", expr.op()), run)

    def value(self, expr: ibis.Expr):
        def run():
            found = self.backend.execute(expr)
            return found.item() if hasattr(found, "item") else found

        return self.remembered(("value", expr.op()), run)

    def execute_sql(self, expr: ibis.Table) -> tuple[str, object]:
        return self.to_sql(expr), self.execute(expr)


@functools.cache
def _arrow_mapper():
    """How a DuckDB result becomes an Arrow table typed as its expression: Ibis's PyArrow conversion, with
    a column or value of the null type read as nulls (as Ibis's DuckDB backend does). Ibis's own class for
    this sits in a module that imports pandas (0.3–0.5 s at every command's first query), hence this one."""
    import pyarrow as pa
    from ibis.formats.pyarrow import PyArrowData

    class NullsAsNulls(PyArrowData):
        @classmethod
        def convert_scalar(cls, scalar, dtype):
            return pa.scalar(None) if dtype.is_null() else super().convert_scalar(scalar, dtype)

        @classmethod
        def convert_column(cls, column, dtype):
            return pa.nulls(len(column)) if dtype.is_null() else super().convert_column(column, dtype)

    return NullsAsNulls


def _values_sql(table) -> str | None:
    """A small Arrow table as a DuckDB query over ``VALUES`` (None: a type it does not write)."""
    import pyarrow as pa

    def sql_type(kind: pa.DataType) -> str | None:
        if pa.types.is_string(kind):
            return "VARCHAR"
        if pa.types.is_integer(kind):
            return {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[kind.bit_width]
        if pa.types.is_floating(kind):
            return "DOUBLE"
        if pa.types.is_date32(kind):
            return "DATE"
        if pa.types.is_timestamp(kind) and kind.unit == "us" and kind.tz is None:
            return "TIMESTAMP"
        return None

    def literal(value, kind: pa.DataType) -> str:
        if value is None:
            return "NULL"
        if pa.types.is_string(kind):
            return _sql_text(value)
        if pa.types.is_integer(kind):
            return str(int(value))
        if pa.types.is_floating(kind):
            return f"'{value!r}'"  # nan and inf too, as DuckDB reads them when cast
        return f"'{value.isoformat()}'"  # a date or a naive timestamp

    kinds = [f.type for f in table.schema]
    types = [sql_type(k) for k in kinds]
    if None in types:
        return None
    names = ['"' + f.name.replace('"', '""') + '"' for f in table.schema]
    if table.num_rows == 0:
        return (
            "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in zip(names, types, strict=True)) + " LIMIT 0"
        )
    rows = ", ".join(
        "(" + ", ".join(literal(v, k) for v, k in zip(row.values(), kinds, strict=True)) + ")"
        for row in table.to_pylist()
    )
    columns = ", ".join(f"CAST(_c{i} AS {t}) AS {n}" for i, (n, t) in enumerate(zip(names, types, strict=True)))
    aliases = ", ".join(f"_c{i}" for i in range(len(names)))
    return f"SELECT {columns} FROM (VALUES {rows}) AS _sv_values({aliases})"


#: DuckDB settings for every connection: never fetch or load extensions behind the user's back (a SQLite
#: or Postgres file given by mistake must not make DuckDB download code). A database file created here
#: uses the storage format of DuckDB 1.5 (the oldest version the package accepts) instead of DuckDB's
#: default of 1.0: its text compression (DICT_FSST) writes text columns about 35 % faster for files of
#: the same size (3.8M stage visits: 2.2–2.7 s against 3.4–4.1 s, 84 MB against 86 MB). A file keeps the
#: format it was created with, so existing databases are unchanged.
DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "storage_compatibility_version": "v1.5.0",
}


#: SQL compiled lately, by expression. Compiling a report's expressions costs more than running them on a
#: 100k-deal company (≈ 60 % of a cold web page); the same expressions recur whenever a page or report is
#: built again (the same user, filters and data version give equal expressions: Ibis compares them by
#: structure, and in-memory tables are named by their content, ``metrics.common.small_table``).
_COMPILED: dict[tuple, str] = {}
_COMPILED_MAX = 1024


def compiled(backend, expr: ibis.Expr, pretty: bool = False) -> str:
    """``expr`` compiled to SQL by ``backend``, from the cache when the same expression was compiled lately."""
    key = (backend.name, expr.op(), pretty)
    sql = _COMPILED.get(key)
    if sql is None:
        from salesvelocity import sqlcache  # kept on disk between runs, by a fingerprint of the expression

        sql = sqlcache.compiled(backend, expr, pretty)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = sql
    return sql


def _check_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB touches it."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[8:12] == b"DUCK":
        return
    kind = (
        "a SQLite database" if head.startswith(b"SQLite format 3") else "empty" if not head else "not a DuckDB database"
    )
    raise StoreError(
        f"{path} is {kind}, not a salesvelocity (DuckDB) database",
        hint="point --db at a salesvelocity database, or at a path that does not exist yet to create one",
    )


#: Databases older than this held the pulse secret; after migrating they are rewritten (see ``_rewrite``).
SCRUB_BELOW = 3


def _rewrite(store: Store) -> Store:
    """Copy the database into a fresh file and put it in place of the old one.

    DuckDB reuses but does not wipe the blocks of deleted rows, so a deleted secret could still be read
    from the file with a hex editor; a fresh copy holds live data only.
    """
    import duckdb

    path = Path(store.location)
    fresh = path.with_name(f".{path.name}.rewrite")
    store.close()
    fresh.unlink(missing_ok=True)
    previous = os.umask(0o077)
    try:
        con = duckdb.connect(config=DUCKDB_CONFIG)
        _quiet(con)
        con.execute(f"ATTACH {_sql_text(path)} AS old_db (READ_ONLY)")
        con.execute(f"ATTACH {_sql_text(fresh)} AS new_db")
        con.execute("COPY FROM DATABASE old_db TO new_db")
        con.close()
    finally:
        os.umask(previous)
    os.chmod(fresh, 0o600)
    os.replace(fresh, path)
    Path(f"{path}.wal").unlink(missing_ok=True)
    backend = _open_duckdb(str(path), False, 0, None)  # the one way a file is opened: ceiling, no bar
    backend.con.execute("SET TimeZone = 'UTC'")
    return Store(backend, str(path), store.zone)


def _check_not_newer(location: str, version: int | None) -> None:
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"{location} has schema version {version}, newer than this release ({SCHEMA_VERSION})",
            hint="upgrade salesvelocity to open this database",
        )


#: How long opening waits for another process that holds the file (DuckDB allows one writing process, or
#: any number of reading ones).
LOCK_WAIT_SECONDS = 30.0


#: DuckDB's working memory unless the settings say otherwise (``memory_limit``). DuckDB would take 80 % of
#: the machine; beyond this it spills joins, sorts and windows to disk. 10M deals report in the same time
#: with 3 GB as with 80 % of 24 GB, and the process stays under 4 GB.
DEFAULT_MEMORY_LIMIT_BYTES = 3 * 1024**3


def default_memory_limit() -> str | None:
    """3 GiB, or 80 % of the machine's memory when that is less (None: unknown, DuckDB's own default)."""
    try:
        machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return None
    return f"{min(DEFAULT_MEMORY_LIMIT_BYTES, int(machine * 0.8)) // 1024**2}MiB"


def _quiet(con) -> None:
    """No DuckDB progress bar: it prints to standard output, into a report's JSON or CSV when a statement
    runs longer than 2 s (a 10M-deal report). Our commands show their own progress on standard error."""
    con.execute("SET enable_progress_bar = false")


def _open_duckdb(
    location: str, read_only: bool, wait: float, on_wait, memory_limit: str | None = None
) -> DuckDBBackend:
    """Open the file, waiting up to ``wait`` seconds while another process holds a conflicting lock."""
    import time

    deadline = time.monotonic() + wait
    told = False
    # An in-memory database (a PostgreSQL import's scratch copy) holds its tables in that memory: capped
    # only when asked, or a large copy would fail where it fits in the machine.
    limit = memory_limit or (default_memory_limit() if location != ":memory:" else None)
    config = {**DUCKDB_CONFIG, **({"memory_limit": limit} if limit else {})}
    while True:
        try:
            backend = ibis.duckdb.connect(location, read_only=read_only, **config)
            _quiet(backend.con)
            return backend
        except Exception as exc:  # duckdb raises IOException for locked or corrupt files
            first = str(exc).splitlines()[0]
            locked = "lock" in first.lower()
            if locked and time.monotonic() < deadline:
                if on_wait is not None and not told:
                    on_wait(f"{location} is in use by another program; waiting up to {wait:.0f} s for it")
                    told = True
                time.sleep(0.1)
                continue
            if locked:
                import re

                found = re.search(r"held in (\S+) \(PID (\d+)\)", first)
                holder = f" (by {Path(found[1]).name}, process {found[2]})" if found else ""
                raise StoreError(
                    f"{location} is still in use after waiting {wait:.0f} s{holder}",
                    hint="let that command finish and try again; raise `lock_wait_seconds` in salesvelocity.toml "
                    "to wait longer",
                ) from exc
            raise StoreError(
                f"cannot open {location}: {first}",
                hint="check that the file is a salesvelocity database",
            ) from exc


def _sql_text(value: object) -> str:
    """``value`` (a key, a name, a path) as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def connect(
    url: str | Path = "salesvelocity.duckdb",
    *,
    create: bool = True,
    timezone: str = UTC_NAME,
    read_only: bool = False,
    wait: float = LOCK_WAIT_SECONDS,
    on_wait=None,
    memory_limit: str | None = None,
) -> Store:
    """Open a salesvelocity database, creating or migrating its tables unless ``create`` is False.

    ``timezone`` is the reporting time zone (an IANA name): the days and periods of every metric read
    through this store are days there. Storage stays UTC.

    ``read_only`` opens an existing database for reading only, so that any number of readers can share
    the file; an older schema is migrated first through a short writing connection. Opening a database
    whose schema is current writes nothing. While another process holds a conflicting lock, opening
    waits up to ``wait`` seconds (calling ``on_wait(message)`` once) before giving up with a clear error.

    ``memory_limit`` (a DuckDB size such as ``8GB``) caps DuckDB's working memory; beyond it DuckDB spills
    to disk (default: ``default_memory_limit``).

    A new database file is readable by its owner only (mode 0600). A DuckDB file that holds other
    tables but no salesvelocity schema is refused, never written into.

    >>> import salesvelocity as sv
    >>> con = sv.connect(":memory:")
    """
    import duckdb

    kind, location = parse_url(url)
    try:
        zone = zone_name(timezone)
    except ValueError as exc:
        raise StoreError(f"reporting time zone: {exc}", hint="set `timezone` in salesvelocity.toml") from None
    if kind == "pyspark":
        from salesvelocity.store_spark import connect_spark

        return connect_spark(location, zone)
    if kind == "postgres":
        from salesvelocity.store_postgres import connect_postgres

        return connect_postgres(location, create=create, zone=zone)  # the server lets readers and writers share
    if read_only and location != ":memory:":
        return _connect_read_only(location, zone, wait, on_wait, memory_limit)
    new_file = False
    if location != ":memory:":
        path = Path(location)
        if path.is_dir():
            raise StoreError(f"{path} is a folder", hint="give the path of a database file, e.g. salesvelocity.duckdb")
        if path.exists():
            _check_file(path)
        elif not create:
            raise StoreError(
                f"no salesvelocity database at {path}",
                hint="run `salesvelocity demo` for demo data, or `salesvelocity init` and `salesvelocity import`",
            )
        else:
            new_file = True
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {path}: {exc.strerror}", hint="check the path") from exc
    previous = os.umask(0o077) if new_file else None
    try:
        backend = _open_duckdb(location, False, wait, on_wait, memory_limit)
    finally:
        if previous is not None:
            os.umask(previous)
    if new_file:
        os.chmod(location, 0o600)
    store = Store(backend, location, zone)
    try:
        backend.con.execute("SET TimeZone = 'UTC'")
        version = store.schema_version()
        if version is None and store.has_other_tables():
            raise StoreError(
                f"{location} is a DuckDB database with other tables, not a salesvelocity database",
                hint="salesvelocity never writes into a database it did not create: use a new file for --db",
            )
        if create or version is not None:
            found = store.initialise()
            if found and found < SCRUB_BELOW and location != ":memory:":
                store = _rewrite(store)  # the migration deleted a secret: no copy may stay in free blocks
    except duckdb.Error as exc:
        store.close()
        raise _damaged(location, exc, memory_limit) from exc
    except BaseException:
        store.close()
        raise
    if not create and version is None:
        store.close()
        raise StoreError(
            f"{location} is not a salesvelocity database (no schema version)",
            hint="run `salesvelocity init` on it first",
        )
    return store


def memory_error(exc: Exception, limit: str | None) -> StoreError:
    """DuckDB's OutOfMemoryException said plainly: which ceiling, and the setting that raises it."""
    default = default_memory_limit()
    shown = limit or (f"{default}, the default" if default else "DuckDB's default")
    detail = str(exc).splitlines()[0] if str(exc) else "out of memory"
    return StoreError(
        f"the database needed more memory than it may use ({shown}) and could not spill the rest to disk: {detail}",
        hint="raise `memory_limit` in salesvelocity.toml (or SALESVELOCITY_MEMORY_LIMIT), e.g. 8GB, or ask for a "
        "shorter window; nothing was written",
    )


def _damaged(location: str, exc: Exception, limit: str | None = None) -> StoreError:
    if type(exc).__name__ == "OutOfMemoryException":  # not damage: too little memory to read it
        return memory_error(exc, limit)
    return StoreError(
        f"cannot read {location}: {str(exc).splitlines()[0]}",
        hint="the file may be damaged: restore it from a backup, or rebuild it with `salesvelocity import`",
    )


def _connect_read_only(location: str, zone: str, wait: float, on_wait, memory_limit: str | None) -> Store:
    """An existing database opened for reading; see ``connect``."""
    import duckdb

    path = Path(location)
    if path.is_dir():
        raise StoreError(f"{path} is a folder", hint="give the path of a database file, e.g. salesvelocity.duckdb")
    if not path.is_file():
        raise StoreError(
            f"no salesvelocity database at {path}",
            hint="run `salesvelocity demo` for demo data, or `salesvelocity init` and `salesvelocity import`",
        )
    _check_file(path)
    for _attempt in range(2):
        store = Store(_open_duckdb(location, True, wait, on_wait, memory_limit), location, zone)
        try:
            store.backend.con.execute("SET TimeZone = 'UTC'")
            version = store.schema_version()
        except duckdb.Error as exc:
            store.close()
            raise _damaged(location, exc, memory_limit) from exc
        if version == SCHEMA_VERSION:
            return store
        store.close()
        if version is None:
            raise StoreError(
                f"{location} is not a salesvelocity database (no schema version)",
                hint="run `salesvelocity init` on it first",
            )
        _check_not_newer(location, version)
        # migrate, then read
        connect(location, create=False, timezone=zone, wait=wait, on_wait=on_wait, memory_limit=memory_limit).close()
    raise StoreError(f"cannot migrate {location}", hint="run `salesvelocity init` on it")
