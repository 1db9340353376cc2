"""`salesvelocity trend`: a metric per period with its XmR chart and verdicts, per group."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import Field, InstanceOf, computed_field

from salesvelocity.errors import MetricError
from salesvelocity.i18n import N_, _, day
from salesvelocity.metrics import TeamScope
from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, check_cadence
from salesvelocity.metrics.common import Window, with_labels
from salesvelocity.metrics.series import period_series
from salesvelocity.patience import annotations
from salesvelocity.report.build import default_window, resolve_team, team_name
from salesvelocity.results import Result, Rows
from salesvelocity.schema import LATEST_YEAR
from salesvelocity.signals import DEFAULT_BASELINE, MIN_BASELINE, XmR, describe, point_words, xmr
from salesvelocity.store import Store

#: Names users type → series columns.
TREND_METRICS = {
    "velocity": "velocity_per_day",
    "throughput": "won",
    "won_amount": "won_amount",
    "created": "created",
    "win_rate": "win_rate",
    "deal_size": "avg_deal_size",
    "cycle": "cycle_days",
    "net_flow": "net_flow",
    "wip": "wip",
}
#: The period words, for sentences (translated where shown).
PLURAL = {"week": N_("weeks"), "sprint": N_("sprints"), "month": N_("months"), "quarter": N_("quarters")}
CADENCE_WORDS = (N_("week"), N_("sprint"), N_("month"), N_("quarter"))
WORDS = {
    "velocity": N_("velocity"),
    "throughput": N_("throughput"),
    "won_amount": N_("won amount"),
    "created": N_("new deals"),
    "win_rate": N_("win rate"),
    "deal_size": N_("deal size"),
    "cycle": N_("cycle time"),
    "net_flow": N_("net flow"),
    "wip": N_("WIP"),
}
NON_NEGATIVE = {"velocity_per_day", "won", "won_amount", "created", "win_rate", "avg_deal_size", "cycle_days", "wip"}
DEFAULT_SPAN_DAYS = {"week": 364, "sprint": 364, "month": 730, "quarter": 1095}


class GroupTrend(Result):
    """One group's series: its points in words and numbers, its XmR limits and the verdict."""

    group: str
    label: str
    points: list[dict]  # period_start, period_end, complete, status, value, rules, signal (words)
    chart: InstanceOf[XmR] | None = Field(None, exclude=True)
    verdict: list[str]

    @computed_field
    @property
    def limits(self) -> dict | None:
        """The natural process limits (centre, lower, upper, average moving range) and the baseline."""
        c = self.chart
        if c is None:
            return None
        return {
            "centre": c.centre,
            "lower": c.lower,
            "upper": c.upper,
            "mr_bar": c.mr_bar,
            "range_limit": c.range_limit,
            "baseline_points": c.baseline,
        }


class Trend(Result):
    """A metric per period for each group, with signal-vs-noise verdicts and the changes recorded."""

    metric: str
    cadence: str
    start: date = Field(exclude=True)
    end: date = Field(exclude=True)
    by: str | None
    team: str | None
    team_name: str | None = None
    annotations: list[dict] = []
    baseline_period: tuple[date, date] | None = None
    wip_by_stage: list[dict] = []
    groups: list[GroupTrend] = []
    series: Rows | None = Field(None, exclude=True)
    sql: str = Field("", exclude=True)

    @computed_field
    @property
    def window(self) -> dict[str, date]:
        return {"from": self.start, "to": self.end}

    def title(self, short: bool = False) -> str:
        """ "velocity per week, 2025-12-02 – 2026-12-01 — team Nordics" in the current language."""
        what = _("{metric} per {cadence}", metric=_(WORDS.get(self.metric, self.metric)), cadence=_(self.cadence))
        if short:
            return what
        team = _(" — team {team}", team=self.team_name) if self.team else ""
        return f"{what}, {day(self.start)} – {day(self.end)}{team}"


