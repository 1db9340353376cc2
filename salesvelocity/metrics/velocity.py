"""Sales velocity = open opportunities × win rate × average deal size ÷ cycle length, per day.

design.md §4. Open opportunities are the **average number of open deals over the window** (open
deal-days ÷ the window's days), so by Little's law the result is a true per-day rate that does not grow
with the window's length. Beside it: the **realised won amount per day** (won amount ÷ the window's
days), the reality check, and every factor, so a manager sees which lever moved.

A deal counts as open from ``created_at`` until ``closed_at`` (or the window's end). An unbounded side
of the window is closed at the data: the first creation, or the last creation or close.

Output columns: ``group``, ``label`` (string), ``open_avg`` (float64), ``created``, ``won``, ``lost``
(int64), ``win_rate``, ``avg_deal_size``, ``cycle_days`` (mean), ``velocity_per_day``, ``won_amount``,
``won_per_day``, ``days`` (float64). A factor with no data is NULL and so is the velocity — never a
division by zero.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import (
    ALL_TIME,
    SECONDS_PER_DAY,
    Tables,
    Window,
    days_between,
    deals_with_group,
    full_outer_on_group,
    with_labels,
)
from salesvelocity.metrics.win_rate import closed_deals

COLUMNS = (
    "group",
    "label",
    "open_avg",
    "created",
    "won",
    "lost",
    "win_rate",
    "avg_deal_size",
    "cycle_days",
    "velocity_per_day",
    "won_amount",
    "won_per_day",
    "days",
)


def window_bounds(deals: ir.Table, window: Window) -> tuple[ir.TimestampValue, ir.TimestampValue]:
    """The window's start and end as engine values; an open side is closed at the data's extent."""
    start = ibis.literal(window.start) if window.start is not None else deals.created_at.min()
    end = (
        ibis.literal(window.end)
        if window.end is not None
        else ibis.greatest(deals.created_at, deals.closed_at.fill_null(deals.created_at)).max()
    )
    return start, end


def open_deal_days(deals: ir.Table, start: ir.TimestampValue, end: ir.TimestampValue) -> ir.FloatingValue:
    """Days each deal was open inside [start, end): its share of the window's deal-days (≥ 0)."""
    opened = ibis.greatest(deals.created_at, start)
    closed = ibis.least(deals.closed_at.fill_null(end), end)
    seconds = closed.epoch_seconds() - opened.epoch_seconds()
    return ibis.greatest(seconds, 0).cast("float64") / SECONDS_PER_DAY


def sales_velocity(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """The velocity formula, its four factors and the realised won amount per day, per group."""
    deals = deals_with_group(tables, by)
    start, end = window_bounds(deals, window)
    days = (end.epoch_seconds() - start.epoch_seconds()).cast("float64") / SECONDS_PER_DAY
    alive = deals.filter(deals.created_at < end, deals.closed_at.isnull() | (deals.closed_at > start))
    alive = alive.mutate(_open=open_deal_days(alive, start, end), _new=window.contains(alive.created_at))
    flow = alive.group_by("group").agg(
        _open_days=alive._open.sum(),
        created=alive._new.sum().cast("int64"),
    )

    closed = closed_deals(tables, window, by)
    is_won = closed.status == "won"
    outcomes = closed.group_by("group").agg(
        won=is_won.sum().cast("int64"),
        lost=(closed.status == "lost").sum().cast("int64"),
        won_amount=closed.amount.cast("float64").sum(where=is_won),
        avg_deal_size=closed.amount.cast("float64").mean(where=is_won),
        cycle_days=days_between(closed.closed_at, closed.created_at).mean(where=is_won),
    )
    joined = full_outer_on_group(flow, outcomes)
    result = joined.mutate(
        days=days,
        created=joined.created.fill_null(0),
        won=joined.won.fill_null(0),
        lost=joined.lost.fill_null(0),
        won_amount=joined.won_amount.fill_null(0.0),
    )
    decided = result.won + result.lost
    result = result.mutate(
        open_avg=ibis.ifelse(result.days > 0, result._open_days.fill_null(0.0) / result.days, ibis.null("float64")),
        win_rate=ibis.ifelse(decided == 0, ibis.null("float64"), result.won.cast("float64") / decided),
        won_per_day=ibis.ifelse(result.days > 0, result.won_amount / result.days, ibis.null("float64")),
    )
    velocity = ibis.ifelse(
        result.cycle_days > 0,
        result.open_avg * result.win_rate * result.avg_deal_size / result.cycle_days,
        ibis.null("float64"),
    )
    result = with_labels(tables, by, result.mutate(velocity_per_day=velocity))
    return result.select(*COLUMNS).order_by("group")
