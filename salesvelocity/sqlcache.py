"""Compiled SQL kept on disk between runs, keyed by a fingerprint of the expression.

Compiling Ibis expressions is the larger part of a command's own time: on an empty database `report`
spends about two thirds of its run compiling (≈ 50 expressions), and a million-deal report about 3 s.
The SQL for an expression never changes while the libraries that compile it stay the same, so it is
kept in the user's cache folder and read back by the next run that builds an equal expression.

The fingerprint is a BLAKE2 digest of the expression's structure: each operation's type, argument
names and values, in order. Only values whose text is exact and stable across processes are hashed (text,
numbers, times, data types, schemas, enums); anything else makes the expression uncacheable, so a value
whose text does not show its content can never make two different expressions look equal. A table is
its name and schema (not the connection it came from); an in-memory table is its name, which carries a
digest of its rows (``metrics.common.small_table``). The versions of salesvelocity, Ibis and sqlglot,
the dialect and the layout are part of the key.

Day and timestamp literals, and the names of tables made for one report, are left out of the key: the
file holds the SQL with a numbered marker where each stood, and the SQL is written back with the
expression's own days and names (see "templates" below). So the
report of a new day, or of another window, is not compiled again (on the empty database the first report of
a day took 2.5 s more than the next).

Where: ``SALESVELOCITY_CACHE_DIR``, else ``$XDG_CACHE_HOME/salesvelocity/sql`` (``~/.cache/…``); the folder
is made 0700. ``SALESVELOCITY_CACHE_DIR=off`` turns it off; a folder that cannot be written is skipped.
Files are written to a temporary name and renamed, so concurrent runs never read half a file.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import hashlib
import os
import re
import tempfile
from functools import cache
from pathlib import Path

#: Keep at most this many files; beyond it the oldest half is removed.
MAX_FILES = 4000


class Uncacheable(Exception):
    """The expression holds a value whose text is not a faithful, stable picture of it."""


_PLAIN = (str, int, float, bool, type(None), _dt.datetime, _dt.date, _dt.time, _dt.timedelta, decimal.Decimal)


@cache
def _stable_types() -> tuple[type, ...]:
    import ibis.expr.datatypes as dt
    from ibis.expr.operations.relations import Namespace
    from ibis.expr.schema import Schema

    return (dt.DataType, Schema, Namespace, enum.Enum)


@cache
def _salt() -> bytes:
    import ibis
    import sqlglot

    import salesvelocity

    return f"{salesvelocity.__version__}|{ibis.__version__}|{sqlglot.__version__}|{COMPILER}".encode()


#: What ``compile_sql`` does beyond Ibis; a new number keeps SQL compiled by an earlier rule out of use.
COMPILER = 2


def compile_sql(backend, expr, pretty: bool = False) -> str:
    """``expr`` compiled to SQL by ``backend`` (Ibis), with one rule of ours for DuckDB: a shared subquery
    that only picks, joins and computes row by row is written ``NOT MATERIALIZED``.

    Ibis names a subquery used twice in a ``WITH``; DuckDB then computes it once into a buffer and reads
    that back, and no filter of the outer query reaches inside it. For a grouping, a window or a DISTINCT
    that is worth it; for the stage visits joined to their stages (3.9M rows × 12 columns on the 1M-deal
    company, read twice by the stage thresholds) it is not: writing the buffer costs more than scanning
    the table twice with the filters pushed down (0.78 → 0.52 s for that query; the report's SQL 3.4 → 3.1 s
    in interleaved runs, with the same figures). A subquery with any aggregate, window, grouping, DISTINCT
    or function sqlglot does not know (it might aggregate) keeps DuckDB's choice; so does every other engine.
    """
    if backend.name != "duckdb":
        return backend.compile(expr, pretty=pretty)
    import sqlglot as sg
    import sqlglot.expressions as sge

    query = backend.compiler.to_sqlglot(expr)
    heavy = (sge.AggFunc, sge.Window, sge.Group, sge.Distinct, sge.Anonymous)
    for cte in query.find_all(sge.CTE):
        if next(cte.this.find_all(*heavy), None) is None:
            cte.set("materialized", False)
    return query.sql(dialect=backend.dialect, pretty=pretty, copy=False, unsupported_level=sg.ErrorLevel.RAISE)


class _NoTemplate(Exception):
    """A day or time value sits where its slot number would not be stable (inside a set)."""


def fingerprint(node, dialect: str, pretty: bool) -> str | None:
    """A hex digest of ``node`` (an Ibis operation) for ``dialect``; None when it cannot be fingerprinted."""
    try:
        return _digest(node, dialect, pretty, None, [])
    except Uncacheable:
        return None


def _is_moment(x) -> bool:
    """What a template leaves open: a day or timestamp literal with a value, or a table made for one report
    whose name carries a digest of its content — a part materialised by the store (``_sv_memo_…``, named by
    its SQL, so by its days) or a small in-memory table (``_sv_mem_…``: a period spine, named by its rows)."""
    from ibis.expr.operations import DatabaseTable, InMemoryTable, Literal

    if isinstance(x, Literal):
        return x.value is not None and (x.dtype.is_date() or x.dtype.is_timestamp())
    if isinstance(x, DatabaseTable):
        return x.name.startswith("_sv_memo_")
    return isinstance(x, InMemoryTable) and x.name.startswith("_sv_mem_")


def _digest(node, dialect: str, pretty: bool, slots: dict | None, strings: list[str]) -> str:
    """The digest behind ``fingerprint``. With ``slots`` (a dict to fill), day and timestamp literals are
    hashed as "slot n" (numbered in order of first appearance) instead of by value, so an expression that
    differs only in its days gets the same digest; every text value met is appended to ``strings``."""
    from ibis.common.graph import Node
    from ibis.expr.operations import DatabaseTable, InMemoryTable

    stable = _stable_types()
    done: dict[int, bytes] = {}

    def value(x, in_set: bool = False) -> bytes:
        if isinstance(x, Node):
            known = done.get(id(x))
            if known is None:
                if slots is not None and _is_moment(x):
                    if in_set:
                        raise _NoTemplate
                    slot = slots.setdefault(x, len(slots))
                    shape = repr(x.dtype) if hasattr(x, "dtype") else value(x.schema)  # a table: its columns
                    known = done[id(x)] = f"slot {slot}: {type(x).__name__} {shape!r}".encode()
                    return known
                h = hashlib.blake2b(type(x).__qualname__.encode(), digest_size=20)
                for name, arg in zip(x.__argnames__, x.__args__, strict=True):
                    if isinstance(x, DatabaseTable) and name == "source":
                        continue  # the connection: the SQL names the table, not the connection
                    if isinstance(x, InMemoryTable) and name == "data":
                        continue  # its name carries a digest of its rows (small_table)
                    h.update(name.encode())
                    h.update(value(arg, in_set))
                known = done[id(x)] = h.digest()
            return known
        if isinstance(x, (tuple, list, frozenset)):
            ordered = not isinstance(x, frozenset)
            items = [value(i, in_set) for i in x] if ordered else sorted(value(i, True) for i in x)
            return b"(" + b",".join(items) + b")"
        if isinstance(x, dict) or (hasattr(x, "items") and type(x).__name__.startswith("Frozen")):
            return b"{" + b",".join(value(k, in_set) + b":" + value(v, in_set) for k, v in x.items()) + b"}"
        if isinstance(x, (*_PLAIN, *stable)):
            if isinstance(x, str):
                strings.append(x)
            return f"{type(x).__qualname__}={x!r}".encode()
        raise Uncacheable(type(x).__qualname__)

    digest = value(node)
    kind = "exact" if slots is None else "template"
    key = hashlib.blake2b(_salt() + f"|{dialect}|{pretty}|{kind}|".encode() + digest, digest_size=20)
    return key.hexdigest()


# -- templates: one file serves every window -------------------------------------------------------------
# The same report on another day differs only in its day and timestamp literals (the window, "as of") and in
# the tables made for that day (a period spine, a materialised part, named by digests of their content);
# compiling it again costs seconds. So the file keeps the SQL with each of those replaced by a marker of
# its slot, and a later expression of the same shape gets the SQL with its own days and names written in.
#
# A template is kept only when the substitution is certain: every literal's SQL (compiled alone, the way
# the dialect writes it anywhere: ``MAKE_DATE(2026, 9, 3)``) occurs in the query, no literal's SQL occurs
# inside another's, no text of the expression (a name, a string value) contains one, and the template
# filled with far-off days equals the compiler's own SQL for those days (``_proven``) — so a marker can
# only stand where a literal stood. Otherwise the expression is cached by its exact values, as before.

_MARK = re.compile("\x00slot (\\d+)\x00")


def compiled(backend, expr, pretty: bool) -> str:
    """``expr`` compiled by ``backend``: from a template or an exact file in the cache, else compiled (and
    kept)."""
    node = expr.op()
    slots: dict = {}
    strings: list[str] = []
    try:
        key = _digest(node, backend.name, pretty, slots, strings)
        texts = [_slot_sql(backend, slot) for slot in slots]
        if None in texts:
            raise _NoTemplate
    except Uncacheable:
        return compile_sql(backend, expr, pretty)
    except _NoTemplate:
        return _exact(backend, expr, pretty)
    kept = read(key)
    if kept is not None:
        sql = fill(kept, texts)
        if sql is not None:
            return sql
    sql = compile_sql(backend, expr, pretty)
    template = make_template(sql, texts, strings)
    if template is not None and _proven(backend, expr, pretty, template, list(slots)):
        write(key, template)
        return sql
    return _exact(backend, expr, pretty, sql)  # not provable: kept by its exact values, compiled no more


def _exact(backend, expr, pretty: bool, sql: str | None = None) -> str:
    """``expr``'s SQL under its exact fingerprint: read back, or ``sql`` (compiled if not given) kept."""
    exact = fingerprint(expr.op(), backend.name, pretty)
    found = read(exact) if exact else None
    if found is not None:
        return found
    sql = sql if sql is not None else compile_sql(backend, expr, pretty)
    if exact:
        write(exact, sql)
    return sql


