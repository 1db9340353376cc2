"""Team velocity over time: one row per period and group (design.md §4, issue "team velocity").

For each period [period_start, period_end) of the cadence:
- ``created``: deals created; ``won``, ``lost``, ``won_amount``: deals closed (by closed_at) — the
  throughput; ``net_flow`` = created − (won + lost);
- the velocity formula over the period: ``open_avg`` (open deal-days ÷ the period's days, Little's law),
  ``win_rate``, ``avg_deal_size``, ``cycle_days`` (mean, won deals) and ``velocity_per_day``; beside it
  ``won_per_day`` (won amount ÷ the period's days, the realised figure);
- ``wip``: deals open at the period's end (created before it, not closed by it);
- ``accel_prev``: velocity minus the previous period's; ``accel_trailing``: velocity minus the mean of the
  ``trailing`` periods before it (NULL where there is nothing to compare);
- ``complete``: False for a period that runs past the series' end (its totals are partial and must
  not be judged against full periods).

Periods with no activity are rows of zeros, not gaps, so charts and signal detection see them.
Output columns: ``group``, ``period_start``, ``period_end`` (timestamp), ``complete`` (bool),
``created``, ``won``, ``lost``, ``wip``, ``net_flow`` (int64), ``won_amount``, ``open_avg``, ``win_rate``,
``avg_deal_size``, ``cycle_days``, ``velocity_per_day``, ``won_per_day``, ``accel_prev``,
``accel_trailing`` (float64). A period cut by the series' end counts its days up to that end.
"""

from __future__ import annotations

from datetime import date, datetime, time

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, period_of, period_spine, spine_table
from salesvelocity.metrics.common import Tables, days_between, deals_with_group
from salesvelocity.metrics.velocity import open_deal_days

SERIES_METRICS = (
    "velocity_per_day",
    "won",
    "won_amount",
    "created",
    "win_rate",
    "avg_deal_size",
    "cycle_days",
    "net_flow",
    "wip",
)


def period_series(
    tables: Tables,
    start: date,
    end: date,
    cadence: str = "week",
    by: str | None = None,
    anchor: date = DEFAULT_ANCHOR,
    trailing: int = 4,
) -> ir.Table:
    """The per-period series for the periods overlapping ``[start, end)``."""
    periods = period_spine(start, end, cadence, anchor)
    first = datetime.combine(periods[0][0], time.min)
    stop = datetime.combine(end, time.min)
    spine = spine_table(periods)
    deals = deals_with_group(tables, by)

    made = deals.filter(deals.created_at >= first, deals.created_at < stop)
    made = made.mutate(period_start=period_of(made.created_at, cadence, anchor))
    created = made.group_by(["group", "period_start"]).agg(created=made.count().cast("int64"))

    closed = deals.filter(deals.status.isin(["won", "lost"]), deals.closed_at >= first, deals.closed_at < stop)
    closed = closed.mutate(period_start=period_of(closed.closed_at, cadence, anchor))
    is_won = closed.status == "won"
    outcomes = closed.group_by(["group", "period_start"]).agg(
        won=is_won.sum().cast("int64"),
        lost=(closed.status == "lost").sum().cast("int64"),
        won_amount=closed.amount.cast("float64").sum(where=is_won),
        avg_deal_size=closed.amount.cast("float64").mean(where=is_won),
        cycle_days=days_between(closed.closed_at, closed.created_at).mean(where=is_won),
    )

    # Deals open during a period (an inequality join in the engine): the days each was open in it, and
    # whether it was still open at the period's end.
    cut = ibis.least(spine.period_end, ibis.literal(stop))
    ends = spine.mutate(cut=cut, _from=spine.period_start)
    alive = deals.select("group", "created_at", "closed_at")
    overlap = alive.join(ends, [alive.created_at < ends.cut, alive.closed_at.isnull() | (alive.closed_at > ends._from)])
    still_open = overlap.closed_at.isnull() | (overlap.closed_at >= overlap.cut)
    wip = overlap.group_by(["group", "period_start"]).agg(
        wip=still_open.sum().cast("int64"),
        _open_days=open_deal_days(overlap, overlap._from, overlap.cut).sum(),
    )

    groups = created.select("group").union(outcomes.select("group")).union(wip.select("group")).distinct()
    grid = groups.cross_join(spine)
    for part in (created, outcomes, wip):
        part = part.rename(_g="group", _p="period_start")
        grid = grid.left_join(part, [grid.group == part._g, grid.period_start == part._p]).drop("_g", "_p")
    grid = grid.mutate(
        created=grid.created.fill_null(0),
        won=grid.won.fill_null(0),
        lost=grid.lost.fill_null(0),
        wip=grid.wip.fill_null(0),
        won_amount=grid.won_amount.fill_null(0.0),
        complete=grid.period_end <= stop,
        _days=days_between(ibis.least(grid.period_end, ibis.literal(stop)), grid.period_start),
    )
    decided = grid.won + grid.lost
    grid = grid.mutate(
        win_rate=ibis.ifelse(decided > 0, grid.won.cast("float64") / decided, ibis.null("float64")),
        net_flow=(grid.created - decided).cast("int64"),
        open_avg=grid._open_days.fill_null(0.0) / grid._days,
        won_per_day=grid.won_amount / grid._days,
    )
    grid = grid.mutate(
        velocity_per_day=ibis.ifelse(
            grid.cycle_days > 0,
            grid.open_avg * grid.win_rate * grid.avg_deal_size / grid.cycle_days,
            ibis.null("float64"),
        )
    )
    ordered = ibis.window(group_by=grid.group, order_by=grid.period_start)
    before = ibis.window(group_by=grid.group, order_by=grid.period_start, rows=(-trailing, -1))
    grid = grid.mutate(
        accel_prev=grid.velocity_per_day - grid.velocity_per_day.lag().over(ordered),
        accel_trailing=grid.velocity_per_day - grid.velocity_per_day.mean().over(before),
    )
    return grid.select(
        "group",
        "period_start",
        "period_end",
        "complete",
        "created",
        "won",
        "lost",
        "wip",
        "net_flow",
        "won_amount",
        "open_avg",
        "win_rate",
        "avg_deal_size",
        "cycle_days",
        "velocity_per_day",
        "won_per_day",
        "accel_prev",
        "accel_trailing",
    ).order_by(["group", "period_start"])
