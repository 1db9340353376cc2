"""Cycle length = days from created_at to closed_at of deals won in the window (design.md §4).

Days are fractional days of the timestamp difference. The mean feeds the velocity formula; the median
and P85 say what a typical and a slow deal take.

Output columns: ``group`` (string), ``won`` (int64), ``cycle_mean_days``, ``cycle_median_days``,
``cycle_p85_days``, ``cycle_p95_days`` (float64; NULL with no won deals).
"""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window, days_between, quantiles, spread_quantiles
from salesvelocity.metrics.win_rate import closed_deals


def won_cycles(tables: Tables, window: Window, by: str | None) -> ir.Table:
    """Won deals closed in ``window`` with ``cycle_days``."""
    won = closed_deals(tables, window, by)
    won = won.filter(won.status == "won")
    return won.mutate(cycle_days=days_between(won.closed_at, won.created_at))


def cycle_length(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Mean, median and P85 cycle length per group, in days."""
    won = won_cycles(tables, window, by)
    named = {"cycle_median_days": 0.5, "cycle_p85_days": 0.85, "cycle_p95_days": 0.95}
    stats = won.group_by("group").agg(
        won=won.count().cast("int64"), cycle_mean_days=won.cycle_days.mean(), _q=quantiles(won.cycle_days, named)
    )
    return spread_quantiles(stats, "_q", named)
