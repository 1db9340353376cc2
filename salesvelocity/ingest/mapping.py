"""Mappings: how the columns and values of an export become canonical tables.

A mapping is a TOML file (or a dict built by a vendor module). Example::

    [options]                 # all optional: detected from the data when absent
    delimiter = ";"
    encoding = "cp1252"
    decimal = ","             # "1.234,56"
    date_order = "dmy"        # or "mdy" / "ymd"; or date_format = "%d-%m-%Y %H:%M"
    timezone = "Europe/Amsterdam"   # zone of timestamps written without an offset

    [tables.deals]
    deal_id = "Deal ID"                       # a source column
    owner_id = "Owner"
    created_at = "Created"
    status = { column = "Stage", values = { "Won" = "won", "Lost" = "lost" }, default = "open" }
    closed_at = { column = "Closed", when_status = ["won", "lost"] }
    currency = { value = "EUR" }              # a constant
    skip = { column = "Status", values = ["deleted"] }   # rows left out on purpose

    [tables.people]                           # people and teams derived from columns, one row per id
    person_id = "Owner"
    team_id = "Team"
    manager_id = "Manager"

    [[tables.stage_changes]]                  # an event log, or HubSpot-style stage columns:
    deal_id = "Record ID"
    unpivot = { headers = 'Date entered "(?P<stage>.+) \\((?P<pipeline>.+)\\)"', into = "entered_at" }

    [[rows.stages]]                           # literal rows, e.g. to set stage order and kinds
    pipeline = "default"
    stage = "Closed Won"
    position = 6
    kind = "won"

Column specs: ``column``, ``value`` (constant), ``values`` (value map, case-insensitive),
``default`` (for unmapped or empty values), ``infer = "status"`` (won/lost/open from words such as
"Closed Won", "Verloren"), ``when_status`` (only for rows whose status is one of these),
``divide`` (e.g. 100 for percentages), ``format`` (strptime format for this column).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

from salesvelocity.errors import ConfigError, ImportValidationError, Problem
from salesvelocity.ingest.conventions import (
    Conventions,
    detect_date_order,
    detect_decimal,
    lit,
    number_sql,
    pick_format,
    q,
    timestamp_sql,
)
from salesvelocity.ingest.events import EventSpec, event_sql, outcome_note
from salesvelocity.ingest.files import ROW_COLUMN, row_numbers, trimmed_columns
from salesvelocity.ingest.validate import MERGE, WHOLE, Mode
from salesvelocity.schema import TABLES
from salesvelocity.store import Store

#: Tables derived from columns of each row keep one row per key (the first seen).
DERIVED = {"people", "teams", "stages"}
_mapped = itertools.count()
#: Words that make a stage or status value won or lost (matched at the start of a word, any case).
WON_WORDS = ("won", "win", "gewonnen", "gagn", "ganad", "vinto", "vunnen", "wygran", "signed", "closedwon")
LOST_WORDS = ("lost", "loss", "verloren", "perdu", "perdid", "perso", "förlorad", "przegran", "dead", "closedlost")
OPTION_KEYS = {"delimiter", "encoding", "decimal", "date_order", "date_format", "timezone", "sheet", "merge"}
SPEC_KEYS = {
    "column",
    "fallbacks",
    "value",
    "values",
    "default",
    "infer",
    "when_status",
    "divide",
    "format",
    "won_flag",
    "lost_flag",
    "closed_flag",
}
TRUE_WORDS = ("1", "true", "yes", "y", "t", "ja", "oui", "si", "sí", "x")


@dataclass
class ColumnSpec:
    column: str | None = None
    value: str | None = None
    values: dict[str, str] | None = None
    default: str | None = None
    infer: str | None = None
    when_status: list[str] | None = None
    divide: float | None = None
    format: str | None = None
    won_flag: str | None = None  # status from yes/no columns (Salesforce IsWon/IsClosed, HubSpot Is Closed Won)
    lost_flag: str | None = None
    closed_flag: str | None = None
    fallbacks: list[str] | None = None  # further columns, used where ``column`` is empty

    def sources(self) -> list[str]:
        """Every source column this value reads."""
        named = [self.column, self.won_flag, self.lost_flag, self.closed_flag, *(self.fallbacks or [])]
        return [c for c in named if c]

    @classmethod
    def parse(cls, where: str, raw: object) -> ColumnSpec:
        if isinstance(raw, str):
            return cls(column=raw)
        if isinstance(raw, (int, float)):
            return cls(value=str(raw))
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a column name or a table of options, got {raw!r}")
        unknown = set(raw) - SPEC_KEYS
        if unknown:
            raise ConfigError(
                f"{where}: unknown option(s) {', '.join(sorted(unknown))}", hint=f"use: {', '.join(sorted(SPEC_KEYS))}"
            )
        values = raw.get("values")
        if values is not None and not isinstance(values, dict):
            raise ConfigError(
                f"{where}: values must map source values to canonical ones", hint='values = { "Won" = "won" }'
            )
        for key in ("column", "format", "infer", "won_flag", "lost_flag", "closed_flag"):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise ConfigError(f"{where}: {key} must be text, not {raw[key]!r}")
        for key in ("when_status", "fallbacks"):
            if raw.get(key) is not None and not isinstance(raw[key], list):
                raise ConfigError(f'{where}: {key} must be a list, e.g. {key} = ["won", "lost"]')
        divide = raw.get("divide")
        if divide is not None and (isinstance(divide, bool) or not isinstance(divide, (int, float)) or divide == 0):
            raise ConfigError(f"{where}: divide must be a non-zero number, e.g. divide = 100")
        if raw.get("infer") not in (None, "status"):
            raise ConfigError(f"{where}: infer = {raw['infer']!r} is not known", hint='use infer = "status"')
        return cls(
            column=raw.get("column"),
            value=None if raw.get("value") is None else str(raw["value"]),
            values={str(k): str(v) for k, v in values.items()} if values else None,
            default=None if raw.get("default") is None else str(raw["default"]),
            infer=raw.get("infer"),
            when_status=raw.get("when_status"),
            divide=raw.get("divide"),
            format=raw.get("format"),
            won_flag=raw.get("won_flag"),
            lost_flag=raw.get("lost_flag"),
            closed_flag=raw.get("closed_flag"),
            fallbacks=[str(f) for f in raw.get("fallbacks", [])] or None,
        )

    def to_toml(self) -> str:
        extras = (
            self.value,
            self.values,
            self.default,
            self.infer,
            self.when_status,
            self.divide,
            self.format,
            self.won_flag,
            self.lost_flag,
            self.closed_flag,
        )
        if self.column and not any(extras):
            return _tq(self.column)
        parts = []
        for key in ("column", "value", "default", "infer", "format", "won_flag", "lost_flag", "closed_flag"):
            if getattr(self, key) is not None:
                parts.append(f"{key} = {_tq(getattr(self, key))}")
        if self.values:
            parts.append("values = { " + ", ".join(f"{_tq(k)} = {_tq(v)}" for k, v in self.values.items()) + " }")
        if self.when_status:
            parts.append("when_status = [" + ", ".join(_tq(s) for s in self.when_status) + "]")
        if self.fallbacks:
            parts.append("fallbacks = [" + ", ".join(_tq(s) for s in self.fallbacks) + "]")
        if self.divide is not None:
            parts.append(f"divide = {self.divide:g}")
        return "{ " + ", ".join(parts) + " }"


@dataclass
class Unpivot:
    headers: str  # a regular expression with a named group "stage"
    into: str = "entered_at"


@dataclass
class TableSpec:
    table: str
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    unpivot: Unpivot | None = None
    skip: tuple[str, list[str]] | None = None

    def sources(self) -> set[str]:
        """Every source column the spec's values and skip rule read (stage columns aside)."""
        return {c for col in self.columns.values() for c in col.sources()} | ({self.skip[0]} if self.skip else set())


