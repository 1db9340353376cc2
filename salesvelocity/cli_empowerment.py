"""Empowerment commands: recognise, pulse, obstacle, coach, health (registered on the main app)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from salesvelocity.cli import (
    HEALTH_HTML,
    Format,
    _emit,
    _write,
    app,
    check_output,
    console,
    only_as_self,
    open_store,
    open_view,
    parse_day,
    settings,
    to_json,
    view_of,
)
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.i18n import day as show_day

pulse_app = typer.Typer(
    help="Anonymous pulse check-ins: answer, and see results shown only over ≥ k people.", no_args_is_help=True
)
obstacle_app = typer.Typer(
    help="Obstacles: a rep asks for help, the manager responds and resolves.", no_args_is_help=True
)
app.add_typer(pulse_app, name="pulse")
app.add_typer(obstacle_app, name="obstacle")


def _as_of(store, given: str | None) -> date:
    from salesvelocity.report.build import default_window

    return parse_day(given, "--as-of") or default_window(store)[1]


@app.command()
def recognise(
    message: Annotated[str, typer.Argument(help="What you appreciate — be specific.")],
    given_by: Annotated[str, typer.Option("--from", help="Who gives the recognition (person_id).")],
    given_to: Annotated[str, typer.Option("--to", help="Who receives it (person_id).")],
    deal: Annotated[str | None, typer.Option("--deal", help="The deal it is about, if any.")] = None,
) -> None:
    """Record kudos from one person to another (a manager's or a peer's), optionally for a deal.

    Recognition feeds the recognition gap (days since a person was last recognised), team coverage
    (share of members recognised in the last 30 days) and the list of unrecognised wins.
    """
    from salesvelocity.empowerment.recognition import recognise as record

    store = open_store(create=True)
    only_as_self(store, given_by, "--from")
    recognition_id = record(store, given_by, given_to, message, deal)
    store.close()
    console.print(f"recorded {recognition_id}: {given_by} → {given_to}", highlight=False)


@pulse_app.command("answer")
def pulse_answer(
    person: Annotated[str, typer.Option("--person", help="Who answers (stored only as an opaque token).")],
    question: Annotated[str, typer.Option("--question", help="Question id, see `salesvelocity pulse questions`.")],
    score: Annotated[int, typer.Option("--score", help="1–5, or 0–10 for enps.")],
) -> None:
    """Record one pulse answer. The person is stored only as an opaque token under their team."""
    from salesvelocity.empowerment.pulse import record_response

    store = open_store(create=True)
    only_as_self(store, person, "--person")
    record_response(store, person, question, score, questions=settings().pulse_questions)
    store.close()
    console.print("answer recorded anonymously — thank you")


@pulse_app.command("questions")
def pulse_questions() -> None:
    """List the pulse questions (set your own under [pulse_questions] in salesvelocity.toml)."""
    from salesvelocity.empowerment.pulse import DEFAULT_QUESTIONS

    for key, text in (settings().pulse_questions or DEFAULT_QUESTIONS).items():
        console.print(f"{key:13} {text}", highlight=False)


@pulse_app.command("results")
def pulse_show(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Day after the last, YYYY-MM-DD.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Pulse results per team, question and month, shown only where at least k people answered.

    k is the setting pulse_min_respondents (default 5, never below 3). Smaller groups read "not enough
    responses"; if the hidden teams of a month hold fewer than k people together, more teams are hidden
    so that no figure can be subtracted from another to reveal them; hidden teams that reach k together
    are shown merged as "other teams". eNPS = % promoters (9–10) − % detractors (0–6).
    """
    from salesvelocity.empowerment.pulse import pulse_results
    from salesvelocity.report.build import resolve_team

    store = open_view()
    team_id = resolve_team(store, team) if team else None
    result = pulse_results(
        store, settings().pulse_min_respondents, "month", parse_day(from_, "--from"), parse_day(to, "--to"), team_id
    )
    from salesvelocity.report.build import names as names_of

    names = names_of(store, "teams")
    store.close()
    if fmt == Format.json:
        _emit(to_json(result.to_dict()), None, "")
        return
    rows = [g for g in result.groups]
    if fmt == Format.csv:
        import pyarrow as pa

        from salesvelocity.output import to_csv

        columns = ("scope", "team_id", "question", "period_start", "status", "respondents", "mean", "enps")
        table = pa.table({c.replace("period_start", "period"): [getattr(g, c) for g in rows] for c in columns})
        _emit(to_csv(table), None, "")
        return
    from rich.table import Table

    view = Table(title=_("Pulse (shown where at least {k} people answered)", k=result.k), title_justify="left")
    for header in (_("month"), _("question"), _("team"), _("people"), _("result")):
        view.add_column(header, justify="right" if header in (_("people"), _("result")) else "left")
    for g in rows[-60:]:
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


