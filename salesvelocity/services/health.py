"""Team health: velocity beside empowerment per team, and early warnings for each person's manager."""

from __future__ import annotations

from datetime import date

from salesvelocity.context import Context
from salesvelocity.empowerment.health import PersonHealth, TeamBalance, balance, early_warnings
from salesvelocity.results import Result


class Health(Result):
    """Per team the balance; per person (only those the actor sees one by one) the warnings, by name."""

    as_of: date
    teams: list[TeamBalance]
    people: list[PersonHealth]
    notes: list[str] = []

    @property
    def team_names(self) -> dict[str, str]:
        return {b.team_id: b.name for b in self.teams}


def health(ctx: Context, team: str | None = None) -> Health:
    as_of, team_id = ctx.day(), ctx.team(team)
    notes: list[str] = []
    teams = [b for b in balance(ctx.store, as_of, ctx.k, notes) if team_id is None or b.team_id == team_id]
    return Health(as_of=as_of, teams=teams, people=early_warnings(ctx.store, as_of, team_id), notes=notes)
