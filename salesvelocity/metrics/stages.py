"""The stage catalogue and stage visits that every stage metric builds on.

``stage_catalog`` is the ``stages`` table, or, for pipelines it does not describe, stages inferred from
the data (design.md §3): position = the average order in which deals first enter a stage; kind = won or
lost when at least 90 % of the deals whose history ends there are won or lost, else open.

``stage_visits`` has one row per visit of a deal to a stage: a visit ends when the deal enters the next
stage, or at ``closed_at`` for a closed deal's last visit. The last visit of an open deal has no end: it
is the deal's *age in stage*, never a completed duration.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import Tables, days_between, deals_with_group

KIND_SHARE = 0.9


def stage_catalog(tables: Tables) -> ir.Table:
    """Columns: ``pipeline``, ``stage``, ``position`` (int), ``kind`` (open/won/lost), ``probability``."""
    declared = tables.table("stages").select("pipeline", "stage", "position", "kind", "probability")
    changes = tables.table("stage_changes")
    deals = tables.table("deals").select("deal_id", "pipeline", "status", _current="stage")
    visits = changes.join(deals, "deal_id")
    first = visits.group_by(["deal_id", "pipeline", "stage"]).agg(first_at=visits.entered_at.min())
    first = first.mutate(
        order=ibis.row_number().over(ibis.window(group_by=first.deal_id, order_by=[first.first_at, first.stage]))
    )
    last = visits.mutate(
        _n=ibis.row_number().over(ibis.window(group_by=visits.deal_id, order_by=visits.entered_at.desc()))
    )
    last = last.filter(last._n == 0)
    endings = last.group_by(["pipeline", "stage"]).agg(
        ended=last.count(), won=(last.status == "won").sum(), lost=(last.status == "lost").sum()
    )
    order = first.group_by(["pipeline", "stage"]).agg(avg_order=first.order.mean())
    inferred = order.left_join(endings, ["pipeline", "stage"]).select(
        "pipeline",
        "stage",
        "avg_order",
        ended=ibis._.ended.fill_null(0),
        won=ibis._.won.fill_null(0),
        lost=ibis._.lost.fill_null(0),
    )
    kind = ibis.cases(
        ((inferred.ended > 0) & (inferred.won >= KIND_SHARE * inferred.ended), "won"),
        ((inferred.ended > 0) & (inferred.lost >= KIND_SHARE * inferred.ended), "lost"),
        else_="open",
    )
    inferred = inferred.mutate(kind=kind)
    inferred = inferred.mutate(
        position=(
            ibis.row_number().over(
                ibis.window(group_by=inferred.pipeline, order_by=[inferred.avg_order, inferred.stage])
            )
            + 1
        ).cast("int32"),
        probability=ibis.null("float64"),
    ).select("pipeline", "stage", "position", "kind", "probability")
    missing = inferred.anti_join(declared, "pipeline")
    return declared.union(missing)


def stage_visits(tables: Tables, by: str | None = None) -> ir.Table:
    """One row per visit, with the deal's facts and the stage's position and kind.

    Columns: ``deal_id``, ``group``, ``owner_id``, ``pipeline``, ``status``, ``amount``, ``created_at``,
    ``closed_at``, ``stage``, ``position``, ``kind``, ``entered_at``, ``exited_at`` (NULL for the open
    visit of an open deal), ``days`` (completed duration, NULL for an open visit), ``is_last`` (bool).
    """
    deals = deals_with_group(tables, by).select(
        "deal_id", "group", "owner_id", "pipeline", "status", "amount", "created_at", "closed_at"
    )
    changes = tables.table("stage_changes").select("deal_id", "stage", "entered_at")
    catalog = stage_catalog(tables).select("pipeline", "stage", "position", "kind")
    visits = changes.join(deals, "deal_id").left_join(catalog, ["pipeline", "stage"])
    visits = visits.select(
        "deal_id",
        "group",
        "owner_id",
        "pipeline",
        "status",
        "amount",
        "created_at",
        "closed_at",
        "stage",
        position=visits.position.fill_null(0),
        kind=visits.kind.fill_null("open"),
        entered_at=visits.entered_at,
    )
    w = ibis.window(group_by=visits.deal_id, order_by=[visits.entered_at, visits.position])
    following = visits.entered_at.lead().over(w)
    exited = ibis.ifelse(following.isnull(), visits.closed_at, following)
    visits = visits.mutate(exited_at=exited, is_last=following.isnull())
    return visits.mutate(
        days=ibis.ifelse(
            visits.exited_at.isnull(), ibis.null("float64"), days_between(visits.exited_at, visits.entered_at)
        )
    )
