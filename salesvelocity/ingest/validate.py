"""Validation of imported rows, run in the engine: types, enums, ranges, row rules, keys, references.

Every finding becomes a ``Problem`` naming file, row, column, value and the fix. Checks are set-based
SQL over the whole file, so a million rows validate in about a second rather than row by row.

With ``quarantine`` the rows with problems are taken out (and returned, with their values and
reasons) instead of rejecting the import; problems with a file's columns still reject it.
"""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, field

import pyarrow as pa

from salesvelocity.errors import ImportValidationError, Problem
from salesvelocity.ingest.conventions import lit as _lit
from salesvelocity.ingest.conventions import q as _q
from salesvelocity.ingest.files import ROW_COLUMN, trimmed_columns
from salesvelocity.schema import (
    EARLIEST_YEAR,
    FORMAT_HINTS,
    LATEST_YEAR,
    LOAD_ORDER,
    ROW_RULES,
    SQL_TYPES,
    TABLES,
    Column,
)
from salesvelocity.store import Store

#: At most this many rows are listed per check; the total is still counted.
SHOWN_PER_CHECK = 20
FILE_COLUMN = "_file"
_ids = itertools.count()


@dataclass
class Staged:
    """Typed staging tables per canonical table, and (with quarantine) the rows taken out."""

    tables: dict[str, str] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)
    rejected_rows: dict[str, pa.Table] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mode:
    """How a part's rows meet rows of the same key, in this import or already stored.

    Whole rows (the default) are the record. A ``merge`` row (a partial update, ``--merge``) changes the
    values it has; absent and empty columns keep the known values. Its ``weak`` columns only fill gaps:
    people derived from a deal's owner column carry the owner as their name, which must not overwrite
    the name a users file gave. A ``unique`` part has one row per key by construction (an event log's
    deals and stage changes are grouped by their key): alone in its table, it needs no duplicate check.
    """

    merge: bool = False
    weak: frozenset[str] = frozenset()
    unique: bool = False


WHOLE = Mode()
MERGE = Mode(merge=True)
ON_DUPLICATE = ("reject", "first", "last")


def typed_sql(column: Column, text: str) -> str:
    """SQL turning the text value ``text`` into the column's type; NULL where it does not parse."""
    if column.type == "timestamp":
        # A value with an offset or a zone name (+02:00, -05, Europe/Berlin) goes through TIMESTAMPTZ so the
        # offset is honoured; a plain TIMESTAMP cast would drop it. Naive and Z values are UTC already, and
        # the direct cast is six times faster, which matters for millions of rows.
        tail = f"substr({text}, 11)"
        offset = f"(contains({tail}, '+') OR contains({tail}, '-') OR contains({tail}, '/'))"
        impossible = f"regexp_matches({tail}, '[+-](1[5-9]|[2-9][0-9])(:?[0-9]{{2}})?$')"
        parsed = (
            # An offset beyond ±14:00 exists nowhere on Earth (DuckDB would accept +25:00): not a timestamp.
            f"CASE WHEN {offset} THEN CASE WHEN {impossible} THEN NULL ELSE "
            # DuckDB needs seconds before an offset: 10:00+02:00 → 10:00:00+02:00.
            f"TRY_CAST(TRY_CAST(regexp_replace({text}, "
            f"'([T ]\\d{{2}}:\\d{{2}})([+-])', '\\1:00\\2') AS TIMESTAMPTZ) AS TIMESTAMP) END "
            f"ELSE TRY_CAST({text} AS TIMESTAMP) END"
        )
        return f"date_trunc('day', {parsed})" if column.to_day else parsed
    if column.type == "date":
        return f"COALESCE(TRY_CAST({text} AS DATE), TRY_CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))"
    if column.choices:
        return f"lower({text})"
    if column.type == "string":
        return text
    return f"TRY_CAST({text} AS {SQL_TYPES[column.type]})"


