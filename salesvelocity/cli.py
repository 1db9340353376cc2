"""The `salesvelocity` command: a thin layer over the library (every command calls a public function)."""

import os
import sys
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from typer.core import TyperGroup

import salesvelocity
from salesvelocity import clock
from salesvelocity.console import SafeConsole
from salesvelocity.errors import SalesVelocityError, StoreError
from salesvelocity.schema import EARLIEST_YEAR, LATEST_YEAR

if TYPE_CHECKING:
    from rich.progress import Progress

    from salesvelocity.context import Context
    from salesvelocity.results import Result
    from salesvelocity.scope import ScopedStore
    from salesvelocity.store import Store

# Heavy modules (Ibis, DuckDB, pyarrow, numpy, plotly, pydantic) are imported inside the commands that
# use them, so `salesvelocity --help` and `--version` answer at once.

#: Options of the whole command that may also be written after the subcommand (`import --db x.duckdb`).
GLOBAL_VALUED = ("--db", "--as", "--lang", "--csv-locale")
GLOBAL_FLAGS = ("--debug",)


def hoist_global_options(args: list[str], commands: set[str]) -> list[str]:
    """Move global options written after the subcommand to before it, where Click looks for them."""
    first = next((i for i, a in enumerate(args) if a in commands), None)
    if first is None:
        return args
    before, after, moved, i = list(args[:first]), [], [], first
    while i < len(args):
        arg = args[i]
        if arg == "--":
            after += args[i:]
            break
        if arg in GLOBAL_FLAGS or arg.split("=", 1)[0] in GLOBAL_VALUED and "=" in arg:
            moved.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(args):
            moved += [arg, args[i + 1]]
            i += 1
        else:
            after.append(arg)
        i += 1
    return before + moved + after


class _Group(TyperGroup):
    def parse_args(self, ctx, args):
        return super().parse_args(ctx, hoist_global_options(list(args), set(self.commands)))


