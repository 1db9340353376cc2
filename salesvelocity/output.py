"""Turning result tables (pyarrow) into terminal tables, JSON and CSV.

Numbers are formatted for reading in the terminal only; JSON and CSV carry full precision.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
from rich.table import Table

from salesvelocity.console import SafeConsole, printable  # noqa: F401  (re-exported for renderers)

NO_DATA = "–"
#: Between a number and its unit: a no-break space, so that no wrapped line ends in "53.5" and starts with "%".
NBSP = "\u00a0"
#: Text a spreadsheet would run as a formula when it opens a CSV (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d.,  ]*)?\d(e[+-]?\d+)?")


def rows(table: pa.Table) -> list[dict]:
    return table.to_pylist()


def _json_default(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def clean(value: object) -> object:
    """NaN → None, so JSON stays valid and "no data" reads as null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def to_json(payload: object) -> str:
    def walk(x: object) -> object:
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, pa.Table):
            return walk(x.to_pylist())
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return walk(dataclasses.asdict(x))
        if isinstance(x, np.generic):
            return walk(x.item())
        if isinstance(x, np.ndarray):
            return walk(x.tolist())
        return clean(x)

    return json.dumps(walk(payload), default=_json_default, indent=2, ensure_ascii=False)


def to_csv(table: pa.Table, section: str | None = None) -> str:
    """CSV of one result table; ``section`` adds a first column naming it (for multi-part reports)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = table.column_names
    writer.writerow((["section"] if section else []) + names)
    for row in table.to_pylist():
        values = [clean(row[n]) for n in names]
        writer.writerow(([section] if section else []) + ["" if v is None else _plain(v) for v in values])
    return buffer.getvalue()


def _plain(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return neutralise(value)


def neutralise(value: object) -> object:
    """Text starting like a formula (= + - @ tab CR) gets a leading apostrophe, so a spreadsheet shows it
    as text instead of running it. Numbers, and text that is just a signed number, stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def fmt_number(value: object, kind: str = "number") -> str:
    value = clean(value)
    if value is None:
        return NO_DATA
    if kind == "percent":
        return f"{float(value) * 100:.1f}{NBSP}%"
    if kind == "money":
        return f"{float(value):,.0f}"
    if kind == "date":
        return value.date().isoformat() if isinstance(value, datetime) else str(value)
    if kind == "ratio":
        return f"{float(value):.1f}×"
    if kind == "minutes":
        return f"{float(value):.1f}{NBSP}min" if float(value) < 10 else f"{float(value):,.0f}{NBSP}min"
    if kind == "yes_no":
        return "yes" if value else "not yet"
    if kind == "hours":  # a duration given in hours: hours up to two days, then days
        hours = float(value)
        return f"{hours:.1f}{NBSP}h" if hours < 48 else f"{hours / 24:.1f}{NBSP}d"
    if kind == "days":
        return f"{float(value):.1f}{NBSP}d"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "decimal":
        return f"{float(value):,.1f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rich_table(title: str, table: pa.Table, columns: list[tuple[str, str, str]], caption: str | None = None) -> Table:
    """A Rich table from ``columns``: (result column, header, kind) with kind as in ``fmt_number``."""
    view = Table(title=title, caption=caption, title_justify="left", caption_justify="left", expand=False)
    for _name, header, kind in columns:
        view.add_column(header, justify="left" if kind == "text" else "right", overflow="fold")
    for row in table.to_pylist():
        view.add_row(
            *(
                fmt_number(row[name], kind) if kind != "text" else str(row[name] if row[name] is not None else NO_DATA)
                for name, _h, kind in columns
            )
        )
    return view
