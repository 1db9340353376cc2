"""The funnel report: velocity and its factors, funnel, time in stage, aging, speed-to-lead, slippage,
coverage — and, over time, the weekly trend, flow, forecast, changes and team health."""

from __future__ import annotations

from salesvelocity.context import Context
from salesvelocity.report.build import Report, build_report, complete_model

complete_model()


def report(ctx: Context, by: str | None = "team", team: str | None = None, over_time: bool = True) -> Report:
    """The report over the context's window (default: the last 90 days of data) as its actor sees it."""
    return build_report(ctx.store, ctx.start, ctx.end, by, team, ctx.today, over_time, ctx.k)
