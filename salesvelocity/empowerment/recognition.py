"""Recognition: who was appreciated lately, and which wins went unnoticed (design.md §4).

- recognition gap: per active team member, days since the last recognition received (NULL: never);
- coverage: per team, the share of active members recognised in the last 30 days;
- spread: per team, the share of the last 90 days' recognitions that went to the most-recognised fifth
  of members (1.0 = all to a few; about 0.2 = evenly spread) — a team figure, never a list of people;
- unrecognised wins: won deals whose owner got no recognition within 7 days after the close.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir

from salesvelocity import clock
from salesvelocity.errors import SalesVelocityError
from salesvelocity.metrics.common import ALL_TIME, Tables, Window, as_datetime, days_between, zone_of
from salesvelocity.store import Store

COVERAGE_DAYS = 30
SPREAD_DAYS = 90
UNRECOGNISED_AFTER_DAYS = 7


def active_members(tables: Tables, as_of: datetime, team: str | None = None) -> ir.Table:
    """People with role rep who had started and not left at ``as_of``."""
    people = tables.table("people")
    today = as_of.date()
    members = people.filter(
        people.role == "rep",
        people.started_on.isnull() | (people.started_on <= today),
        people.left_on.isnull() | (people.left_on > today),
    )
    return members.filter(members.team_id == team) if team is not None else members


def recognition_gap(tables: Tables, as_of: date | datetime, team: str | None = None) -> ir.Table:
    """Columns: ``person_id``, ``name``, ``team_id``, ``last_recognised_at`` (timestamp), ``gap_days``
    (float64, NULL when never recognised), ``recognitions_30d`` (int64). Sorted by person_id, not by gap."""
    moment = as_datetime(as_of)
    members = active_members(tables, moment, team)
    given = tables.table("recognitions")
    given = given.filter(given.given_at <= moment)
    recent = moment - timedelta(days=COVERAGE_DAYS)
    received = given.group_by(person_id=given.given_to).agg(
        last_recognised_at=given.given_at.max(),
        recognitions_30d=(given.given_at > recent).sum().cast("int64"),
    )
    joined = members.left_join(received, "person_id")
    return joined.select(
        "person_id",
        "name",
        "team_id",
        "last_recognised_at",
        gap_days=days_between(ibis.literal(moment), joined.last_recognised_at),
        recognitions_30d=joined.recognitions_30d.fill_null(0),
    ).order_by("person_id")


def recognition_coverage(tables: Tables, as_of: date | datetime) -> ir.Table:
    """Per team: ``members``, ``recognised_30d`` (int64), ``coverage`` (float64), ``spread_top_fifth``
    (float64, NULL without recognitions in 90 days), ``recognitions_90d`` (int64)."""
    moment = as_datetime(as_of)
    members = active_members(tables, moment)
    given = tables.table("recognitions")
    window = given.filter(given.given_at <= moment, given.given_at > moment - timedelta(days=SPREAD_DAYS))
    per_person = window.group_by(person_id=window.given_to).agg(
        n=window.count().cast("int64"),
        recent=(window.given_at > moment - timedelta(days=COVERAGE_DAYS)).any(),
    )
    joined = members.left_join(per_person, "person_id").select(
        "team_id", "person_id", n=ibis._.n.fill_null(0), recent=ibis._.recent.fill_null(False)
    )
    ranked = joined.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=joined.team_id, order_by=[ibis.desc(joined.n), joined.person_id])
        ),
        _size=joined.count().over(ibis.window(group_by=joined.team_id)),
    )
    top = (ranked._size / 5.0).ceil()
    teams = ranked.group_by("team_id").agg(
        members=ranked.count().cast("int64"),
        recognised_30d=ranked.recent.sum().cast("int64"),
        recognitions_90d=ranked.n.sum().cast("int64"),
        _top=ranked.n.sum(where=ranked._rank < top).fill_null(0),
    )
    return (
        teams.mutate(
            coverage=teams.recognised_30d.cast("float64") / teams.members,
            spread_top_fifth=ibis.ifelse(
                teams.recognitions_90d > 0, teams._top.cast("float64") / teams.recognitions_90d, ibis.null("float64")
            ),
        )
        .drop("_top")
        .order_by("team_id")
    )


def unrecognised_wins(tables: Tables, window: Window = ALL_TIME, as_of: date | datetime | None = None) -> ir.Table:
    """Won deals closed in ``window`` (and at least 7 days before ``as_of``) with no recognition for the
    owner in the 7 days after closing. Columns: ``deal_id``, ``owner_id``, ``owner``, ``team_id``,
    ``closed_at``, ``amount`` (float64), ``days_since_won`` (float64). Most recent first."""
    moment = as_datetime(as_of) if as_of is not None else window.end
    deals = tables.table("deals")
    won = deals.filter(deals.status == "won", window.contains(deals.closed_at))
    if moment is not None:
        won = won.filter(won.closed_at <= moment - timedelta(days=UNRECOGNISED_AFTER_DAYS))
    given = tables.table("recognitions").select(_to="given_to", _at="given_at")
    # only kudos that can fall in a won deal's week count: fewer rows for the range join below
    if window.start is not None:
        given = given.filter(given._at >= window.start)
    if moment is not None:
        given = given.filter(given._at <= moment)
    thanked = (
        won.join(
            given,
            [
                won.owner_id == given._to,
                given._at >= won.closed_at,
                given._at <= won.closed_at + ibis.interval(days=UNRECOGNISED_AFTER_DAYS),
            ],
        )
        .select("deal_id")
        .distinct()
    )
    missed = won.anti_join(thanked, "deal_id")
    people = tables.table("people").select(_pid="person_id", owner="name", team_id="team_id")
    missed = missed.left_join(people, missed.owner_id == people._pid)
    end = ibis.literal(moment if moment is not None else clock.local_now(zone_of(tables)))
    return missed.select(
        "deal_id",
        "owner_id",
        owner=missed.owner.fill_null(missed.owner_id),
        team_id=missed.team_id,
        closed_at=missed.closed_at,
        amount=missed.amount.cast("float64"),
        days_since_won=days_between(end, missed.closed_at),
    ).order_by(ibis.desc("closed_at"))


def recognise(
    store: Store, given_by: str, given_to: str, message: str, deal_id: str | None = None, at: datetime | None = None
) -> str:
    """Record kudos from one person to another; returns the recognition id."""
    known = {
        r[0]: r[1]
        for r in store.sql(
            "SELECT person_id, role FROM people WHERE person_id IN (?, ?)", [given_by, given_to]
        ).fetchall()
    }
    for who in (given_by, given_to):
        if who not in known:
            raise SalesVelocityError(f"unknown person {who!r}", hint="use a person_id from the people table")
    if given_by == given_to:
        raise SalesVelocityError("recognition goes to someone else", hint="--to names the person being thanked")
    if not message.strip():
        raise SalesVelocityError("a recognition needs a message", hint="say what you appreciate, specifically")
    if deal_id is not None and not store.sql("SELECT count(*) FROM deals WHERE deal_id = ?", [deal_id]).fetchone()[0]:
        raise SalesVelocityError(f"unknown deal {deal_id!r}", hint="use a deal_id from the deals table")
    manager = store.sql(
        "SELECT count(*) FROM people WHERE person_id = ? AND manager_id = ?", [given_to, given_by]
    ).fetchone()[0]
    recognition_id = f"R-{uuid.uuid4().hex[:10]}"
    store.sql(
        "INSERT INTO recognitions VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            recognition_id,
            given_by,
            given_to,
            clock.to_utc(at, store.zone) if at else clock.now(),
            message.strip(),
            deal_id,
            "manager" if manager or known[given_by] == "manager" else "peer",
        ],
    )
    return recognition_id
