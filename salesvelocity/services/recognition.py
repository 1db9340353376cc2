"""Recognition: giving kudos (only as oneself), and the kudos one may see — received, given, the team's."""

from __future__ import annotations

import ibis

from salesvelocity.context import Context
from salesvelocity.empowerment.recognition import recognise
from salesvelocity.i18n import _
from salesvelocity.results import Result, Rows
from salesvelocity.scope import find_person
from salesvelocity.services._writes import as_self, writer
from salesvelocity.services.inbox import notify

KUDOS_LIMIT = 50


class Kudos(Result):
    """The newest kudos the actor may see one by one (``person``: only those given to or by them)."""

    person_id: str | None
    rows: Rows  # recognition_id, given_at, from_name, to_name, message, deal_id, kind


def give(ctx: Context, to: str, message: str, deal: str | None = None, given_by: str | None = None) -> str:
    """Thank ``to`` (id or name) as the actor (the admin may give for ``given_by``); returns the id."""
    store = writer(ctx)
    giver, taker = find_person(store, as_self(ctx, given_by, "--from")), find_person(store, to)
    recognition_id = recognise(store, giver["person_id"], taker["person_id"], message, deal)
    said = _("{name} thanked you: {message}", name=giver["name"] or giver["person_id"], message=message.strip())
    notify(ctx, taker["person_id"], "kudos", said, "/kudos")
    return recognition_id


def kudos(ctx: Context, person: str | None = None, limit: int = KUDOS_LIMIT, wall: bool = False) -> Kudos:
    """``wall``: the team's kudos wall — thank-yous are public, so everyone in the actor's teams' reach is
    shown, not only the actor's own."""
    seen = ctx.store if wall else ctx.store.detail()
    given = seen.table("recognitions")
    people = seen.store.table("people")  # names of both sides: a thank-you names who gave it
    person_id = find_person(seen, person)["person_id"] if person else None
    if person_id is not None:
        given = given.filter((given.given_to == person_id) | (given.given_by == person_id))
    giver = people.select(_from="person_id", from_name=people.name.fill_null(people.person_id))
    taker = people.select(_to="person_id", to_name=people.name.fill_null(people.person_id))
    rows = (
        given.left_join(giver, given.given_by == giver._from)
        .left_join(taker, given.given_to == taker._to)
        .select("recognition_id", "given_at", "from_name", "to_name", "message", "deal_id", "kind")
        .order_by([ibis.desc("given_at"), "recognition_id"])
        .limit(limit)
    )
    return Kudos(person_id=person_id, rows=ctx.store.execute(rows))