@dataclass
class Mapping:
    """Options, table specs and literal rows; ``name`` says where it came from (a file or a vendor)."""

    name: str
    options: dict[str, str] = field(default_factory=dict)
    tables: list[TableSpec] = field(default_factory=list)
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    events: EventSpec | None = None  # an event log: deals and stage changes from one row per event

    @classmethod
    def from_dict(cls, name: str, doc: dict) -> Mapping:
        """Build and check a mapping; any shape it cannot use is a ConfigError naming the place and the fix."""
        try:
            mapping = cls._from_dict(name, doc)
            mapping.check_options()
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(
                f"{name}: the mapping is not shaped as expected ({type(exc).__name__}: {exc})",
                hint="compare it with the example in `salesvelocity import --help`, or write a fresh one with "
                "--suggest-mapping",
            ) from exc
        return mapping

    @classmethod
    def _from_dict(cls, name: str, doc: dict) -> Mapping:
        _expect(name, "the mapping", doc, dict, "sections [options], [tables.X] and [[rows.X]]")
        unknown = set(doc) - {"options", "tables", "rows", "events"}
        if unknown:
            raise ConfigError(
                f"{name}: unknown section(s) {', '.join(sorted(unknown))}",
                hint="use [options], [tables.X], [[rows.X]] and [events]",
            )
        options = _expect(name, "[options]", doc.get("options", {}), dict, 'a table such as delimiter = ";"')
        bad = set(options) - OPTION_KEYS
        if bad:
            raise ConfigError(
                f"{name}: unknown option(s) {', '.join(sorted(bad))}",
                hint=f"options are: {', '.join(sorted(OPTION_KEYS))}",
            )
        mapping = cls(name, {k: str(v) for k, v in options.items()})
        if "events" in doc:
            mapping.events = EventSpec.parse(name, doc["events"])
        tables = _expect(name, "tables", doc.get("tables", {}), dict, "[tables.deals] sections")
        for table, specs in tables.items():
            if table not in TABLES:
                raise ConfigError(
                    f"{name}: [tables.{table}] is not a canonical table", hint=f"tables are: {', '.join(TABLES)}"
                )
            for raw in specs if isinstance(specs, list) else [specs]:
                _expect(name, f"[tables.{table}]", raw, dict, "canonical column = source column lines")
                mapping.tables.append(_table_spec(name, table, raw))
        for table, rows in _expect(name, "rows", doc.get("rows", {}), dict, "[[rows.stages]] sections").items():
            if table not in TABLES:
                raise ConfigError(
                    f"{name}: [[rows.{table}]] is not a canonical table", hint=f"tables are: {', '.join(TABLES)}"
                )
            rows = _expect(name, f"[[rows.{table}]]", rows, list, "one [[rows.X]] section per row")
            for row in rows:
                _expect(name, f"[[rows.{table}]]", row, dict, "column = value lines")
                extra = set(row) - set(TABLES[table].column_names)
                if extra:
                    raise ConfigError(
                        f"{name} [[rows.{table}]]: {', '.join(sorted(extra))} is not a column of {table}",
                        hint=f"{table} columns are: {', '.join(TABLES[table].column_names)}",
                    )
            mapping.rows[table] = list(rows)
        if not mapping.tables and not mapping.rows and mapping.events is None:
            raise ConfigError(
                f"{name}: the mapping maps no table", hint="add a [tables.deals] section (see --suggest-mapping)"
            )
        return mapping

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise ConfigError(
                f"no mapping file at {path}", hint="write one with `salesvelocity import --suggest-mapping FILE`"
            ) from exc
        except IsADirectoryError as exc:
            raise ConfigError(f"{path} is a folder, not a mapping file", hint="give the .toml file's path") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path}: not a text file in UTF-8 (byte {exc.start})", hint="save the mapping as UTF-8 text"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}", hint="check quotes and brackets on that line") from exc
        return cls.from_dict(str(path), doc)

    @property
    def merge(self) -> bool:
        """A partial update (``merge = true``): only the columns mapped change, matched by key."""
        return self.options.get("merge", "").lower() in ("true", "1", "yes")

    def check_options(self) -> None:
        """Every option and per-column format usable, or a ConfigError saying which and how to fix it."""
        import codecs

        options = self.options
        order = options.get("date_order")
        if order is not None and order not in ("ymd", "dmy", "mdy"):
            raise ConfigError(f"{self.name}: date_order {order!r} is not one of ymd, dmy, mdy")
        if options.get("merge", "true").lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError(f"{self.name}: merge must be true or false", hint="merge = true")
        decimal = options.get("decimal")
        if decimal is not None and decimal not in (",", "."):
            raise ConfigError(f'{self.name}: decimal must be "," or "."')
        delimiter = options.get("delimiter")
        if delimiter is not None and (len(delimiter) != 1 or delimiter in '"\r\n'):
            raise ConfigError(
                f"{self.name}: delimiter {delimiter!r} must be one character",
                hint='use ",", ";", "|" or "\\t" (tab)',
            )
        if "encoding" in options:
            try:
                codecs.lookup(options["encoding"])
            except LookupError:
                raise ConfigError(
                    f"{self.name}: unknown encoding {options['encoding']!r}", hint="use utf-8, utf-16 or cp1252"
                ) from None
        if "timezone" in options:
            check_timezone(self.name, options["timezone"])
        if "date_format" in options:
            check_date_format(f"{self.name} [options] date_format", options["date_format"])
        for spec in self.tables:
            for column, col in spec.columns.items():
                if col.format is not None:
                    check_date_format(f"{self.name} [tables.{spec.table}] {column}", col.format)

    def conventions(self) -> Conventions:
        self.check_options()
        options = self.options
        return Conventions(
            options.get("decimal"), options.get("date_order"), options.get("date_format"), options.get("timezone")
        )

    def to_toml(self) -> str:
        lines = [f"# salesvelocity mapping ({self.name}); see `salesvelocity import --help`"]
        if self.options:
            lines += ["", "[options]"] + [f"{k} = {_tq(v)}" for k, v in self.options.items()]
        for spec in self.tables:
            lines += ["", f"[[tables.{spec.table}]]"]
            lines += [f"{name} = {col.to_toml()}" for name, col in spec.columns.items()]
            if spec.unpivot:
                headers, into = _tq(spec.unpivot.headers, literal=True), _tq(spec.unpivot.into)
                lines.append(f"unpivot = {{ headers = {headers}, into = {into} }}")
            if spec.skip:
                lines.append(
                    f"skip = {{ column = {_tq(spec.skip[0])}, values = [{', '.join(_tq(v) for v in spec.skip[1])}] }}"
                )
        if self.events is not None:
            lines += ["", self.events.to_toml()]
        for table, rows in self.rows.items():
            for row in rows:
                lines += ["", f"[[rows.{table}]]"] + [
                    f"{k} = {_tq(v) if isinstance(v, str) else v}" for k, v in row.items()
                ]
        return "\n".join(lines) + "\n"