app = typer.Typer(
    cls=_Group,
    name="salesvelocity",
    help="Measure how fast your sales team turns leads into deals, and where it needs help.",
    no_args_is_help=True,
    rich_markup_mode=None,  # help texts hold literal [brackets] (defaults), not markup
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = SafeConsole()
err = SafeConsole(stderr=True, soft_wrap=True)
_state: dict[str, object] = {"debug": False, "db": None}
#: Where each command writes its HTML page when no --output is given.
REPORT_HTML = Path("salesvelocity-report.html")


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
    as_: Annotated[
        str | None,
        typer.Option(
            "--as", help="See exactly what this person (id or name) may see [default: everything, as the admin]."
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of what you read: en or nl [env SALESVELOCITY_LANGUAGE; default en]."),
    ] = None,
    csv_locale: Annotated[
        str | None,
        typer.Option("--csv-locale", help="CSV for a spreadsheet in this locale: en or nl (; and decimal commas)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    from salesvelocity.i18n import set_csv_locale, set_language

    _state["db"] = db
    _state["as"] = as_
    _state["debug"] = debug
    _state["lang"], _state["csv_locale"] = lang, csv_locale
    # The flags win; otherwise the environment now, and the settings file once a command reads settings.
    set_language(lang or os.environ.get("SALESVELOCITY_LANGUAGE"))
    set_csv_locale(csv_locale or os.environ.get("SALESVELOCITY_CSV_LOCALE"))


def settings():
    from salesvelocity.config import load_settings
    from salesvelocity.i18n import set_csv_locale, set_language

    found = load_settings(db=_state["db"], language=_state.get("lang"), csv_locale=_state.get("csv_locale"))
    set_language(found.language)
    set_csv_locale(found.csv_locale)
    return found


def open_store(create: bool = False, write: bool = False) -> "Store":
    """The configured database: read-only (shared with other readers) unless the command writes."""
    return connect(settings().db, create=create, read_only=not (create or write))


def context(write: bool = False, create: bool = False, **period: date | None) -> "Context":
    """The command's context: the configured database (read-only unless the command records something) as
    the person of `--as` sees it (everything without it), with the window or day asked for."""
    from salesvelocity.context import Context

    store = open_store(create=create, write=write)
    try:
        return Context.of(store, settings(), _state.get("as"), **period)
    except BaseException:
        store.close()
        raise


def view_of(store: "Store") -> "ScopedStore":
    """An open store as the person of `--as` sees it."""
    from salesvelocity.scope import ADMIN, ScopedStore, actor_for

    return ScopedStore.of(store, actor_for(store, str(_state["as"])) if _state.get("as") else ADMIN)


def deliver(result: "Result", fmt: Format, output: Path | None = None, force: bool = False, **options: object) -> None:
    """Render ``result`` in ``fmt`` (see ``salesvelocity.renderers``) to the terminal, ``output`` or stdout."""
    from salesvelocity import renderers

    kind = type(result).__name__
    if fmt == Format.json:
        # Indented for a person at a terminal; compact for programs and files (as `gh` does): the same data.
        _emit(renderers.to_json(result, pretty=output is None and sys.stdout.isatty()), output, "JSON", force)
        return
    found = renderers.renderer(kind, fmt.value)
    if fmt == Format.table:
        found.function()(result, console, **options)
        return
    if _csv_folder(fmt, output) and found.files:
        from salesvelocity.writing import write_folder

        paths = write_folder(output, found.function(found.files)(result), force=force, protected=protected())
        console.print(f"wrote {len(paths)} CSV files to {output}", highlight=False)
        return
    text = found.function()(result, **options)
    if fmt == Format.html:
        _write(text, output, found.what, force, default=Path(found.default_file))
    else:
        _emit(text, output, found.what, force)


def _import_store(dry_run: bool) -> "Store":
    """The store to import into; a dry run against a database that does not exist yet leaves no file."""
    from salesvelocity.store import parse_url

    location = settings().db
    kind, path = parse_url(location)
    if dry_run and kind == "duckdb" and path != ":memory:" and not Path(path).exists():
        err.print(f"no database at {path} yet: a dry run compares with an empty one and creates nothing")
        return connect(":memory:", create=True)
    return connect(location, create=True)


def connect(location: str, create: bool = True, read_only: bool = False) -> "Store":
    """Open ``location`` with the reporting time zone of the settings, waiting while another command holds it."""
    from salesvelocity.store import connect as open_database

    found = settings()
    return open_database(
        location,
        create=create,
        timezone=found.timezone,
        read_only=read_only,
        wait=found.lock_wait_seconds,
        on_wait=lambda message: err.print(message, highlight=False, markup=False),
        memory_limit=found.memory_limit,
    )


def progress() -> "Progress":
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

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
        day = date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD", param_hint=option) from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise typer.BadParameter(
            f"{value} is outside the years {EARLIEST_YEAR}–{LATEST_YEAR} that salesvelocity works with",
            param_hint=option,
        )
    return day


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


@app.command()
def rebuild() -> None:
    """Recompute the derived tables (stage visits) from the imported data.

    Imports keep them up to date; run this after changing the database by other means (SQL by hand).
    """
    from salesvelocity.derived import rebuild as rebuild_derived

    store = open_store(write=True)
    try:
        with store.transaction():
            rebuild_derived(store)
        count = store.count("stage_visits")
    finally:
        store.close()
    console.print(f"rebuilt the stage visits of {settings().db}: {count:,} rows")


def _exists(location: str) -> bool:
    from salesvelocity.store import parse_url

    _kind, path = parse_url(location)
    return path != ":memory:" and Path(path).exists()


class Source(StrEnum):
    canonical = "canonical"
    salesforce = "salesforce"
    hubspot = "hubspot"
    pipedrive = "pipedrive"


class Duplicate(StrEnum):
    reject = "reject"
    first = "first"
    last = "last"


@app.command("import")
def import_(
    paths: Annotated[
        list[Path], typer.Argument(help="Files (CSV, Excel .xlsx, Parquet, XES event logs) or folders of them.")
    ],
    source: Annotated[
        Source | None, typer.Option("--from", help="Read the files as this CRM's export [default: recognise it].")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="A mapping file (TOML) for a generic export.")
    ] = None,
    suggest_mapping: Annotated[
        bool, typer.Option("--suggest-mapping", help="Write a starting mapping for each file instead of importing.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where --suggest-mapping writes [default: FILE.mapping.toml].")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count new/updated/unchanged rows; write nothing.")
    ] = False,
    quarantine: Annotated[
        Path | None,
        typer.Option("--quarantine", help="Write rejected rows with a reason to this CSV and import the rest."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing --quarantine file or suggested mapping.")
    ] = False,
    merge: Annotated[
        bool,
        typer.Option(
            "--merge",
            help="Partial update: match rows by key and change only the columns the files carry "
            "(empty cells keep the known value).",
        ),
    ] = False,
    on_duplicate: Annotated[
        Duplicate,
        typer.Option(
            "--on-duplicate",
            help="Rows sharing an id with different values: reject the import (listing them), or keep the "
            "first or the last (file and row order). Identical rows always count once.",
        ),
    ] = Duplicate.reject,
) -> None:
    """Import CRM data: canonical files, Salesforce/HubSpot/Pipedrive exports, or any file with a mapping.

    Canonical files are named after their table (teams.csv, people.csv, deals.csv, stage_changes.csv, ...).
    Vendor exports are recognised from their headers: Salesforce Opportunities and Opportunity History
    reports and Data Loader exports (Opportunity, OpportunityHistory, User); the HubSpot deals export
    (its "Date entered" columns become stage changes; owners become people); the Pipedrive deals export;
    event logs in XES (.xes, .xes.gz) or with the XES keys (one row per event; see the README for others).
    Anything else: `--suggest-mapping FILE` writes a mapping to edit, then `--mapping FILE.mapping.toml`.
    CSV may be separated by , ; tab or |, in UTF-8, UTF-16 or Windows-1252; numbers may use decimal commas
    and thousands separators and currency marks; dates may be ISO, dd-mm-yyyy, dd/mm/yyyy or mm/dd/yyyy
    (an ambiguous day/month order is reported, not guessed).

    Every row is validated before anything is written: required values, types, allowed values, closed_at
    >= created_at, amount >= 0, duplicate ids, references (a deal's owner must exist). One problem rejects
    the whole import and lists file, row, column, value and fix — unless --quarantine is given. Re-importing
    the same files changes nothing; a newer export updates the rows that changed. Rows identical after
    mapping count once. --merge closes or updates known deals from a file with only some columns.
    """
    from salesvelocity.ingest import import_paths
    from salesvelocity.ingest.mapping import Mapping

    if suggest_mapping:
        _suggest(paths, output, force)
        return
    inputs = protected(*paths, mapping)
    if quarantine is not None:
        from salesvelocity.writing import check_target

        check_target(quarantine, force=force, protected=inputs)  # before anything is read or written
    store = _import_store(dry_run)
    with progress() as bar:
        task = bar.add_task("importing", total=None)
        result = import_paths(
            store,
            paths,
            source=source.value if source else None,
            mapping=Mapping.load(mapping) if mapping else None,
            dry_run=dry_run,
            quarantine=quarantine,
            progress=lambda msg: bar.update(task, description=escape(msg)),
            protected=inputs,
            force=force,
            merge=merge,
            on_duplicate=on_duplicate.value,
        )
    store.close()
    from rich.table import Table

    for file, how in result.files.items():
        console.print(f"{file}: {how}", highlight=False)
    view = Table(title="would import (dry run, nothing written)" if dry_run else "imported", title_justify="left")
    for header in ("table", "rows", "new", "updated", "unchanged"):
        view.add_column(header, justify="left" if header == "table" else "right")
    for counts in result.tables.values():
        view.add_row(counts.table, *(f"{n:,}" for n in (counts.read, counts.new, counts.updated, counts.unchanged)))
    console.print(view)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    if quarantine is not None:
        rows = len({(p.file, p.row) for p in result.rejected})
        console.print(f"{rows:,} row(s) rejected and written to {quarantine} with the reason", highlight=False)
        for problem in result.rejected[:10]:
            console.print(f"  - {problem}", highlight=False, markup=False)


def _suggest(paths: list[Path], output: Path | None, force: bool = False) -> None:
    from salesvelocity.ingest.suggest import suggest
    from salesvelocity.store import connect as connect_store

    scratch = connect_store(":memory:")
    files = [p for given in paths for p in (sorted(given.iterdir()) if given.is_dir() else [given])]
    for path in files:
        mapping, notes = suggest(scratch, path)
        target = output if output and len(files) == 1 else path.with_suffix(".mapping.toml")
        header = "".join(f"# NOTE: {n}\n" for n in notes)
        from salesvelocity.writing import write_file

        write_file(target, header + mapping.to_toml(), force=force, protected=protected(*files))
        console.print(f"wrote {target}", highlight=False)
        for note in notes:
            console.print(f"  note: {note}", highlight=False)
        console.print(f"  then: salesvelocity import {path} --mapping {target}", highlight=False)
    scratch.close()


@app.command()
def demo(
    deals: Annotated[int, typer.Option(help="Number of deals to generate.", min=50)] = 5_000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and --as-of give the same company.")] = 7,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The company's 'today', YYYY-MM-DD [default: today].")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that holds non-demo data, and existing output files."),
    ] = False,
    export: Annotated[
        Path | None, typer.Option(help="Also write the demo as canonical CSV files into this (new or empty) folder.")
    ] = None,
    report_file: Annotated[
        Path | None,
        typer.Option("--report", help="Where to write the HTML report [default: salesvelocity-report.html]."),
    ] = None,
) -> None:
    """Build a realistic demo company in the database and show how fast its teams sell."""
    from salesvelocity.demo import generate, load_demo, write_files
    from salesvelocity.writing import check_target

    day = parse_day(as_of, "--as-of") or clock.today(settings().timezone)
    location = settings().db
    # Outputs are checked before the database is touched, so a refused output changes nothing.
    if export is not None:
        check_target(export, force=force, protected=protected(), folder=True)
    check_target(report_file or REPORT_HTML, force=force, protected=protected(), default=report_file is None)
    store = connect(location, create=True)
    if not force and store.count("deals") and not _is_demo(store):
        store.close()
        raise StoreError(
            f"{location} holds imported data; the demo would replace it",
            hint="use another --db for the demo, or pass --force to replace the data",
        )
    with progress() as bar:
        task = bar.add_task(f"generating {deals:,} deals", total=None)
        from salesvelocity.empowerment.pulse_key import load_key

        tables = generate(deals, seed, day, pulse_key=load_key(store, create=True))
        bar.update(task, description="loading into the database")
        load_demo(store, tables)
        store.set_meta("demo", f"seed={seed} as_of={day}")
        if export:
            bar.update(task, description=escape(f"writing CSV files to {export}"))
            write_files(tables, export, force=force, protected=protected())
    console.print(
        f"demo company written to {location}: {deals:,} deals, {tables['stage_changes'].num_rows:,} stage changes, "
        f"{tables['people'].num_rows} people in {tables['teams'].num_rows} teams (seed {seed}, as of {day})"
    )
    from salesvelocity.report.build import build_report
    from salesvelocity.report.html import render_html
    from salesvelocity.report.terminal import render_terminal

    result = build_report(
        store, end=day + timedelta(days=1), today=day + timedelta(days=1), k=settings().pulse_min_respondents
    )
    render_terminal(result, console)
    from salesvelocity.web.accounts import DEMO_PASSWORD, demo_accounts

    accounts = demo_accounts(store)
    store.close()
    _write(render_html(result), report_file, "the HTML report with charts", force, default=REPORT_HTML)
    console.print("\nthe team edition: `make serve` (or `.venv/bin/salesvelocity serve`),", highlight=False)
    console.print(f"then open http://127.0.0.1:8000 and sign in with password {DEMO_PASSWORD} as:", highlight=False)
    for user in accounts:
        console.print(f"  {user.email:22} {user.role:8} {user.name}", highlight=False)


class By(StrEnum):
    team = "team"
    person = "person"
    segment = "segment"
    product = "product"
    source = "source"
    pipeline = "pipeline"
    none = "none"


@app.command()
def report(
    from_: Annotated[
        str | None, typer.Option("--from", help="First day of the window, YYYY-MM-DD [default: --to minus 90 days].")
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Day after the window, YYYY-MM-DD; the window is [from, to) "
            "[default: today, or the day after the data ends].",
        ),
    ] = None,
    by: Annotated[
        By, typer.Option("--by", help="Group velocity, cycle, aging, speed-to-lead, slippage and coverage.")
    ] = By.team,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's deals and leads (a team_id).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table (terminal), json, csv or html.")] = Format.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (csv: a folder, one file per section, or one .csv file)."
        ),
    ] = None,
    show_sql: Annotated[
        bool, typer.Option("--show-sql", help="Print the SQL each section runs, then the report.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file or folder.")] = False,
) -> None:
    """How fast is the funnel, and where does it slow down?

    Over the window [--from, --to): sales velocity per day = average open deals × win rate × average deal
    size ÷ cycle length (Little's law, so it does not grow with the window), beside the realised won
    amount per day, with each factor (win rate = won ÷ (won + lost) among deals closed in the window; cycle =
    days from created to won, mean/median/P85); stage conversion and drop-off (skipped stages count as
    passed); time in stage (P50/P85/P95 of completed visits; an open deal's current stage is its age,
    never a completed time); the bottleneck (the stage holding most of won deals' time); aging (open
    deals past their stage's P85 are at risk, past P95 stuck); speed-to-lead (minutes to first touch,
    bands 0-5/5-15/15-60/60+ and never touched); slippage (open deals past their expected close date,
    deals won late); pipeline coverage of the current targets.
    """
    from salesvelocity.services.funnel import report as funnel_report

    check_output(fmt, output, force, "Report")
    with context(start=parse_day(from_, "--from"), end=parse_day(to, "--to")) as ctx:
        result = funnel_report(ctx, by=None if by == By.none else by.value, team=team)
    if show_sql:
        for name, sql in result.sql.items():
            console.print(f"-- {name}\n{sql};\n", highlight=False, markup=False)
    deliver(result, fmt, output, force)


