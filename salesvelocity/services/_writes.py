"""What every recording use case shares: the writable store, and "a person records only as themself"."""

from __future__ import annotations

from salesvelocity.context import Context
from salesvelocity.scope import ScopeError, find_person
from salesvelocity.store import Store


def writer(ctx: Context) -> Store:
    """The store beneath the context's view, to record into (opened for writing by the interface)."""
    return ctx.store.store


def as_self(ctx: Context, given: str | None, option: str) -> str:
    """The person who records: the actor themself. An actor who is a person records only as themself (their
    kudos, answers and obstacles); the admin records for whoever ``given`` names."""
    actor = ctx.actor
    if actor.person_id is None:
        if given is None:
            raise ScopeError(f"who is it from? {option} is needed", hint=f"give {option} PERSON (an id or a name)")
        return find_person(writer(ctx), given)["person_id"]
    if given is not None and find_person(writer(ctx), given)["person_id"] != actor.person_id:
        raise ScopeError(
            f"{actor.name} records only as themself, and {option} {given} is someone else",
            hint=f"use {option} {actor.person_id}, or leave --as out to record as the admin",
        )
    return actor.person_id