def _tq(value: object, literal: bool = False) -> str:
    text = str(value)
    if literal and "'" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _table_spec(name: str, table: str, raw: dict) -> TableSpec:
    spec = TableSpec(table)
    columns = TABLES[table].column_names
    for key, value in raw.items():
        where = f"{name} [tables.{table}] {key}"
        if key == "unpivot":
            if not isinstance(value, dict) or not isinstance(value.get("headers"), str):
                raise ConfigError(f"{where}: unpivot needs headers = 'regular expression with (?P<stage>...)'")
            pattern = header_pattern(where, value["headers"])
            if "stage" not in pattern.groupindex:
                raise ConfigError(f"{where}: the headers pattern needs a named group (?P<stage>...)")
            into = value.get("into", "entered_at")
            if into not in columns:
                raise ConfigError(
                    f"{where}: into = {into!r} is not a column of {table}", hint='e.g. into = "entered_at"'
                )
            spec.unpivot = Unpivot(value["headers"], into)
        elif key == "skip":
            if not isinstance(value, dict) or not isinstance(value.get("column"), str):
                raise ConfigError(
                    f"{where}: skip needs a column and values",
                    hint='e.g. skip = { column = "Status", values = ["deleted"] }',
                )
            values = value.get("values", [])
            spec.skip = (value["column"], [str(v) for v in (values if isinstance(values, list) else [values])])
        elif key in columns:
            spec.columns[key] = ColumnSpec.parse(where, value)
        else:
            raise ConfigError(
                f"{where}: `{key}` is not a column of {table}", hint=f"{table} columns are: {', '.join(columns)}"
            )
    return spec


