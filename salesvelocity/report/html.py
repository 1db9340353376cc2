"""The report as one self-contained HTML file: plotly.js from the plotly package is embedded, no network."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs

import salesvelocity
from salesvelocity import clock
from salesvelocity.i18n import _, language
from salesvelocity.output import NO_DATA, fmt_number
from salesvelocity.report.build import Report
from salesvelocity.report.sections import BY_NAME

PALETTE = ["#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=40, b=50),
    height=360,
    font=dict(family="system-ui, sans-serif"),
    title_font_size=15,
)
_env = Environment(loader=PackageLoader("salesvelocity.report", "templates"), autoescape=select_autoescape(["html"]))
_env.filters["num"] = fmt_number
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def nowrap(text: object) -> Markup:
    """Escaped ``text`` whose dates never break at their hyphens (a browser would split 2026-12-31)."""
    return Markup(_DATE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', str(escape(str(text)))))


_env.filters["nw"] = nowrap
_env.globals["_"] = _


def cell(value: object, kind: str) -> Markup:
    """One table cell of a registry column: text left-aligned as it is, a flag coloured by its word, a
    figure formatted for the reader's language and never broken inside."""
    if kind == "text":
        return Markup('<td class="text">{}</td>').format(NO_DATA if value is None else value)
    shown = fmt_number(value, kind)
    if kind == "flag":
        return Markup('<td class="text flag-{}">{}</td>').format(str(value).replace(" ", "-"), shown)
    return Markup('<td><span class="nw">{}</span></td>').format(shown)


_env.globals["cell"] = cell


#: A chart title longer than this wraps onto lines of at most this many characters: Plotly never wraps a
#: title itself, and a phone (360 px) shows about 40 characters of it.
TITLE_CHARS = 34


