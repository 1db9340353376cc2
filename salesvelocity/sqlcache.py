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

    return f"{salesvelocity.__version__}|{ibis.__version__}|{sqlglot.__version__}".encode()


def fingerprint(node, dialect: str, pretty: bool) -> str | None:
    """A hex digest of ``node`` (an Ibis operation) for ``dialect``; None when it cannot be fingerprinted."""
    from ibis.common.graph import Node
    from ibis.expr.operations import DatabaseTable, InMemoryTable

    stable = _stable_types()
    done: dict[int, bytes] = {}

    def value(x) -> bytes:
        if isinstance(x, Node):
            known = done.get(id(x))
            if known is None:
                h = hashlib.blake2b(type(x).__qualname__.encode(), digest_size=20)
                for name, arg in zip(x.__argnames__, x.__args__, strict=True):
                    if isinstance(x, DatabaseTable) and name == "source":
                        continue  # the connection: the SQL names the table, not the connection
                    if isinstance(x, InMemoryTable) and name == "data":
                        continue  # its name carries a digest of its rows (small_table)
                    h.update(name.encode())
                    h.update(value(arg))
                known = done[id(x)] = h.digest()
            return known
        if isinstance(x, (tuple, list, frozenset)):
            items = sorted(value(i) for i in x) if isinstance(x, frozenset) else [value(i) for i in x]
            return b"(" + b",".join(items) + b")"
        if isinstance(x, dict) or (hasattr(x, "items") and type(x).__name__.startswith("Frozen")):
            return b"{" + b",".join(value(k) + b":" + value(v) for k, v in x.items()) + b"}"
        if isinstance(x, (*_PLAIN, *stable)):
            return f"{type(x).__qualname__}={x!r}".encode()
        raise Uncacheable(type(x).__qualname__)

    try:
        digest = value(node)
    except Uncacheable:
        return None
    key = hashlib.blake2b(_salt() + f"|{dialect}|{pretty}|".encode() + digest, digest_size=20)
    return key.hexdigest()


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
