"""Empowerment results in the terminal: team health, pulse, obstacles, the 1:1 agenda and kudos."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from salesvelocity.console import keep, prose
from salesvelocity.i18n import _, day
from salesvelocity.output import fmt_number, rich_table

if TYPE_CHECKING:
    from rich.console import Console

    from salesvelocity.empowerment.pulse import PulseResults
    from salesvelocity.services.coaching import Agenda
    from salesvelocity.services.health import Health
    from salesvelocity.services.obstacles import Obstacles
    from salesvelocity.services.recognition import Kudos

PULSE_ROWS = 60


def render_health(result: Health, console: Console) -> None:
    """The balance per team, then each warned person with what was seen and a question to ask."""
    view = Table(title=_("Velocity beside empowerment, as of {date}", date=day(result.as_of)), title_justify="left")
    for header in (_("team"), _("velocity index"), _("empowerment"), _("reading")):
        view.add_column(header, justify="right" if header in (_("velocity index"), _("empowerment")) else "left")
    prose(view.columns[3])
    keep(view.columns[3])
    for b in result.teams:
        view.add_row(
            b.name, fmt_number(b.velocity_index, "ratio"), fmt_number(b.empowerment_index, "percent"), b.reading
        )
    view.caption = _("velocity index = velocity of the last 90 days ÷ its usual level (the 180 days before)")
    view.caption_justify = "left"
    console.print(view)
    names = result.team_names
    warned = [p for p in result.people if p.warnings]
    console.print(
        _(
            "Early warnings: {n} of {total} people — for their manager, as questions to ask",
            n=len(warned),
            total=len(result.people),
        ),
        highlight=False,
    )
    for p in warned:
        console.print(f"  {p.name} ({names.get(p.team_id, p.team_id or _('no team'))})", style="bold", highlight=False)
        for w in p.warnings:
            console.print(f"    {w.signal}: {w.explanation}", highlight=False)
            console.print(_("      ask: {question}", question=w.question), style="dim", highlight=False)
    for note in result.notes:
        console.print(_("note: {note}", note=note), style="yellow", highlight=False)


def render_pulse(result: PulseResults, console: Console) -> None:
    """The latest cells (a hidden one says why), then the verdict of each team's series."""
    names = result.team_names
    view = Table(title=_("Pulse (shown where at least {k} people answered)", k=result.k), title_justify="left")
    for header in (_("month"), _("question"), _("team"), _("people"), _("result")):
        view.add_column(header, justify="right" if header in (_("people"), _("result")) else "left")
    for g in result.groups[-PULSE_ROWS:]:
        shown = g.status == "shown"
        value = (
            (f"eNPS {g.enps:+.0f}".replace("-", "−") if g.enps is not None else f"{g.mean:.2f}") if shown else g.status
        )
        who = names.get(g.team_id, g.team_id) if g.team_id else g.scope
        view.add_row(f"{g.period_start:%Y-%m}", g.question, who, str(g.respondents) if shown else "", value)
    view.caption = _("mean on the 1–5 scale; eNPS = promoters (9–10) − detractors (0–6), in points")
    view.caption_justify = "left"
    console.print(view)
    for (team_key, question), lines in result.verdicts.items():
        console.print(f"  {names.get(team_key, team_key)} {_(question)}: {lines[0]}", highlight=False)


def render_obstacles(result: Obstacles, console: Console) -> None:
    console.print(
        rich_table(
            _("Open obstacles, oldest first"),
            result.open,
            [
                ("raised_by_name", _("raised by"), "text"),
                ("title", _("title"), "text"),
                ("age_days", _("open for"), "days"),
                ("responded", _("answered"), "yes_no"),
                ("category", _("kind"), "text"),
                ("obstacle_id", _("id"), "text"),
            ],
        )
    )
    console.print(
        rich_table(
            _("Time to help over the last year"),
            result.time_to_help,
            [
                ("team", _("team"), "text"),
                ("raised", _("raised"), "int"),
                ("first_response_p50_h", _("first answer P50"), "hours"),
                ("first_response_p85_h", _("P85"), "hours"),
                ("resolve_p50_h", _("resolved P50"), "hours"),
                ("resolve_p85_h", _("P85"), "hours"),
            ],
        )
    )


def render_agenda(result: Agenda, console: Console) -> None:
    console.print(_("1:1 agenda for {name}", name=result.name), style="bold", highlight=False)
    for i, p in enumerate(result.prompts, 1):
        console.print(f"{i}. {p.question}", highlight=False)
        console.print(_("   why: {reason}", reason=p.reason), style="dim", highlight=False)


def render_kudos(result: Kudos, console: Console) -> None:
    view = rich_table(
        _("Kudos, newest first"),
        result.rows,
        [
            ("given_at", _("when"), "date"),
            ("from_name", _("from"), "text"),
            ("to_name", _("to"), "text"),
            ("message", _("message"), "text"),
        ],
    )
    prose(view.columns[3])
    console.print(view)
    if not result.rows.num_rows:
        console.print(_("no kudos yet — `salesvelocity recognise` records one"), highlight=False)