class Cadence(StrEnum):
    week = "week"
    sprint = "sprint"
    month = "month"
    quarter = "quarter"


class TrendMetric(StrEnum):
    velocity = "velocity"
    throughput = "throughput"
    won_amount = "won_amount"
    created = "created"
    win_rate = "win_rate"
    deal_size = "deal_size"
    cycle = "cycle"
    net_flow = "net_flow"
    wip = "wip"


@app.command()
def trend(
    metric: Annotated[TrendMetric, typer.Option("--metric", help="What to follow per period.")] = TrendMetric.velocity,
    cadence: Annotated[Cadence, typer.Option("--cadence", help="Period length.")] = Cadence.week,
    anchor: Annotated[
        str | None, typer.Option("--anchor", help="First day of a sprint, YYYY-MM-DD (sprints are 14 days).")
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD [default: a year back].")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Day after the last, YYYY-MM-DD [default: today].")] = None,
    by: Annotated[By, typer.Option("--by", help="One series per group.")] = By.team,
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    baseline: Annotated[int, typer.Option(help="Points in the XmR baseline (at least 6).")] = 12,
    baseline_from: Annotated[
        str | None, typer.Option("--baseline-from", help="Use the periods from this day as the baseline instead.")
    ] = None,
    baseline_to: Annotated[str | None, typer.Option("--baseline-to", help="...up to (not including) this day.")] = None,
    periods: Annotated[int, typer.Option(help="Periods shown per group in the terminal.")] = 8,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv or html.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    show_sql: Annotated[bool, typer.Option("--show-sql", help="Print the SQL of the series first.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file or folder.")] = False,
) -> None:
    """A metric per period (week, 2-week sprint, month, quarter) with signal-vs-noise verdicts.

    Each group's series gets an XmR process-behaviour chart: centre = mean of the first --baseline
    points, natural limits = centre ± 2.66 × average moving range. A signal is (1) a point outside the
    limits, (2) 3 of 4 points beyond halfway to a limit on one side, or (3) 8 points in a row on one
    side of the centre; everything else is noise, and is reported as "no signal". Periods still running
    are shown but never judged. Metrics: velocity (formula per period), throughput (won deals),
    won_amount, created, win_rate, deal_size, cycle (days, won deals), net_flow (created - closed),
    wip (open deals at period end).
    """
    from salesvelocity.metrics.cadence import DEFAULT_ANCHOR
    from salesvelocity.services.trend import trend as metric_trend

    check_output(fmt, output, force, "Trend")
    with context(start=parse_day(from_, "--from"), end=parse_day(to, "--to")) as ctx:
        result = metric_trend(
            ctx,
            metric.value,
            cadence.value,
            None if by == By.none else by.value,
            team,
            parse_day(anchor, "--anchor") or DEFAULT_ANCHOR,
            baseline,
            baseline_period=_baseline(baseline_from, baseline_to),
        )
    if show_sql:
        console.print(f"-- series\n{result.sql};\n", highlight=False, markup=False)
    deliver(result, fmt, output, force, **({"periods": periods} if fmt == Format.table else {}))


