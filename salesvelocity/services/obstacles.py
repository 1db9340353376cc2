"""Obstacles: a rep asks for help, the manager responds and resolves; open ones and time to help."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from salesvelocity.context import Context
from salesvelocity.empowerment import obstacles as found
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.metrics import Window
from salesvelocity.report.build import names
from salesvelocity.results import Result, Rows
from salesvelocity.services._writes import as_self, writer


class Obstacles(Result):
    """Open obstacles the actor may see one by one (oldest first), and time to help per team over a year."""

    as_of: date
    open: Rows
    time_to_help: Rows


def overview(ctx: Context, team: str | None = None) -> Obstacles:
    day, team_id = ctx.day(), ctx.team(team)
    still = ctx.store.execute(found.open_obstacles(ctx.store.detail(), day, team_id))  # who raised what
    help_ = ctx.store.execute(found.time_to_help(ctx.store, Window.of(day.replace(year=day.year - 1), day)))
    teams = names(ctx.store, "teams")
    words = [teams.get(t, _("all teams") if t == "all" else t) for t in help_.column("team_id").to_pylist()]
    return Obstacles(as_of=day, open=still, time_to_help=help_.append_column("team", pa.array(words, pa.string())))


def raise_(ctx: Context, title: str, category: str = "internal", deal: str | None = None, by: str | None = None) -> str:
    """Ask for help as the actor (the admin may raise for ``by``); returns the obstacle's id."""
    return found.raise_obstacle(writer(ctx), as_self(ctx, by, "--by"), title, category, deal)


def respond(ctx: Context, obstacle_id: str, resolve: bool = False, resolution: str | None = None) -> None:
    """Acknowledge or resolve an obstacle the actor may see (another's obstacle reads as unknown)."""
    seen = ctx.store.detail().table("obstacles")
    if not ctx.store.value(seen.filter(seen.obstacle_id == obstacle_id).count()):
        raise SalesVelocityError(
            f"unknown obstacle {obstacle_id!r}", hint="`salesvelocity obstacle list` shows the obstacles you see"
        )
    found.respond(writer(ctx), obstacle_id, resolve=resolve, resolution=resolution)
