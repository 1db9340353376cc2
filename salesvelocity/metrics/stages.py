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

from salesvelocity.metrics.common import ALL, Tables, days_between, deals_with_group, memoised

KIND_SHARE = 0.9


def stage_catalog(tables: Tables) -> ir.Table:
    """Columns: ``pipeline``, ``stage``, ``position`` (int), ``kind`` (open/won/lost), ``probability``."""
    declared = tables.table("stages").select("pipeline", "stage", "position", "kind", "probability")
    deals = tables.table("deals").select("deal_id", "pipeline", "status", "created_at")
    # Only pipelines the stages table does not describe are inferred; with a full stages table the
    # engine prunes everything below to an empty scan.
    deals = deals.filter(~deals.pipeline.isin(declared.pipeline))
    visits = tables.table("stage_changes").select("deal_id", "stage", "entered_at").join(deals, "deal_id")
    # Order: how long after a deal's creation it typically enters the stage.
    order = visits.group_by(["pipeline", "stage"]).agg(
        avg_offset=(visits.entered_at.epoch_seconds() - visits.created_at.epoch_seconds()).mean()
    )
    last = visits.group_by(["deal_id", "pipeline", "status"]).agg(stage=visits.stage.argmax(visits.entered_at))
    endings = last.group_by(["pipeline", "stage"]).agg(
        ended=last.count(), won=(last.status == "won").sum(), lost=(last.status == "lost").sum()
    )
    inferred = order.left_join(endings, ["pipeline", "stage"]).select(
        "pipeline",
        "stage",
        "avg_offset",
        ended=ibis._.ended.fill_null(0),
        won=ibis._.won.fill_null(0),
        lost=ibis._.lost.fill_null(0),
    )
    kind = ibis.cases(
        ((inferred.ended > 0) & (inferred.won >= KIND_SHARE * inferred.ended), "won"),
        ((inferred.ended > 0) & (inferred.lost >= KIND_SHARE * inferred.ended), "lost"),
        else_="open",
    )
    position = ibis.row_number().over(
        ibis.window(group_by=inferred.pipeline, order_by=[inferred.avg_offset, inferred.stage])
    )
    inferred = inferred.mutate(
        kind=kind, position=(position + 1).cast("int32"), probability=ibis.null("float64")
    ).select("pipeline", "stage", "position", "kind", "probability")
    return declared.union(inferred)


def _base_visits(tables: Tables) -> ir.Table:
    # The window runs on the narrow stage_changes before any join: the engine sorts far less payload.
    changes = tables.table("stage_changes").select("deal_id", "stage", "entered_at")
    w = ibis.window(group_by=changes.deal_id, order_by=[changes.entered_at, changes.stage])
    changes = changes.mutate(next_at=changes.entered_at.lead().over(w))
    deals = tables.table("deals").select("deal_id", "pipeline", "status", "created_at", "closed_at")
    catalog = stage_catalog(tables).select("pipeline", "stage", "position", "kind")
    visits = changes.join(deals, "deal_id").left_join(catalog, ["pipeline", "stage"])
    exited = ibis.ifelse(visits.next_at.isnull(), visits.closed_at, visits.next_at)
    visits = visits.select(
        "deal_id",
        "pipeline",
        "status",
        "created_at",
        "closed_at",
        "stage",
        position=visits.position.fill_null(0),
        kind=visits.kind.fill_null("open"),
        entered_at=visits.entered_at,
        exited_at=exited,
        is_last=visits.next_at.isnull(),
    )
    return visits.mutate(
        days=ibis.ifelse(
            visits.exited_at.isnull(), ibis.null("float64"), days_between(visits.exited_at, visits.entered_at)
        )
    )


def stage_visits(tables: Tables, by: str | None = None) -> ir.Table:
    """One row per visit, with the deal's facts and the stage's position and kind.

    Columns: ``deal_id``, ``group``, ``pipeline``, ``status``, ``created_at``, ``closed_at``, ``stage``,
    ``position``, ``kind``, ``entered_at``, ``exited_at`` (NULL for the open visit of an open deal),
    ``days`` (completed duration, NULL for an open visit), ``is_last`` (bool).
    When ``tables`` can cache (see ``common.Memo``), the visits are computed once per report.
    """
    visits = memoised(tables, "stage_visits", lambda: _base_visits(tables))
    if by is None:
        return visits.mutate(group=ibis.literal(ALL)).relocate("group", after="deal_id")
    groups = deals_with_group(tables, by).select(_deal="deal_id", group="group")
    joined = visits.join(groups, visits.deal_id == groups._deal).drop("_deal")
    return joined.relocate("group", after="deal_id")
