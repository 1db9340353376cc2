"""The report in the terminal: Rich tables that read well at 100 columns."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from salesvelocity.i18n import _, day
from salesvelocity.output import fmt_number, rich_table
from salesvelocity.report.build import Report
from salesvelocity.report.sections import SECTIONS


def render_terminal(report: Report, console: Console) -> None:
    """Print every section of ``report`` with a one-line reading where it helps."""
    render_funnel(report, console)
    render_over_time(report, console)
    render_team_health(report, console)


def render_funnel(report: Report, console: Console) -> None:
    """The title, the first screen, then every section of the registry that has a table."""
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

    for section in SECTIONS:
        if section.title is None:
            continue
        table = report.sections[section.name]
        if not section.shown_empty and (table.num_rows == 0 or section.name in report.no_data):
            continue
        if section.terminal_rows is not None:
            table = table.slice(0, section.terminal_rows)
        columns = [(c.key, section.header(c, report, table), c.kind) for c in section.columns if c.terminal]
        view = rich_table(_(section.title), table, columns, caption=section.reading(report))
        show(console, report, section.name, view)


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
    from salesvelocity.console import keep, prose

    view = rich_table(
        _("Team health: velocity beside empowerment"),
        health.rows,  # rows as they are: building an Arrow table from Python values would load pandas
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
                health.unrecognised[:8],
                [
                    ("deal_id", _("deal"), "text"),
                    ("owner", _("owner"), "text"),
                    ("closed_at", _("won"), "date"),
                    ("amount", _("amount"), "money"),
                ],
            )
        )
