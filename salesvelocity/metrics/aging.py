"""Aging deals and the bottleneck stage (design.md §4).

An open deal whose age in its current stage exceeds that stage's historical P85 of completed time is
*at risk*; beyond the P95 it is *stuck*. History = every completed deal-stage duration before ``as_of``
in the same pipeline and stage. The bottleneck is the stage with the largest share of the total
in-stage time of deals won in the window.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import (
    ALL_TIME,
    Tables,
    Window,
    as_datetime,
    days_between,
    memoised,
    quantiles,
    spread_quantiles,
)
from salesvelocity.metrics.stages import stage_visits
from salesvelocity.metrics.time_in_stage import deal_stage_durations


def stage_thresholds(tables: Tables, as_of: datetime) -> ir.Table:
    """Per pipeline and stage: ``p85_days``, ``p95_days`` and ``history`` (deal-stages) before ``as_of``."""

    def build() -> ir.Table:
        spans = deal_stage_durations(tables)
        spans = spans.filter(spans.last_exit < as_of)
        named = {"p85_days": 0.85, "p95_days": 0.95}
        stats = spans.group_by(["pipeline", "stage"]).agg(
            history=spans.count().cast("int64"), _q=quantiles(spans.days, named)
        )
        return spread_quantiles(stats, "_q", named)

    return memoised(tables, f"stage_thresholds:{as_of.isoformat()}", build)


def aging_deals(tables: Tables, as_of: date | datetime, by: str | None = None) -> ir.Table:
    """Open deals in an open stage with their age there and a flag.

    Output columns: ``group``, ``deal_id``, ``owner_id``, ``pipeline``, ``stage``, ``amount`` (float64),
    ``entered_at`` (timestamp), ``age_days``, ``p85_days``, ``p95_days`` (float64), ``flag`` ("stuck",
    "at risk", "ok", or "no history" when the stage has no completed history). Oldest first.
    """
    moment = as_datetime(as_of)
    visits = stage_visits(tables, by)
    current = visits.filter(visits.is_last, visits.status == "open", visits.kind == "open", visits.entered_at <= moment)
    current = current.mutate(age_days=days_between(ibis.literal(moment), current.entered_at))
    facts = tables.table("deals").select("deal_id", "owner_id", "amount")
    current = current.join(facts, "deal_id")
    limits = stage_thresholds(tables, moment)
    joined = current.left_join(limits, ["pipeline", "stage"])
    flag = ibis.cases(
        (joined.p95_days.isnull(), "no history"),
        (joined.age_days > joined.p95_days, "stuck"),
        (joined.age_days > joined.p85_days, "at risk"),
        else_="ok",
    )
    return joined.select(
        "group",
        "deal_id",
        "owner_id",
        "pipeline",
        "stage",
        amount=joined.amount.cast("float64"),
        entered_at=joined.entered_at,
        age_days=joined.age_days,
        p85_days=joined.p85_days,
        p95_days=joined.p95_days,
        flag=flag,
    ).order_by(ibis.desc("age_days"))


def aging_summary(tables: Tables, as_of: date | datetime, by: str | None = None) -> ir.Table:
    """Per group: ``open_deals``, ``at_risk``, ``stuck`` (int64) and ``stuck_amount`` (float64)."""
    deals = aging_deals(tables, as_of, by)
    return (
        deals.group_by("group")
        .agg(
            open_deals=deals.count().cast("int64"),
            at_risk=(deals.flag == "at risk").sum().cast("int64"),
            stuck=(deals.flag == "stuck").sum().cast("int64"),
            stuck_amount=deals.amount.sum(where=deals.flag == "stuck").fill_null(0.0),
        )
        .order_by("group")
    )


def bottleneck(tables: Tables, window: Window = ALL_TIME, by: str | None = None) -> ir.Table:
    """Share of total in-stage time of deals won in the window, per stage.

    Output columns: ``group``, ``pipeline``, ``stage``, ``position``, ``total_days``, ``share`` (float64),
    ``is_bottleneck`` (bool: the largest share in its group and pipeline). Sorted by group, pipeline, position.
    """
    visits = stage_visits(tables, by)
    won = visits.filter(visits.status == "won", window.contains(visits.closed_at), visits.kind == "open")
    won = won.filter(won.days.notnull())
    per_stage = won.group_by(["group", "pipeline", "stage", "position"]).agg(total_days=won.days.sum())
    whole = ibis.window(group_by=[per_stage.group, per_stage.pipeline])
    per_stage = per_stage.mutate(share=per_stage.total_days / per_stage.total_days.sum().over(whole))
    top = per_stage.share.max().over(whole)
    return per_stage.mutate(is_bottleneck=per_stage.share == top).order_by(["group", "pipeline", "position"])
