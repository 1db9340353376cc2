"""Putting generated tables into a store (replacing what is there) or into canonical files."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from salesvelocity.derived import rebuild
from salesvelocity.schema import LOAD_ORDER, TABLES
from salesvelocity.store import Store


def load_demo(store: Store, tables: dict[str, pa.Table]) -> None:
    """Replace the store's contents with ``tables`` in one transaction (bulk Arrow insert; on a server,
    staged in DuckDB and published with COPY)."""
    if store.kind != "duckdb":
        store.through_duckdb(lambda scratch: load_demo(scratch, tables), lambda _none: LOAD_ORDER, write=True)
        return
    with store.transaction():
        for name in reversed(LOAD_ORDER):
            store.sql(f'DELETE FROM "{name}"')
        for name in LOAD_ORDER:
            if name not in tables:
                continue
            view = f"_sv_demo_{name}"
            store.raw.register(view, tables[name])
            cols = ", ".join(f'"{c}"' for c in TABLES[name].column_names)
            store.sql(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM {view}')
            store.raw.unregister(view)
        rebuild(store)


def write_files(
    tables: dict[str, pa.Table],
    folder: Path,
    fmt: str = "csv",
    force: bool = False,
    protected: dict[Path, str] | None = None,
) -> list[Path]:
    """Write one canonical file per table (``csv`` with ISO timestamps, or ``parquet``) as a whole folder.

    The folder must be new or empty unless ``force``; it is written beside and swapped in (``writing``).
    """
    from salesvelocity.writing import write_folder

    files = {}
    for name, table in tables.items():
        sink = io.BytesIO()
        if fmt == "parquet":
            pq.write_table(table, sink)
        else:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
        files[f"{name}.{fmt}"] = sink.getvalue()
    return write_folder(folder, files, force=force, protected=protected or {})
