"""The report in the terminal: Rich tables that read well at 100 columns."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from salesvelocity.i18n import _, day
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
    who = _(GROUP.get(report.by, report.by or "scope"))
    scope = _(" — team {team}", team=report.team_name) if report.team else ""
    console.print(
        Text(
            _(
                "Funnel report {start} – {end}{scope} (as of {as_of}; amounts in {currency})",
                start=day(report.start),
                end=day(report.last_day),
                scope=scope,
                as_of=day(report.last_day),
                currency=report.currency,
            ),
            style="bold",
        )
    )
    if report.viewer:
        console.print(Text(report.viewer, style="italic"))
    render_headline(report, console)
    for note in report.notes:
        console.print(Text(_("note: {note}", note=note), style="yellow"))

    show(
        console,
        report,
        "velocity",
        rich_table(
            _("Sales velocity"),
            s["velocity"],
            [
                ("label", who, "text"),
                ("velocity_per_day", _("velocity /day"), "money"),
                ("won_per_day", _("won /day"), "money"),
                ("open_avg", _("open deals avg"), "decimal"),
                ("win_rate", _("win rate"), "percent"),
                ("avg_deal_size", _("avg deal"), "money"),
                ("cycle_days", _("cycle"), "days"),
            ],
            caption=_(
                "velocity = open deals (average) × win rate × avg deal ÷ cycle, per day (Little's law); "
                "won /day = won amount in the window ÷ its days; win rate = won ÷ (won + lost) closed in window"
            ),
        ),
    )
    show(
        console,
        report,
        "cycle",
        rich_table(
            _("Cycle length of won deals"),
            s["cycle"],
            [
                ("label", who, "text"),
                ("won", _("won"), "int"),
                ("cycle_mean_days", _("mean"), "days"),
                ("cycle_median_days", _("median"), "days"),
                ("cycle_p85_days", _("P85"), "days"),
            ],
        ),
    )
    show(
        console,
        report,
        "funnel",
        rich_table(
            _("Funnel: stage conversion (deals created in window; skipped stages count as passed)"),
            s["funnel"],
            [
                ("pipeline", _("pipeline"), "text"),
                ("stage", _("stage"), "text"),
                ("reached", _("reached"), "int"),
                ("undecided", _("still open"), "int"),
                ("conversion", _("conversion"), "percent"),
                ("drop_off", _("drop-off"), "percent"),
            ],
        ),
    )
    bottlenecks = [r for r in s["bottleneck"].to_pylist() if r["is_bottleneck"]]
    reading = "; ".join(
        _(
            "{pipeline}: {stage} holds {share} of won deals' time",
            pipeline=r["pipeline"],
            stage=r["stage"],
            share=fmt_number(r["share"], "percent"),
        )
        for r in bottlenecks
    )
    show(
        console,
        report,
        "time_in_stage",
        rich_table(
            _("Time in stage (completed visits, days)"),
            s["time_in_stage"],
            [
                ("pipeline", _("pipeline"), "text"),
                ("stage", _("stage"), "text"),
                ("deals", _("deals"), "int"),
                ("p50_days", _("P50"), "days"),
                ("p85_days", _("P85"), "days"),
                ("p95_days", _("P95"), "days"),
            ],
            caption=_("bottleneck — {reading}", reading=reading) if reading else None,
        ),
    )
    show(
        console,
        report,
        "aging",
        rich_table(
            _("Aging open deals (at risk: age in stage > P85; stuck: > P95)"),
            s["aging"],
            [
                ("label", who, "text"),
                ("open_deals", _("open"), "int"),
                ("at_risk", _("at risk"), "int"),
                ("stuck", _("stuck"), "int"),
                ("stuck_amount", _("stuck amount"), "money"),
            ],
        ),
    )
    if s["stuck_deals"].num_rows:
        console.print(
            rich_table(
                _("Where help is needed: oldest stuck and at-risk deals"),
                s["stuck_deals"].slice(0, TERMINAL_STUCK_ROWS),
                [
                    ("deal_id", _("deal"), "text"),
                    ("owner", _("owner"), "text"),
                    ("stage", _("stage"), "text"),
                    ("age_days", _("age"), "days"),
                    ("p95_days", _("P95"), "days"),
                    ("flag", _("flag"), "text"),
                    ("amount", _("amount"), "money"),
                ],
                caption=_("ask: what would help move this deal on?"),
            )
        )
    show(
        console,
        report,
        "speed_to_lead",
        rich_table(
            _("Speed-to-lead (minutes to first touch)"),
            s["speed_to_lead"],
            [
                _lead_label(report, s["speed_to_lead"]),
                ("leads", _("leads"), "int"),
                ("p50_minutes", _("P50"), "minutes"),
                ("p85_minutes", _("P85"), "minutes"),
                ("share_0_5", _("<5m"), "percent"),
                ("share_5_15", _("5–15"), "percent"),
                ("share_15_60", _("15–60"), "percent"),
                ("share_60_plus", _("60m+"), "percent"),
                ("share_never", _("never"), "percent"),
            ],
        ),
    )
    show(
        console,
        report,
        "lead_conversion",
        rich_table(
            _("Lead → deal conversion (leads created in the window)"),
            s["lead_conversion"],
            [
                _lead_label(report, s["lead_conversion"]),
                ("leads", _("leads"), "int"),
                ("conversion_rate", _("to deal"), "percent"),
                ("lead_to_win", _("to win"), "percent"),
                ("p50_days", _("P50"), "days"),
                ("p85_days", _("P85"), "days"),
                ("still_open", _("undecided"), "int"),
            ],
            caption=_("P50/P85: days from lead to deal; recent leads have had less time to convert"),
        ),
    )
    show(
        console,
        report,
        "slippage",
        rich_table(
            _("Slippage"),
            s["slippage"],
            [
                ("label", who, "text"),
                ("open_deals", _("open"), "int"),
                ("overdue", _("overdue"), "int"),
                ("overdue_amount", _("overdue amt"), "money"),
                ("won_late_share", _("won late"), "percent"),
                ("mean_slip_days", _("avg slip"), "days"),
            ],
            caption=_("overdue: open past expected close date; won late: closed after it"),
        ),
    )
    show(
        console,
        report,
        "coverage",
        rich_table(
            _("Pipeline coverage of current targets"),
            s["coverage"],
            [
                ("label", who if report.by in ("team", "person") else _("scope"), "text"),
                ("period_end", _("period end"), "text"),
                ("target", _("target"), "money"),
                ("won", _("won"), "money"),
                ("remaining", _("remaining"), "money"),
                ("coverage", _("coverage"), "ratio"),
                ("weighted_coverage", _("weighted"), "ratio"),
            ],
            caption=_("coverage = open pipeline expected to close in the period ÷ remaining target"),
        ),
    )


def render_headline(report: Report, console: Console) -> None:
    """The first screen: won vs target, velocity against its usual level, won per day, what needs you now."""
    if report.headline is None:
        return
    console.print(Text(_("At a glance"), style="bold"))
    for tile in report.headline.tiles:
        if tile.key == "needs_you":
            console.print(Text(f"  {tile.title}:", style="bold"))
            for line in report.headline.needs_you or [tile.detail]:
                console.print(Text(f"  • {line}"))
            continue
        per_day = _("{currency}/day", currency=report.currency)
        unit = f"\u00a0{per_day}" if tile.key in ("velocity", "won_per_day") and tile.tone != "nodata" else ""
        console.print(Text(f"  {tile.title}: {tile.value}{unit} — {tile.detail}"))


def _lead_label(report: Report, table) -> tuple[str, str, str]:
    """The first column of a leads table: the grouping's word, or "scope" for a single row."""
    return ("label", _(GROUP.get(report.by, report.by)) if table.num_rows > 1 else _("scope"), "text")