@obstacle_app.command("raise")
def obstacle_raise(
    title: Annotated[str, typer.Argument(help="What is in the way.")],
    raised_by: Annotated[str, typer.Option("--by", help="Who asks for help (person_id).")],
    category: Annotated[str, typer.Option(help="internal or external.")] = "internal",
    deal: Annotated[str | None, typer.Option("--deal", help="The deal it blocks, if any.")] = None,
) -> None:
    """Ask for help with an obstacle (internal: our process, tools, approvals; external: the customer's side)."""
    from salesvelocity.empowerment.obstacles import raise_obstacle

    store = open_store(create=True)
    only_as_self(store, raised_by, "--by")
    obstacle_id = raise_obstacle(store, raised_by, title, category, deal)
    store.close()
    console.print(f"raised {obstacle_id}: {title}", highlight=False)


@obstacle_app.command("respond")
def obstacle_respond(
    obstacle_id: Annotated[str, typer.Argument(help="The obstacle's id.")],
    resolve: Annotated[bool, typer.Option("--resolve", help="It is solved.")] = False,
    resolution: Annotated[str | None, typer.Option(help="How it was solved.")] = None,
) -> None:
    """Acknowledge an obstacle (first response) or resolve it; time-to-help is measured from these."""
    from salesvelocity.empowerment.obstacles import respond

    store = open_store(write=True)
    seen = view_of(store).detail().table("obstacles")  # with --as: only an obstacle that person sees
    if not store.value(seen.filter(seen.obstacle_id == obstacle_id).count()):
        store.close()
        raise SalesVelocityError(
            f"unknown obstacle {obstacle_id!r}", hint="`salesvelocity obstacle list` shows the obstacles you see"
        )
    respond(store, obstacle_id, resolve=resolve, resolution=resolution)
    store.close()
    console.print(f"{obstacle_id} {'resolved' if resolve else 'acknowledged'}")