def make_template(sql: str, texts: list[str], strings: list[str]) -> str | None:
    """``sql`` with the SQL of literal i (``texts[i]``) replaced by marker i; None when that is not certain."""
    if "\x00" in sql or any(not t for t in texts):
        return None
    for i, text in enumerate(texts):
        if text not in sql or any(text in other for j, other in enumerate(texts) if j != i):
            return None
        if any(text in s for s in strings):
            return None
    for i, text in enumerate(texts):
        sql = sql.replace(text, f"\x00slot {i}\x00")
    return sql


def fill(template: str, texts: list[str]) -> str | None:
    """The template with marker i replaced by ``texts[i]``; None when its markers do not match ``texts``."""
    used = {int(m) for m in _MARK.findall(template)}
    if used != set(range(len(texts))):
        return None
    return _MARK.sub(lambda m: texts[int(m.group(1))], template)


def _proven(backend, expr, pretty: bool, template: str, nodes: list) -> bool:
    """Whether the template gives what the compiler gives for other days: the expression is compiled once more
    with each literal moved to a far-off day of its own (1901 onwards) and each table renamed, and that SQL
    must equal the template filled with those days and names. A marker that stood where no slot stood (a
    constant that happens to read like a day) would get the far-off day there and fail the proof. Done once
    per template, when it is written."""
    import datetime as dt

    from ibis.expr.operations import Literal

    if not nodes:
        return True
    moved = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, Literal):
            moved[node] = node.copy(name=f"_sv_proof_{i}")
            continue
        day = dt.date(1901, 1, 1) + dt.timedelta(days=37 * i + 1)
        value = day if node.dtype.is_date() else dt.datetime(day.year, day.month, day.day, 1, 2, 3)
        moved[node] = Literal(value, node.dtype)
    texts = [_slot_sql(backend, node) for node in moved.values()]
    if None in texts:
        return False
    other = compile_sql(backend, expr.op().replace(moved).to_expr(), pretty)
    filled = fill(template, texts)
    return filled is not None and "".join(filled.split()) == "".join(other.split())


