"""`salesvelocity trend`: a metric per period with its XmR chart and verdicts, per group."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa

from salesvelocity.errors import MetricError
from salesvelocity.metrics import TeamScope
from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, check_cadence
from salesvelocity.metrics.common import with_labels
from salesvelocity.metrics.series import period_series
from salesvelocity.report.build import default_window, resolve_team
from salesvelocity.signals import DEFAULT_BASELINE, MIN_BASELINE, XmR, describe, xmr
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
WORDS = {
    "velocity": "velocity",
    "throughput": "throughput",
    "won_amount": "won amount",
    "created": "new deals",
    "win_rate": "win rate",
    "deal_size": "deal size",
    "cycle": "cycle time",
    "net_flow": "net flow",
    "wip": "WIP",
}
NON_NEGATIVE = {"velocity_per_day", "won", "won_amount", "created", "win_rate", "avg_deal_size", "cycle_days", "wip"}
DEFAULT_SPAN_DAYS = {"week": 364, "sprint": 364, "month": 730, "quarter": 1095}


@dataclass
class GroupTrend:
    group: str
    label: str
    points: list[dict]  # period_start, period_end, complete, value, rules (list of fired rules)
    chart: XmR | None
    verdict: list[str]


@dataclass
class Trend:
    metric: str
    cadence: str
    start: date
    end: date
    by: str | None
    team: str | None
    groups: list[GroupTrend] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    series: pa.Table | None = None
    sql: str = ""
    wip_by_stage: list[dict] = field(default_factory=list)
    baseline_period: tuple[date, date] | None = None

    def to_dict(self) -> dict:
        return {
            "metric": self.metric,
            "cadence": self.cadence,
            "window": {"from": self.start.isoformat(), "to": self.end.isoformat()},
            "by": self.by,
            "team": self.team,
            "annotations": self.annotations,
            "baseline_period": list(self.baseline_period) if self.baseline_period else None,
            "wip_by_stage": self.wip_by_stage,
            "groups": [
                {
                    "group": g.group,
                    "label": g.label,
                    "limits": None
                    if g.chart is None
                    else {
                        "centre": g.chart.centre,
                        "lower": g.chart.lower,
                        "upper": g.chart.upper,
                        "mr_bar": g.chart.mr_bar,
                        "range_limit": g.chart.range_limit,
                        "baseline_points": g.chart.baseline,
                    },
                    "verdict": g.verdict,
                    "points": g.points,
                }
                for g in self.groups
            ],
        }


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

    Only complete periods are judged (a period still running has partial totals). Periods where a
    ratio has no value (no deal closed, say) are left out of the chart and said so.
    """
    if metric not in TREND_METRICS:
        raise MetricError(f"unknown trend metric {metric!r}", hint=f"use one of: {', '.join(TREND_METRICS)}")
    check_cadence(cadence)
    if baseline < MIN_BASELINE:
        raise MetricError(f"a baseline needs at least {MIN_BASELINE} points", hint=f"--baseline {MIN_BASELINE} or more")
    _, default_end = default_window(store, today)
    end = end or default_end
    if start is None:
        start = end - timedelta(days=DEFAULT_SPAN_DAYS[cadence])
        first = store.sql("SELECT min(created_at) FROM deals").fetchone()[0]
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
    result = Trend(metric, cadence, start, end, by, team, series=series, sql=sql, baseline_period=baseline_period)
    rows = series.to_pylist()
    for group in dict.fromkeys(r["group"] for r in rows):
        mine = [r for r in rows if r["group"] == group]
        points = [
            {
                "period_start": r["period_start"].date(),
                "period_end": r["period_end"].date(),
                "complete": r["complete"],
                "value": r[column],
                "rules": [],
            }
            for r in mine
        ]
        judged = [p for p in points if p["complete"] and p["value"] is not None]
        stretch = None
        if baseline_period is not None:
            inside = [i for i, p in enumerate(judged) if baseline_period[0] <= p["period_start"] < baseline_period[1]]
            stretch = slice(inside[0], inside[-1] + 1) if inside else slice(0, 0)
        try:
            chart = xmr([p["value"] for p in judged], baseline=baseline, baseline_points=stretch)
        except Exception as exc:  # NotEnoughHistory
            verdict = [f"not enough history for a signal: {exc}"]
            chart = None
        else:
            if column in NON_NEGATIVE:
                chart.lower = max(chart.lower, 0.0)  # a count, rate or duration cannot fall below zero
            for p, rules in zip(judged, chart.point_signals(), strict=True):
                p["rules"] = rules
            verdict = describe(chart, [p["period_start"] for p in judged], WORDS[metric], unit=f"{cadence}s")
        skipped = sum(1 for p in points if p["complete"] and p["value"] is None)
        if skipped:
            verdict.append(f"{skipped} {cadence}(s) without a {WORDS[metric]} value are left out of the chart")
        result.groups.append(GroupTrend(group, mine[0]["label"], points, chart, verdict))
    if metric == "wip":
        from salesvelocity.metrics.flow import wip_by_stage

        result.wip_by_stage = store.execute(wip_by_stage(tables, start, end, cadence, None, anchor)).to_pylist()
    result.annotations = [
        {"annotation_id": a, "at": at.date(), "label": label, "scope": scope, "scope_id": sid}
        for a, at, label, scope, sid in store.sql(
            'SELECT annotation_id, "at", label, scope, scope_id FROM annotations '
            'WHERE "at" >= ? AND "at" < ? ORDER BY "at"',
            [start, end],
        ).fetchall()
    ]
    return result
