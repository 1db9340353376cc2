"""The Spark store: reports, trends and forecasts over canonical Parquet files for data beyond one machine.

`--db "pyspark://local[2]?path=DIR"` reads the canonical tables from DIR (one `<table>.parquet` file or
folder per table, as `salesvelocity export --format parquet DIR` writes them) with a Spark session; the
master may be any Spark master URL (`local[4]`, `spark://host:7077`, …). The same Ibis metric code runs on
it. It is read-only: commands that write say so and how to load data.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote

import ibis
import ibis.expr.datatypes as dt

from salesvelocity.clock import UTC_NAME
from salesvelocity.errors import StoreError
from salesvelocity.schema import SCHEMA_VERSION, SQL_TYPES, TABLES
from salesvelocity.store import FrameResults, Store

READ_ONLY_HINT = (
    "the Spark backend reads Parquet files and never writes: record and import into a DuckDB file or a "
    "PostgreSQL server, then `salesvelocity export --format parquet DIR` for Spark"
)
_NAIVE = dt.Timestamp()


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _from_utc(ts: _NAIVE, zone: str) -> _NAIVE: ...


#: Spark SQL spelling of the canonical types, for the empty table of a file that is not there.
SPARK_TYPES = {"VARCHAR": "STRING", "DOUBLE PRECISION": "DOUBLE", "INTEGER": "INT"}


class SparkStore(FrameResults, Store):
    """Canonical tables read from Parquet by Spark; reads only."""

    kind = "pyspark"
    #: Ibis's PySpark backend cannot cache an expression holding an in-memory table: nothing is cached.
    caches = False

    def wall_clock(self, column: ibis.Value) -> ibis.Value:
        return _from_utc(column, self.zone)

    @property
    def raw(self):
        raise StoreError("the Spark backend is read-only", hint=READ_ONLY_HINT)

    def sql(self, query: str, params: list | None = None):
        raise StoreError("the Spark backend is read-only", hint=READ_ONLY_HINT)

    def transaction(self):
        raise StoreError("the Spark backend is read-only", hint=READ_ONLY_HINT)

    def set_meta(self, key: str, value: str) -> None:
        raise StoreError("the Spark backend is read-only", hint=READ_ONLY_HINT)

    def through_duckdb(self, *_args, **_kwargs):
        raise StoreError("the Spark backend is read-only: nothing can be imported into it", hint=READ_ONLY_HINT)

    #: a folder of canonical files holds no derived tables: metrics recompute stage visits
    derived = False

    def schema_version(self) -> int | None:
        return SCHEMA_VERSION

    def meta(self, key: str) -> str | None:
        return None  # no metadata table: the pulse key id lives with the database that records answers

    def count(self, name: str) -> int:
        return int(self.value(self.table(name).count()))

    def close(self) -> None:
        pass  # the Spark session is shared by the process; it ends with it


def connect_spark(url: str, zone: str = UTC_NAME) -> SparkStore:
    """Open the Parquet folder of a `pyspark://MASTER?path=DIR` URL with a Spark session."""
    rest = url.split("://", 1)[1]
    master, _, query_text = rest.partition("?")
    master = unquote(master) or "local[2]"
    query = parse_qs(query_text)
    if "path" not in query:
        raise StoreError(
            f"Spark URL {url!r} names no folder",
            hint="pyspark://local[2]?path=DIR, DIR being what `salesvelocity export --format parquet DIR` wrote",
        )
    folder = Path(query["path"][0]).expanduser()
    if not folder.is_dir():
        raise StoreError(
            f"no folder {folder} for Spark to read",
            hint="give the folder that `salesvelocity export --format parquet DIR` wrote (path=DIR in the URL)",
        )
    if not any((folder / f"{name}.parquet").exists() for name in ("deals", "teams", "people")):
        raise StoreError(
            f"{folder} holds no canonical Parquet tables (deals.parquet, people.parquet, …)",
            hint=f"write them with `salesvelocity export --format parquet {folder}` from a DuckDB file or server",
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise StoreError(
            "the Spark backend needs pyspark", hint="pip install 'salesvelocity[spark]' (and Java 17 or newer)"
        ) from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        session = (
            SparkSession.builder.master(master)
            .appName("salesvelocity")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            # Spark's default of 200 shuffle partitions is for clusters; a report's aggregates are small.
            .config("spark.sql.shuffle.partitions", query.get("partitions", ["8"])[0])
            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot start Spark ({master}): {first}", hint="check Java (17+) and the master URL") from exc
    session.sparkContext.setLogLevel("ERROR")
    backend = ibis.pyspark.connect(session)
    for name, table in TABLES.items():
        path = folder / f"{name}.parquet"
        if path.exists():
            backend.read_parquet(str(path), table_name=name)
        else:  # absent (pulse answers never leave their store): an empty table of the right shape
            columns = ", ".join(
                f"CAST(NULL AS {SPARK_TYPES.get(SQL_TYPES[c.type], SQL_TYPES[c.type])}) AS `{c.name}`"
                for c in table.columns
            )
            session.sql(f"SELECT {columns} WHERE 1 = 0").createOrReplaceTempView(name)
    return SparkStore(backend, f"{master} {folder}", zone)
