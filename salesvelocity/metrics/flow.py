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

from salesvelocity.metrics.common import Tables
from salesvelocity.metrics.stages import stage_visits


def cumulative_flow(tables: Tables, start: date, end: date, pipeline: str | None = None) -> ir.Table:
    """Daily WIP per open stage and cumulative won/lost over ``[start, end)``."""
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    moments = ibis.memtable(
        {"day": days, "cut": [datetime.combine(d + timedelta(days=1), time.min) for d in days]},
        schema={"day": "date", "cut": "timestamp"},
    )
    visits = stage_visits(tables)
    if pipeline is not None:
        visits = visits.filter(visits.pipeline == pipeline)
    open_visits = visits.filter(visits.kind == "open")
    covering = open_visits.join(
        moments,
        [open_visits.entered_at < moments.cut, open_visits.exited_at.isnull() | (open_visits.exited_at >= moments.cut)],
    )
    wip = covering.group_by(["day", "stage"]).agg(
        position=covering.position.min().cast("int32"), deals=covering.deal_id.nunique().cast("int64")
    )
    first = datetime.combine(start, time.min)
    ends = visits.filter(visits.is_last, visits.status.isin(["won", "lost"]), visits.closed_at >= first)
    done = ends.join(moments, ends.closed_at < moments.cut)
    top = 1000  # after every open stage
    finished = done.group_by(["day", "status"]).agg(deals=done.deal_id.nunique().cast("int64"))
    finished = finished.select(
        "day",
        stage=ibis.ifelse(finished.status == "won", "Won", "Lost"),
        position=ibis.ifelse(finished.status == "won", top, top + 1).cast("int32"),
        deals=finished.deals,
    )
    return wip.select("day", "stage", "position", "deals").union(finished).order_by(["day", "position"])