def _header_problems(
    table: str, file: str, names: list[str], partial: bool = False
) -> tuple[dict[str, str], list[Problem]]:
    """Match file columns to canonical ones (case and spaces ignored); report unknown and missing.

    A ``partial`` file (a merge) needs only the key columns: the others keep their known values.
    """
    spec = TABLES[table]
    by_lower = {n.strip().lower(): n for n in names if n not in (ROW_COLUMN, FILE_COLUMN)}
    mapping = {c: by_lower[c] for c in spec.column_names if c in by_lower}
    problems = []
    for lower, original in by_lower.items():
        if lower not in spec.column_names:
            close = difflib.get_close_matches(lower, spec.column_names, n=1)
            fix = f"rename it to `{close[0]}`" if close else "remove it"
            problems.append(
                Problem(
                    file,
                    1,
                    original,
                    None,
                    f"`{original}` is not a column of {table}",
                    f"{fix}; {table} columns are: {', '.join(spec.column_names)}",
                )
            )
    for column in spec.columns:
        if column.required and column.name not in mapping and (not partial or column.name in spec.key):
            problems.append(
                Problem(
                    file,
                    1,
                    column.name,
                    None,
                    f"required column `{column.name}` is missing",
                    f"add a `{column.name}` column (columns found: {', '.join(by_lower.values())})",
                )
            )
    return mapping, problems


def _checks(column: Column) -> list[tuple[str, str, str]]:
    """(SQL condition marking a bad row, message, fix) for one column; ``v`` is its text, ``x`` typed."""
    checks = []
    if column.required:
        checks.append(("v IS NULL", "a value is required", f"fill in `{column.name}` on every row"))
    if column.choices:
        allowed = ", ".join(_lit(c) for c in column.choices)
        checks.append(
            (
                f"v IS NOT NULL AND x NOT IN ({allowed})",
                "is not an allowed value",
                f"use one of: {', '.join(column.choices)}",
            )
        )
    elif column.type != "string":
        checks.append(("v IS NOT NULL AND x IS NULL", f"is not a valid {column.type}", FORMAT_HINTS[column.type]))
    if column.type in ("timestamp", "date"):
        checks.append(
            (
                f"x < DATE '{EARLIEST_YEAR}-01-01' OR x >= DATE '{LATEST_YEAR + 1}-01-01'",
                f"is outside the years {EARLIEST_YEAR}–{LATEST_YEAR}",
                "check the year; a placeholder such as 9999-12-31 for 'no date' must be an empty cell",
            )
        )
    if column.minimum is not None:
        checks.append((f"x < {column.minimum}", f"is below the minimum {column.minimum:g}", "correct the value"))
    if column.maximum is not None:
        checks.append((f"x > {column.maximum}", f"is above the maximum {column.maximum:g}", "correct the value"))
    return checks


def _collect(
    store: Store,
    selects: list[str],
    meta: list[tuple[str, str, str]],
    cap: int | None = SHOWN_PER_CHECK,
    counts: dict | None = None,
) -> tuple[list[Problem], int]:
    """Run UNION-ed problem queries (each yields _file, _row, value) and turn them into Problems.

    With ``cap``, only the first rows per check and file are listed; ``counts`` (if given) receives how
    many rows broke each check per (file, column, message), and the total is returned.
    """
    if not selects:
        return [], 0
    union = " UNION ALL ".join(f"SELECT {i} AS check_id, * FROM ({s})" for i, s in enumerate(selects))
    by = "PARTITION BY check_id, _file"
    limit = f"QUALIFY row_number() OVER ({by} ORDER BY _row) <= {cap}" if cap else ""
    rows = store.sql(
        f"""SELECT check_id, _file, _row, CAST(value AS VARCHAR), count(*) OVER ({by}) AS total
            FROM ({union}) {limit} ORDER BY check_id, _file, _row"""
    ).fetchall()
    problems, totals = [], {}
    for check_id, file, row, value, total in rows:
        column, message, fix = meta[check_id]
        problems.append(Problem(file, row, column, value, message, fix))
        totals[(check_id, file)] = (column, message, total)
    if counts is not None:
        for (_check, file), (column, message, total) in totals.items():
            counts[(file, column, message)] = counts.get((file, column, message), 0) + total
    return problems, sum(total for _c, _m, total in totals.values())


