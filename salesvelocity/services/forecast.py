"""Monte Carlo forecasts: how much by a date, when a total is reached, the chance of the target."""

from __future__ import annotations

from datetime import date

from salesvelocity.context import Context
from salesvelocity.forecast import DEFAULT_HISTORY_DAYS, DEFAULT_TRIALS
from salesvelocity.report.forecast_view import ForecastResult, build_forecast


def forecast(
    ctx: Context,
    by_date: date | None = None,
    reach: float | None = None,
    target: bool = False,
    metric: str = "count",
    team: str | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
    trials: int = DEFAULT_TRIALS,
    seed: int = 1,
    backtest: bool = False,
) -> ForecastResult:
    """The answers asked for, from the context's as-of day (default: today or the data's end)."""
    return build_forecast(
        ctx.store,
        by_date,
        reach,
        target,
        metric,
        team,
        history_days,
        trials,
        seed,
        backtest,
        today=ctx.as_of or ctx.today,
    )