# -- applying a mapping -----------------------------------------------------------------------------
def _resolve_events(events: EventSpec, label: str, headers: list[str], lower: dict[str, str]) -> list[Problem]:
    """Point the event spec at the file's own spelling of its columns; a missing one is a problem."""
    problems = []
    for key in ("deal_id", "activity", "timestamp", "resource"):
        name = getattr(events, key)
        if name is None:
            continue
        if name.lower() in lower:
            setattr(events, key, lower[name.lower()])
        else:
            problems.append(_missing_column(label, name, f"events.{key}", headers))
    if events.skip:
        if events.skip[0].lower() in lower:
            events.skip = (lower[events.skip[0].lower()], events.skip[1])
        else:
            problems.append(_missing_column(label, events.skip[0], "events.skip", headers))
    for column, col in events.deal.items():
        if col.column and col.column.lower() in lower:
            col.column = lower[col.column.lower()]
        elif col.column:
            problems.append(_missing_column(label, col.column, f"events.deal.{column}", headers))
    return problems


def _one_missing_list(problems: list[Problem], label: str, headers: list[str]) -> list[Problem]:
    """Several mapped columns absent from the file: one problem listing them, and the file's columns once."""
    if len(problems) < 2:
        return problems
    names = list(dict.fromkeys(p.column for p in problems))
    shown = ", ".join(f"`{n}`" for n in names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
    return [
        Problem(
            label,
            1,
            None,
            None,
            f"{len(names)} of the mapping's columns are not in the file: {shown}",
            f"is this the file the mapping was written for? Columns found: {', '.join(headers[:30])}",
        )
    ]


def _missing_column(label: str, name: str, where: str, headers: list[str]) -> Problem:
    return Problem(
        label,
        1,
        name,
        None,
        f"the mapping's column `{name}` (for {where}) is not in the file",
        f"columns found: {', '.join(headers[:30])}",
    )


def source_columns(mapping: Mapping, headers: list[str]) -> dict[str, set[str]]:
    """Source columns per canonical type ('timestamp', 'date', 'decimal', ...) for convention detection."""
    found: dict[str, set[str]] = {}
    if mapping.events is not None:
        found.setdefault("timestamp", set()).add(mapping.events.timestamp)
        for column, col in mapping.events.deal.items():
            if col.column and col.format is None:
                found.setdefault(TABLES["deals"].column(column).type, set()).add(col.column)
    for spec in mapping.tables:
        for column, col in spec.columns.items():
            if col.column and col.format is None:
                found.setdefault(TABLES[spec.table].column(column).type, set()).add(col.column)
                found[TABLES[spec.table].column(column).type].update(col.fallbacks or [])
        if spec.unpivot:
            found.setdefault("timestamp", set()).update(h for h, _m in matching_headers(spec, headers))
    return found


def unmapped_required(mapping: Mapping, label: str, headers: list[str]) -> list[Problem]:
    """One problem per required canonical column the mapping gives no source at all (not one per row)."""
    from salesvelocity.ingest.suggest import SYNONYMS, _match

    problems = []
    for spec in mapping.tables:
        if spec.table in DERIVED:
            continue
        given = set(spec.columns) | ({spec.unpivot.into, "stage"} if spec.unpivot else set())
        for column in TABLES[spec.table].columns:
            if not column.required or column.default is not None or column.name in given:
                continue
            if mapping.merge and column.name not in TABLES[spec.table].key:
                continue  # a partial update: the known value stays
            guess = _match(headers, SYNONYMS.get(column.name, [column.name.replace("_", " ")]), set())
            example = f'{column.name} = "{guess}"' if guess else f'{column.name} = "<a column of the file>"'
            problems.append(
                Problem(
                    label,
                    None,
                    column.name,
                    None,
                    f"the mapping gives {spec.table} no `{column.name}`, which every row needs",
                    f"add `{example}` under [tables.{spec.table}]",
                )
            )
    return problems


def drop_mapped(store: Store, name: str) -> None:
    """Drop a mapped part made by ``apply_mapping`` (a temporary view or table)."""
    kind = "VIEW" if name.startswith(MAPPED_VIEW) else "TABLE"
    store.sql(f"DROP {kind} IF EXISTS {name}")


MAPPED_VIEW = "_sv_mappedv_"


def apply_mapping(
    store: Store,
    mapping: Mapping,
    label: str,
    arrow: pa.Table,
    delimiter: str | None = None,
    keep: list[str] | None = None,
) -> tuple[dict[str, list[tuple[pa.Table | str, Mode]]], dict[str, dict[str, str]], list[str]]:
    """Turn one source table into canonical text tables (still to be validated).

    Returns ({table: [(temporary table name or Arrow table with canonical columns + _file + _row, Mode)]},
    {table: {canonical: source}}, notes) — the second maps canonical columns to the source columns they
    came from, for error messages; the notes say what was decided (an event log's outcomes). The caller
    (the validation) drops the temporary tables. With ``keep``, a list, the source stays registered (its
    name is appended: the caller unregisters it once validated) and a table mapped straight from the
    source is a view, typed by the validation in the same pass — a million rows are not written twice.
    """
    headers = [c for c in arrow.column_names if c != ROW_COLUMN]
    lower = {h.lower(): h for h in headers}
    view = f"_sv_src_{abs(hash((label, id(arrow))))}"
    store.raw.register(view, arrow)
    problems: list[Problem] = []
    try:
        if mapping.events is not None:
            problems += _resolve_events(mapping.events, label, headers, lower)
        for spec in mapping.tables:
            for column, col in spec.columns.items():
                if col.fallbacks:
                    missing = [f for f in col.fallbacks if f.lower() not in lower]
                    if missing:
                        problems.append(
                            Problem(
                                label,
                                1,
                                missing[0],
                                None,
                                f"the mapping's column `{missing[0]}` is not in the file",
                                f"columns found: {', '.join(headers[:30])}",
                            )
                        )
                    col.fallbacks = [lower.get(f.lower(), f) for f in col.fallbacks]
                if col.column and col.column.lower() not in lower:
                    problems.append(_missing_column(label, col.column, f"{spec.table}.{column}", headers))
                elif col.column:
                    col.column = lower[col.column.lower()]
        problems = _one_missing_list(problems, label, headers) + unmapped_required(mapping, label, headers)
        if problems:
            raise ImportValidationError(problems)
        conv = mapping.conventions()
        typed = source_columns(mapping, headers)
        if conv.decimal is None:
            conv.decimal, found = detect_decimal(
                store, view, sorted(typed.get("decimal", set()) | typed.get("float", set())), label, delimiter
            )
            problems += found
        if conv.date_order is None and conv.date_format is None:
            conv.date_order, found = detect_date_order(
                store, view, sorted(typed.get("timestamp", set()) | typed.get("date", set())), label
            )
            problems += found
        if problems:
            raise ImportValidationError(problems)
        trimmed = trimmed_columns(arrow, _read_columns(mapping, headers))
        out: dict[str, list[pa.Table | str]] = {}
        sources: dict[str, dict[str, str]] = {}
        date_columns = typed.get("timestamp", set()) | typed.get("date", set())
        likely = (
            {c: pick_format(store, view, c, conv.date_order) for c in sorted(date_columns)}
            if conv.date_format is None
            else {}
        )
        derived: dict[str, list[str]] = {}
        weak: dict[str, set[str]] = {}
        notes: list[str] = []
        whole = MERGE if mapping.merge else WHOLE
        if mapping.events is not None:
            value = lambda table, column, col: _value_sql(table, column, col, conv, likely, trimmed)  # noqa: E731
            text = lambda column: _text(column, trimmed)  # noqa: E731
            scratch = f"_sv_events_{next(_mapped)}"
            queries = event_sql(mapping.events, view, label, text, value, scratch)
            try:
                store.sql(f"CREATE TEMP TABLE {scratch} AS {queries.pop('_events')}")
                outcomes = store.sql(queries.pop("_outcomes")).fetchall()
                for table, sql in queries.items():
                    name = f"_sv_mapped_{next(_mapped)}"
                    store.sql(f"CREATE TEMP TABLE {name} AS {sql}")
                    # Resources become people as owners: a name a people file gave is kept.
                    # Deals and stage changes are grouped by their key: one row per key already.
                    mode = Mode(True, frozenset({"name"})) if table == "people" else replace(whole, unique=True)
                    out.setdefault(table, []).append((name, mode))
            finally:
                store.sql(f"DROP TABLE IF EXISTS {scratch}")
            deals = out["deals"][0][0]
            statuses = dict(store.sql(f"SELECT status, count(*) FROM {deals} GROUP BY 1").fetchall())
            owners = store.sql(f"SELECT owner_id, count(*) FROM {deals} GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchall()
            notes.append(outcome_note(mapping.events, label, statuses, outcomes, owners[0] if owners else None))
            events = mapping.events
            sources["deals"] = {"deal_id": events.deal_id, "created_at": events.timestamp}
            sources["deals"] |= {c: s.column for c, s in events.deal.items() if s.column}
            sources["stage_changes"] = {"deal_id": events.deal_id, "stage": events.activity}
            sources["stage_changes"]["entered_at"] = events.timestamp
        for order, spec in enumerate(mapping.tables):
            sql = _table_sql(spec, view, label, headers, conv, likely, trimmed)
            if sql is None:
                continue
            sources.setdefault(spec.table, {}).update({c: s.column for c, s in spec.columns.items() if s.column})
            if spec.table in DERIVED:
                # People from an owner column and from a manager column are one list: merged below.
                derived.setdefault(spec.table, []).append(f"SELECT *, {order} AS _spec FROM ({sql})")
                weak.setdefault(spec.table, set()).update(_placeholders(spec))
                continue
            # Kept in the engine (no round trip through Arrow for a million rows): a view over the source
            # when the source stays registered, else a temporary table.
            if keep is not None:
                name = f"{MAPPED_VIEW}{next(_mapped)}"
                store.sql(f"CREATE TEMP VIEW {name} AS {sql}")
            else:
                name = f"_sv_mapped_{next(_mapped)}"
                store.sql(f"CREATE TEMP TABLE {name} AS {sql}")
            unique = _one_row_per_key(store, spec, view, headers, conv, likely, trimmed)
            out.setdefault(spec.table, []).append((name, replace(whole, unique=True) if unique else whole))
        for table, parts in derived.items():
            key = ", ".join(q(k) for k in TABLES[table].key)
            keyed = " AND ".join(f"{q(k)} IS NOT NULL" for k in TABLES[table].key)
            name = f"_sv_mapped_{next(_mapped)}"
            # One row per key, the first seen (by spec, then row); rows without a key make no person. A hash
            # aggregate: a million deals name a few hundred owners, no need to sort them.
            first = ", ".join(
                f"arg_min_null({q(c)}, _order) AS {q(c)}"
                for c in ["_file", "_row", *TABLES[table].column_names]
                if c not in TABLES[table].key
            )
            store.sql(
                f"CREATE TEMP TABLE {name} AS SELECT {key}, {first} FROM ("
                f"SELECT *, _spec::BIGINT * 4294967296 + _row AS _order FROM ({' UNION ALL '.join(parts)})) "
                f"WHERE {keyed} GROUP BY {key}"
            )
            # Derived from another table's columns (owners of deals), a row changes what it knows and
            # fills the rest: a person imported from a users file keeps the name. The file's own table
            # (the first it maps) is whole rows.
            primary = mapping.tables[0].table == table
            out.setdefault(table, []).append((name, whole if primary else Mode(True, frozenset(weak[table]))))
        for table, rows in mapping.rows.items():
            out.setdefault(table, []).append((_literal_rows(table, rows, label), WHOLE))
        return out, sources, notes
    finally:
        if keep is None:
            store.raw.unregister(view)
        else:
            keep.append(view)


def _one_row_per_key(
    store: Store,
    spec: TableSpec,
    view: str,
    headers: list[str],
    conv: Conventions,
    likely: dict | None,
    trimmed: frozenset[str],
) -> bool:
    """Whether stage columns unpivot into one stage change per key by construction — no duplicate check
    needed over the unpivoted rows (3.8M for a million HubSpot deals: 0.5 s). True when each stage column
    names a different stage and no deal id appears on two rows of the file (checked on the file's rows;
    rows a skip rule drops are counted too, which can only say no)."""
    if not spec.unpivot or spec.table != "stage_changes" or spec.unpivot.into != "entered_at":
        return False
    if "stage" in spec.columns or "deal_id" not in spec.columns:
        return False
    stages = [stage for _h, stage in stage_headers(spec, headers)]
    if len(set(stages)) != len(stages):
        return False
    deal = _value_sql(spec.table, "deal_id", spec.columns["deal_id"], conv, likely, trimmed)
    return bool(store.sql(f"SELECT count(k) = count(DISTINCT k) FROM (SELECT {deal} AS k FROM {view})").fetchone()[0])


def _read_columns(mapping: Mapping, headers: list[str]) -> set[str]:
    """Every source column the mapping reads (values, flags, fallbacks, skip rules, stage columns, events)."""
    found: set[str] = set()
    events = mapping.events
    if events is not None:
        found |= {c for c in (events.deal_id, events.activity, events.timestamp, events.resource) if c}
        found |= {c for col in events.deal.values() for c in col.sources()}
        found |= {events.skip[0]} if events.skip else set()
    for spec in mapping.tables:
        found |= spec.sources()
        if spec.unpivot:
            found |= {h for h, _m in matching_headers(spec, headers)}
    lower = {h.lower(): h for h in headers}
    return {lower.get(c.lower(), c) for c in found}


def _placeholders(spec: TableSpec) -> set[str]:
    """Columns of a derived spec that only stand in for a value: a copy of the key's column, a constant."""
    keys = {spec.columns[k].column for k in TABLES[spec.table].key if k in spec.columns}
    return {
        name
        for name, col in spec.columns.items()
        if name not in TABLES[spec.table].key and (col.column is None or col.column in keys)
    }


def _text(column: str, clean: frozenset[str] = frozenset()) -> str:
    """A cell as text, NULL when empty; a ``clean`` column is that already."""
    return q(column) if column in clean else f"NULLIF(trim(CAST({q(column)} AS VARCHAR)), '')"


def _status_words(expr: str) -> str:
    won = "|".join(WON_WORDS)
    lost = "|".join(LOST_WORDS)
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL WHEN regexp_matches(lower({expr}), '\\b({lost})') THEN 'lost' "
        f"WHEN regexp_matches(lower({expr}), '\\b({won})') THEN 'won' ELSE 'open' END"
    )


def _value_sql(
    table: str,
    column: str,
    col: ColumnSpec,
    conv: Conventions,
    likely: dict | None = None,
    clean: frozenset[str] = frozenset(),
) -> str:
    kind = TABLES[table].column(column).type
    if col.value is not None and col.column is None:
        return lit(col.value)
    expr = _text(col.column, clean) if col.column else "NULL::VARCHAR"
    if col.fallbacks:
        expr = f"COALESCE({expr}, {', '.join(_text(f, clean) for f in col.fallbacks)})"
    if col.values:
        cases = " ".join(f"WHEN {lit(k.lower())} THEN {lit(v)}" for k, v in col.values.items())
        fallback = lit(col.default) if col.default is not None else expr
        expr = f"CASE lower({expr}) {cases} ELSE {fallback} END"
    elif col.infer == "status":
        expr = _status_words(expr)
    if col.won_flag or col.lost_flag or col.closed_flag:
        truthy = lambda c: f"coalesce(lower({_text(c, clean)}) IN ({', '.join(lit(w) for w in TRUE_WORDS)}), false)"  # noqa: E731
        won = truthy(col.won_flag) if col.won_flag else "false"
        lost = truthy(col.lost_flag) if col.lost_flag else "false"
        # The flags decide where they can; otherwise the words of the stage (if a column is given).
        words = expr if (col.column or col.infer) else "'open'"
        if col.closed_flag:
            otherwise = lit("lost") if not col.lost_flag else f"coalesce({words}, 'lost')"
            expr = (
                f"CASE WHEN NOT {truthy(col.closed_flag)} THEN 'open' WHEN {won} THEN 'won' "
                f"WHEN {lost} THEN 'lost' ELSE {otherwise} END"
            )
        else:
            expr = f"CASE WHEN {won} THEN 'won' WHEN {lost} THEN 'lost' ELSE {words} END"
    if col.default is not None and not col.values:
        expr = f"COALESCE({expr}, {lit(col.default)})"
    if kind in ("timestamp", "date"):
        guess = (likely or {}).get(col.column) if not (col.fallbacks or col.values) else None
        expr = timestamp_sql(expr, conv.date_order or "ymd", col.format or conv.date_format, conv.timezone, guess)
    elif kind in ("decimal", "float", "int"):
        expr = number_sql(expr, conv.decimal or ".")
        if col.divide:
            expr = f"CAST(TRY_CAST({expr} AS DOUBLE) / {float(col.divide)} AS VARCHAR)"
    return expr


UNPIVOT_NAME, UNPIVOT_VALUE = "_sv_header", "_sv_value"


def _table_sql(
    spec: TableSpec,
    view: str,
    label: str,
    headers: list[str],
    conv: Conventions,
    likely: dict | None = None,
    trimmed: frozenset[str] = frozenset(),
) -> str | None:
    table = TABLES[spec.table]
    source = view
    stage_expr = None
    clean = trimmed  # columns of ``source`` that are trimmed text already (``files.trimmed_columns``)
    if spec.unpivot:
        stage_columns = stage_headers(spec, headers)
        if not stage_columns:
            return None
        # One scan of the file: each row's stage cells become a list beside the list of their stages, and the
        # two lists unnest together into (stage, value) rows; the other columns ride along. Cells are
        # trimmed once per file row (not once per stage), and empty ones dropped before anything else.
        used = {c.lower() for c in spec.sources()}
        kept = [h for h in headers if h != ROW_COLUMN and h.lower() in used]
        riding = "".join(f", {_text(h, trimmed)} AS {q(h)}" for h in kept)
        names = ", ".join(lit(s) for _h, s in stage_columns)
        cells = ", ".join(_text(h, trimmed) for h, _s in stage_columns)
        source = (
            f"(SELECT * FROM (SELECT {ROW_COLUMN}{riding}, unnest([{names}]) AS {UNPIVOT_NAME}, "
            f"unnest([{cells}]) AS {UNPIVOT_VALUE} FROM {view}) WHERE {UNPIVOT_VALUE} IS NOT NULL)"
        )
        clean = frozenset([*kept, UNPIVOT_VALUE])
        stage_expr = UNPIVOT_NAME
        guesses = [g for g in ((likely or {}).get(h) for h, _s in stage_columns) if g]
        likely = {**(likely or {}), UNPIVOT_VALUE: max(sorted(set(guesses)), key=guesses.count) if guesses else None}
    status_spec = spec.columns.get("status")
    status_sql = _value_sql(spec.table, "status", status_spec, conv, likely, clean) if status_spec else None
    cols = []
    for column in table.column_names:
        col = spec.columns.get(column)
        if spec.unpivot and column == spec.unpivot.into:
            expr = _value_sql(spec.table, column, ColumnSpec(column=UNPIVOT_VALUE), conv, likely, clean)
        elif spec.unpivot and column == "stage" and col is None:
            expr = stage_expr
        elif col is None:
            expr = "NULL::VARCHAR"
        else:
            expr = _value_sql(spec.table, column, col, conv, likely, clean)
            if col.when_status and status_sql:
                allowed = ", ".join(lit(s) for s in col.when_status)
                expr = f"CASE WHEN {status_sql} IN ({allowed}) THEN {expr} END"
        cols.append(f"{expr} AS {q(column)}")
    where = []
    if spec.skip:
        values = ", ".join(lit(v.lower()) for v in spec.skip[1])
        where.append(f"coalesce(lower({_text(spec.skip[0], clean)}), '') NOT IN ({values})")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT {lit(label)} AS _file, {ROW_COLUMN} AS _row, {', '.join(cols)} FROM {source}{clause}"
    key = ", ".join(q(k) for k in table.key)
    if spec.table in DERIVED:
        return sql  # deduplicated together with the other specs of the same table
    if spec.table == "stage_changes" and not spec.unpivot:
        # Reports list a change once per changed field: keep one row per deal, stage and time (the first
        # row's), by aggregation — a hash aggregate, not a sort of every change. (An unpivoted row gives
        # one change per stage column; copies of a whole row collapse in the validation.)
        rest = "".join(f", arg_min({q(c)}, _row) AS {q(c)}" for c in table.column_names if c not in table.key)
        return f"SELECT any_value(_file) AS _file, min(_row) AS _row, {key}{rest} FROM ({sql}) GROUP BY {key}"
    return sql


def _literal_rows(table: str, rows: list[dict[str, object]], label: str) -> pa.Table:
    columns = TABLES[table].column_names
    data = {c: pa.array([None if r.get(c) is None else str(r.get(c)) for r in rows], pa.string()) for c in columns}
    data["_file"] = pa.array([f"{label} [[rows.{table}]]"] * len(rows), pa.string())
    data["_row"] = row_numbers(1, len(rows))
    return pa.table(data)


def _expect(name: str, where: str, value: object, kind: type, shape: str):
    if not isinstance(value, kind):
        raise ConfigError(f"{name}: {where} must be {'a table' if kind is dict else 'a list'}", hint=f"write {shape}")
    return value


#: How long one header pattern may take to test one header: a pattern that backtracks for ever is stopped.
PATTERN_SECONDS = 0.5


def header_pattern(where: str, text: str):
    """Compile an unpivot headers pattern with the ``regex`` engine, which can stop a runaway match."""
    import regex

    try:
        return regex.compile(text)
    except regex.error as exc:
        raise ConfigError(f"{where}: the headers pattern is not a regular expression: {exc}") from exc


def stage_headers(spec: TableSpec, headers: list[str]) -> list[tuple[str, str]]:
    """(header, stage name) for each stage column of an unpivot spec, in the file's order."""
    return [(h, m.group("stage").strip()) for h, m in matching_headers(spec, headers)]


def matching_headers(spec: TableSpec, headers: list[str]) -> list[tuple[str, object]]:
    """(header, match) for each header the unpivot pattern matches fully, each test under a time limit."""
    pattern = header_pattern(f"[tables.{spec.table}] unpivot", spec.unpivot.headers)
    found = []
    for header in headers:
        try:
            match = pattern.fullmatch(header, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise ConfigError(
                f"[tables.{spec.table}] unpivot: the headers pattern ran over {PATTERN_SECONDS} s on the header "
                f"{header[:60]!r}",
                hint="simplify the pattern: nested repeats such as (a+)+ can take for ever; e.g. "
                '\'Date entered "(?P<stage>[^"]+)"\'',
            ) from None
        if match:
            found.append((header, match))
    return found


def check_timezone(where: str, name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: timezone {name!r} is not a known time zone", hint='use an IANA name, e.g. "Europe/Amsterdam"'
        ) from None


def check_date_format(where: str, fmt: str) -> None:
    """A strptime format DuckDB can use, tried on a scratch connection."""
    import duckdb

    if "%" not in fmt:
        raise ConfigError(f"{where}: {fmt!r} is not a date format", hint='write it with % codes, e.g. "%d-%m-%Y %H:%M"')
    try:
        duckdb.connect().execute("SELECT try_strptime('2020-01-01', ?)", [fmt]).fetchall()
    except duckdb.Error as exc:
        raise ConfigError(
            f"{where}: {fmt!r} is not a usable date format ({str(exc).splitlines()[0]})",
            hint='use strptime codes: %Y %m %d %H %M %S %y %b %p, e.g. "%d/%m/%Y"',
        ) from None