def stage_and_validate(
    store: Store,
    raw: dict[str, list[tuple]],
    quarantine: bool = False,
    on_duplicate: str = "reject",
) -> Staged:
    """Load the inputs into typed temporary staging tables, or raise ImportValidationError.

    ``raw`` maps a canonical table to (file label, Arrow table or temporary table, ``Mode``) parts whose
    columns are named after the canonical columns (a ``_file`` column, when present, names each row's
    source file). The mode says how a part's rows meet rows of the same key; rows that
    are identical after mapping collapse into one; other rows sharing a key are rejected, or with
    ``on_duplicate`` "first"/"last" the first or last (in file and row order) is kept. The caller drops
    the staging tables.
    """
    problems: list[Problem] = []
    total = 0
    counts: dict = {}
    result = Staged()
    run = next(_ids)
    ready: list[tuple[str, str, str, list[Problem]]] = []
    repeated_keys: set[str] = set()  # tables whose keys may still repeat after settling duplicates
    try:
        for table in LOAD_ORDER:
            if table not in raw:
                continue
            spec = TABLES[table]
            parts: list[tuple[str, Mode]] = []
            before = len(problems)
            rejected: list[Problem] = []
            for i, (file, arrow, *rest) in enumerate(raw[table]):
                mode = rest[0] if rest else WHOLE
                if mode.merge and any(spec.column(k).type != "string" for k in spec.key):
                    mode = WHOLE  # keyed by a time (stage changes, targets, 1:1s): a row is the whole record
                if isinstance(arrow, str):  # a mapped temporary table: canonical text columns already
                    cols = ", ".join(_q(c) for c in spec.column_names)
                    parts.append((f"SELECT _file, {i} AS _part, _row, {cols} FROM {arrow}", mode))
                    continue
                mapping, header_problems = _header_problems(table, file, arrow.column_names, partial=mode.merge)
                problems += header_problems
                total += len(header_problems)
                view = f"_sv_raw_{run}_{table}_{i}"
                store.raw.register(view, arrow)
                trimmed = trimmed_columns(arrow, mapping.values())
                cols = ", ".join(
                    f"NULL::VARCHAR AS {_q(c)}"
                    if c not in mapping
                    else f"{_q(mapping[c])} AS {_q(c)}"
                    if mapping[c] in trimmed
                    else f"NULLIF(trim(CAST({_q(mapping[c])} AS VARCHAR)), '') AS {_q(c)}"
                    for c in spec.column_names
                )
                source = FILE_COLUMN if FILE_COLUMN in arrow.column_names else _lit(file)
                select = f"SELECT {source} AS _file, {i} AS _part, {ROW_COLUMN} AS _row, {cols} FROM {view}"
                parts.append((select, mode))
            # A view, not a table: the typed staging below reads the files in one pass; the view is read
            # again only to list problems.
            text = f"_sv_text_{run}_{table}"
            store.sql(f"CREATE TEMP VIEW {text} AS {_combined(table, parts)}")
            if len(problems) > before:  # wrong headers: every row would repeat the same complaint
                _release(store, text, run, table, raw[table])
                continue
            checks = [(column, *check) for column in spec.columns for check in _checks(column)]

            # 1. One pass parses every value into its type and flags rows that break a value rule
            # (required, type, allowed values, range); the detailed listing runs only if any did.
            # Each value is parsed once, in the inner query (_x<i>), beside its text (_v<i>): the checks
            # read both, so a timestamp parse is not repeated for every rule that looks at it.
            staging = f"_sv_stage_{run}_{table}"
            position = {c.name: i for i, c in enumerate(spec.columns)}
            parsed = ", ".join(
                f"{_q(c.name)} AS _v{i}, {typed_sql(c, _q(c.name))} AS _x{i}" for i, c in enumerate(spec.columns)
            )
            typed = ", ".join(
                f"COALESCE(_x{i}, {_lit(c.default)}) AS {_q(c.name)}"
                if c.default is not None
                else f"_x{i}::{SQL_TYPES[c.type]} AS {_q(c.name)}"
                for i, c in enumerate(spec.columns)
            )
            flags = (
                " OR ".join(
                    f"COALESCE({_subst(cond, f'_v{position[col.name]}', f'_x{position[col.name]}')}, false)"
                    for col, cond, _m, _f in checks
                )
                or "false"
            )
            store.sql(
                f"CREATE TEMP TABLE {staging} AS SELECT _file, _part, _row, {typed}, ({flags}) AS _bad "
                f"FROM (SELECT _file, _part, _row, {parsed} FROM {text})"
            )
            result.tables[table] = staging
            if len(parts) == 1 and parts[0][1].unique:
                notes, repeated = [], False
            else:
                notes, repeated = _settle_duplicates(store, table, staging, on_duplicate)
            result.notes += notes
            if repeated:
                repeated_keys.add(table)
            if store.sql(f"SELECT count(*) FROM {staging} WHERE _bad").fetchone()[0]:
                selects = [
                    f"SELECT _file, _row, {_q(col.name)} AS value FROM {text} "
                    f"WHERE {_subst(cond, _q(col.name), typed_sql(col, _q(col.name)))}"
                    for col, cond, _m, _f in checks
                ]
                meta = [(col.name, m, f) for col, _c, m, f in checks]
                if quarantine:
                    found, _count = _collect(store, selects, meta, cap=None)
                    rejected += found
                    store.sql(f"DELETE FROM {staging} WHERE _bad")
                else:
                    found, count = _collect(store, selects, meta, counts=counts)
                    problems += found
                    total += count
                    _release(store, text, run, table, raw[table])
                    continue

            ready.append((table, staging, text, rejected))
        result.notes += _close_at_last_change(store, result.tables)
        for entry in list(ready):
            table, staging, text, rejected = entry
            # 2. row rules, duplicate keys, references
            spec = TABLES[table]
            selects, meta = [], []
            for rule_table, condition, column, message, fix in ROW_RULES:
                if rule_table == table:
                    selects.append(
                        f"SELECT _file, _row, CAST({_q(column)} AS VARCHAR) AS value FROM {staging} WHERE {condition}"
                    )
                    meta.append((column, message, fix))
            key = ", ".join(_q(k) for k in spec.key)
            if table in repeated_keys:  # else the key check has nothing to list
                selects.append(
                    f"""SELECT _file, _row, CAST(concat_ws(' / ', {key}) AS VARCHAR) AS value FROM (
                        SELECT _file, _row, {key}, count(*) OVER (PARTITION BY {key}) AS n FROM {staging})
                        WHERE n > 1"""
                )
                meta.append(
                    (
                        "/".join(spec.key),
                        "the same key appears on more than one row",
                        "keep one row per key (the list shows every copy), or import with --on-duplicate first "
                        "(or last) to keep the first (or last) of each",
                    )
                )
            for column, ref_table, ref_column in spec.references:
                known = [f'SELECT {_q(ref_column)} AS id FROM "{ref_table}"']
                if ref_table in result.tables:
                    known.append(f"SELECT {_q(ref_column)} FROM {result.tables[ref_table]}")
                noun = {"people": "person"}.get(ref_table, ref_table.removesuffix("s"))
                selects.append(
                    f"""SELECT _file, _row, {_q(column)} AS value FROM {staging}
                        WHERE {_q(column)} IS NOT NULL AND {_q(column)} NOT IN ({" UNION ALL ".join(known)})"""
                )
                meta.append(
                    (
                        column,
                        f"refers to an unknown {noun}",
                        f"import the matching {ref_table} row (its `{ref_column}`) in the same import or before",
                    )
                )
            if quarantine:
                found, _count = _collect(store, selects, meta, cap=None)
                if found:
                    rejected += found
                    bad = pa.table({"f": [p.file for p in found], "r": [p.row for p in found]})
                    store.raw.register("_sv_bad", bad)
                    store.sql(f"DELETE FROM {staging} USING _sv_bad WHERE {staging}._file = f AND {staging}._row = r")
                    store.raw.unregister("_sv_bad")
            else:
                found, count = _collect(store, selects, meta, counts=counts)
                problems += found
                total += count
            if rejected:
                result.rejected += rejected
                result.rejected_rows[table] = _fetch_rows(store, text, rejected)
            _release(store, text, run, table, raw[table])
            ready.remove(entry)
    except BaseException:
        for table, _staging, text, _rejected in ready:
            _release(store, text, run, table, raw[table])
        _drop(store, result)
        raise
    if problems:
        _drop(store, result)
        raise ImportValidationError(problems, total, counts)
    return result


