"""Slippage: deals that miss the close date the rep expected.

Two views (the store keeps each deal's latest expected close date, not its history of changes):
- *overdue*: open deals whose ``expected_close_on`` has passed as of ``as_of``;
- *closed late*: deals won in the window after their expected close date, with the days of slip.

Output columns of ``slippage``: ``group``, ``open_deals``, ``overdue`` (int64), ``overdue_amount``,
``overdue_share`` (float64), ``won``, ``won_late`` (int64), ``won_late_share``, ``mean_slip_days``
(float64, mean over deals won late). ``overdue_deals`` lists them: ``group``, ``deal_id``,
``owner_id``, ``stage``, ``amount``, ``expected_close_on``, ``days_overdue``.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window, as_datetime, deals_with_group, full_outer_on_group


def overdue_deals(tables: Tables, as_of: date | datetime, by: str | None = None) -> ir.Table:
    """Open deals past their expected close date, most overdue first."""
    today = as_datetime(as_of).date()
    deals = deals_with_group(tables, by)
    late = deals.filter(deals.status == "open", deals.expected_close_on < today, deals.created_at <= as_datetime(as_of))
    return late.select(
        "group",
        "deal_id",
        "owner_id",
        "stage",
        amount=late.amount.cast("float64"),
        expected_close_on=late.expected_close_on,
        days_overdue=ibis.literal(today).delta(late.expected_close_on, unit="day").cast("int64"),
    ).order_by(ibis.desc("days_overdue"))


def slippage(
    tables: Tables, window: Window = ALL_TIME, as_of: date | datetime | None = None, by: str | None = None
) -> ir.Table:
    """Overdue open deals (as of ``as_of``, default the window's end) and deals won late in the window."""
    moment = as_datetime(as_of) if as_of is not None else window.end
    deals = deals_with_group(tables, by)
    open_deals = deals.filter(deals.status == "open")
    if moment is not None:
        open_deals = open_deals.filter(open_deals.created_at <= moment)
        is_late = open_deals.expected_close_on < moment.date()
    else:
        is_late = ibis.literal(False)
    overdue = open_deals.group_by("group").agg(
        open_deals=open_deals.count().cast("int64"),
        overdue=is_late.fill_null(False).sum().cast("int64"),
        overdue_amount=open_deals.amount.cast("float64").sum(where=is_late).fill_null(0.0),
    )
    won = deals.filter(deals.status == "won", window.contains(deals.closed_at))
    slip = won.closed_at.date().delta(won.expected_close_on, unit="day").cast("int64")
    late = slip > 0
    closed = won.group_by("group").agg(
        won=won.count().cast("int64"),
        won_late=late.fill_null(False).sum().cast("int64"),
        mean_slip_days=slip.cast("float64").mean(where=late),
    )
    joined = full_outer_on_group(overdue, closed)
    joined = joined.mutate(
        open_deals=joined.open_deals.fill_null(0),
        overdue=joined.overdue.fill_null(0),
        overdue_amount=joined.overdue_amount.fill_null(0.0),
        won=joined.won.fill_null(0),
        won_late=joined.won_late.fill_null(0),
    )
    return (
        joined.mutate(
            overdue_share=ibis.ifelse(
                joined.open_deals > 0, joined.overdue.cast("float64") / joined.open_deals, ibis.null("float64")
            ),
            won_late_share=ibis.ifelse(
                joined.won > 0, joined.won_late.cast("float64") / joined.won, ibis.null("float64")
            ),
        )
        .select(
            "group",
            "open_deals",
            "overdue",
            "overdue_amount",
            "overdue_share",
            "won",
            "won_late",
            "won_late_share",
            "mean_slip_days",
        )
        .order_by("group")
    )
