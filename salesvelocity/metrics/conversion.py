"""Stage conversion and drop-off (design.md §4).

Of the deals that reached stage s, the share that reached a later stage or won; drop-off = 1 − conversion.
Skipping a stage counts as passing it: a deal reached s when its furthest open stage is at or beyond s,
or it was won. The cohort is the deals created in the window that have a stage history. An open deal
still sitting in its furthest stage has not decided there yet: it counts in ``reached`` but not in the
denominator of that stage's conversion (it is reported as ``undecided``).

Output columns: ``group``, ``pipeline``, ``stage`` (string), ``position`` (int32), ``reached``,
``passed``, ``undecided`` (int64), ``conversion``, ``drop_off`` (float64, NULL when nothing decided).
Sorted by group, pipeline, position. ``funnel`` adds a final row per pipeline for the won deals.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window
from salesvelocity.metrics.stages import stage_catalog, stage_visits


def deal_progress(tables: Tables, window: Window, by: str | None) -> ir.Table:
    """Per deal created in the window: ``furthest`` open position reached, ``won`` and ``open`` flags."""
    visits = stage_visits(tables, by)
    visits = visits.filter(window.contains(visits.created_at))
    return visits.group_by(["group", "deal_id", "pipeline"]).agg(
        furthest=visits.position.max(where=visits.kind == "open").fill_null(0),
        won=(visits.status == "won").any(),
        open=(visits.status == "open").any(),
    )


def stage_conversion(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Conversion and drop-off per open stage, per group and pipeline."""
    deals = deal_progress(tables, window, by)
    stages = stage_catalog(tables)
    stages = stages.filter(stages.kind == "open").select("pipeline", "stage", "position")
    pairs = deals.join(stages, "pipeline")
    reached = pairs.won | (pairs.furthest >= pairs.position)
    passed = pairs.won | (pairs.furthest > pairs.position)
    undecided = pairs.open & (pairs.furthest == pairs.position)
    counts = pairs.group_by(["group", "pipeline", "stage", "position"]).agg(
        reached=reached.sum().cast("int64"),
        passed=passed.sum().cast("int64"),
        undecided=undecided.sum().cast("int64"),
    )
    counts = counts.filter(counts.reached > 0)
    decided = counts.reached - counts.undecided
    conversion = ibis.ifelse(decided > 0, counts.passed.cast("float64") / decided, ibis.null("float64"))
    return counts.mutate(conversion=conversion, drop_off=1 - conversion).order_by(["group", "pipeline", "position"])


def funnel(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Stage conversion plus a ``Won`` row per group and pipeline (reached = won deals), for charts."""
    stages = stage_conversion(tables, window, by)
    deals = deal_progress(tables, window, by)
    won = deals.group_by(["group", "pipeline"]).agg(reached=deals.won.sum().cast("int64"), last=deals.furthest.max())
    won = won.select(
        "group",
        "pipeline",
        stage=ibis.literal("Won"),
        position=(won.last + 1).cast("int32"),
        reached=won.reached,
        passed=ibis.null("int64"),
        undecided=ibis.null("int64"),
        conversion=ibis.null("float64"),
        drop_off=ibis.null("float64"),
    )
    return stages.union(won).order_by(["group", "pipeline", "position"])
