"""Average deal size = mean amount of deals won in the window (design.md §4).

Output columns: ``group`` (string), ``won`` (int64), ``won_amount`` (float64, total), ``avg_deal_size``
(float64, NULL when no won deal has an amount).
"""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window
from salesvelocity.metrics.win_rate import closed_deals


def deal_size(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Average amount of deals won in ``window``, per group. Deals without an amount are left out of the mean."""
    won = closed_deals(tables, window, by)
    won = won.filter(won.status == "won")
    amount = won.amount.cast("float64")
    return won.group_by("group").agg(
        won=won.count().cast("int64"), won_amount=amount.sum(), avg_deal_size=amount.mean()
    )