def _baseline(start: str | None, end: str | None) -> tuple[date, date] | None:
    if start is None and end is None:
        return None
    return (parse_day(start, "--baseline-from") or date.min, parse_day(end, "--baseline-to") or date.max)


class ForecastMetric(StrEnum):
    count = "count"
    amount = "amount"


@app.command()
def forecast(
    by_date: Annotated[str | None, typer.Option("--by-date", help="How much by this day (YYYY-MM-DD)?")] = None,
    reach: Annotated[float | None, typer.Option("--reach", help="When will the total reach this?")] = None,
    target: Annotated[bool, typer.Option("--target", help="Chance of reaching the current period's target.")] = False,
    metric: Annotated[ForecastMetric, typer.Option(help="Won deals (count) or won amount.")] = ForecastMetric.count,
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    history_days: Annotated[int, typer.Option(help="Days of history to resample.", min=14)] = 84,
    trials: Annotated[int, typer.Option(help="Monte Carlo trials.", min=100)] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same forecast.")] = 1,
    run_backtest: Annotated[
        bool, typer.Option("--backtest", help="How often did the 85 % line hold over the last two years?")
    ] = False,
    fmt: Annotated[Format, typer.Option("--format", help="table, json, csv or html.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file or folder.")] = False,
) -> None:
    """Monte Carlo forecast of throughput: how much by a date, when a total is reached, target odds.

    Each of --trials simulated futures draws days at random from the last --history-days of daily
    throughput (won deals or won amount by close date). "How much by D" is the total reached with
    50/85/95 % confidence (the 50th/15th/5th percentile of simulated totals); "when" is the date by
    which the total is reached with 50/85/95 % confidence. With no question asked, it forecasts the
    total by the end of the current quarter. --backtest reports how often the real outcome was at or
    above the 85 % line in the past (well calibrated: near 85 %).
    """
    from salesvelocity.services.forecast import forecast as monte_carlo

    check_output(fmt, output, force, "ForecastResult")
    with context() as ctx:
        result = monte_carlo(
            ctx,
            parse_day(by_date, "--by-date"),
            reach,
            target,
            metric.value,
            team,
            history_days,
            trials,
            seed,
            run_backtest or fmt == Format.html,  # the page carries every answer
        )
    deliver(result, fmt, output, force)


