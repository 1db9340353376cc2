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
from salesvelocity.i18n import N_, _, language

NO_DATA = "–"
#: Between a number and its unit: a no-break space, so that no wrapped line ends in "53.5" and starts with "%".
NBSP = "\u00a0"
#: Text a spreadsheet would run as a formula when it opens a CSV (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d[\d.,  ]*)?\d(e[+-]?\d+)?")


#: Column id → the label a person reads (CSV headers under --lang, JSON "labels"); ids stay the keys.
COLUMN_LABELS = {
    "group": N_("group"),
    "label": N_("name"),
    "age_days": N_("age in stage (days)"),
    "amount": N_("amount"),
    "at_risk": N_("at risk"),
    "avg_deal_size": N_("avg deal"),
    "closed_at": N_("closed"),
    "conversion": N_("conversion"),
    "coverage": N_("coverage"),
    "created": N_("created"),
    "cycle_days": N_("cycle (days)"),
    "cycle_mean_days": N_("mean cycle (days)"),
    "cycle_median_days": N_("median cycle (days)"),
    "cycle_p85_days": N_("P85 cycle (days)"),
    "cycle_p95_days": N_("P95 cycle (days)"),
    "days": N_("days"),
    "deal_id": N_("deal"),
    "deals": N_("deals"),
    "drop_off": N_("drop-off"),
    "flag": N_("flag"),
    "leads": N_("leads"),
    "lost": N_("lost"),
    "mean_slip_days": N_("avg slip (days)"),
    "open_avg": N_("open deals (avg)"),
    "open_deals": N_("open deals"),
    "overdue": N_("overdue"),
    "overdue_amount": N_("overdue amount"),
    "owner": N_("owner"),
    "p50_days": N_("P50 (days)"),
    "p85_days": N_("P85 (days)"),
    "p95_days": N_("P95 (days)"),
    "period_end": N_("period end"),
    "period_start": N_("period start"),
    "pipeline": N_("pipeline"),
    "reached": N_("reached"),
    "remaining": N_("remaining"),
    "share": N_("share"),
    "stage": N_("stage"),
    "stuck": N_("stuck"),
    "stuck_amount": N_("stuck amount"),
    "target": N_("target"),
    "undecided": N_("still open"),
    "velocity_per_day": N_("velocity per day"),
    "weighted_coverage": N_("weighted coverage"),
    "win_rate": N_("win rate"),
    "won": N_("won"),
    "won_amount": N_("won amount"),
    "won_late_share": N_("won late"),
    "won_per_day": N_("won per day"),
}


def column_label(column: str) -> str:
    """The label of a result column in the current language (the id itself when it has none)."""
    return _(COLUMN_LABELS[column]) if column in COLUMN_LABELS else column


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


def to_json(payload: object, pretty: bool = True) -> str:
    """JSON text of ``payload``; ``pretty`` indents it for a reader (Python's indenting encoder is pure
    Python: a million-deal report's 2 MB take 0.3–0.5 s that way, a tenth of that compact)."""

    def walk(x: object) -> object:
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, pa.Table):
            return walk(x.to_pylist())
        if hasattr(x, "dump") and hasattr(type(x), "model_fields"):  # a Result (pydantic, imported on use)
            return walk(x.dump())
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return walk(dataclasses.asdict(x))
        if isinstance(x, np.generic):
            return walk(x.item())
        if isinstance(x, np.ndarray):
            return walk(x.tolist())
        return clean(x)

    layout = {"indent": 2} if pretty else {"separators": (",", ":")}
    return json.dumps(walk(payload), default=_json_default, ensure_ascii=False, **layout)


def to_csv(table: pa.Table, section: str | None = None) -> str:
    """CSV of one result table; ``section`` adds a first column naming it (for multi-part reports).

    Full precision, ISO dates. With the CSV locale ``nl`` (``--csv-locale nl``) fields are separated by
    ``;`` and decimals written with a comma, as Dutch Excel reads them.
    """
    names = table.column_names
    header = names if language() == "en" else [column_label(n) for n in names]
    return rows_csv(
        ([_("section")] if section else []) + header,
        (([section] if section else []) + [row[n] for n in names] for row in table.to_pylist()),
    )


def rows_csv(header: list[str], rows) -> str:
    """CSV text of ``rows`` (sequences of values) under ``header``, in the CSV locale (see ``to_csv``)."""
    from salesvelocity.i18n import csv_locale

    dutch = csv_locale() == "nl"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if dutch else ",")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if (v := clean(value)) is None else _plain(v, dutch) for value in row])
    return buffer.getvalue()


def _plain(value: object, decimal_comma: bool = False) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if decimal_comma and isinstance(value, (float, Decimal)):
        return repr(float(value)).replace(".", ",")
    return neutralise(value)


def neutralise(value: object) -> object:
    """Text starting like a formula (= + - @ tab CR) gets a leading apostrophe, so a spreadsheet shows it
    as text instead of running it. Numbers, and text that is just a signed number, stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def fmt_number(value: object, kind: str = "number") -> str:
    """``value`` for reading, in the current language's number and date format (see ``i18n``)."""
    from salesvelocity.i18n import day, number

    value = clean(value)
    if value is None:
        return NO_DATA
    if kind == "percent":
        return f"{number(float(value) * 100, 1)}{NBSP}%"
    if kind == "money":
        return number(float(value))
    if kind == "date":
        return day(value) if isinstance(value, (date, datetime)) else str(value)
    if kind == "ratio":
        return f"{number(float(value), 1)}×"
    if kind == "minutes":
        return f"{number(float(value), 1 if float(value) < 10 else 0)}{NBSP}min"
    if kind == "flag":  # a word the metric gives ("stuck", "at risk"), in the reader's language
        return _(str(value))
    if kind == "yes_no":
        return _("yes") if value else _("not yet")
    if kind == "hours":  # a duration given in hours: hours up to two days, then days
        hours = float(value)
        return f"{number(hours, 1)}{NBSP}{_('h')}" if hours < 48 else f"{number(hours / 24, 1)}{NBSP}{_('d')}"
    if kind == "days":
        return f"{number(float(value), 1)}{NBSP}{_('d')}"
    if kind == "int":
        return number(int(value))
    if kind == "decimal":
        return number(float(value), 1)
    if isinstance(value, float):
        return number(value, 2)
    if isinstance(value, datetime):
        return f"{day(value)} {value:%H:%M}"
    if isinstance(value, date):
        return day(value)
    return str(value)


def rich_table(
    title: str, table: pa.Table | list[dict], columns: list[tuple[str, str, str]], caption: str | None = None
) -> Table:
    """A Rich table of ``table`` (an Arrow table or its rows as dicts) from ``columns``: (result column,
    header, kind) with kind as in ``fmt_number``."""
    view = Table(title=title, caption=caption, title_justify="left", caption_justify="left", expand=False)
    for _name, header, kind in columns:
        view.add_column(header, justify="left" if kind in ("text", "flag") else "right", overflow="fold")
    for row in table if isinstance(table, list) else table.to_pylist():
        view.add_row(
            *(
                fmt_number(row.get(name), kind)
                if kind != "text"
                else NO_DATA
                if row.get(name) is None
                else str(row[name])
                for name, _h, kind in columns
            )
        )
    return view
