"""Who may see which rows: one rule per canonical table, applied as a filtered view of the tables.

A ``Reach`` is a set of people and a set of teams (``None``: everyone, every team). ``Scoped`` shows
all 12 tables through it, so every metric, list and section computed on it stays inside the reach
without knowing about it:

- teams, people: the teams and people of the reach; stages: all;
- deals, leads: owned by a person of the reach; stage_changes: of those deals; the derived
  stage_visits: of deals owned by a person of the reach (they carry the owner);
- targets: of a team or a person of the reach (company targets only when the reach is everyone:
  a team's pipeline against the company's target would be a wrong ratio);
- recognitions: given to or by a person of the reach; obstacles: raised by one;
- pulse_responses: of the reach's teams (shown only as aggregates over ≥ k respondents, design.md §5);
- one_on_ones: of a person of the reach; annotations: company-wide ones and those of the reach.

``TeamScope`` is the reach of one team: its members and the team.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ibis.expr.types as ir

from salesvelocity.metrics.common import Tables, zone_of


@dataclass(frozen=True)
class Reach:
    """People and teams one may see. ``None`` means all; a column expression is a set computed in the engine."""

    people: frozenset[str] | ir.Column | None = None
    teams: frozenset[str] | ir.Column | None = None

    @property
    def everything(self) -> bool:
        return self.people is None and self.teams is None

    @classmethod
    def of(cls, people: Iterable[str] | None, teams: Iterable[str] | None) -> Reach:
        return cls(None if people is None else frozenset(people), None if teams is None else frozenset(teams))


def _within(column: ir.Column, allowed) -> ir.BooleanValue:
    if isinstance(allowed, frozenset):
        return column.isin(sorted(allowed)) if allowed else column.isnull() & column.notnull()
    return column.isin(allowed)


def scoped_table(tables: Tables, name: str, reach: Reach) -> ir.Table:
    """Table ``name`` of ``tables`` as ``reach`` may see it (the rules of the module docstring)."""
    base = tables.table(name)
    if reach.everything or name == "stages":
        return base
    people, teams = reach.people, reach.teams

    def person(column: ir.Column) -> ir.BooleanValue:
        return column.notnull() if people is None else _within(column, people)

    def team(column: ir.Column) -> ir.BooleanValue:
        return column.notnull() if teams is None else _within(column, teams)

    if name == "teams":
        return base.filter(team(base.team_id))
    if name == "people":
        return base.filter(person(base.person_id))
    if name in ("deals", "leads", "stage_visits"):  # stage_visits: derived, with each deal's owner
        return base.filter(person(base.owner_id))
    if name == "stage_changes":
        return base.filter(base.deal_id.isin(scoped_table(tables, "deals", reach).deal_id))
    if name == "targets":
        return base.filter(
            ((base.scope == "team") & team(base.scope_id)) | ((base.scope == "person") & person(base.scope_id))
        )
    if name == "annotations":
        return base.filter(
            (base.scope == "company")
            | ((base.scope == "team") & team(base.scope_id))
            | ((base.scope == "person") & person(base.scope_id))
        )
    if name == "recognitions":
        return base.filter(person(base.given_to) | person(base.given_by))
    if name == "pulse_responses":
        return base.filter(team(base.team_id))
    if name == "obstacles":
        return base.filter(person(base.raised_by))
    if name == "one_on_ones":
        return base.filter(person(base.person_id))
    raise ValueError(f"no scope rule for table {name!r}")  # a new table must get its rule here


class Scoped:
    """``tables`` as ``reach`` may see them; anything with ``.table(name)`` works, including another view."""

    def __init__(self, tables: Tables, reach: Reach) -> None:
        self.tables = tables
        self.reach = reach

    @property
    def zone(self) -> str:
        return zone_of(self.tables)

    def table(self, name: str) -> ir.Table:
        return scoped_table(self.tables, name, self.reach)


class TeamScope(Scoped):
    """The canonical tables as seen by one team: its members' deals, leads, obstacles and kudos, its
    pulse, targets and changes."""

    def __init__(self, tables: Tables, team_id: str) -> None:
        people = tables.table("people")
        members = people.filter(people.team_id == team_id).person_id
        super().__init__(tables, Reach(members, frozenset([team_id])))
        self.team_id = team_id
