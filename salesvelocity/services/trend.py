"""A metric per period with signal-vs-noise verdicts (XmR), per group."""

from __future__ import annotations

from datetime import date

from salesvelocity.context import Context
from salesvelocity.metrics.cadence import DEFAULT_ANCHOR
from salesvelocity.report.trend import Trend, build_trend
from salesvelocity.signals import DEFAULT_BASELINE


def trend(
    ctx: Context,
    metric: str = "velocity",
    cadence: str = "week",
    by: str | None = "team",
    team: str | None = None,
    anchor: date = DEFAULT_ANCHOR,
    baseline: int = DEFAULT_BASELINE,
    baseline_period: tuple[date, date] | None = None,
) -> Trend:
    """``metric`` per ``cadence`` over the context's window (default: about a year up to today)."""
    return build_trend(
        ctx.store, metric, cadence, ctx.start, ctx.end, by, team, anchor, baseline, ctx.today, baseline_period
    )
