"""Cumulative flow: open deals per stage at the end of each day, beside cumulative won and lost.

A deal is in stage s at moment T when one of its visits to s covers T (entered before T, not yet left).
Won and lost are counted cumulatively from the window's start, as the top bands of a cumulative-flow
diagram. Output columns: ``day`` (date, the day that ends at T), ``stage`` (string), ``position``
(int32; won/lost after the open stages), ``deals`` (int64). One pipeline at a time reads best;
``pipeline=None`` sums stages of the same name across pipelines.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.common import Tables, small_table
from salesvelocity.metrics.stages import stage_visits


def cumulative_flow(tables: Tables, start: date, end: date, pipeline: str | None = None) -> ir.Table:
    """Daily WIP per open stage and cumulative won/lost over ``[start, end)``.

    Computed from events, not by testing every visit against every day: the stage counts at the
    window's start, plus a running sum of entries (+1) and exits (-1) per day. An event exactly at
    midnight belongs to the day it starts.
    """
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    spine = small_table({"day": days}, schema={"day": "date"})
    first = datetime.combine(start, time.min)
    stop = datetime.combine(end, time.min)
    every = stage_visits(tables)
    if pipeline is not None:
        every = every.filter(every.pipeline == pipeline)
    visits = every.filter(every.kind == "open")
    visits = visits.filter(visits.entered_at < stop, visits.exited_at.isnull() | (visits.exited_at >= first))

    before = visits.filter(visits.entered_at < first)
    base = before.group_by("stage").agg(base=before.count().cast("int64"))
    entries = visits.filter(visits.entered_at >= first).select(
        "stage", day=ibis._.entered_at.date(), delta=ibis.literal(1)
    )
    exits = visits.filter(visits.exited_at.notnull() & (visits.exited_at < stop))
    exits = exits.select("stage", day=exits.exited_at.date(), delta=ibis.literal(-1))
    deltas = entries.union(exits)
    per_day = deltas.group_by(["stage", "day"]).agg(delta=deltas.delta.sum().cast("int64"))
    positions = visits.group_by("stage").agg(position=visits.position.min().cast("int32"))
    grid = positions.cross_join(spine)
    per_day = per_day.rename(_s="stage", _d="day")
    grid = grid.left_join(per_day, [grid.stage == per_day._s, grid.day == per_day._d]).drop("_s", "_d")
    base = base.rename(_s="stage")
    grid = grid.left_join(base, grid.stage == base._s).drop("_s")
    running = ibis.window(group_by=grid.stage, order_by=grid.day, rows=(None, 0))
    wip = grid.mutate(deals=(grid.base.fill_null(0) + grid.delta.fill_null(0).sum().over(running)).cast("int64"))
    wip = wip.filter(wip.deals > 0).select("day", "stage", "position", "deals")

    ends = every.filter(
        every.is_last, every.status.isin(["won", "lost"]), every.closed_at >= first, every.closed_at < stop
    )
    closes = ends.group_by([ends.status, ends.closed_at.date().name("day")]).agg(n=ends.count().cast("int64"))
    outcomes = small_table(
        {"status": ["won", "lost"], "stage": ["Won", "Lost"], "position": [1000, 1001]},
        schema={"status": "string", "stage": "string", "position": "int32"},
    )
    done = outcomes.cross_join(spine)
    closes = closes.rename(_st="status", _d="day")
    done = done.left_join(closes, [done.status == closes._st, done.day == closes._d]).drop("_st", "_d")
    cumulative = ibis.window(group_by=done.status, order_by=done.day, rows=(None, 0))
    done = done.mutate(deals=done.n.fill_null(0).sum().over(cumulative).cast("int64"))
    done = done.filter(done.deals > 0).select("day", "stage", "position", "deals")
    return wip.union(done).order_by(["day", "position"])


def wip_by_stage(
    tables: Tables,
    start: date,
    end: date,
    cadence: str = "week",
    pipeline: str | None = None,
    anchor: date | None = None,
) -> ir.Table:
    """Open deals per stage at the end of each period of ``cadence`` overlapping ``[start, end)``.

    Output columns: ``period_start`` (date), ``stage`` (string), ``position`` (int32), ``deals`` (int64) —
    the cumulative-flow count on the period's last day (won/lost rows are left out).
    """
    from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, period_spine

    periods = period_spine(start, end, cadence, anchor or DEFAULT_ANCHOR)
    first = periods[0][0]
    last_days = {min(e, end) - timedelta(days=1): s for s, e in periods}
    flow = cumulative_flow(tables, first, end, pipeline)
    flow = flow.filter(flow.day.isin(list(last_days)), flow.position < 1000)
    starts = small_table(
        {"day": list(last_days), "period_start": list(last_days.values())},
        schema={"day": "date", "period_start": "date"},
    )
    return (
        flow.join(starts, "day")
        .select("period_start", "stage", "position", "deals")
        .order_by(["period_start", "position"])
    )
