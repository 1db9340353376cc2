"""The in-app inbox: kudos received, answers to one's obstacles, 1:1 notes and actions — for one person."""

from __future__ import annotations

import uuid

import ibis

from salesvelocity import clock
from salesvelocity.context import Context
from salesvelocity.notify import Message
from salesvelocity.results import Result, Rows
from salesvelocity.services._writes import writer

INBOX_LIMIT = 50


class Inbox(Result):
    person_id: str | None
    unread: int
    rows: Rows  # message_id, sent_at, kind, text, link, read_at — newest first


def notify(ctx: Context, person_id: str | None, kind: str, text: str, link: str | None = None) -> None:
    """Leave a message for ``person_id`` (nothing for nobody): in their inbox at once, and in the context's
    outbox for e-mail and chat once the interface has committed (``Context.send_outbox``)."""
    if not person_id:
        return
    store = writer(ctx)
    store.sql(
        "INSERT INTO app_inbox (message_id, person_id, sent_at, kind, text, link) VALUES (?, ?, ?, ?, ?, ?)",
        [f"M-{uuid.uuid4().hex[:12]}", person_id, clock.now(), kind, text, link],
    )
    found = store.sql(
        "SELECT coalesce(u.email, p.email) FROM people p LEFT JOIN app_users u ON u.person_id = p.person_id"
        " AND u.disabled_at IS NULL WHERE p.person_id = ?",
        [person_id],
    ).fetchone()
    ctx.outbox.append(Message(person_id, found[0] if found else None, kind, text, link))


def inbox(ctx: Context, limit: int = INBOX_LIMIT) -> Inbox:
    """The actor's own messages (an admin without a person has none)."""
    person = ctx.actor.person_id
    table = writer(ctx).app_table("app_inbox")  # the actor's own rows only: filtered right below
    mine = table.filter(table.person_id == (person or ""))
    rows = mine.select("message_id", "sent_at", "kind", "text", "link", "read_at").order_by(
        [ibis.desc("sent_at"), "message_id"]
    )
    found = ctx.store.execute(rows.limit(limit))
    unread = ctx.store.value(mine.filter(mine.read_at.isnull()).count())
    return Inbox(person_id=person, unread=unread, rows=found)


def mark_read(ctx: Context) -> None:
    if ctx.actor.person_id:
        writer(ctx).sql(
            "UPDATE app_inbox SET read_at = ? WHERE person_id = ? AND read_at IS NULL",
            [clock.now(), ctx.actor.person_id],
        )
