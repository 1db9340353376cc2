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

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, period_of, period_spine, spine_table
from salesvelocity.metrics.common import SECONDS_PER_DAY, Tables, days_between, deals_with_group, small_table

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

    wip = open_per_period(deals, periods, first, stop, cadence, anchor)

    # groups with something in the periods: a deal created, closed or open in one of them
    active = wip.filter((wip.wip > 0) | (wip._open_days > 0)).select("group")
    groups = created.select("group").union(outcomes.select("group")).union(active).distinct()
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


def _seconds(moment: ir.TimestampValue) -> ir.IntegerValue:
    return moment.epoch_seconds().cast("int64")


def open_per_period(
    deals: ir.Table, periods: list[tuple[date, date]], first: datetime, stop: datetime, cadence: str, anchor: date
) -> ir.Table:
    """Per group and period: deals still open at its end (``wip``) and the deal-days open in it (``_open_days``).

    From running totals, so the cost is one pass over the deals whatever the number of periods (testing every
    deal against every period was a join of deals × periods). With ``C(t)`` deals created before ``t``,
    ``K(t)`` closed before ``t`` and ``SC(t)``, ``SK(t)`` the sums of those moments (seconds), the deal-seconds
    open before ``t`` are ``F(t) = t·C − SC − t·K + SK``; a period ``[a, b)`` holds ``F(b) − F(a)`` of them
    and ``C(b) − K(b)`` deals are open at ``b``. Exact in integer seconds. A close before creation (which no
    import accepts) counts as a close at creation: zero days, as before.
    """
    before = first - timedelta(days=1)  # one bucket for everything before the first period
    buckets = small_table(
        {"period_start": [before] + [datetime.combine(s, time.min) for s, _ in periods]},
        schema={"period_start": "timestamp"},
    )

    def bucket(moment: ir.TimestampValue) -> ir.TimestampValue:
        return ibis.ifelse(moment < first, ibis.literal(before), period_of(moment, cadence, anchor))

    made = deals.filter(deals.created_at < stop)
    made = made.group_by(["group", bucket(made.created_at).name("period_start")]).agg(
        _c=made.count().cast("int64"), _sc=_seconds(made.created_at).sum()
    )
    shut = deals.filter(deals.closed_at.notnull()).select(
        "group", closed=ibis.greatest(deals.closed_at, deals.created_at)
    )
    shut = shut.filter(shut.closed < stop)
    shut = shut.group_by(["group", bucket(shut.closed).name("period_start")]).agg(
        _k=shut.count().cast("int64"), _sk=_seconds(shut.closed).sum()
    )
    grid = made.select("group").union(shut.select("group")).distinct().cross_join(buckets)
    for part in (made, shut):
        part = part.rename(_g="group", _p="period_start")
        grid = grid.left_join(part, [grid.group == part._g, grid.period_start == part._p]).drop("_g", "_p")
    own = {c: grid[c].fill_null(0) for c in ("_c", "_sc", "_k", "_sk")}
    running = ibis.cumulative_window(group_by=grid.group, order_by=grid.period_start)
    grid = grid.mutate(**{f"{c}_own": v for c, v in own.items()}, **{c: v.sum().over(running) for c, v in own.items()})
    grid = grid.filter(grid.period_start >= first)
    spine = spine_table(periods)
    grid = grid.join(spine, "period_start")
    b = _seconds(ibis.least(grid.period_end, ibis.literal(stop)))
    a = _seconds(grid.period_start)

    def open_seconds(t, c, sc, k, sk):
        return t * c - sc - t * k + sk

    at_end = open_seconds(b, grid._c, grid._sc, grid._k, grid._sk)
    at_start = open_seconds(
        a,
        grid._c - grid._c_own,
        grid._sc - grid._sc_own,
        grid._k - grid._k_own,
        grid._sk - grid._sk_own,
    )
    return grid.select(
        "group",
        "period_start",
        wip=(grid._c - grid._k).cast("int64"),
        _open_days=(at_end - at_start).cast("float64") / SECONDS_PER_DAY,
    )
