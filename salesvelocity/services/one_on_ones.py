"""1:1s: a manager logs one held with a person — date, shared notes, agreed actions. The notes and actions
are for the two people in it only (design §5): a manager's manager sees that it was held, not what was said."""

from __future__ import annotations

from datetime import date

import ibis

from salesvelocity.context import Context
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.results import Result, Rows
from salesvelocity.scope import find_person
from salesvelocity.services._writes import writer
from salesvelocity.services.inbox import notify


class OneOnOnes(Result):
    rows: Rows  # person, manager, held_on, notes, actions (notes/actions only for the two people in it)


def log(ctx: Context, person: str, held_on: date | None = None, notes: str = "", actions: str = "") -> date:
    """Record a 1:1 the actor held with ``person`` (someone they see one by one); the person is told."""
    me = ctx.actor.person_id
    if me is None:
        raise SalesVelocityError("a 1:1 is logged by the manager who held it", hint="sign in as that manager")
    other = find_person(ctx.store.detail(), person)
    if other["person_id"] == me:
        raise SalesVelocityError("a 1:1 is held with someone else")
    day = held_on or ctx.current_day()
    if day > ctx.current_day():
        raise SalesVelocityError(f"{day} is in the future", hint="log a 1:1 once it was held")
    store = writer(ctx)
    key = [other["person_id"], me, day]
    with store.transaction():
        store.sql("DELETE FROM one_on_ones WHERE person_id = ? AND manager_id = ? AND held_on = ?", key)
        store.sql(
            "INSERT INTO one_on_ones (person_id, manager_id, held_on, notes, actions) VALUES (?, ?, ?, ?, ?)",
            [*key, notes.strip() or None, actions.strip() or None],
        )
        said = _("{name} logged your 1:1 of {day}", name=ctx.actor.name, day=day.isoformat())
        if actions.strip():
            said += " — " + _("agreed: {actions}", actions=actions.strip())
        notify(ctx, other["person_id"], "1:1", said, "/me#one-on-ones")
    return day


def held(ctx: Context, person: str | None = None) -> OneOnOnes:
    """1:1s the actor may see one by one (``person``: with that person), newest first; notes and actions
    only where the actor is one of the two."""
    table = ctx.store.detail().table("one_on_ones")
    if person is not None:
        who = find_person(ctx.store.detail(), person)["person_id"]
        table = table.filter((table.person_id == who) | (table.manager_id == who))
    people = ctx.store.store.table("people")
    names = people.select(_pid="person_id", _name=people.name.fill_null(people.person_id))
    me = ibis.literal(ctx.actor.person_id or "", "string")
    mine = (table.person_id == me) | (table.manager_id == me)
    a = table.left_join(names, table.person_id == names._pid).rename(person="_name").drop("_pid")
    b = a.left_join(names, a.manager_id == names._pid).rename(manager="_name").drop("_pid")
    rows = b.select(
        "person_id",
        "person",
        "manager",
        "held_on",
        notes=ibis.ifelse(mine, b.notes, ibis.null("string")),
        actions=ibis.ifelse(mine, b.actions, ibis.null("string")),
    ).order_by([ibis.desc("held_on"), "person_id"])
    return OneOnOnes(rows=ctx.store.execute(rows.limit(100)))
