"""The report's "over time" part: velocity trend with signals, cumulative flow, throughput, a forecast to
the end of the quarter, and the patience guard's verdict on every recorded change."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import numpy as np
from pydantic import Field, computed_field

from salesvelocity.errors import MetricError
from salesvelocity.forecast import daily_throughput
from salesvelocity.metrics import TeamScope
from salesvelocity.metrics.common import Tables
from salesvelocity.metrics.flow import cumulative_flow
from salesvelocity.patience import Judgment, judge_all
from salesvelocity.report.forecast_view import ForecastResult, build_forecast, quarter_end
from salesvelocity.report.trend import Trend, build_trend
from salesvelocity.results import Numbers, Result
from salesvelocity.store import Store

CFD_DAYS = 90


class OverTime(Result):
    """The report's part over time (its JSON keys: trend, cumulative_flow, daily_throughput, forecast,
    changes)."""

    trend: Trend
    cfd: list[dict] = Field(default_factory=list, exclude=True)
    cfd_pipeline: str | None = Field(None, exclude=True)
    daily: Numbers = Field(default_factory=lambda: np.zeros(0), serialization_alias="daily_throughput")
    forecast: ForecastResult | None = None
    judgments: list[Judgment] = Field(default_factory=list, serialization_alias="changes")
    #: the whole selection's weekly velocity (the headline's usual level)
    overall: Trend | None = Field(None, exclude=True)

    @computed_field
    @property
    def cumulative_flow(self) -> dict:
        return {"pipeline": self.cfd_pipeline, "rows": self.cfd}


def build_over_time(
    store: Store, end: date, by: str | None = "team", team: str | None = None, tables: Tables | None = None
) -> OverTime:
    """Weekly velocity by group for the last year, flow for the last 90 days, forecast and changes.

    ``tables`` may be the report's (memoised, team-scoped) tables so shared intermediates are reused.
    """
    trend = build_trend(store, "velocity", "week", None, end, by, team, today=end)
    # The whole selection's own series: the headline's "usual level" and verdict.
    overall = trend if by is None else build_trend(store, "velocity", "week", None, end, None, team, today=end)
    if tables is None:
        tables = TeamScope(store, trend.team) if trend.team else store
    deals = tables.table("deals")
    busiest = deals.group_by("pipeline").agg(n=deals.count()).order_by([ibis.desc("n"), "pipeline"]).limit(1)
    pipeline = [r["pipeline"] for r in store.execute(busiest).to_pylist()]
    result = OverTime(trend=trend, overall=overall)
    if pipeline:
        result.cfd_pipeline = pipeline[0]
        rows = store.execute(cumulative_flow(tables, end - timedelta(days=CFD_DAYS), end, pipeline[0]))
        result.cfd = rows.to_pylist()
    result.daily = daily_throughput(tables, end)
    try:
        result.forecast = build_forecast(
            store, by_date=quarter_end(end), target=True, metric="amount", team=trend.team, today=end
        )
    except MetricError:  # a window ending years after the data: no honest forecast to its quarter's end
        result.forecast = None
    result.judgments = [j for j in judge_all(store, end) if trend.team is None or j.scope_id in (None, trend.team)]
    return result
