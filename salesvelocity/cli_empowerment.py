"""Empowerment commands: recognise, kudos, pulse, obstacle, coach, health (registered on the main app).

Each is a thin layer over a service (``salesvelocity.services``) and the renderer registry."""

from pathlib import Path
from typing import Annotated

import typer

from salesvelocity.cli import Format, app, check_output, console, context, deliver, err, parse_day

pulse_app = typer.Typer(
    help="Anonymous pulse check-ins: answer, and see results shown only over ≥ k people.", no_args_is_help=True
)
obstacle_app = typer.Typer(
    help="Obstacles: a rep asks for help, the manager responds and resolves.", no_args_is_help=True
)
app.add_typer(pulse_app, name="pulse")
app.add_typer(obstacle_app, name="obstacle")

AS_OF_HELP = "YYYY-MM-DD [default: today or the data's end]."


def sent(ctx) -> None:
    """Send the e-mail and chat messages a recording made; say what could not be sent (it stays recorded)."""
    for problem in ctx.send_outbox():
        err.print(f"note: {problem}", highlight=False)


@app.command()
def recognise(
    message: Annotated[str, typer.Argument(help="What you appreciate — be specific.")],
    given_by: Annotated[str, typer.Option("--from", help="Who gives the recognition (person id or name).")],
    given_to: Annotated[str, typer.Option("--to", help="Who receives it (person id or name).")],
    deal: Annotated[str | None, typer.Option("--deal", help="The deal it is about, if any.")] = None,
) -> None:
    """Record kudos from one person to another (a manager's or a peer's), optionally for a deal.

    Recognition feeds the recognition gap (days since a person was last recognised), team coverage
    (share of members recognised in the last 30 days) and the list of unrecognised wins.
    """
    from salesvelocity.services.recognition import give

    with context(create=True) as ctx:
        recognition_id = give(ctx, given_to, message, deal, given_by=given_by)
    sent(ctx)
    console.print(f"recorded {recognition_id}: {given_by} → {given_to}", highlight=False)


@app.command()
def kudos(
    person: Annotated[
        str | None, typer.Option("--person", help="Only kudos given to or by this person (id or name).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """The kudos you may see, newest first: who thanked whom, and for what."""
    from salesvelocity.services.recognition import kudos as seen

    check_output(fmt, None, False, "Kudos")
    with context() as ctx:
        result = seen(ctx, person, limit)
    deliver(result, fmt)


@pulse_app.command("answer")
def pulse_answer(
    person: Annotated[str, typer.Option("--person", help="Who answers (stored only as an opaque token).")],
    question: Annotated[str, typer.Option("--question", help="Question id, see `salesvelocity pulse questions`.")],
    score: Annotated[int, typer.Option("--score", help="1–5, or 0–10 for enps.")],
) -> None:
    """Record one pulse answer. The person is stored only as an opaque token under their team."""
    from salesvelocity.services.pulse import answer

    with context(create=True) as ctx:
        answer(ctx, question, score, person=person)
    console.print("answer recorded anonymously — thank you")


@pulse_app.command("questions")
def pulse_questions() -> None:
    """List the pulse questions (set your own under [pulse_questions] in salesvelocity.toml)."""
    from salesvelocity.cli import settings
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
    from salesvelocity.services.pulse import results

    check_output(fmt, None, False, "PulseResults")
    with context(start=parse_day(from_, "--from"), end=parse_day(to, "--to")) as ctx:
        result = results(ctx, team)
    deliver(result, fmt)


@obstacle_app.command("raise")
def obstacle_raise(
    title: Annotated[str, typer.Argument(help="What is in the way.")],
    raised_by: Annotated[str, typer.Option("--by", help="Who asks for help (person id or name).")],
    category: Annotated[str, typer.Option(help="internal or external.")] = "internal",
    deal: Annotated[str | None, typer.Option("--deal", help="The deal it blocks, if any.")] = None,
) -> None:
    """Ask for help with an obstacle (internal: our process, tools, approvals; external: the customer's side)."""
    from salesvelocity.services.obstacles import raise_

    with context(create=True) as ctx:
        obstacle_id = raise_(ctx, title, category, deal, by=raised_by)
    console.print(f"raised {obstacle_id}: {title}", highlight=False)


@obstacle_app.command("respond")
def obstacle_respond(
    obstacle_id: Annotated[str, typer.Argument(help="The obstacle's id.")],
    resolve: Annotated[bool, typer.Option("--resolve", help="It is solved.")] = False,
    resolution: Annotated[str | None, typer.Option(help="How it was solved.")] = None,
    message: Annotated[
        str | None, typer.Option("--message", help="What you say to the person who raised it (their inbox).")
    ] = None,
) -> None:
    """Acknowledge an obstacle (first response) or resolve it; time-to-help is measured from these."""
    from salesvelocity.services.obstacles import respond

    with context(write=True) as ctx:
        respond(ctx, obstacle_id, resolve=resolve, resolution=resolution, message=message)
    sent(ctx)
    console.print(f"{obstacle_id} {'resolved' if resolve else 'acknowledged'}")


@obstacle_app.command("list")
def obstacle_list(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.table,
) -> None:
    """Open obstacles by age, and time-to-help (first response and resolution, P50/P85, in hours)."""
    from salesvelocity.services.obstacles import overview

    check_output(fmt, None, False, "Obstacles")
    with context(as_of=parse_day(as_of, "--as-of")) as ctx:
        result = overview(ctx, team)
    deliver(result, fmt)


@app.command()
def coach(
    person: Annotated[str, typer.Argument(help="The person the 1:1 is with (id or name).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """A 1:1 agenda for one person, phrased as questions, each with the reason behind it.

    From their deals past the stage's P85, wins nobody recognised, open obstacles, a recent signal in
    their own velocity, and one rotating support question. Never a score or a ranking.
    """
    from salesvelocity.services.coaching import agenda

    check_output(fmt, None, False, "Agenda")
    with context(as_of=parse_day(as_of, "--as-of")) as ctx:
        result = agenda(ctx, person)
    deliver(result, fmt)


@app.command()
def health(
    team: Annotated[str | None, typer.Option("--team", help="Only this team (id or name).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
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
    from salesvelocity.services.health import health as team_health

    check_output(fmt, output, force, "Health")
    with context(as_of=parse_day(as_of, "--as-of")) as ctx:
        result = team_health(ctx, team)
    deliver(result, fmt, output, force)