def _combined(table: str, parts: list[tuple[str, Mode]]) -> str:
    """One text relation of a table's parts: whole rows first, then each merging part in turn.

    A merging part's row takes the place of the row with its key seen so far in this import, or else of
    the stored row; its values win, except that its weak columns only fill gaps (see ``Mode``).
    """
    spec = TABLES[table]
    cols = ["_file", "_part", "_row", *spec.column_names]
    whole = [sql for sql, mode in parts if not mode.merge]
    kinds = {"_part": "INTEGER", "_row": "BIGINT"}
    empty = "SELECT " + ", ".join(f"NULL::{kinds.get(c, 'VARCHAR')} AS {_q(c)}" for c in cols)
    current = " UNION ALL ".join(whole) if whole else f"{empty} WHERE false"
    stored = ", ".join(f"CAST({_q(c)} AS VARCHAR) AS {_q(c)}" for c in spec.column_names)
    names = ", ".join(_q(c) for c in spec.column_names)
    same = lambda a, b: " AND ".join(f"{a}.{_q(k)} = {b}.{_q(k)}" for k in spec.key)  # noqa: E731
    for n, (sql, mode) in enumerate(parts):
        if not mode.merge:
            continue
        values = ", ".join(
            f"p.{_q(c)}"
            if c in spec.key
            else f"COALESCE(o.{_q(c)}, p.{_q(c)}) AS {_q(c)}"
            if c in mode.weak
            else f"COALESCE(p.{_q(c)}, o.{_q(c)}) AS {_q(c)}"
            for c in spec.column_names
        )
        cur, part, known = f"_cur{n}", f"_part{n}", f"_known{n}"
        current = f"""
            WITH {cur} AS ({current}), {part} AS ({sql}),
                 {known} AS (SELECT {names} FROM {cur} UNION ALL SELECT {stored} FROM "{table}" s
                             WHERE NOT EXISTS (SELECT 1 FROM {cur} c WHERE {same("c", "s")}))
            SELECT * FROM {cur} c WHERE NOT EXISTS (SELECT 1 FROM {part} p WHERE {same("p", "c")})
            UNION ALL
            SELECT p._file, p._part, p._row, {values} FROM {part} p LEFT JOIN {known} o ON {same("p", "o")}"""
    return current


