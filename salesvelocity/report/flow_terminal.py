"""Trend, forecast and patience-guard results in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from salesvelocity.output import fmt_number
from salesvelocity.patience import Judgment
from salesvelocity.report.forecast_view import ForecastResult
from salesvelocity.report.trend import WORDS, Trend

KIND = {
    "velocity": "money",
    "won_amount": "money",
    "deal_size": "money",
    "win_rate": "percent",
    "cycle": "days",
    "throughput": "int",
    "created": "int",
    "net_flow": "int",
    "wip": "int",
}


def render_trend(trend: Trend, console: Console, periods: int = 8) -> None:
    kind = KIND[trend.metric]
    console.print(
        Text(
            f"{trend.metric} per {trend.cadence}, {trend.start} – {trend.end}"
            + (f" — team {trend.team_name}" if trend.team else ""),
            style="bold",
        )
    )
    if not trend.groups:
        console.print("no data in this window")
    for g in trend.groups:
        from salesvelocity.console import prose

        label = "all deals" if g.group == "all" else g.label
        table = Table(title=label, title_justify="left", show_edge=False)
        table.add_column("period")
        table.add_column(WORDS.get(trend.metric, trend.metric), justify="right")
        table.add_column("signal")
        prose(table.columns[2])
        for p in g.points[-periods:]:
            flag = {"running": "running — not judged yet", "outside the data": "outside the data"}.get(
                p["status"], p["signal"]
            )
            table.add_row(f"{p['period_start']}", fmt_number(p["value"], kind), flag)
        console.print(table)
        if g.chart is not None:
            console.print(
                f"  average {fmt_number(g.chart.centre, kind)}, natural limits {fmt_number(g.chart.lower, kind)} – "
                f"{fmt_number(g.chart.upper, kind)} (baseline: {g.chart.baseline} periods)",
                highlight=False,
            )
        for line in g.verdict:
            console.print(f"  → {line}", highlight=False)
    for a in trend.annotations:
        console.print(f"change {a['at']}: {a['label']} ({a['scope_name'] or 'company'})", highlight=False)


def render_forecast(result: ForecastResult, console: Console) -> None:
    what = "won deals" if result.metric == "count" else "won amount"
    console.print(
        Text(
            f"Forecast of {what} from {result.as_of}" + (f" — team {result.team_name}" if result.team else ""),
            style="bold",
        )
    )
    console.print(
        f"{result.trials:,} trials resampling the last {result.history_days} days "
        f"({fmt_number(result.history_total, 'money')} {what} in them), seed {result.seed}",
        highlight=False,
    )
    if result.message:
        console.print(Text(result.message, style="yellow"))
        return
    kind = "int" if result.metric == "count" else "money"
    if "how_many" in result.answers:
        a = result.answers["how_many"]
        table = Table(title=f"How much by {a['by_date']} ({a['days']} days)?", title_justify="left")
        table.add_column("confidence")
        table.add_column("at least", justify="right")
        for c, v in a["by_confidence"].items():
            table.add_row(f"{c} %", fmt_number(v, kind))
        console.print(table)
    if "when" in result.answers:
        a = result.answers["when"]
        table = Table(title=f"When will we reach {fmt_number(a['reach'], kind)}?", title_justify="left")
        table.add_column("confidence")
        table.add_column("by", justify="right")
        for c, d in a["by_confidence"].items():
            table.add_row(f"{c} %", str(d) if d else "not within 3 years")
        console.print(table)
    if "target" in result.answers:
        a = result.answers["target"]
        if "message" in a:
            console.print(a["message"])
        else:
            console.print(
                f"Target {fmt_number(a['target'], kind)} for {a['period'][0]} – {a['period'][1]}: "
                f"{fmt_number(a['so_far'], kind)} so far, {fmt_number(a['remaining'], kind)} to go in "
                f"{a['days_left']} days → {fmt_number(a['probability'], 'percent')} chance",
                highlight=False,
            )
    if "pipeline" in result.answers:
        console.print(f"Open pipeline: {result.answers['pipeline']['reading']}", highlight=False)
    if "backtest" in result.answers:
        a = result.answers["backtest"]
        console.print(
            f"Backtest: the real {a['horizon_days']}-day outcome was at or above the 85 % line in "
            f"{a['hits']} of {a['origins']} past forecasts ({fmt_number(a['hit_rate'], 'percent')}; "
            f"well calibrated ≈ 85 %)",
            highlight=False,
        )


def render_judgments(judgments: list[Judgment], console: Console) -> None:
    """One row per change: what the data says in words, judged on equal windows before and after."""
    from salesvelocity.console import keep, prose

    if not judgments:
        console.print('no changes recorded yet: `salesvelocity annotate "what changed" --at YYYY-MM-DD`')
        return
    table = Table(title="Changes and what the data says (patience guard)", title_justify="left", caption_justify="left")
    for header in ("since", "change", "team", "reading"):
        table.add_column(header)
    prose(table.columns[1])
    prose(table.columns[3])
    keep(table.columns[3])
    for j in judgments:
        lines = [v.reading for v in j.verdicts if v.signal and v.evidence] or [j.summary]
        table.add_row(f"{j.at:%Y-%m-%d}", j.label, j.scope_name or j.scope_id or "company", "\n".join(lines))
    table.caption = "judged on equal windows: the weeks before the change against as many weeks from its judgment date"
    console.print(table)
