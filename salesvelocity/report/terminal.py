"""The report in the terminal: Rich tables that read well at 100 columns."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from salesvelocity.output import fmt_number, rich_table
from salesvelocity.report.build import Report

TERMINAL_STUCK_ROWS = 10
GROUP = {"team": "team", "person": "rep", None: "scope"}


def render_terminal(report: Report, console: Console) -> None:
    """Print every section of ``report`` with a one-line reading where it helps."""
    render_funnel(report, console)
    render_over_time(report, console)
    render_team_health(report, console)


def render_funnel(report: Report, console: Console) -> None:
    """The funnel sections."""
    s = report.sections
    who = GROUP.get(report.by, report.by or "scope")
    scope = f" — team {report.team_name}" if report.team else ""
    console.print(
        Text(
            f"Funnel report {report.start:%Y-%m-%d} – {report.end:%Y-%m-%d}{scope} (as of {report.as_of:%Y-%m-%d}; "
            f"amounts in {report.currency})",
            style="bold",
        )
    )
    render_headline(report, console)
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))

    show(
        console,
        report,
        "velocity",
        rich_table(
            "Sales velocity",
            s["velocity"],
            [
                ("label", who, "text"),
                ("velocity_per_day", "velocity /day", "money"),
                ("won_per_day", "won /day", "money"),
                ("open_avg", "open deals avg", "decimal"),
                ("win_rate", "win rate", "percent"),
                ("avg_deal_size", "avg deal", "money"),
                ("cycle_days", "cycle", "days"),
            ],
            caption="velocity = open deals (average) × win rate × avg deal ÷ cycle, per day (Little's law); "
            "won /day = won amount in the window ÷ its days; win rate = won ÷ (won + lost) closed in window",
        ),
    )
    show(
        console,
        report,
        "cycle",
        rich_table(
            "Cycle length of won deals",
            s["cycle"],
            [
                ("label", who, "text"),
                ("won", "won", "int"),
                ("cycle_mean_days", "mean", "days"),
                ("cycle_median_days", "median", "days"),
                ("cycle_p85_days", "P85", "days"),
            ],
        ),
    )
    show(
        console,
        report,
        "funnel",
        rich_table(
            "Funnel: stage conversion (deals created in window; skipped stages count as passed)",
            s["funnel"],
            [
                ("pipeline", "pipeline", "text"),
                ("stage", "stage", "text"),
                ("reached", "reached", "int"),
                ("undecided", "still open", "int"),
                ("conversion", "conversion", "percent"),
                ("drop_off", "drop-off", "percent"),
            ],
        ),
    )
    bottlenecks = [r for r in s["bottleneck"].to_pylist() if r["is_bottleneck"]]
    reading = "; ".join(
        f"{r['pipeline']}: {r['stage']} holds {fmt_number(r['share'], 'percent')} of won deals' time"
        for r in bottlenecks
    )
    show(
        console,
        report,
        "time_in_stage",
        rich_table(
            "Time in stage (completed visits, days)",
            s["time_in_stage"],
            [
                ("pipeline", "pipeline", "text"),
                ("stage", "stage", "text"),
                ("deals", "deals", "int"),
                ("p50_days", "P50", "days"),
                ("p85_days", "P85", "days"),
                ("p95_days", "P95", "days"),
            ],
            caption=f"bottleneck — {reading}" if reading else None,
        ),
    )
    show(
        console,
        report,
        "aging",
        rich_table(
            "Aging open deals (at risk: age in stage > P85; stuck: > P95)",
            s["aging"],
            [
                ("label", who, "text"),
                ("open_deals", "open", "int"),
                ("at_risk", "at risk", "int"),
                ("stuck", "stuck", "int"),
                ("stuck_amount", "stuck amount", "money"),
            ],
        ),
    )
    if s["stuck_deals"].num_rows:
        console.print(
            rich_table(
                "Where help is needed: oldest stuck and at-risk deals",
                s["stuck_deals"].slice(0, TERMINAL_STUCK_ROWS),
                [
                    ("deal_id", "deal", "text"),
                    ("owner", "owner", "text"),
                    ("stage", "stage", "text"),
                    ("age_days", "age", "days"),
                    ("p95_days", "P95", "days"),
                    ("flag", "flag", "text"),
                    ("amount", "amount", "money"),
                ],
                caption="ask: what would help move this deal on?",
            )
        )
    show(
        console,
        report,
        "speed_to_lead",
        rich_table(
            "Speed-to-lead (minutes to first touch)",
            s["speed_to_lead"],
            [
                ("label", GROUP.get(report.by, report.by) if s["speed_to_lead"].num_rows > 1 else "scope", "text"),
                ("leads", "leads", "int"),
                ("p50_minutes", "P50", "minutes"),
                ("p85_minutes", "P85", "minutes"),
                ("share_0_5", "<5m", "percent"),
                ("share_5_15", "5–15", "percent"),
                ("share_15_60", "15–60", "percent"),
                ("share_60_plus", "60m+", "percent"),
                ("share_never", "never", "percent"),
            ],
        ),
    )
    show(
        console,
        report,
        "slippage",
        rich_table(
            "Slippage",
            s["slippage"],
            [
                ("label", who, "text"),
                ("open_deals", "open", "int"),
                ("overdue", "overdue", "int"),
                ("overdue_amount", "overdue amt", "money"),
                ("won_late_share", "won late", "percent"),
                ("mean_slip_days", "avg slip", "days"),
            ],
            caption="overdue: open past expected close date; won late: closed after it",
        ),
    )
    show(
        console,
        report,
        "coverage",
        rich_table(
            "Pipeline coverage of current targets",
            s["coverage"],
            [
                ("label", who if report.by in ("team", "person") else "scope", "text"),
                ("period_end", "period end", "text"),
                ("target", "target", "money"),
                ("won", "won", "money"),
                ("remaining", "remaining", "money"),
                ("coverage", "coverage", "ratio"),
                ("weighted_coverage", "weighted", "ratio"),
            ],
            caption="coverage = open pipeline expected to close in the period ÷ remaining target",
        ),
    )


def render_headline(report: Report, console: Console) -> None:
    """The first screen: won vs target, velocity against its usual level, won per day, what needs you now."""
    if report.headline is None:
        return
    console.print(Text("At a glance", style="bold"))
    for tile in report.headline.tiles:
        if tile.key == "needs_you":
            console.print(Text(f"  {tile.title}:", style="bold"))
            for line in report.headline.needs_you or [tile.detail]:
                console.print(Text(f"  • {line}"))
            continue
        unit = (
            f"\u00a0{report.currency}/day" if tile.key in ("velocity", "won_per_day") and tile.tone != "nodata" else ""
        )
        console.print(Text(f"  {tile.title}: {tile.value}{unit} — {tile.detail}"))


def show(console: Console, report: Report, name: str, view) -> None:
    """Print a section's table, or its title and why it has no data (never 0 % or 100 % for a missing input)."""
    why = report.no_data.get(name)
    if why is None:
        console.print(view)
        return
    console.print(Text(str(view.title), style="bold"))
    console.print(Text(f"no data — {why}", style="yellow"))