@app.command()
def annotate(
    label: Annotated[str | None, typer.Argument(help='What changed, e.g. "weekly deal coaching".')] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it changed, YYYY-MM-DD [default: today].")] = None,
    team: Annotated[str | None, typer.Option("--team", help="The team it applies to (default: the company).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List changes with their judgment.")] = False,
    cadence: Annotated[Cadence, typer.Option("--cadence", help="Period used to judge.")] = Cadence.week,
    fmt: Annotated[Format, typer.Option("--format", help="table or json (for --list).")] = Format.table,
) -> None:
    """Record a change worth judging later, or --list changes with the patience guard's verdict.

    A change made at t can be judged honestly from t + the P85 cycle length, and not before the
    series holds 6 complete periods after t. The verdict compares equal windows: the N complete periods
    before t (up to 12, at least 6) against N complete periods from that judgment date; until they are
    complete the answer is "too early to tell". Velocity, throughput, win rate and cycle time changed
    only when the periods after give an XmR signal against limits from the periods before; otherwise
    the reading is "no real change — within normal variation", with both means and the limits.
    """
    from salesvelocity.services import changes

    if label is not None:
        with context(create=True) as ctx:
            done = changes.record(ctx, label, parse_day(at, "--at"), team)
        scope = f"team {done.team_name}" if done.team_id else "company"
        console.print(f"recorded {done.annotation_id}: {label!r} on {done.day} ({scope})")
    if list_ or label is None:
        with context() as ctx:
            deliver(changes.changes(ctx, cadence.value), fmt)


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


