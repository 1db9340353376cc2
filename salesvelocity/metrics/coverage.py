"""Pipeline coverage against targets: is there enough open pipeline to reach the rest of the target?

For each target whose period contains ``as_of``: won so far in the period (amount or count, per the
target's metric), the remaining gap, and the open pipeline expected to close between ``as_of`` and the
period's end — raw and weighted by the stage's probability. Coverage = pipeline ÷ remaining gap (a
common rule of thumb wants 3× raw coverage). Grouping: none (company targets), team or person.

Output columns: ``group``, ``metric``, ``period_start``, ``period_end`` (date), ``target``, ``won``,
``remaining``, ``open_pipeline``, ``weighted_pipeline`` (float64), ``coverage``, ``weighted_coverage``
(float64, NULL once the target is reached).
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from salesvelocity.errors import MetricError
from salesvelocity.metrics.common import ALL, Tables, as_datetime, deals_with_group
from salesvelocity.metrics.stages import stage_catalog

SCOPES = {None: "company", "team": "team", "person": "person"}


def pipeline_coverage(tables: Tables, as_of: date | datetime, by: str | None = None) -> ir.Table:
    """Coverage of each current target by won deals and open pipeline."""
    if by not in SCOPES:
        raise MetricError(
            f"targets cannot be grouped by {by}", hint="targets exist for the company, a team or a person"
        )
    moment = as_datetime(as_of)
    today = moment.date()
    targets = tables.table("targets")
    targets = targets.filter(targets.scope == SCOPES[by], targets.period_start <= today, targets.period_end >= today)
    targets = targets.mutate(group=targets.scope_id.fill_null(ALL) if by else ibis.literal(ALL))
    targets = targets.group_by(["group", "metric", "period_start", "period_end"]).agg(
        target=targets.value.cast("float64").sum()
    )

    deals = deals_with_group(tables, by)
    probability = stage_catalog(tables).select("pipeline", "stage", "probability")
    deals = deals.left_join(probability, ["pipeline", "stage"])
    pairs = deals.join(targets, "group")
    is_won = (
        (pairs.status == "won")
        & (pairs.closed_at.date() >= pairs.period_start)
        & (pairs.closed_at.date() <= pairs.period_end)
        & (pairs.closed_at <= moment)
    )
    in_pipe = (
        (pairs.status == "open") & (pairs.expected_close_on >= today) & (pairs.expected_close_on <= pairs.period_end)
    )
    value = ibis.ifelse(pairs.metric == "won_deals", 1.0, pairs.amount.cast("float64").fill_null(0.0))
    weight = pairs.probability.fill_null(0.0)
    sums = pairs.group_by(["group", "metric", "period_start", "period_end", "target"]).agg(
        won=value.sum(where=is_won).fill_null(0.0),
        open_pipeline=value.sum(where=in_pipe).fill_null(0.0),
        weighted_pipeline=(value * weight).sum(where=in_pipe).fill_null(0.0),
    )
    # Targets with no deals at all still appear.
    result = targets.left_join(sums, ["group", "metric", "period_start", "period_end"]).select(
        "group",
        "metric",
        "period_start",
        "period_end",
        "target",
        won=ibis._.won.fill_null(0.0),
        open_pipeline=ibis._.open_pipeline.fill_null(0.0),
        weighted_pipeline=ibis._.weighted_pipeline.fill_null(0.0),
    )
    remaining = ibis.greatest(result.target - result.won, 0.0)
    result = result.mutate(remaining=remaining)
    gap = result.remaining > 0
    return (
        result.mutate(
            coverage=ibis.ifelse(gap, result.open_pipeline / result.remaining, ibis.null("float64")),
            weighted_coverage=ibis.ifelse(gap, result.weighted_pipeline / result.remaining, ibis.null("float64")),
        )
        .select(
            "group",
            "metric",
            "period_start",
            "period_end",
            "target",
            "won",
            "remaining",
            "open_pipeline",
            "weighted_pipeline",
            "coverage",
            "weighted_coverage",
        )
        .order_by(["group", "metric"])
    )
