"""Lead → deal conversion: of the leads created in the window, how many became a deal, and how fast.

A lead converted when its ``converted_deal_id`` names a deal; time to conversion is that deal's
``created_at`` − the lead's ``created_at``, in days (a deal that is not in the database counts as
converted, without a time). A lead is disqualified when it has ``disqualified_at`` and no deal; the rest
are still open. ``won`` counts converted leads whose deal is won, so ``lead_to_win`` is the share of all
leads that ended in a win.

Recent leads have had less time to convert: the rate of the last weeks of a window is lower than it will
be (``still_open`` says how many are undecided), so compare periods that have had time to settle.

Leads can be grouped by team (of the owner), person or source, and split by ``period`` (week, month,
quarter) of their creation.

Output columns: ``group`` (string), [``period_start`` (date)], ``leads``, ``converted``, ``disqualified``,
``still_open``, ``won`` (int64), ``conversion_rate``, ``lead_to_win`` (float64), ``p50_days``,
``p85_days`` (float64, NULL when no converted lead has a time).
"""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.errors import MetricError
from salesvelocity.metrics.cadence import period_of
from salesvelocity.metrics.common import ALL_TIME, Tables, Window
from salesvelocity.metrics.speed_to_lead import leads_with_group

PERIODS = ("week", "month", "quarter")


def lead_conversion(
    tables: Tables, window: Window = ALL_TIME, by: str | None = None, period: str | None = None
) -> ir.Table:
    """Conversion rate, disqualified and open leads, wins and days to conversion per group (and period)."""
    if period is not None and period not in PERIODS:
        raise MetricError(f"period {period!r} is not known", hint=f"use one of: {', '.join(PERIODS)}")
    leads = leads_with_group(tables, by)
    leads = leads.filter(window.contains(leads.created_at))
    deals = tables.table("deals").select(_deal="deal_id", _deal_created="created_at", _status="status")
    joined = leads.left_join(deals, leads.converted_deal_id == deals._deal)
    converted = joined.converted_deal_id.notnull()
    days = (joined._deal_created.epoch_seconds() - joined.created_at.epoch_seconds()).cast("float64") / 86400.0
    joined = joined.mutate(
        _converted=converted,
        _days=days,
        _won=converted & (joined._status == "won"),
        _disqualified=~converted & joined.disqualified_at.notnull(),
    )
    keys = ["group"]
    if period is not None:
        joined = joined.mutate(period_start=period_of(joined.created_at, period).date())
        keys.append("period_start")
    result = joined.group_by(keys).agg(
        leads=joined.count().cast("int64"),
        converted=joined._converted.sum().cast("int64"),
        disqualified=joined._disqualified.sum().cast("int64"),
        won=joined._won.sum().cast("int64"),
        p50_days=joined._days.quantile(0.5),
        p85_days=joined._days.quantile(0.85),
    )
    result = result.mutate(
        still_open=result.leads - result.converted - result.disqualified,
        conversion_rate=result.converted.cast("float64") / result.leads,
        lead_to_win=result.won.cast("float64") / result.leads,
    )
    return result.select(
        *keys,
        "leads",
        "converted",
        "disqualified",
        "still_open",
        "won",
        "conversion_rate",
        "lead_to_win",
        "p50_days",
        "p85_days",
    ).order_by(keys)
