"""Periods: a week, a two-week sprint (from an anchor date), a month or a quarter.

``period_spine`` lists the periods overlapping ``[start, end)`` in Python (a small list, made into an
in-memory table for joins); ``period_of`` is the Ibis expression that maps a timestamp to the start of
its period, so the engine buckets rows without a join.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from salesvelocity.errors import MetricError

CADENCES = ("week", "sprint", "month", "quarter")
#: Sprints start on this Monday unless an anchor is given.
DEFAULT_ANCHOR = date(2024, 1, 1)
SPRINT_DAYS = 14


def check_cadence(cadence: str) -> None:
    if cadence not in CADENCES:
        raise MetricError(f"unknown cadence {cadence!r}", hint=f"use one of: {', '.join(CADENCES)}")


def period_floor(day: date, cadence: str, anchor: date = DEFAULT_ANCHOR) -> date:
    """The first day of the period holding ``day``."""
    check_cadence(cadence)
    if cadence == "week":
        return day - timedelta(days=day.weekday())
    if cadence == "sprint":
        return anchor + timedelta(days=SPRINT_DAYS * ((day - anchor).days // SPRINT_DAYS))
    if cadence == "month":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_period(start: date, cadence: str) -> date:
    if cadence == "week":
        return start + timedelta(days=7)
    if cadence == "sprint":
        return start + timedelta(days=SPRINT_DAYS)
    months = 1 if cadence == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_spine(start: date, end: date, cadence: str, anchor: date = DEFAULT_ANCHOR) -> list[tuple[date, date]]:
    """Every period [period_start, period_end) that overlaps [start, end), in order."""
    periods = []
    current = period_floor(start, cadence, anchor)
    while current < end:
        following = next_period(current, cadence)
        periods.append((current, following))
        current = following
    return periods


def spine_table(periods: list[tuple[date, date]]) -> ir.Table:
    """The periods as a small in-memory table: ``period_start``, ``period_end`` (timestamps)."""
    from salesvelocity.metrics.common import small_table

    return small_table(
        {
            "period_start": [datetime.combine(s, time.min) for s, _ in periods],
            "period_end": [datetime.combine(e, time.min) for _, e in periods],
        },
        schema={"period_start": "timestamp", "period_end": "timestamp"},
    )


def period_of(column: ir.TimestampValue, cadence: str, anchor: date = DEFAULT_ANCHOR) -> ir.TimestampValue:
    """The start of the period holding each timestamp, computed in the engine."""
    check_cadence(cadence)
    if cadence == "week":
        return column.truncate("W")
    if cadence == "month":
        return column.truncate("M")
    if cadence == "quarter":
        return column.truncate("Q")
    origin = _epoch(anchor)
    step = SPRINT_DAYS * 86400
    index = ((column.epoch_seconds() - origin) / step).floor().cast("int64")
    # anchor + whole sprints as a day interval: an operation every engine compiles
    return ibis.literal(datetime.combine(anchor, time.min)) + (index * SPRINT_DAYS).as_interval("D")


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86400
