"""The one import path: canonical files, vendor exports and mapped files all end in the same
validated, all-or-nothing, idempotent upsert (see ``canonical.py`` for the write and ``validate.py``)."""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from salesvelocity.derived import refresh
from salesvelocity.errors import ImportValidationError, Problem
from salesvelocity.ingest.canonical import TableCounts, classify, touched_deals, upsert
from salesvelocity.ingest.events import standard_event_log
from salesvelocity.ingest.files import READERS, ROW_COLUMN, file_delimiter, read_table_file
from salesvelocity.ingest.mapping import Mapping, apply_mapping, drop_mapped
from salesvelocity.ingest.validate import MERGE, ON_DUPLICATE, WHOLE, Mode, stage_and_validate
from salesvelocity.ingest.vendors import EXPECTED, missing_columns, recognise
from salesvelocity.output import neutralise
from salesvelocity.schema import FORMAT_HINTS, LOAD_ORDER, TABLES
from salesvelocity.store import Store
from salesvelocity.writing import check_target, write_file

SOURCES = ("canonical", "salesforce", "hubspot", "pipedrive")
Progress = Callable[[str], None]


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do), per table, and where each file went."""

    tables: dict[str, TableCounts]
    dry_run: bool = False
    files: dict[str, str] = field(default_factory=dict)  # file → how it was read
    rejected: list[Problem] = field(default_factory=list)
    quarantine: Path | None = None
    notes: list[str] = field(default_factory=list)  # what was settled on the way (identical rows, …)

    @property
    def rows(self) -> int:
        return sum(c.read for c in self.tables.values())


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files, problems = [], []
    for given in paths:
        path = Path(given)
        if not path.exists():
            problems.append(Problem(str(path), None, None, None, "no such file or folder", "check the path"))
        elif path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and (p.suffix.lower() in READERS or p.name.lower().endswith(".xes.gz") or p.stem.lower() in TABLES)
            )
            if not found:
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        "the folder holds no .csv, .xlsx, .parquet or .xes files",
                        "point at the export folder",
                    )
                )
            files += found
        else:
            files.append(path)
    if problems:
        raise ImportValidationError(problems)
    return files


def plan(
    paths: Iterable[str | Path],
    source: str | None = None,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
) -> list[tuple[Path, str, pa.Table, Mapping | str]]:
    """Read every file and decide how it maps: (path, description, text table, mapping or canonical table)."""
    say = progress or (lambda _m: None)
    planned, problems = [], []
    for path in _expand(paths):
        say(f"reading {path.name}")
        options = mapping.options if mapping else {}
        arrow = read_table_file(path, options.get("delimiter"), options.get("encoding"), options.get("sheet"))
        headers = [c for c in arrow.column_names if c != "_row"]
        if mapping is not None:
            planned.append((path, f"mapped by {mapping.name}", arrow, mapping))
            continue
        named = path.stem.lower() if path.stem.lower() in TABLES else None
        fitting = canonical_tables(headers)
        if source == "canonical" and named or source is None and named in fitting:
            planned.append((path, f"canonical {named}", arrow, named))
            continue
        log = standard_event_log(headers) if source in (None, "canonical") else None
        if log is not None:
            planned.append((path, "event log (XES keys)", arrow, log))
            continue
        # The headers decide before the name: a vendor export saved as deals.csv is still that export.
        vendor = recognise(headers, None if source in (None, "canonical") else source)
        if vendor is None and source in (None, "canonical") and len(fitting) == 1:
            planned.append((path, f"canonical {fitting[0]} (by its columns)", arrow, fitting[0]))
            continue
        if vendor is None and source is None and named:
            planned.append((path, f"canonical {named}", arrow, named))  # its header problems name the fix
            continue
        if vendor is None:
            expected = (
                f"a {source} export" if source not in (None, "canonical") else "a canonical table or a known CRM export"
            )
            close = difflib.get_close_matches(path.stem.lower(), TABLES, n=1)
            if close and source in (None, "canonical"):
                problems.append(
                    Problem(
                        str(path),
                        None,
                        None,
                        None,
                        f"{path.name} is not named after a canonical table",
                        f"did you mean {close[0]}{path.suffix}? name each file after its table",
                    )
                )
                continue
            problems.append(
                Problem(
                    str(path),
                    1,
                    None,
                    None,
                    f"not recognised as {expected} (columns: {_shorten(headers)})",
                    "name canonical files after their table (deals.csv, …), or write a mapping: "
                    f"`salesvelocity import --suggest-mapping {path}` then `--mapping mapping.toml`",
                )
            )
            continue
        lacking = missing_columns(vendor)
        if lacking:
            wanted = "; ".join(f"{c} ({EXPECTED[c]})" for c in lacking)
            problems.append(
                Problem(
                    str(path),
                    1,
                    None,
                    None,
                    f"this {vendor.name} export lacks {wanted}",
                    "add those columns to the report or export view and export it again",
                )
            )
            continue
        planned.append((path, vendor.name, arrow, vendor))
    if problems:
        raise ImportValidationError(problems)
    return planned


def canonical_tables(headers: list[str]) -> list[str]:
    """Canonical tables whose columns these headers are: every required one, nothing unknown."""
    given = {h.strip().lower() for h in headers if h not in ("_row", "_file")}
    return [
        name
        for name, table in TABLES.items()
        if given <= set(table.column_names) and {c.name for c in table.columns if c.required} <= given
    ]


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    mapping: Mapping | Path | None = None,
    dry_run: bool = False,
    quarantine: Path | None = None,
    progress: Progress | None = None,
    protected: dict[Path, str] | None = None,
    force: bool = False,
    merge: bool = False,
    on_duplicate: str = "reject",
) -> ImportResult:
    """Validate and upsert files into ``store``: all-or-nothing unless ``quarantine`` is given.

    ``source`` forces a reading (canonical, salesforce, hubspot, pipedrive); ``mapping`` maps every file
    with a mapping file. Raises ``ImportValidationError`` listing every problem (file, row, column,
    value, fix); the database is then unchanged. With ``quarantine`` the bad rows are written to that
    CSV with a reason and the rest is imported; it must not be one of the inputs (or ``protected``, a
    map of paths never to write to what they are), nor an existing file unless ``force``.

    With ``merge`` (or a mapping's ``merge = true``) the files are partial updates: rows are matched by
    key and only their non-empty values change what is known. Rows identical after mapping count once;
    rows that share a key with other values are rejected unless ``on_duplicate`` is "first" or "last".
    """
    if on_duplicate not in ON_DUPLICATE:
        raise ValueError(f"on_duplicate must be one of {', '.join(ON_DUPLICATE)}")
    if store.kind != "duckdb":  # a server: validate and stage in DuckDB, then publish what changed at once
        options = dict(source=source, mapping=mapping, dry_run=dry_run, quarantine=quarantine, progress=progress)
        options |= dict(protected=protected, force=force, merge=merge, on_duplicate=on_duplicate)
        return store.through_duckdb(
            lambda scratch: import_paths(scratch, paths, **options),
            lambda result: [t for t, counts in result.tables.items() if counts.new or counts.updated],
            write=not dry_run,
        )
    say = progress or (lambda _m: None)
    paths = list(paths)
    keep = dict(protected or {}) | {p: "an input of this import" for p in _expand(paths)}
    if isinstance(mapping, Path):
        keep[mapping] = "the mapping of this import"
        mapping = Mapping.load(mapping)
    if quarantine is not None:
        check_target(quarantine, force=force, protected=keep)
    planned = plan(paths, source, mapping, say)
    raw: dict[str, list[tuple[str, pa.Table | str, Mode]]] = {}
    sources: dict[str, dict[str, str]] = {}
    texts: dict[str, pa.Table] = {}  # mapped files whose problems show a value as the file wrote it
    result = ImportResult({}, dry_run=dry_run, quarantine=quarantine)
    registered: list[str] = []  # mapped sources, registered until they are validated
    for path, how, arrow, file_mapping in planned:
        result.files[str(path)] = how
        if isinstance(file_mapping, str):
            raw.setdefault(file_mapping, []).append((str(path), arrow, MERGE if merge else WHOLE))
            continue
        if merge:
            file_mapping = dataclasses.replace(file_mapping, options=file_mapping.options | {"merge": "true"})
        say(f"mapping {path.name}")
        tables, cols, notes = apply_mapping(
            store, file_mapping, str(path), arrow, file_delimiter(arrow), keep=registered
        )
        result.notes += notes
        if file_mapping.events is None:  # an event log's deal values gather many rows: no one cell to show
            texts[str(path)] = arrow
        for table, parts in tables.items():
            raw.setdefault(table, []).extend((str(path), part, mode) for part, mode in parts)
            sources.setdefault(str(path), {}).update({f"{table}.{k}": v for k, v in cols.get(table, {}).items()})
    say("validating")
    try:
        staged = stage_and_validate(store, raw, quarantine=quarantine is not None, on_duplicate=on_duplicate)
    except ImportValidationError as exc:
        named = [_name_source(p, sources, texts) for p in exc.problems]
        raise ImportValidationError(named, exc.total, exc.counts) from None
    finally:
        for parts in raw.values():
            for _file, data, _mode in parts:
                if isinstance(data, str):
                    drop_mapped(store, data)
        for view in registered:
            store.raw.unregister(view)
    try:
        for table in LOAD_ORDER:
            if table in staged.tables:
                result.tables[table] = classify(store, table, staged.tables[table])
                result.tables[table].files = sorted({f for f, *_ in raw[table]})
        result.notes += staged.notes
        if quarantine is not None:
            result.rejected = [_name_source(p, sources, texts) for p in staged.rejected]
            write_quarantine(quarantine, staged.rejected_rows, force=force, protected=keep)
        if not dry_run:
            say("writing")
            with store.transaction():
                for table in LOAD_ORDER:
                    if table in staged.tables:
                        upsert(store, table, staged.tables[table], result.tables[table].compared)
                refresh(store, touched_deals(staged.tables, result.tables))
    finally:
        for name in staged.tables.values():
            store.sql(f'DROP TABLE IF EXISTS "{name}"')
    return result


def _shorten(headers: list[str], most: int = 12) -> str:
    return ", ".join(headers[:most]) + ("…" if len(headers) > most else "")


#: The fix for a mapped value that is no number: the canonical format's rule does not apply to an export.
MAPPED_NUMBER_FIX = (
    "correct the value in the export (currency marks, thousands separators and E-notation are read); "
    'if the decimal mark was misread, set decimal = "," or "." under [options] in the mapping'
)
#: The canonical format's fixes that MAPPED_NUMBER_FIX replaces for a mapped column.
_NUMBER_FIXES = frozenset(FORMAT_HINTS[t] for t in ("decimal", "float", "int"))


def _name_source(problem: Problem, sources: dict[str, dict[str, str]], texts: dict[str, pa.Table]) -> Problem:
    """Say which source column a canonical column came from, for mapped files (and how such a value is
    fixed), and show the value as the file wrote it (``1.234,56 €``, not the mapped ``1234.56``), so that a
    search of the file finds it. A cell left empty (the value came from a fallback column) keeps the
    mapped value."""
    known = sources.get(problem.file, {})
    names = [v for k, v in known.items() if problem.column and k.split(".", 1)[1] == problem.column]
    if not names:
        return problem
    fix = MAPPED_NUMBER_FIX if problem.fix in _NUMBER_FIXES else problem.fix
    value = problem.value
    arrow = texts.get(problem.file)
    if value is not None and arrow is not None and problem.row is not None:
        value = _cell(arrow, names[0], problem.row) or value
    return dataclasses.replace(problem, source=names[0], fix=fix, value=value)


def _cell(arrow: pa.Table, column: str, row: int) -> str | None:
    """The text of ``column`` in the file's ``row`` (numbered as problems number it), or None if empty."""
    import pyarrow.compute as pc

    if column not in arrow.column_names or ROW_COLUMN not in arrow.column_names:
        return None
    rows = arrow.column(ROW_COLUMN)
    at = row - rows[0].as_py()  # rows count up one by one from the first, as read
    if not (0 <= at < len(rows) and rows[at].as_py() == row):
        at = pc.index(rows, row).as_py()
        if at < 0:
            return None
    found = arrow.column(column)[at].as_py()
    text = None if found is None else str(found)
    return text if text and text.strip() else None


def write_quarantine(
    path: Path, rejected: dict[str, pa.Table], force: bool = False, protected: dict[Path, str] | None = None
) -> None:
    """One CSV of every rejected row: its file, row, table, the reason, then its values.

    Values are written as they were read, except that text a spreadsheet would run as a formula is
    neutralised (see ``output.neutralise``).
    """
    columns: list[str] = []
    for table in rejected:
        columns += [c for c in TABLES[table].column_names if c not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "row", "table", "reason", *columns])
    for table, rows in rejected.items():
        for row in rows.to_pylist():
            values = [row["_file"], row["_row"], table, row["reason"], *[row.get(c) for c in columns]]
            writer.writerow(["" if v is None else neutralise(v) for v in values])
    write_file(path, buffer.getvalue(), force=force, protected=protected or {})
