"""The 1:1 agenda: questions with the reason behind each, for a person the actor may see one by one."""

from __future__ import annotations

from datetime import date

from salesvelocity.context import Context
from salesvelocity.empowerment.coaching import Prompt, coaching_prompts
from salesvelocity.report.build import names
from salesvelocity.results import Result
from salesvelocity.scope import find_person


class Agenda(Result):
    person_id: str
    name: str
    as_of: date
    prompts: list[Prompt]


def agenda(ctx: Context, person: str) -> Agenda:
    """``person`` (id or name) as the actor's agenda for the next 1:1."""
    people = names(ctx.store.detail(), "people")
    person_id = person if person in people else find_person(ctx.store.detail(), person)["person_id"]
    as_of = ctx.day()
    prompts = coaching_prompts(ctx.store, person_id, as_of)
    name = people.get(person_id, person_id)
    return Agenda(person_id=person_id, name=name, as_of=as_of, prompts=prompts)
