"""Obstacles: a rep asks for help, the manager responds and resolves; open ones and time to help."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import pyarrow as pa

from salesvelocity.context import Context
from salesvelocity.empowerment import obstacles as found
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.metrics import Window
from salesvelocity.report.build import names
from salesvelocity.results import Result, Rows
from salesvelocity.services._writes import as_self, writer
from salesvelocity.services.inbox import notify


class Obstacles(Result):
    """Open obstacles the actor may see one by one (oldest first), and time to help per team over a year."""

    as_of: date
    open: Rows
    time_to_help: Rows


def overview(ctx: Context, team: str | None = None) -> Obstacles:
    day, team_id = ctx.day(), ctx.team(team)
    still = ctx.store.execute(found.open_obstacles(ctx.store.detail(), ctx.moment(), team_id))  # who raised what
    help_ = ctx.store.execute(found.time_to_help(ctx.store, Window.of(day.replace(year=day.year - 1), day)))
    teams = names(ctx.store, "teams")
    words = [teams.get(t, _("all teams") if t == "all" else t) for t in help_.column("team_id").to_pylist()]
    return Obstacles(as_of=day, open=still, time_to_help=help_.append_column("team", pa.array(words, pa.string())))


def raise_(ctx: Context, title: str, category: str = "internal", deal: str | None = None, by: str | None = None) -> str:
    """Ask for help as the actor (the admin may raise for ``by``); returns the obstacle's id."""
    return found.raise_obstacle(writer(ctx), as_self(ctx, by, "--by"), title, category, deal)


def respond(
    ctx: Context, obstacle_id: str, resolve: bool = False, resolution: str | None = None, message: str | None = None
) -> None:
    """Acknowledge or resolve an obstacle the actor may see (another's obstacle reads as unknown), with a
    message the person who raised it reads in their inbox."""
    seen = ctx.store.detail().table("obstacles")
    rows = ctx.store.execute(seen.filter(seen.obstacle_id == obstacle_id).select("raised_by", "title")).to_pylist()
    if not rows:
        raise SalesVelocityError(
            f"unknown obstacle {obstacle_id!r}", hint="`salesvelocity obstacle list` shows the obstacles you see"
        )
    if rows[0]["raised_by"] == ctx.actor.person_id:
        raise SalesVelocityError("an obstacle is answered by someone who can help, not by the person who raised it")
    store = writer(ctx)
    found.respond(store, obstacle_id, resolve=resolve, resolution=resolution, message=message, by=ctx.actor.person_id)
    said = (message or resolution or "").strip()
    text = (
        _("“{title}” is resolved", title=rows[0]["title"])
        if resolve
        else _("{name} answered “{title}”", name=ctx.actor.name, title=rows[0]["title"])
    )
    notify(ctx, rows[0]["raised_by"], "obstacle", f"{text}: {said}" if said else text, f"/me#obstacle-{obstacle_id}")


class Mine(Result):
    """The actor's own obstacles (open ones and those resolved in the last 30 days) with the answers."""

    rows: Rows  # obstacle_id, title, category, raised_at, first_response_at, response, responder, resolved_at


def mine(ctx: Context) -> Mine:
    table = ctx.store.detail().table("obstacles")
    people = ctx.store.store.table("people").select(_pid="person_id", responder="name")
    since = datetime.combine(ctx.current_day() - timedelta(days=30), time.min)
    own = table.filter(
        table.raised_by == (ctx.actor.person_id or ""), table.resolved_at.isnull() | (table.resolved_at >= since)
    )
    own = own.left_join(people, own.responded_by == people._pid)
    columns = ["obstacle_id", "title", "category", "raised_at", "first_response_at", "response", "responder"]
    rows = own.select(*columns, "resolved_at", "resolution").order_by(ibis.desc("raised_at"))
    return Mine(rows=ctx.store.execute(rows))