def render_over_time(report: Report, console: Console) -> None:
    """Velocity per week with verdicts, the forecast, and the verdict on recorded changes."""
    from salesvelocity.report.flow_terminal import render_judgments

    over = report.over_time
    if over is None:
        return
    console.print(Text("Velocity over time (per week, signal vs noise)", style="bold"))
    for g in over.trend.groups:
        for line in g.verdict[:2]:
            console.print(f"  {g.label}: {line}", highlight=False)
    forecast = over.forecast
    if forecast is not None:
        if forecast.message:
            console.print(f"Forecast: {forecast.message}", highlight=False)
        elif "how_many" in forecast.answers:
            a = forecast.answers["how_many"]
            console.print(
                f"Forecast of won amount by {a['by_date']}: at least {fmt_number(a['by_confidence']['85'], 'money')} "
                f"with 85 % confidence ({fmt_number(a['by_confidence']['50'], 'money')} at 50 %)",
                highlight=False,
            )
            target = forecast.answers.get("target", {})
            if "probability" in target:
                console.print(
                    f"  chance of reaching the target ({fmt_number(target['target'], 'money')}, "
                    f"{fmt_number(target['remaining'], 'money')} to go): "
                    f"{fmt_number(target['probability'], 'percent')}",
                    highlight=False,
                )
    render_judgments(over.judgments, console)


def render_team_health(report: Report, console: Console) -> None:
    """Velocity beside empowerment per team, and where a manager can help."""
    health = report.health
    if health is None or not health.rows:
        return
    import pyarrow as pa

    from salesvelocity.console import keep, prose

    view = rich_table(
        "Team health: velocity beside empowerment",
        pa.Table.from_pylist(health.rows),
        [
            ("team", "team", "text"),
            ("velocity_index", "velocity idx", "ratio"),
            ("empowerment_index", "empowerment", "percent"),
            ("recognition_coverage", "recognised 30d", "percent"),
            ("unrecognised_wins", "unthanked wins", "int"),
            ("first_response_p50_h", "help P50", "hours"),
            ("open_obstacles", "open obstacles", "int"),
            ("reading", "reading", "text"),
        ],
    )
    prose(view.columns[-1])
    keep(view.columns[-1])
    console.print(view)
    if health.unrecognised:
        console.print(
            rich_table(
                "Wins nobody recognised yet (a thank-you is still welcome)",
                pa.Table.from_pylist(health.unrecognised[:8]),
                [
                    ("deal_id", "deal", "text"),
                    ("owner", "owner", "text"),
                    ("closed_at", "won", "date"),
                    ("amount", "amount", "money"),
                ],
            )
        )
