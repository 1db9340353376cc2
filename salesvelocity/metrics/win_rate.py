"""Win rate = won ÷ (won + lost), over deals closed in the window (design.md §4).

Won ÷ all deals is a different number ("close rate of all deals") and is never called win rate.

Output columns: ``group`` (string), ``won`` (int64), ``lost`` (int64), ``win_rate`` (float64, NULL when
nothing closed in the window).
"""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window, deals_with_group, safe_div


def closed_deals(tables: Tables, window: Window, by: str | None) -> ir.Table:
    """Deals won or lost with ``closed_at`` in the window, with their ``group``."""
    deals = deals_with_group(tables, by)
    return deals.filter(deals.status.isin(["won", "lost"]), window.contains(deals.closed_at))


def win_rate(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Win rate per group over deals closed in ``window``."""
    closed = closed_deals(tables, window, by)
    counts = closed.group_by("group").agg(
        won=(closed.status == "won").sum().cast("int64"),
        lost=(closed.status == "lost").sum().cast("int64"),
    )
    return counts.mutate(win_rate=safe_div(counts.won, counts.won + counts.lost))