_LITERALS: dict[tuple, str | None] = {}  # (dialect, literal) → its SQL


def _slot_sql(backend, node) -> str | None:
    """How ``backend`` writes ``node`` in SQL: a table by its quoted name, a literal as compiled alone."""
    from ibis.expr.operations import Literal

    if not isinstance(node, Literal):
        return f'"{node.name}"'
    key = (backend.name, node)
    if key not in _LITERALS:
        alone = backend.compile(node.to_expr().name("v"))
        found = re.fullmatch(r'\s*SELECT\s+(.+?)\s+AS\s+"v"\s*', alone, flags=re.DOTALL)
        if len(_LITERALS) > 1000:
            _LITERALS.clear()
        _LITERALS[key] = found.group(1) if found and "\n" not in found.group(1) else None
    return _LITERALS[key]


@cache
def folder() -> Path | None:
    """The cache folder, made if needed; None when turned off or not writable."""
    given = os.environ.get("SALESVELOCITY_CACHE_DIR")
    if given and given.lower() in ("off", "0", "no", "false"):
        return None
    base = (
        Path(given)
        if given
        else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "salesvelocity" / "sql"
    )
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = base / ".probe"
        probe.touch()
        probe.unlink()
    except OSError:
        return None
    return base


def read(key: str) -> str | None:
    where = folder()
    if where is None:
        return None
    try:
        return (where / f"{key}.sql").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(key: str, sql: str) -> None:
    where = folder()
    if where is None:
        return
    try:
        fd, temporary = tempfile.mkstemp(dir=where, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(sql)
        os.replace(temporary, where / f"{key}.sql")
        if key.startswith("00"):  # now and then (1 in 256 writes): keep the folder bounded
            _prune(where)
    except OSError:
        return


def _prune(where: Path) -> None:
    files = sorted(where.glob("*.sql"), key=lambda p: p.stat().st_mtime)
    if len(files) > MAX_FILES:
        for path in files[: len(files) // 2]:
            path.unlink(missing_ok=True)