def _close_at_last_change(store: Store, staged: dict[str, str]) -> list[str]:
    """Won and lost deals without a close date close at their last stage change, if they have one.

    The history comes from this import and from the store; a deal whose last change precedes its
    creation is left for the row rule to report. Returns a note for the import summary.
    """
    if "deals" not in staged:
        return []
    deals = staged["deals"]
    undated = store.sql(f"SELECT count(*) FROM {deals} WHERE status IN ('won', 'lost') AND closed_at IS NULL")
    if not undated.fetchone()[0]:
        return []
    history = ['SELECT deal_id, entered_at FROM "stage_changes"']
    if "stage_changes" in staged:
        history.append(f"SELECT deal_id, entered_at FROM {staged['stage_changes']}")
    updated = store.sql(
        f"""UPDATE {deals} AS d SET closed_at = h.last
            FROM (SELECT deal_id, max(entered_at) AS last FROM ({" UNION ALL ".join(history)}) GROUP BY 1) AS h
            WHERE d.status IN ('won', 'lost') AND d.closed_at IS NULL AND d.deal_id = h.deal_id
              AND h.last >= d.created_at"""
    ).fetchone()[0]
    if not updated:
        return []
    return [f"deals: {updated:,} won or lost deal(s) without a close date closed at their last stage change"]