#: Individual pulse answers never leave the store (design §5): an export leaves them out.
NOT_EXPORTED = ("pulse_responses",)


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="The folder to write, one canonical file per table.")],
    fmt: Annotated[FileFormat, typer.Option("--format", help="csv or parquet.")] = FileFormat.csv,
    force: Annotated[bool, typer.Option("--force", help="Replace the files of a folder that is not empty.")] = False,
) -> None:
    """Write the database's tables as canonical files that `salesvelocity import FOLDER` reads back.

    Times are written in UTC. Pulse answers stay in the database: individual answers never leave the
    store. Use it for a backup, to move from a DuckDB file to a PostgreSQL server (export here, import
    there), or to hand the tables to another tool. With --as, only the rows that person may see one by one.
    """
    from salesvelocity.schema import LOAD_ORDER
    from salesvelocity.store import connect as open_database

    found = settings()
    store = open_database(  # UTC, as stored
        found.db, create=False, read_only=True, wait=found.lock_wait_seconds, memory_limit=found.memory_limit
    )
    try:
        view = view_of(store).detail()
        tables = {name: store.execute(view.table(name)) for name in LOAD_ORDER if name not in NOT_EXPORTED}
    finally:
        store.close()
    from salesvelocity.demo import write_files

    written = write_files(tables, folder, fmt.value, force=force, protected=protected())
    rows = sum(t.num_rows for t in tables.values())
    console.print(f"wrote {len(written)} files ({rows:,} rows) to {folder.resolve()}", highlight=False, soft_wrap=True)
    console.print("pulse answers stay in the database: individual answers never leave it", highlight=False)


