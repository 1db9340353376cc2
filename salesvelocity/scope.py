"""Who is asking, and what they may see (design.md §5 "Roles and scope"): one rule for CLI, web and API.

- *rep*: their own deals, leads, obstacles, kudos and 1:1s, plus aggregates of their own team;
- *manager*: everything of the people who report to them, directly or through other managers, and of
  the teams they (or those managers) manage;
- *exec*: aggregates of all teams, nothing person by person;
- *admin*: everything.

A ``ScopedStore`` is the store as one actor sees it. It has two views: the aggregate view (``table``),
what figures may be computed over, and the detail view (``detail()``), what may be shown row by row or
person by person. For a manager and an admin they are the same; a rep's detail is themself, an exec's
is nobody. Every read of a service goes through one of the two; the store's raw SQL is not offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import N_, _
from salesvelocity.metrics.common import run
from salesvelocity.metrics.scope import Reach, scoped_table
from salesvelocity.store import Store

ROLES = ("rep", "manager", "exec", "admin")


class ScopeError(SalesVelocityError):
    """Asked for something outside what the actor may see."""


@dataclass(frozen=True)
class Actor:
    """Who is asking: a person of the people table (``None`` for an administrator acting as such)."""

    person_id: str | None
    name: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ScopeError(f"unknown role {self.role!r}", hint=f"roles are: {', '.join(ROLES)}")


#: The command line's default: the person who holds the database file sees everything.
ADMIN = Actor(None, "admin", "admin")


def find_person(store: Store, given: str) -> dict:
    """The person with id ``given``, or the one whose name is ``given`` (any case); a clear error otherwise."""
    people = store.table("people")
    found = run(store, people.filter(people.person_id == given).select("person_id", "name", "team_id", "role"))
    if not found:
        named = people.filter(people.name.lower() == given.strip().lower())
        found = run(store, named.select("person_id", "name", "team_id", "role").order_by("person_id"))
    if not found:
        raise ScopeError(f"no person {given!r} in the people table", hint="give a person's id or full name")
    if len(found) > 1:
        ids = ", ".join(f"{r['person_id']} ({r['name']})" for r in found)
        raise ScopeError(f"several people are called {given!r}: {ids}", hint="give the person's id instead")
    return found[0]


def actor_for(store: Store, given: str, role: str | None = None) -> Actor:
    """The actor for a person (id or name). The role is ``role`` if given, else the person's own: a person
    who manages a team or has people reporting to them acts as a manager."""
    person = find_person(store, given)
    person_id = person["person_id"]
    if role is None:
        role = person["role"] or "rep"
        if role == "rep" and _manages_anyone(store, person_id):
            role = "manager"
    return Actor(person_id, person["name"] or person_id, role)


def _manages_anyone(store: Store, person_id: str) -> bool:
    people, teams = store.table("people"), store.table("teams")
    reports = people.filter(people.manager_id == person_id).count()
    managed = teams.filter(teams.manager_id == person_id).count()
    return bool(store.value(reports) or store.value(managed))


def reach_of(store: Store, actor: Actor) -> tuple[Reach, Reach]:
    """(aggregate reach, detail reach) of ``actor`` on the current people and teams."""
    if actor.role == "admin":
        return Reach(), Reach()
    if actor.role == "exec":
        return Reach(), Reach.of([], [])
    people = run(store, store.table("people").select("person_id", "team_id", "manager_id"))
    me = next((p for p in people if p["person_id"] == actor.person_id), None)
    if me is None:
        raise ScopeError(f"{actor.name} is not in the people table", hint="import the people file first")
    if actor.role == "rep":
        team = me["team_id"]
        members = [p["person_id"] for p in people if team is not None and p["team_id"] == team] or [me["person_id"]]
        teams = [team] if team else []
        return Reach.of(members, teams), Reach.of([me["person_id"]], teams)
    teams = run(store, store.table("teams").select("team_id", "manager_id"))
    seen, managed = {me["person_id"]}, set()
    while True:  # down the reporting lines and the teams they manage, until nothing new turns up
        more_teams = {t["team_id"] for t in teams if t["manager_id"] in seen} - managed
        managed |= more_teams
        more_people = {p["person_id"] for p in people if p["manager_id"] in seen or p["team_id"] in managed} - seen
        if not more_teams and not more_people:
            break
        seen |= more_people
    reach = Reach.of(seen, managed)
    return reach, reach


VIEWS = {
    "rep": N_("as {name} sees it: their own deals, and their team's figures"),
    "manager": N_("as {name} sees it: the people and teams they manage"),
    "exec": N_("as {name} sees it: every team's figures, no one person by person"),
}


def view_line(store) -> str | None:
    """Whose view an output shows, for its header (None for the admin's whole view)."""
    actor = getattr(store, "actor", ADMIN)
    return _(VIEWS[actor.role], name=actor.name) if actor.role in VIEWS else None


def for_grouping(store, by: str | None):
    """The view to compute figures grouped ``by`` on: person by person only over the people one may see
    so (a rep: themself); an exec, who sees no one person by person, is told to group otherwise."""
    if by != "person":
        return store
    if not store.sees_people:
        raise ScopeError(f"{store.actor.name} sees teams, not people", hint="--by team, or another grouping")
    return store.detail()


class ScopedStore:
    """A store as one actor sees it (see the module docstring). Reads only: writes go to the store."""

    def __init__(self, store: Store, actor: Actor, reach: Reach, detail: Reach) -> None:
        self.store = store
        self.actor = actor
        self.reach = reach
        self._detail = detail

    @classmethod
    def of(cls, store: Store, actor: Actor = ADMIN) -> ScopedStore:
        return cls(store, actor, *reach_of(store, actor))

    # -- what the metrics and services use ---------------------------------------------------------
    @property
    def zone(self) -> str:
        return self.store.zone

    @property
    def location(self) -> str:
        return self.store.location

    def table(self, name: str) -> ir.Table:
        return scoped_table(self.store, name, self.reach)

    def detail(self) -> ScopedStore:
        """The rows this actor may see one by one (a rep: their own; an exec: nobody's)."""
        if self._detail == self.reach:
            return self
        return ScopedStore(self.store, self.actor, self._detail, self._detail)

    @property
    def sees_people(self) -> bool:
        """Whether anything may be shown person by person (not for an exec)."""
        return self._detail.people is None or bool(self._detail.people)

    def execute(self, expr):
        return self.store.execute(expr)

    def execute_sql(self, expr):
        return self.store.execute_sql(expr)

    def value(self, expr):
        return self.store.value(expr)

    def to_sql(self, expr) -> str:
        return self.store.to_sql(expr)

    def uses(self, name: str) -> bool:
        return self.store.uses(name)  # whether the company records it at all, not whose rows they are

    def remembering(self):
        return self.store.remembering()

    def meta(self, key: str) -> str | None:
        return self.store.meta(key)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ScopedStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: The columns of deals a page may be sliced by (beside team, person and period).
SLICES = ("pipeline", "segment", "product", "source")


class SlicedStore(ScopedStore):
    """A scoped store narrowed to the deals of one pipeline, segment, product and/or source: their stage
    changes follow; leads follow the source only (a lead has no segment, product or pipeline); targets are
    left out, since a team's target set for all its deals is no yardstick for a slice of them."""

    def __init__(self, base: ScopedStore, slices: dict[str, str]) -> None:
        super().__init__(base.store, base.actor, base.reach, base._detail)
        unknown = sorted(set(slices) - set(SLICES))
        if unknown:
            raise ScopeError(f"cannot slice by {', '.join(unknown)}", hint=f"slices: {', '.join(SLICES)}")
        self.slices = dict(slices)

    def table(self, name: str) -> ir.Table:
        base = super().table(name)
        if name == "deals":
            for column, value in self.slices.items():
                base = base.filter(base[column] == value)
        elif name in ("stage_changes", "stage_visits"):
            base = base.filter(base.deal_id.isin(self.table("deals").deal_id))
        elif name == "leads" and "source" in self.slices:
            base = base.filter(base.source == self.slices["source"])
        elif name == "targets":
            base = base.filter(base.value.isnull() & base.value.notnull())
        return base

    def detail(self) -> ScopedStore:
        narrow = super().detail()
        return self if narrow is self else SlicedStore(narrow, self.slices)