@obstacle_app.command("list")
def obstacle_list(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD [default: today or the data's end].")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Open obstacles by age, and time-to-help (first response and resolution, P50/P85, in hours)."""
    from salesvelocity.empowerment.obstacles import open_obstacles, time_to_help
    from salesvelocity.metrics import Window
    from salesvelocity.report.build import resolve_team

    store = open_view()
    day = _as_of(store, as_of)
    team_id = resolve_team(store, team) if team else None
    from salesvelocity.report.build import names

    still = store.execute(open_obstacles(store.detail(), day, team_id))  # who raised what: one by one
    help_ = store.execute(time_to_help(store, Window.of(day.replace(year=day.year - 1), day)))
    teams = names(store, "teams")
    store.close()
    import pyarrow as pa

    help_ = help_.append_column(
        "team", pa.array([teams.get(t, "all teams" if t == "all" else t) for t in help_.column("team_id").to_pylist()])
    )
    if fmt == Format.json:
        _emit(to_json({"open": still, "time_to_help": help_}), None, "")
        return
    if fmt == Format.csv:
        from salesvelocity.output import to_csv

        _emit(to_csv(still), None, "")
        return
    from salesvelocity.output import rich_table

    console.print(
        rich_table(
            _("Open obstacles, oldest first"),
            still,
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
            help_,
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


@app.command()
def coach(
    person: Annotated[str, typer.Argument(help="The person the 1:1 is with (person_id).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD [default: today or the data's end].")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """A 1:1 agenda for one person, phrased as questions, each with the reason behind it.

    From their deals past the stage's P85, wins nobody recognised, open obstacles, a recent signal in
    their own velocity, and one rotating support question. Never a score or a ranking.
    """
    from salesvelocity.empowerment.coaching import coaching_prompts

    store = open_view()
    from salesvelocity.report.build import names

    prompts = coaching_prompts(store, person, _as_of(store, as_of))
    name = names(store.detail(), "people").get(person, person)
    store.close()
    if fmt == Format.json:
        _emit(to_json([dataclasses.asdict(p) for p in prompts]), None, "")
        return
    console.print(_("1:1 agenda for {name}", name=name), style="bold", highlight=False)
    for i, p in enumerate(prompts, 1):
        console.print(f"{i}. {p.question}", highlight=False)
        console.print(_("   why: {reason}", reason=p.reason), style="dim", highlight=False)


@app.command()
def health(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD [default: today or the data's end].")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or html.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output file or folder.")] = False,
) -> None:
    """Team health: velocity beside empowerment per team, and early warnings for each person's manager.

    Early warnings (never from pulse answers, which stay anonymous): no recognition for over 30 days, an
    obstacle open over 14 days, a downward signal in the person's own velocity, no 1:1 in 21 days — each
    explained, with a question to ask. Balance: velocity index (last 90 days vs the 180 before) beside an
    empowerment index (recognition coverage, obstacles answered within 48 h, pulse on appreciation and
    support where at least k answered), with a plain reading. People are listed by name, never ranked.
    """
    from salesvelocity.empowerment.health import balance, early_warnings
    from salesvelocity.report.build import resolve_team

    check_output(fmt, output, force, HEALTH_HTML)
    store = open_view()
    day = _as_of(store, as_of)
    team_id = resolve_team(store, team) if team else None
    notes: list[str] = []
    teams = [
        b
        for b in balance(store, day, settings().pulse_min_respondents, notes)
        if team_id is None or b.team_id == team_id
    ]
    people = early_warnings(store, day, team_id)
    store.close()
    if fmt == Format.json:
        _emit(to_json({"as_of": day, "teams": teams, "people": people}), output, "JSON health", force)
        return
    if fmt == Format.html:
        from salesvelocity.report.empowerment_html import health_page

        _write(health_page(teams, people, day), output, "HTML health", force, default=HEALTH_HTML)
        return
    render_health(teams, people, day)
    for note in notes:
        console.print(_("note: {note}", note=note), style="yellow", highlight=False)


def render_health(teams, people, day: date) -> None:
    from rich.table import Table

    from salesvelocity.console import keep, prose
    from salesvelocity.output import fmt_number

    view = Table(title=_("Velocity beside empowerment, as of {date}", date=show_day(day)), title_justify="left")
    for header in (_("team"), _("velocity index"), _("empowerment"), _("reading")):
        view.add_column(header, justify="right" if header in (_("velocity index"), _("empowerment")) else "left")
    prose(view.columns[3])
    keep(view.columns[3])
    for b in teams:
        view.add_row(
            b.name, fmt_number(b.velocity_index, "ratio"), fmt_number(b.empowerment_index, "percent"), b.reading
        )
    view.caption = _("velocity index = velocity of the last 90 days ÷ its usual level (the 180 days before)")
    view.caption_justify = "left"
    console.print(view)
    names = {b.team_id: b.name for b in teams}
    warned = [p for p in people if p.warnings]
    console.print(
        _(
            "Early warnings: {n} of {total} people — for their manager, as questions to ask",
            n=len(warned),
            total=len(people),
        ),
        highlight=False,
    )
    for p in warned:
        console.print(f"  {p.name} ({names.get(p.team_id, p.team_id or _('no team'))})", style="bold", highlight=False)
        for w in p.warnings:
            console.print(f"    {w.signal}: {w.explanation}", highlight=False)
            console.print(_("      ask: {question}", question=w.question), style="dim", highlight=False)