def build_trend(
    store: Store,
    metric: str = "velocity",
    cadence: str = "week",
    start: date | None = None,
    end: date | None = None,
    by: str | None = "team",
    team: str | None = None,
    anchor: date = DEFAULT_ANCHOR,
    baseline: int = DEFAULT_BASELINE,
    today: date | None = None,
    baseline_period: tuple[date, date] | None = None,
) -> Trend:
    """The series of ``metric`` per ``cadence`` period and group, with XmR limits and plain verdicts.

    Only complete periods are judged (a period still running has partial totals; its status is
    "running"). Periods before the data begins or after it ends (for outcome metrics: before the first
    close) are shown with status "outside the data" and never judged, so an extract's empty edges do not
    make a baseline of zeros. Periods where a ratio has no value (no deal closed, say) are left out of the
    chart and said so.
    """
    if metric not in TREND_METRICS:
        raise MetricError(f"unknown trend metric {metric!r}", hint=f"use one of: {', '.join(TREND_METRICS)}")
    check_cadence(cadence)
    if baseline < MIN_BASELINE:
        raise MetricError(f"a baseline needs at least {MIN_BASELINE} points", hint=f"--baseline {MIN_BASELINE} or more")
    from salesvelocity.scope import for_grouping

    store = for_grouping(store, by)
    _start, default_end = default_window(store, today)
    end = end or default_end
    if start is None:
        start = end - timedelta(days=DEFAULT_SPAN_DAYS[cadence])
        first = store.value(store.table("deals").created_at.min())
        if first is not None and first.date() > start:
            start = min(first.date(), end - timedelta(days=1))  # no empty periods before the data begins
    tables = store
    if team is not None:
        team = resolve_team(store, team)
        tables = TeamScope(store, team)
    column = TREND_METRICS[metric]
    expr = period_series(tables, start, end, cadence, by, anchor)
    expr = with_labels(tables, by, expr)
    sql, series = store.execute_sql(expr)
    first_day, last_day = _data_span(store, tables, column)
    result_name = team_name(store, team)
    result = Trend(
        metric=metric,
        cadence=cadence,
        start=start,
        end=end,
        by=by,
        team=team,
        series=series,
        sql=sql,
        baseline_period=baseline_period,
        team_name=result_name,
    )
    rows = series.to_pylist()
    for group in dict.fromkeys(r["group"] for r in rows):
        mine = [r for r in rows if r["group"] == group]
        points = [
            {
                "period_start": r["period_start"].date(),
                "period_end": r["period_end"].date(),
                "complete": r["complete"],
                "status": _status(r, first_day, last_day),
                "value": r[column],
                "rules": [],
                "signal": "",
            }
            for r in mine
        ]
        judged = [p for p in points if p["status"] == "complete" and p["value"] is not None]
        stretch = None
        if baseline_period is not None:
            inside = [i for i, p in enumerate(judged) if baseline_period[0] <= p["period_start"] < baseline_period[1]]
            stretch = slice(inside[0], inside[-1] + 1) if inside else slice(0, 0)
        try:
            chart = xmr([p["value"] for p in judged], baseline=baseline, baseline_points=stretch)
        except Exception as exc:  # NotEnoughHistory
            verdict = [_("not enough history for a signal: {why}", why=exc)]
            chart = None
        else:
            if column in NON_NEGATIVE:
                chart.lower = max(chart.lower, 0.0)  # a count, rate or duration cannot fall below zero
            for i, (p, rules) in enumerate(zip(judged, chart.point_signals(), strict=True)):
                p["rules"] = rules
                p["signal"] = point_words(chart, i)
            verdict = describe(chart, [p["period_start"] for p in judged], _(WORDS[metric]), unit=_(PLURAL[cadence]))
        skipped = sum(1 for p in points if p["status"] == "complete" and p["value"] is None)
        if skipped:
            verdict.append(
                _(
                    "{n} {cadence}(s) without a {metric} value are left out of the chart",
                    n=skipped,
                    cadence=_(cadence),
                    metric=_(WORDS[metric]),
                )
            )
        outside = sum(1 for p in points if p["status"] == "outside the data")
        if outside:
            verdict.append(
                _("{n} {cadence}(s) before or after the data are shown but not judged", n=outside, cadence=_(cadence))
            )
        result.groups.append(GroupTrend.of(group, mine[0]["label"], points, chart, verdict))
    if metric == "wip":
        from salesvelocity.metrics.flow import wip_by_stage

        result.wip_by_stage = store.execute(wip_by_stage(tables, start, end, cadence, None, anchor)).to_pylist()
    marks = annotations(store)
    marks = marks.filter(Window.of(start, end).contains(marks["at"]))
    result.annotations = [{**row, "at": row["at"].date()} for row in store.execute(marks.order_by("at")).to_pylist()]
    return result


#: Metrics about outcomes: their data begins with the first close, not the first new deal.
OUTCOMES = {"velocity_per_day", "won", "won_amount", "win_rate", "avg_deal_size", "cycle_days"}


def _data_span(store: Store, tables, column: str) -> tuple[date | None, date | None]:
    """The first and last day the data can speak for ``column``: from the first close (outcome metrics)
    or creation, to the last creation or close."""
    deals = tables.table("deals")
    deals = deals.filter(deals.closed_at.isnull() | (deals.closed_at < datetime(LATEST_YEAR + 1, 1, 1)))
    begins = deals.closed_at.min() if column in OUTCOMES else deals.created_at.min()
    span = store.execute(
        deals.aggregate(first=begins, last_created=deals.created_at.max(), last_closed=deals.closed_at.max())
    ).to_pylist()[0]
    first = span["first"]
    last = max((v for v in (span["last_created"], span["last_closed"]) if v is not None), default=None)
    return (first.date() if first else None), (last.date() if last else None)


def _status(row: dict, first: date | None, last: date | None) -> str:
    """complete, running (the period is not over), or outside the data (it ends before the data begins or
    starts after it ends)."""
    if first is None or row["period_end"].date() <= first or (last is not None and row["period_start"].date() > last):
        return "outside the data"
    return "complete" if row["complete"] else "running"
