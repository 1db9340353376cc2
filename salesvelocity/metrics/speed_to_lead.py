"""Speed-to-lead (design.md §4): first_touch_at − created_at of leads created in the window, in minutes.

Reports P50/P85/P95 of touched leads and the share of *all* leads in the bands 0–5, 5–15, 15–60 and 60+
minutes plus the share never touched, so the five shares add up to 1. Leads can be grouped by team (of
the owner), person or source only.

Output columns: ``group`` (string), ``leads``, ``touched``, ``never_touched`` (int64), ``p50_minutes``,
``p85_minutes``, ``p95_minutes`` (float64, NULL when nothing was touched), ``share_0_5``, ``share_5_15``,
``share_15_60``, ``share_60_plus``, ``share_never`` (float64).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.errors import MetricError
from salesvelocity.metrics.common import (
    ALL,
    ALL_TIME,
    UNKNOWN,
    Tables,
    Window,
    check_grouping,
    quantiles,
    spread_quantiles,
)

LEAD_GROUPINGS = ("team", "person", "source")
QUANTILES = {"p50_minutes": 0.5, "p85_minutes": 0.85, "p95_minutes": 0.95}
BANDS = (("share_0_5", 0, 5), ("share_5_15", 5, 15), ("share_15_60", 15, 60), ("share_60_plus", 60, None))


def leads_with_group(tables: Tables, by: str | None) -> ir.Table:
    check_grouping(by)
    leads = tables.table("leads")
    if by is None:
        return leads.mutate(group=ibis.literal(ALL))
    if by not in LEAD_GROUPINGS:
        raise MetricError(
            f"leads cannot be grouped by {by}", hint=f"group leads by one of: {', '.join(LEAD_GROUPINGS)}"
        )
    if by == "team":
        people = tables.table("people").select(_pid="person_id", _team="team_id")
        joined = leads.left_join(people, leads.owner_id == people._pid)
        return joined.mutate(group=joined._team.fill_null(UNKNOWN)).drop("_pid", "_team")
    column = "owner_id" if by == "person" else "source"
    return leads.mutate(group=leads[column].fill_null(UNKNOWN))


def speed_to_lead(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Speed-to-lead percentiles and bands per group."""
    leads = leads_with_group(tables, by)
    leads = leads.filter(window.contains(leads.created_at))
    minutes = (leads.first_touch_at.epoch_seconds() - leads.created_at.epoch_seconds()).cast("float64") / 60.0
    leads = leads.mutate(minutes=minutes)
    n = leads.count()
    bands = {}
    for name, low, high in BANDS:
        inside = leads.minutes >= low if high is None else (leads.minutes >= low) & (leads.minutes < high)
        bands[name] = inside.fill_null(False).sum().cast("float64") / n
    result = leads.group_by("group").agg(
        leads=n.cast("int64"),
        touched=leads.minutes.count().cast("int64"),
        _q=quantiles(leads.minutes, QUANTILES),
        **bands,
    )
    result = spread_quantiles(result, "_q", QUANTILES)
    result = result.mutate(never_touched=result.leads - result.touched)
    result = result.mutate(share_never=result.never_touched.cast("float64") / result.leads)
    return result.select(
        "group",
        "leads",
        "touched",
        "never_touched",
        "p50_minutes",
        "p85_minutes",
        "p95_minutes",
        *[b[0] for b in BANDS],
        "share_never",
    ).order_by("group")