def wrap_title(text: str, width: int = TITLE_CHARS) -> str:
    """``text`` with ``<br>`` between words so that no line is longer than ``width`` (Plotly's line break)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(lines)


def _div(fig: go.Figure, name: str) -> str:
    fig.update_layout(**LAYOUT)
    title = fig.layout.title.text
    if title and "<br>" not in title and len(title) > TITLE_CHARS:
        wrapped = wrap_title(title)
        fig.update_layout(title_text=wrapped, margin_t=40 + 22 * wrapped.count("<br>") + 20)
    return pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{name}",
        config={"displaylogo": False, "responsive": True},
    )


def velocity_chart(report: Report) -> str:
    rows = report.sections["velocity"].to_pylist()
    fig = go.Figure(
        go.Bar(
            x=[r["label"] for r in rows],
            y=[r["velocity_per_day"] for r in rows],
            marker_color=PALETTE[0],
            customdata=[
                [
                    fmt_number(r["open_avg"], "decimal"),
                    fmt_number(r["win_rate"], "percent"),
                    fmt_number(r["avg_deal_size"], "money"),
                    fmt_number(r["cycle_days"], "days"),
                ]
                for r in rows
            ],
            hovertemplate="%{x}<br>"
            + _("velocity per day")
            + " %{y:,.0f}<br>"
            + _("open deals (avg)")
            + " %{customdata[0]}<br>"
            + _("win rate")
            + " %{customdata[1]}<br>"
            + _("avg deal")
            + " %{customdata[2]}<br>"
            + _("cycle")
            + " %{customdata[3]}<extra></extra>",
        )
    )
    fig.update_layout(
        title=_("Sales velocity per day ({currency})", currency=report.currency),
        yaxis_title=_("{currency} per day", currency=report.currency),
    )
    return _div(fig, "velocity")


def funnel_charts(report: Report) -> list[str]:
    rows = report.sections["funnel"].to_pylist()
    charts = []
    for i, pipeline in enumerate(dict.fromkeys(r["pipeline"] for r in rows)):
        steps = [r for r in rows if r["pipeline"] == pipeline]
        text = [
            f"{r['reached']:,}"
            + ("" if r["drop_off"] is None else f" · drop-off {fmt_number(r['drop_off'], 'percent')}")
            for r in steps
        ]
        fig = go.Figure(
            go.Funnel(
                y=[r["stage"] for r in steps],
                x=[r["reached"] for r in steps],
                text=text,
                textinfo="text",
                marker_color=PALETTE[i % len(PALETTE)],
                hovertemplate="%{y}: %{x:,} " + _("deals reached") + "<extra></extra>",
            )
        )
        fig.update_layout(title=_("Funnel — {pipeline}", pipeline=pipeline))
        charts.append(_div(fig, f"funnel-{i}"))
    return charts


def time_in_stage_chart(report: Report) -> str:
    rows = report.sections["time_in_stage"].to_pylist()
    fig = go.Figure()
    for i, pipeline in enumerate(dict.fromkeys(r["pipeline"] for r in rows)):
        steps = [r for r in rows if r["pipeline"] == pipeline]
        fig.add_trace(
            go.Box(
                name=pipeline,
                x=[r["stage"] for r in steps],
                q1=[r["p25_days"] for r in steps],
                median=[r["p50_days"] for r in steps],
                q3=[r["p75_days"] for r in steps],
                lowerfence=[r["p05_days"] for r in steps],
                upperfence=[r["p95_days"] for r in steps],
                mean=[r["mean_days"] for r in steps],
                marker_color=PALETTE[i % len(PALETTE)],
            )
        )
    fig.update_layout(
        title=_("Time in stage (days; box P25–P75, whiskers P5–P95)"), yaxis_title=_("days"), boxmode="group"
    )
    return _div(fig, "time-in-stage")


def cycle_chart(report: Report) -> str:
    points = report.sections["cycle_scatter"].to_pylist()
    overall = report.sections["cycle_overall"].to_pylist()
    fig = go.Figure(
        go.Scattergl(
            x=[p["closed_at"] for p in points],
            y=[p["cycle_days"] for p in points],
            mode="markers",
            marker=dict(size=6, color=PALETTE[0], opacity=0.55),
            text=[p["deal_id"] for p in points],
            hovertemplate="%{text}<br>" + _("closed") + " %{x|%Y-%m-%d}<br>%{y:.1f} " + _("days") + "<extra></extra>",
            name=_("won deal"),
        )
    )
    if overall:
        for label, key, color in (
            ("P50", "cycle_median_days", PALETTE[1]),
            ("P85", "cycle_p85_days", PALETTE[2]),
            ("P95", "cycle_p95_days", PALETTE[6]),
        ):
            value = overall[0][key]
            if value is not None:
                fig.add_hline(
                    y=value,
                    line_dash="dash",
                    line_color=color,
                    annotation_text=f"{label} {fmt_number(value, 'days')}",
                    annotation_position="top left",
                )
    fig.update_layout(
        title=_("Cycle time of won deals"), xaxis_title=_("closed"), yaxis_title=_("days from created to won")
    )
    return _div(fig, "cycle")


def speed_to_lead_chart(report: Report) -> str:
    rows = report.sections["speed_to_lead"].to_pylist()
    bands = [
        ("share_0_5", "< 5 min"),
        ("share_5_15", "5–15 min"),
        ("share_15_60", "15–60 min"),
        ("share_60_plus", "60+ min"),
        ("share_never", _("never touched")),
    ]
    colors = ["#16a34a", "#84cc16", "#ca8a04", "#ea580c", "#9ca3af"]
    fig = go.Figure()
    for (key, name), color in zip(bands, colors, strict=True):
        fig.add_trace(
            go.Bar(
                y=[r["label"] for r in rows],
                x=[(r[key] or 0) * 100 for r in rows],
                name=name,
                orientation="h",
                marker_color=color,
                hovertemplate="%{y}: %{x:.1f} %<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        title=_("Speed-to-lead: share of leads by time to first touch"),
        barmode="stack",
        xaxis_title=_("% of leads"),
        xaxis_range=[0, 100],
    )
    return _div(fig, "speed-to-lead")


def over_time_charts(report: Report) -> dict:
    from salesvelocity.report.flow_html import cumulative_flow_chart, forecast_chart, throughput_histogram, trend_charts

    over = report.over_time
    if over is None:
        return {}
    forecast = over.forecast
    return {
        "trends": list(zip([g.label for g in over.trend.groups], trend_charts(over.trend), strict=True)),
        "verdicts": {g.label: g.verdict for g in over.trend.groups},
        "cfd": cumulative_flow_chart(over.cfd) if over.cfd else None,
        "throughput": throughput_histogram(over.daily) if over.daily.size else None,
        "forecast": forecast_chart(forecast) if forecast and forecast.distribution else None,
    }


def _quadrant(report: Report) -> str | None:
    if report.health is None or not report.health.balance:
        return None
    from salesvelocity.report.empowerment_html import quadrant_chart

    return quadrant_chart(report.health.balance)


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    template = _env.get_template("report.html")
    return template.render(
        report=report,
        s={name: table.to_pylist() for name, table in report.sections.items()},
        plotlyjs=get_plotlyjs(),
        charts={
            "velocity": velocity_chart(report),
            "funnels": funnel_charts(report),
            "time_in_stage": time_in_stage_chart(report),
            "cycle": cycle_chart(report),
            "speed_to_lead": speed_to_lead_chart(report),
        },
        over=over_time_charts(report),
        quadrant=_quadrant(report),
        generated=clock.stamp(),
        version=salesvelocity.__version__,
        no_data=NO_DATA,
        currency=report.currency,
        lang=language(),
        sections=BY_NAME,
    )