def show(console: Console, report: Report, name: str, view) -> None:
    """Print a section's table, or its title and why it has no data (never 0 % or 100 % for a missing input)."""
    why = report.no_data.get(name)
    if why is None:
        console.print(view)
        return
    console.print(Text(str(view.title), style="bold"))
    console.print(Text(_("no data — {why}", why=why), style="yellow"))


def render_over_time(report: Report, console: Console) -> None:
    """Velocity per week with verdicts, the forecast, and the verdict on recorded changes."""
    from salesvelocity.report.flow_terminal import render_judgments

    over = report.over_time
    if over is None:
        return
    console.print(Text(_("Velocity over time (per week, signal vs noise)"), style="bold"))
    for g in over.trend.groups:
        for line in g.verdict[:2]:
            console.print(f"  {g.label}: {line}", highlight=False)
    forecast = over.forecast
    if forecast is not None:
        if forecast.message:
            console.print(_("Forecast: {message}", message=forecast.message), highlight=False)
        elif "how_many" in forecast.answers:
            a = forecast.answers["how_many"]
            console.print(
                _(
                    "Forecast of won amount by {date}: at least {low} with 85 % confidence ({likely} at 50 %)",
                    date=day(a["by_date"]),
                    low=fmt_number(a["by_confidence"]["85"], "money"),
                    likely=fmt_number(a["by_confidence"]["50"], "money"),
                ),
                highlight=False,
            )
            target = forecast.answers.get("target", {})
            if "probability" in target:
                console.print(
                    _(
                        "  chance of reaching the target ({target}, {remaining} to go): {chance}",
                        target=fmt_number(target["target"], "money"),
                        remaining=fmt_number(target["remaining"], "money"),
                        chance=fmt_number(target["probability"], "percent"),
                    ),
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
        _("Team health: velocity beside empowerment"),
        pa.Table.from_pylist(health.rows),
        [
            ("team", _("team"), "text"),
            ("velocity_index", _("velocity idx"), "ratio"),
            ("empowerment_index", _("empowerment"), "percent"),
            ("recognition_coverage", _("recognised 30d"), "percent"),
            ("unrecognised_wins", _("unthanked wins"), "int"),
            ("first_response_p50_h", _("help P50"), "hours"),
            ("open_obstacles", _("open obstacles"), "int"),
            ("reading", _("reading"), "text"),
        ],
    )
    prose(view.columns[-1])
    keep(view.columns[-1])
    console.print(view)
    if health.unrecognised:
        console.print(
            rich_table(
                _("Wins nobody recognised yet (a thank-you is still welcome)"),
                pa.Table.from_pylist(health.unrecognised[:8]),
                [
                    ("deal_id", _("deal"), "text"),
                    ("owner", _("owner"), "text"),
                    ("closed_at", _("won"), "date"),
                    ("amount", _("amount"), "money"),
                ],
            )
        )
