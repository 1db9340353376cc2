"""Charts for velocity over time: XmR trend with limits, signals and changes; cumulative flow; throughput
histogram; forecast distribution. Used by the trend and forecast pages and by the main report."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

import salesvelocity
from salesvelocity import clock
from salesvelocity.i18n import _, day, language
from salesvelocity.output import fmt_number
from salesvelocity.report.forecast_view import ForecastResult
from salesvelocity.report.html import PALETTE, _div, _env, wrap_title
from salesvelocity.report.trend import Trend


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
            ("running", "circle-open", _("running — partial, not judged")),
            ("outside the data", "x-thin-open", _("outside the data — not judged")),
        ):
            apart = [p for p in g.points if p["status"] == status and p["value"] is not None]
            if apart:
                fig.add_trace(
                    go.Scatter(
                        x=[p["period_start"] for p in apart],
                        y=[p["value"] for p in apart],
                        mode="markers+text" if status == "running" else "markers",
                        name=words,
                        text=[_("running") if status == "running" else "" for _point in apart],
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
                    name=_("signal"),
                    marker=dict(color="#dc2626", size=11, symbol="circle-open", line=dict(width=2)),
                    text=[p["signal"] for p in flagged],
                    hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}<br>%{text}<extra>signal</extra>",
                )
            )
        if g.chart is not None:
            for y, name, dash in (
                (g.chart.centre, _("average"), "solid"),
                (g.chart.upper, _("upper limit"), "dash"),
                (g.chart.lower, _("lower limit"), "dash"),
            ):
                fig.add_hline(
                    y=y, line_dash=dash, line_color="#6b7280", annotation_text=name, annotation_position="top left"
                )
        first, last = (xs[0], xs[-1]) if (xs := [p["period_start"] for p in g.points]) else (None, None)
        for a in trend.annotations:
            if a["scope"] == "company" or a["scope_id"] == g.group:
                at = datetime.combine(a["at"], datetime.min.time())
                fig.add_vline(x=at.timestamp() * 1000, line_color="#9333ea", line_dash="dot")
                # The label reads away from the chart's nearer edge and wraps, so a phone shows all of it.
                late = first is not None and (a["at"] - first) > (last - a["at"])
                fig.add_annotation(
                    x=at,
                    y=1,
                    yref="paper",
                    text=wrap_title(a["label"], 18),
                    showarrow=False,
                    xanchor="right" if late else "left",
                    yanchor="top",
                    align="right" if late else "left",
                    font=dict(color="#9333ea", size=11),
                    bgcolor="rgba(255,255,255,0.85)",
                )
        fig.update_layout(
            title=f"{_('all deals') if g.group == 'all' else g.label}: {trend.title(short=True)}", showlegend=False
        )
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
        title=_("Cumulative flow: open deals per stage, won and lost since the window's start"), yaxis_title=_("deals")
    )
    return _div(fig, name)


def throughput_histogram(daily: np.ndarray, name: str = "throughput") -> str:
    fig = go.Figure(
        go.Histogram(x=daily, marker_color=PALETTE[1], nbinsx=max(5, int(daily.max()) + 1 if daily.size else 5))
    )
    fig.update_layout(
        title=_("Daily throughput, last {days} days (won deals per day)", days=len(daily)),
        xaxis_title=_("won per day"),
        yaxis_title=_("days"),
        bargap=0.05,
    )
    return _div(fig, name)


def forecast_chart(result: ForecastResult, name: str = "forecast") -> str:
    fig = go.Figure(go.Histogram(x=result.distribution, marker_color=PALETTE[0], nbinsx=60))
    a = result.answers.get("how_many")
    if a:
        # Labels stacked at three heights, so that close lines never print over each other.
        for k, (c, color) in enumerate((("50", PALETTE[1]), ("85", PALETTE[2]), ("95", PALETTE[6]))):
            x = a["by_confidence"][c]
            fig.add_vline(x=x, line_dash="dash", line_color=color)
            fig.add_annotation(
                x=x,
                y=1.0 - 0.09 * k,
                xref="x",
                yref="paper",
                text=f"{c} %: {x:,.0f}",
                showarrow=False,
                xanchor="right",
                font=dict(color=color),
                bgcolor="rgba(255,255,255,0.8)",
            )
        goal = result.answers.get("target", {})
        if goal.get("remaining"):
            fig.add_vline(
                x=goal["remaining"],
                line_color="#111827",
                annotation_text=_("to go: {amount}", amount=fmt_number(goal["remaining"], result.kind)),
                annotation_position="bottom right",
            )
        title = _("Simulated totals by {date}", date=day(a["by_date"]))
    else:
        title = _("Simulated days to reach the total")
    fig.update_layout(
        title=title,
        xaxis_title=_("total") if a else _("days"),
        yaxis_title=_("trials (of {n})", n=fmt_number(result.trials, "int")),
        bargap=0.02,
    )
    return _div(fig, name)


def _page(title: str, body: list[tuple[str, str]], notes: list[str]) -> str:
    return _env.get_template("page.html").render(
        title=title,
        sections=body,
        notes=notes,
        plotlyjs=get_plotlyjs(),
        version=salesvelocity.__version__,
        generated=clock.stamp(),
        lang=language(),
    )


def trend_page(trend: Trend) -> str:
    charts = trend_charts(trend)
    body = [
        (
            _("all deals") if g.group == "all" else g.label,
            chart + "".join(f"<p class='reading'>{_esc(v)}</p>" for v in g.verdict),
        )
        for g, chart in zip(trend.groups, charts, strict=True)
    ]
    return _page(trend.title(), body, [])


def forecast_page(result: ForecastResult) -> str:
    """The forecast's answers in words and tables first (how much, when, the target, the backtest and the
    open pipeline beside it), then the simulated distribution."""
    notes = [result.message] if result.message else []
    if result.message:
        return _page(result.title(), [], notes)
    body = [
        (_("The answers"), _answers_html(result, result.kind)),
        (_("Simulated outcomes"), forecast_chart(result)),
        (_("How this is computed"), f"<p class='reading'>{_esc(result.method())}</p>"),
    ]
    return _page(result.title(), body, notes)


def _answers_html(result: ForecastResult, kind: str) -> str:
    a = result.answers
    parts = []
    head = f"<tr><th>{_esc(_('confidence'))}</th><th>{{}}</th></tr>"
    if "how_many" in a:
        h = a["how_many"]
        rows = "".join(
            f"<tr><td>{c}\u00a0%</td><td>{_esc(fmt_number(v, kind))}</td></tr>" for c, v in h["by_confidence"].items()
        )
        low = f"<strong>{_esc(fmt_number(h['by_confidence']['85'], kind))}</strong>"
        parts.append(
            f"<div><h3>{_esc(_('How much by {date}?', date=day(h['by_date'])))}</h3><p class='reading'>"
            f"{_('At least {amount} with 85 % confidence.', amount=low)}</p>"
            f"<table id='answer-how-many'>{head.format(_esc(_('at least')))}{rows}</table></div>"
        )
    if "when" in a:
        w = a["when"]
        never = _("not within 3 years")
        rows = "".join(
            f"<tr><td>{c}\u00a0%</td><td>{_esc(day(d) if d else never)}</td></tr>"
            for c, d in w["by_confidence"].items()
        )
        likely = w["by_confidence"]["85"]
        by = f"<strong>{_esc(day(likely) if likely else never)}</strong>"
        parts.append(
            f"<div><h3>{_esc(_('When will we reach {total}?', total=fmt_number(w['reach'], kind)))}</h3>"
            f"<p class='reading'>{_('By {date} with 85 % confidence.', date=by)}</p>"
            f"<table id='answer-when'>{head.format(_esc(_('by')))}{rows}</table></div>"
        )
    grid = f"<div class='grid'>{''.join(parts)}</div>" if parts else ""
    return grid + "".join(f"<p class='reading answer'>{_esc(s)}</p>" for s in result.sentences())


def _esc(text: str) -> str:
    from salesvelocity.report.html import nowrap

    return str(nowrap(text))
