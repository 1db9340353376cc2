"""Sales velocity = opportunities × win rate × average deal size ÷ cycle length, in currency per day.

design.md §4. Opportunities are the deals created in the window; with ``opportunities="open_and_created"``
they are the deals open at the window's start plus those created in it. Every factor is returned beside
the result so a manager sees which lever moved.

Output columns: ``group`` (string), ``label`` (string), ``opportunities`` (int64), ``won``, ``lost``
(int64), ``win_rate``, ``avg_deal_size``, ``cycle_days`` (mean), ``velocity_per_day`` (float64). A factor
with no data is NULL and so is the velocity — never a division by zero.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.errors import MetricError
from salesvelocity.metrics.common import (
    ALL_TIME,
    Tables,
    Window,
    days_between,
    deals_with_group,
    full_outer_on_group,
    with_labels,
)
from salesvelocity.metrics.win_rate import closed_deals

OPPORTUNITY_MODES = ("created", "open_and_created")


def sales_velocity(
    tables: Tables, window: Window = ALL_TIME, by: str | None = None, opportunities: str = "created"
) -> ir.Table:
    """The velocity formula and its four factors per group (sorted by group)."""
    if opportunities not in OPPORTUNITY_MODES:
        raise MetricError(f"unknown opportunities mode {opportunities!r}", hint=f"use one of {OPPORTUNITY_MODES}")
    deals = deals_with_group(tables, by)
    counted = window.contains(deals.created_at)
    if opportunities == "open_and_created" and window.start is not None:
        open_at_start = (deals.created_at < window.start) & (
            deals.closed_at.isnull() | (deals.closed_at >= window.start)
        )
        counted = counted | open_at_start
    opps = deals.filter(counted).group_by("group").agg(opportunities=ibis._.count().cast("int64"))

    closed = closed_deals(tables, window, by)
    is_won = closed.status == "won"
    outcomes = closed.group_by("group").agg(
        won=is_won.sum().cast("int64"),
        lost=(closed.status == "lost").sum().cast("int64"),
        avg_deal_size=closed.amount.cast("float64").mean(where=is_won),
        cycle_days=days_between(closed.closed_at, closed.created_at).mean(where=is_won),
    )
    joined = full_outer_on_group(opps, outcomes)
    result = joined.mutate(
        opportunities=joined.opportunities.fill_null(0),
        won=joined.won.fill_null(0),
        lost=joined.lost.fill_null(0),
    )
    decided = result.won + result.lost
    result = result.mutate(
        win_rate=ibis.ifelse(decided == 0, ibis.null("float64"), result.won.cast("float64") / decided)
    )
    velocity = ibis.ifelse(
        result.cycle_days > 0,
        result.opportunities * result.win_rate * result.avg_deal_size / result.cycle_days,
        ibis.null("float64"),
    )
    result = with_labels(tables, by, result.mutate(velocity_per_day=velocity))
    return result.select(
        "group", "label", "opportunities", "won", "lost", "win_rate", "avg_deal_size", "cycle_days", "velocity_per_day"
    ).order_by("group")
