"""Charts for velocity over time: XmR trend with limits, signals and changes; cumulative flow; throughput
histogram; forecast distribution. Used by the trend and forecast pages and by the main report."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

import salesvelocity
from salesvelocity.report.forecast_view import ForecastResult
from salesvelocity.report.html import PALETTE, _div
from salesvelocity.report.trend import Trend

_env = Environment(loader=PackageLoader("salesvelocity.report", "templates"), autoescape=select_autoescape(["html"]))


def trend_charts(trend: Trend) -> list[str]:
    """One XmR chart per group: the series, centre, limits, signal points in red, changes as lines."""
    charts = []
    for i, g in enumerate(trend.groups):
        done = [p for p in g.points if p["status"] == "complete"]
        fig = go.Figure(
            go.Scatter(
                x=[p["period_start"] for p in done],
                y=[p["value"] for p in done],
                mode="lines+markers",
                name=trend.metric,
                line_color=PALETTE[0],
            )
        )
        # The running period (partial totals) and the edges outside the data: drawn apart, never judged.
        for status, symbol, words in (
            ("running", "circle-open", "running — partial, not judged"),
            ("outside the data", "x-thin-open", "outside the data — not judged"),
        ):
            apart = [p for p in g.points if p["status"] == status and p["value"] is not None]
            if apart:
                fig.add_trace(
                    go.Scatter(
                        x=[p["period_start"] for p in apart],
                        y=[p["value"] for p in apart],
                        mode="markers+text" if status == "running" else "markers",
                        name=words,
                        text=["running" if status == "running" else "" for _ in apart],
                        textposition="top center",
                        marker=dict(color="#9ca3af", size=10, symbol=symbol, line=dict(width=2)),
                        hovertemplate=f"%{{x|%Y-%m-%d}}: %{{y:,.2f}}<br>{words}<extra></extra>",
                    )
                )
        flagged = [p for p in g.points if p["rules"]]
        if flagged:
            fig.add_trace(
                go.Scatter(
                    x=[p["period_start"] for p in flagged],
                    y=[p["value"] for p in flagged],
                    mode="markers",
                    name="signal",
                    marker=dict(color="#dc2626", size=11, symbol="circle-open", line=dict(width=2)),
                    text=[p["signal"] for p in flagged],
                    hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<br>%{text}<extra>signal</extra>",
                )
            )
        if g.chart is not None:
            for y, name, dash in (
                (g.chart.centre, "average", "solid"),
                (g.chart.upper, "upper limit", "dash"),
                (g.chart.lower, "lower limit", "dash"),
            ):
                fig.add_hline(
                    y=y, line_dash=dash, line_color="#6b7280", annotation_text=name, annotation_position="top left"
                )
        for a in trend.annotations:
            if a["scope"] == "company" or a["scope_id"] == g.group:
                fig.add_vline(
                    x=datetime.combine(a["at"], datetime.min.time()).timestamp() * 1000,
                    line_color="#9333ea",
                    line_dash="dot",
                    annotation_text=a["label"],
                    annotation_position="top right",
                )
        fig.update_layout(title=f"{g.label}: {trend.metric} per {trend.cadence}", showlegend=False)
        charts.append(_div(fig, f"trend-{i}"))
    return charts


def cumulative_flow_chart(rows: list[dict], name: str = "cfd") -> str:
    fig = go.Figure()
    stages = sorted({(r["position"], r["stage"]) for r in rows}, reverse=True)
    for k, (_pos, stage) in enumerate(stages):
        mine = [r for r in rows if r["stage"] == stage]
        fig.add_trace(
            go.Scatter(
                x=[r["day"] for r in mine],
                y=[r["deals"] for r in mine],
                name=stage,
                stackgroup="flow",
                mode="lines",
                line=dict(width=0.5),
                fillcolor=PALETTE[k % len(PALETTE)],
                line_color=PALETTE[k % len(PALETTE)],
            )
        )
    fig.update_layout(
        title="Cumulative flow: open deals per stage, won and lost since the window's start", yaxis_title="deals"
    )
    return _div(fig, name)


def throughput_histogram(daily: np.ndarray, name: str = "throughput") -> str:
    fig = go.Figure(
        go.Histogram(x=daily, marker_color=PALETTE[1], nbinsx=max(5, int(daily.max()) + 1 if daily.size else 5))
    )
    fig.update_layout(
        title=f"Daily throughput, last {len(daily)} days (won deals per day)",
        xaxis_title="won per day",
        yaxis_title="days",
        bargap=0.05,
    )
    return _div(fig, name)


def forecast_chart(result: ForecastResult, name: str = "forecast") -> str:
    fig = go.Figure(go.Histogram(x=result.distribution, marker_color=PALETTE[0], nbinsx=60))
    a = result.answers.get("how_many")
    if a:
        for c, color in (("50", PALETTE[1]), ("85", PALETTE[2]), ("95", PALETTE[6])):
            fig.add_vline(
                x=a["by_confidence"][c],
                line_dash="dash",
                line_color=color,
                annotation_text=f"{c} %: {a['by_confidence'][c]:,.0f}",
                annotation_position="top left",
            )
        title = f"Simulated totals by {a['by_date']} ({result.trials:,} trials)"
    else:
        title = "Simulated days to reach the total"
    fig.update_layout(title=title, xaxis_title="total" if a else "days", yaxis_title="trials", bargap=0.02)
    return _div(fig, name)


def _page(title: str, body: list[tuple[str, str]], notes: list[str]) -> str:
    return _env.get_template("page.html").render(
        title=title,
        sections=body,
        notes=notes,
        plotlyjs=get_plotlyjs(),
        version=salesvelocity.__version__,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def trend_page(trend: Trend) -> str:
    charts = trend_charts(trend)
    body = [
        (f"{g.label}", chart + "".join(f"<p class='reading'>{_esc(v)}</p>" for v in g.verdict))
        for g, chart in zip(trend.groups, charts, strict=True)
    ]
    return _page(f"{trend.metric} per {trend.cadence}, {trend.start} – {trend.end}", body, [])


def forecast_page(result: ForecastResult) -> str:
    notes = [result.message] if result.message else []
    body = [] if result.message else [("Forecast", forecast_chart(result))]
    return _page(f"Forecast from {result.as_of}", body, notes)


def _esc(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