def _settle_duplicates(store: Store, table: str, staging: str, on_duplicate: str) -> tuple[list[str], bool]:
    """Collapse rows identical after mapping; keep the first or last of conflicting ones if asked.

    Returns notes for the import summary and whether keys may still repeat: conflicting rows left
    (``reject``) are reported by the key check, which a table without repeated keys skips.
    """
    spec = TABLES[table]
    keys = ", ".join(_q(k) for k in spec.key)
    # Grouped by one 64-bit hash of the key first: cheaper than grouping by its strings and times, and
    # equal keys have equal hashes, so no repeated hash means no repeated key.
    for group in (f"hash({keys})", keys):
        repeated = store.sql(
            f"SELECT count(*) FROM (SELECT count(*) AS n FROM {staging} GROUP BY {group} HAVING n > 1)"
        ).fetchone()[0]
        if not repeated:
            return [], False
    notes = []
    everything = ", ".join(_q(c) for c in spec.column_names)
    before = store.sql(f"SELECT count(*) FROM {staging}").fetchone()[0]
    store.sql(
        f"""DELETE FROM {staging} WHERE rowid IN (
              SELECT rowid FROM {staging}
              QUALIFY row_number() OVER (PARTITION BY {everything} ORDER BY _part, _row, rowid) > 1)"""
    )
    collapsed = before - store.sql(f"SELECT count(*) FROM {staging}").fetchone()[0]
    if collapsed:
        notes.append(
            f"{table}: {collapsed:,} row(s) identical to an earlier row (same {'/'.join(spec.key)} and values) "
            "counted once"
        )
    if on_duplicate in ("first", "last"):
        order = "ASC" if on_duplicate == "first" else "DESC"
        before -= collapsed
        store.sql(
            f"""DELETE FROM {staging} WHERE rowid IN (
                  SELECT rowid FROM {staging}
                  QUALIFY row_number() OVER (
                      PARTITION BY {keys} ORDER BY _part {order}, _row {order}, rowid {order}) > 1)"""
        )
        dropped = before - store.sql(f"SELECT count(*) FROM {staging}").fetchone()[0]
        if dropped:
            notes.append(
                f"{table}: {dropped:,} row(s) sharing a {'/'.join(spec.key)} with other values left out; "
                f"the {on_duplicate} of each kept (--on-duplicate {on_duplicate})"
            )
        return notes, False
    return notes, True


def _fetch_rows(store: Store, text: str, problems: list[Problem]) -> pa.Table:
    """The rejected rows' values as they were read, with a reason column."""
    reasons: dict[tuple[str, int], list[str]] = {}
    for p in problems:
        reasons.setdefault((p.file, p.row), []).append(
            f"{p.column}: {p.value!r} {p.message}; {p.fix}"
            if p.value is not None
            else f"{p.column}: {p.message}; {p.fix}"
        )
    keys = pa.table(
        {
            "f": [k[0] for k in reasons],
            "r": [k[1] for k in reasons],
            "reason": [" | ".join(v) for v in reasons.values()],
        }
    )
    store.raw.register("_sv_rejected", keys)
    try:
        return store.raw.sql(
            f"SELECT t.*, k.reason FROM {text} t JOIN _sv_rejected k ON t._file = k.f AND t._row = k.r "
            "ORDER BY t._file, t._row"
        ).to_arrow_table()
    finally:
        store.raw.unregister("_sv_rejected")


def _drop(store: Store, result: Staged) -> None:
    for name in result.tables.values():
        store.sql(f"DROP TABLE IF EXISTS {name}")


def _release(store: Store, text: str, run: int, table: str, inputs: list) -> None:
    store.sql(f"DROP VIEW IF EXISTS {text}")
    _unregister(store, run, table, inputs)


def _unregister(store: Store, run: int, table: str, inputs: list) -> None:
    """Release the registered Arrow inputs and drop mapped temporary tables (they are copied now)."""
    from salesvelocity.ingest.mapping import drop_mapped

    for i, (_file, data, *_mode) in enumerate(inputs):
        if isinstance(data, str):
            drop_mapped(store, data)
        else:
            store.raw.unregister(f"_sv_raw_{run}_{table}_{i}")


def _subst(condition: str, v: str, x: str) -> str:
    """Put the text (``v``) and typed (``x``) expressions into a check condition."""
    out = []
    for token in condition.split(" "):
        out.append(v if token == "v" else f"({x})" if token == "x" else token)
    return " ".join(out)
