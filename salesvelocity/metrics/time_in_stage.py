"""Time in stage (design.md §4): per deal and stage, the sum of its completed visits, in days.

A visit ends when the deal enters its next stage (or closes). The open visit of an open deal is its age
in stage and never counts as a completed duration. A deal-stage counts in the window when its last
completed visit ended in the window. Only stages of kind ``open`` have a time (won/lost are end states).

Output columns: ``group``, ``pipeline``, ``stage`` (string), ``position`` (int32), ``deals`` (int64),
``mean_days``, ``p05_days``, ``p25_days``, ``p50_days``, ``p75_days``, ``p85_days``, ``p95_days``
(float64; the extra quantiles draw box plots without shipping raw rows). Sorted by group, pipeline, position.
"""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.metrics.common import ALL_TIME, Tables, Window, memoised, quantiles, spread_quantiles, underneath
from salesvelocity.metrics.stages import stage_visits

QUANTILES = {
    "p05_days": 0.05,
    "p25_days": 0.25,
    "p50_days": 0.5,
    "p75_days": 0.75,
    "p85_days": 0.85,
    "p95_days": 0.95,
}


def deal_stage_durations(tables: Tables, by: str | None = None) -> ir.Table:
    """Per deal and open-kind stage: ``group``, ``pipeline``, ``stage``, ``position``, completed ``days``
    (summed visits) and ``last_exit`` (timestamp). The deal's id is left out: nothing downstream needs it,
    and without it the shared table is far smaller."""

    def build() -> ir.Table:
        visits = stage_visits(tables, by)
        done = visits.filter(visits.kind == "open", visits.days.notnull())
        columns = ["group", "pipeline", "stage", "position"]
        # A deal's only visit to a stage is its own sum; grouping just the deals that may re-enter a stage
        # (12 % of the demo's visits) instead of all took 0.8–1.0 s off 1.7–2.3 s on 3.9M visits.
        once = done.filter(~done.reentry).select(*columns, "days", last_exit="exited_at")
        again = done.filter(done.reentry)
        # The group, pipeline and position are one value per deal and stage: grouping by them too is
        # cheaper than carrying them with min() (1.27 s against 1.50 s on 3.9M visits, DuckDB 1.5).
        summed = again.group_by(["deal_id", "stage", "group", "pipeline", "position"]).agg(
            days=again.days.sum(), last_exit=again.exited_at.max()
        )
        return once.union(summed.select(*columns, "days", "last_exit"))

    if underneath(tables, "derived", False):
        return build()
    return memoised(tables, f"deal_stage_durations:{by}", build)


def time_in_stage(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Distribution of completed time in each stage, per group and pipeline."""
    spans = deal_stage_durations(tables, by)
    spans = spans.filter(window.contains(spans.last_exit))
    stats = spans.group_by(["group", "pipeline", "stage", "position"]).agg(
        deals=spans.count().cast("int64"), mean_days=spans.days.mean(), _q=quantiles(spans.days, QUANTILES)
    )
    return spread_quantiles(stats, "_q", QUANTILES).order_by(["group", "pipeline", "position"])
