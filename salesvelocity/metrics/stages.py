"""The stage catalogue and stage visits that every stage metric builds on.

``stage_catalog`` is the ``stages`` table, or, for pipelines it does not describe, stages inferred from
the data (design.md §3): position = a topological order of the transitions deals make between the stages
they first enter (a stage that comes before another in most deals that visit both is placed before it;
ties and cycles are decided by how long after creation deals typically enter each); kind = won or lost
when at least 90 % of the deals whose history ends there are won or lost, else open.

``stage_visits`` has one row per visit of a deal to a stage: a visit ends when the deal enters the next
stage, or at ``closed_at`` for a closed deal's last visit. The last visit of an open deal has no end: it
is the deal's *age in stage*, never a completed duration.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import (
    ALL,
    Tables,
    days_between,
    deals_with_group,
    memoised,
    run,
    small_table,
    underneath,
)

KIND_SHARE = 0.9


def stage_catalog(tables: Tables) -> ir.Table:
    """Columns: ``pipeline``, ``stage``, ``position`` (int), ``kind`` (open/won/lost), ``probability``."""
    return memoised(tables, "stage_catalog", lambda: _catalog(tables))


def _catalog(tables: Tables) -> ir.Table:
    declared = tables.table("stages").select("pipeline", "stage", "position", "kind", "probability")
    # Only pipelines the stages table does not describe are inferred; when it describes every pipeline of
    # the deals, nothing is (a scan of the deals' pipelines instead of one of every stage change).
    pipelines = tables.table("deals").select("pipeline").distinct()
    if not run(tables, pipelines.filter(~pipelines.pipeline.isin(declared.pipeline)).limit(1)):
        return declared
    if underneath(tables, "derived", False):  # the stage changes with their deal's facts, kept by the import
        visits = tables.table("stage_visits").select(
            "deal_id", "stage", "entered_at", "pipeline", "status", "created_at"
        )
        visits = visits.filter(~visits.pipeline.isin(declared.pipeline))
    else:
        deals = tables.table("deals").select("deal_id", "pipeline", "status", "created_at")
        deals = deals.filter(~deals.pipeline.isin(declared.pipeline))
        visits = tables.table("stage_changes").select("deal_id", "stage", "entered_at").join(deals, "deal_id")
    # How long after a deal's creation it typically enters the stage: the tie-breaker of the order.
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
        ended=ibis._.ended.fill_null(0),
        won=ibis._.won.fill_null(0),
        lost=ibis._.lost.fill_null(0),
    )
    kind = ibis.cases(
        ((inferred.ended > 0) & (inferred.won >= KIND_SHARE * inferred.ended), "won"),
        ((inferred.ended > 0) & (inferred.lost >= KIND_SHARE * inferred.ended), "lost"),
        else_="open",
    )
    inferred = inferred.mutate(kind=kind, probability=ibis.null("float64"))
    inferred = inferred.join(_precedence(tables, visits, order), ["pipeline", "stage"])
    inferred = inferred.select("pipeline", "stage", "position", "kind", "probability")
    return declared.union(inferred)


def _precedence(tables: Tables, visits: ir.Table, order: ir.Table) -> ir.Table:
    """Each inferred stage's position: a topological order of the observed transitions.

    A transition is a deal's move from one stage to the next stage it enters for the first time (re-entries
    do not reorder). An edge a → b stands where more deals move a → b than b → a. Among the stages with no
    unplaced predecessor, the one deals enter soonest after creation comes first; a cycle left by
    contradicting deals is broken the same way. The counts are small aggregates (stages × stages), so the
    ordering itself runs here; everything per deal runs in the engine.
    """
    first = visits.group_by(["deal_id", "pipeline", "stage"]).agg(first=visits.entered_at.min())
    following = first.stage.lead().over(ibis.window(group_by=first.deal_id, order_by=[first.first, first.stage]))
    moves = first.mutate(following=following).filter(ibis._.following.notnull())
    edges = run(tables, moves.group_by(["pipeline", "stage", "following"]).agg(n=moves.count()))
    nodes = run(tables, order.select("pipeline", "stage", "avg_offset"))
    rows: dict[str, list[str]] = {"pipeline": [], "stage": [], "position": []}
    for pipeline in sorted({n["pipeline"] for n in nodes}, key=str):
        offset = {n["stage"]: n["avg_offset"] for n in nodes if n["pipeline"] == pipeline}
        count = {(e["stage"], e["following"]): e["n"] for e in edges if e["pipeline"] == pipeline}
        after = {s: {b for (a, b), n in count.items() if a == s and n > count.get((b, a), 0)} for s in offset}
        for position, stage in enumerate(_topological(offset, after), start=1):
            rows["pipeline"].append(pipeline)
            rows["stage"].append(stage)
            rows["position"].append(position)
    return small_table(rows, schema={"pipeline": "string", "stage": "string", "position": "int32"})


def _topological(offset: dict[str, float], after: dict[str, set[str]]) -> list[str]:
    """Kahn's order of ``after`` (stage → stages that follow it); ties and cycles by ``offset``, then name."""
    waiting = {s: sum(s in later for later in after.values()) for s in offset}
    soonest = lambda s: (offset[s] if offset[s] is not None else float("inf"), s)  # noqa: E731
    placed: list[str] = []
    while waiting:
        ready = [s for s, n in waiting.items() if n == 0] or list(waiting)  # a cycle: break it by time
        stage = min(ready, key=soonest)
        placed.append(stage)
        del waiting[stage]
        for later in after[stage]:
            if later in waiting:
                waiting[later] -= 1
    return placed


def _joined_changes(tables: Tables) -> ir.Table:
    """Each stage change with its deal's facts and the deal's next change: the derived ``stage_visits``
    where the store keeps it (``salesvelocity.derived``), else computed here the same way."""
    if underneath(tables, "derived", False):
        return tables.table("stage_visits").drop("owner_id")
    # The window runs on the narrow stage_changes before any join: the engine sorts far less payload.
    changes = tables.table("stage_changes").select("deal_id", "stage", "entered_at")
    w = ibis.window(group_by=changes.deal_id, order_by=[changes.entered_at, changes.stage])
    # Without the kept table nobody has counted re-entries: every visit is added up with its deal's others.
    changes = changes.mutate(next_at=changes.entered_at.lead().over(w), reentry=ibis.literal(True))
    deals = tables.table("deals").select("deal_id", "pipeline", "status", "created_at", "closed_at")
    return changes.join(deals, "deal_id")


def _base_visits(tables: Tables) -> ir.Table:
    catalog = stage_catalog(tables).select("pipeline", "stage", "position", "kind")
    visits = _joined_changes(tables).left_join(catalog, ["pipeline", "stage"])
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
        reentry=visits.reentry,
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
    ``days`` (completed duration, NULL for an open visit), ``is_last`` (bool), ``reentry`` (bool: the deal
    may have entered one of its stages more than once — always, without the kept table).
    When ``tables`` can cache (see ``common.Memo``), the visits are computed once per report.
    """
    if underneath(tables, "derived", False):
        visits = _base_visits(tables)  # read from the kept table: materialising it again costs more than it saves
    else:
        visits = memoised(tables, "stage_visits", lambda: _base_visits(tables))
    if by is None:
        return visits.mutate(group=ibis.literal(ALL)).relocate("group", after="deal_id")
    groups = deals_with_group(tables, by).select(_deal="deal_id", group="group")
    joined = visits.join(groups, visits.deal_id == groups._deal).drop("_deal")
    return joined.relocate("group", after="deal_id")