def protected(*inputs: Path | None) -> dict[Path, str]:
    """The paths a command must never write: the database (and its log) and the command's own inputs."""
    from salesvelocity.store import parse_url

    found: dict[Path, str] = {}
    kind, location = parse_url(settings().db)
    if kind == "duckdb" and location != ":memory:":
        found[Path(location)] = "the database"
        found[Path(location + ".wal")] = "the database's write-ahead log"
    for given in inputs:
        if given is None:
            continue
        for path in sorted(Path(given).iterdir()) if Path(given).is_dir() else [Path(given)]:
            found[path] = "an input of this command"
    return found


def check_output(fmt: Format, output: Path | None, force: bool, kind: str) -> None:
    """Refuse an unusable format or output before any work is done (the rules ``deliver`` applies at the end);
    ``kind`` is the result type the command renders."""
    from salesvelocity.renderers import renderer
    from salesvelocity.writing import check_target

    if fmt == Format.json:
        default = None
    else:
        found = renderer(kind, fmt.value)
        default = Path(found.default_file) if found.default_file else None
    if fmt == Format.table or (output is None and default is None):
        return
    check_target(
        output or default, force=force, protected=protected(), default=output is None, folder=_csv_folder(fmt, output)
    )


def _csv_folder(fmt: Format, output: Path | None) -> bool:
    """CSV to an --output that is not a .csv file: a folder with one file per section."""
    return fmt == Format.csv and output is not None and output.suffix.lower() != ".csv"


