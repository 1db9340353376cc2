"""The `salesvelocity` command: a thin layer over the library (every command calls a public function)."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

import salesvelocity
from salesvelocity.config import load_settings
from salesvelocity.errors import SalesVelocityError, StoreError
from salesvelocity.store import Store, connect

app = typer.Typer(
    name="salesvelocity",
    help="Measure how fast your sales team turns leads into deals, and where it needs help.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state: dict[str, object] = {"debug": False, "db": None}


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


def _version(value: bool) -> None:
    if value:
        console.print(f"salesvelocity {salesvelocity.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL or DuckDB file [env SALESVELOCITY_DB; default salesvelocity.duckdb]."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["db"] = db
    _state["debug"] = debug


def settings():
    return load_settings(db=_state["db"])


def open_store(create: bool = False) -> Store:
    return connect(settings().db, create=create)


def progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD", param_hint=option) from None


@app.command()
def init() -> None:
    """Create the salesvelocity tables in the database (or migrate an older one in place)."""
    location = settings().db
    store = connect(location, create=False) if _exists(location) else None
    before = store.schema_version() if store else None
    if store:
        store.close()
    store = connect(location, create=True)
    version = store.schema_version()
    store.close()
    if before is None:
        console.print(f"created salesvelocity database {location} (schema version {version})")
    elif before < version:
        console.print(f"migrated {location} from schema version {before} to {version}")
    else:
        console.print(f"{location} is up to date (schema version {version})")


def _exists(location: str) -> bool:
    from salesvelocity.store import parse_url

    _kind, path = parse_url(location)
    return path != ":memory:" and Path(path).exists()


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Canonical CSV/Parquet files named after their table, or folders of them.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count new/updated/unchanged rows; write nothing.")
    ] = False,
) -> None:
    """Import canonical files (teams.csv, people.csv, deals.csv, stage_changes.csv, ...).

    Every file is validated before anything is written: required columns, types, allowed values,
    closed_at ≥ created_at, amount ≥ 0, duplicate ids, and references (a deal's owner must exist).
    Any problem rejects the whole import and lists file, row, column, value and fix. Re-importing the
    same files changes nothing; a newer export updates the rows that changed.
    """
    from salesvelocity.ingest import import_paths

    store = open_store(create=True)
    with progress() as bar:
        task = bar.add_task("importing", total=None)
        result = import_paths(store, paths, dry_run=dry_run, progress=lambda msg: bar.update(task, description=msg))
    from rich.table import Table

    view = Table(title="would import (dry run, nothing written)" if dry_run else "imported", title_justify="left")
    for header in ("table", "rows", "new", "updated", "unchanged"):
        view.add_column(header, justify="left" if header == "table" else "right")
    for counts in result.tables.values():
        view.add_row(counts.table, *(f"{n:,}" for n in (counts.read, counts.new, counts.updated, counts.unchanged)))
    console.print(view)


@app.command()
def demo(
    deals: Annotated[int, typer.Option(help="Number of deals to generate.", min=50)] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and --as-of give the same company.")] = 7,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The company's 'today', YYYY-MM-DD [default: today].")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a database that holds non-demo data.")] = False,
    export: Annotated[
        Path | None, typer.Option(help="Also write the demo as canonical CSV files into this folder.")
    ] = None,
) -> None:
    """Build a realistic demo company in the database and show how fast its teams sell."""
    from salesvelocity.demo import generate, load_demo, write_files
    from salesvelocity.report.velocity_view import print_velocity

    day = parse_day(as_of, "--as-of") or date.today()
    location = settings().db
    store = connect(location, create=True)
    if not force and store.count("deals") and not _is_demo(store):
        store.close()
        raise StoreError(
            f"{location} holds imported data; the demo would replace it",
            hint="use another --db for the demo, or pass --force to replace the data",
        )
    with progress() as bar:
        task = bar.add_task(f"generating {deals:,} deals", total=None)
        tables = generate(deals, seed, day)
        bar.update(task, description="loading into the database")
        load_demo(store, tables)
        store.sql("INSERT OR REPLACE INTO _salesvelocity_meta VALUES ('demo', ?)", [f"seed={seed} as_of={day}"])
        if export:
            bar.update(task, description=f"writing CSV files to {export}")
            write_files(tables, export)
    console.print(
        f"demo company written to {location}: {deals:,} deals, {tables['stage_changes'].num_rows:,} stage changes, "
        f"{tables['people'].num_rows} people in {tables['teams'].num_rows} teams (seed {seed}, as of {day})"
    )
    print_velocity(store, console, end=day)
    store.close()


def _is_demo(store: Store) -> bool:
    return bool(store.sql("SELECT count(*) FROM _salesvelocity_meta WHERE key = 'demo'").fetchone()[0])


def main() -> None:
    """Entry point: user mistakes become one clear message and exit code 1; --debug shows the traceback."""
    debug = "--debug" in sys.argv
    try:
        app()  # standalone: Typer renders usage errors and exits itself
    except SalesVelocityError as exc:
        if debug:
            raise
        err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        if exc.hint:
            err.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