def _write(text: str, path: Path | None, what: str, force: bool = False, default: Path | None = None) -> None:
    """Write an output file safely (see ``salesvelocity.writing``); ``default`` is used when no path was given."""
    from salesvelocity.writing import write_file

    target = path or default
    write_file(target, text, force=force, protected=protected(), default=path is None)
    console.print(f"wrote {what} to {target.resolve()}", highlight=False)


def _emit(text: str, output: Path | None, what: str, force: bool = False) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        _write(text, output, what, force)


def _is_demo(store: "Store") -> bool:
    return bool(store.sql("SELECT count(*) FROM _salesvelocity_meta WHERE key = 'demo'").fetchone()[0])


def _say(exc: SalesVelocityError) -> None:
    err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True, markup=True)
    if exc.hint:
        err.print(f"[yellow]hint:[/] {escape(exc.hint)}", highlight=False, soft_wrap=True, markup=True)
    sys.exit(1)


def main() -> None:
    """Entry point: user mistakes become one clear message and exit code 1; --debug shows the traceback."""
    from salesvelocity.writing import private_files

    debug = "--debug" in sys.argv[1:]
    private_files()  # the database, its log and the pulse key are private; outputs keep the usual mode
    try:
        app()  # standalone: Typer renders usage errors and exits itself
    except SalesVelocityError as exc:
        if debug:
            raise
        _say(exc)
    except KeyboardInterrupt:
        err.print("interrupted: nothing half-written was kept", highlight=False)
        sys.exit(130)
    except Exception as exc:  # the one catch-all: anything else is a bug, said plainly, traceback on --debug
        if debug:
            raise
        if type(exc).__name__ == "OutOfMemoryException":  # duckdb's, not imported here (start-up time)
            from salesvelocity.store import memory_error

            _say(memory_error(exc, settings().memory_limit))
        err.print(f"[bold red]error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}", markup=True, highlight=False)
        err.print(
            "[yellow]hint:[/] this is not a mistake of yours that salesvelocity knows how to explain; run the same "
            "command with --debug for the details, and please report it",
            markup=True,
            highlight=False,
        )
        sys.exit(2)


from salesvelocity import cli_empowerment  # noqa: E402,F401,I001  registers recognise, pulse, obstacle, coach, health
from salesvelocity import cli_web  # noqa: E402,F401  registers serve and user

if __name__ == "__main__":
    # Run the imported module's app, on which the empowerment commands registered themselves.
    import salesvelocity.cli as registered

    registered.main()
