"""Obstacles and time-to-help (design.md §4): how fast a rep who asks for help gets it.

- time to first response and time to resolve, P50/P85, in hours, of obstacles raised in the window;
- open obstacles with their age;
- impeded days per deal and category: the days a deal had an obstacle open (raised → resolved, or
  as-of), summed over its obstacles;
- the share of stuck deals (age in stage beyond the stage's P95) that have an obstacle raised on them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import ibis
import ibis.expr.types as ir

from salesvelocity import clock
from salesvelocity.errors import SalesVelocityError
from salesvelocity.metrics.aging import aging_deals
from salesvelocity.metrics.common import ALL_TIME, Tables, Window, as_datetime, days_between
from salesvelocity.store import Store

HOURS = 24.0


def _hours(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return days_between(later, earlier) * HOURS


def time_to_help(tables: Tables, window: Window = ALL_TIME, by_team: bool = True) -> ir.Table:
    """Columns: ``team_id`` (or 'all'), ``raised`` (int64), ``responded``, ``resolved`` (int64),
    ``first_response_p50_h``, ``first_response_p85_h``, ``resolve_p50_h``, ``resolve_p85_h`` (float64)."""
    obstacles = tables.table("obstacles")
    obstacles = obstacles.filter(window.contains(obstacles.raised_at))
    if by_team:
        people = tables.table("people").select(_pid="person_id", _team="team_id")
        obstacles = obstacles.left_join(people, obstacles.raised_by == people._pid)
        obstacles = obstacles.mutate(team_id=obstacles._team.fill_null("(none)")).drop("_pid", "_team")
    else:
        obstacles = obstacles.mutate(team_id=ibis.literal("all"))
    first = _hours(obstacles.first_response_at, obstacles.raised_at)
    solve = _hours(obstacles.resolved_at, obstacles.raised_at)
    return (
        obstacles.group_by("team_id")
        .agg(
            raised=obstacles.count().cast("int64"),
            responded=obstacles.first_response_at.count().cast("int64"),
            resolved=obstacles.resolved_at.count().cast("int64"),
            first_response_p50_h=first.quantile(0.5),
            first_response_p85_h=first.quantile(0.85),
            resolve_p50_h=solve.quantile(0.5),
            resolve_p85_h=solve.quantile(0.85),
        )
        .order_by("team_id")
    )


def open_obstacles(tables: Tables, as_of: date | datetime, team: str | None = None) -> ir.Table:
    """Obstacles raised by ``as_of`` and not resolved by then. Columns: ``obstacle_id``, ``raised_by``,
    ``raised_by_name`` (the person's name, else the id), ``team_id``, ``title``, ``category``, ``deal_id``,
    ``raised_at``, ``responded`` (bool), ``age_days``. Oldest first."""
    moment = as_datetime(as_of)
    obstacles = tables.table("obstacles")
    still = obstacles.filter(
        obstacles.raised_at <= moment, obstacles.resolved_at.isnull() | (obstacles.resolved_at > moment)
    )
    people = tables.table("people").select(_pid="person_id", _name="name", team_id="team_id")
    still = still.left_join(people, still.raised_by == people._pid)
    if team is not None:
        still = still.filter(still.team_id == team)
    return still.select(
        "obstacle_id",
        "raised_by",
        raised_by_name=still._name.fill_null(still.raised_by),
        team_id=still.team_id,
        title=still.title,
        category=still.category,
        deal_id=still.deal_id,
        raised_at=still.raised_at,
        responded=still.first_response_at.notnull() & (still.first_response_at <= moment),
        age_days=days_between(ibis.literal(moment), still.raised_at),
    ).order_by(ibis.desc("age_days"))


def impeded_days(tables: Tables, as_of: date | datetime) -> ir.Table:
    """Per deal and category: ``deal_id``, ``category``, ``obstacles`` (int64), ``impeded_days`` (float64)."""
    moment = as_datetime(as_of)
    obstacles = tables.table("obstacles")
    on_deals = obstacles.filter(obstacles.deal_id.notnull(), obstacles.raised_at <= moment)
    end = ibis.least(on_deals.resolved_at.fill_null(ibis.literal(moment)), ibis.literal(moment))
    on_deals = on_deals.mutate(
        days=days_between(end, on_deals.raised_at), category=on_deals.category.fill_null("unspecified")
    )
    return (
        on_deals.group_by(["deal_id", "category"])
        .agg(obstacles=on_deals.count().cast("int64"), impeded_days=on_deals.days.sum())
        .order_by(["deal_id", "category"])
    )


def stuck_with_obstacle(tables: Tables, as_of: date | datetime) -> ir.Table:
    """``stuck`` (int64), ``with_obstacle`` (int64), ``share`` (float64, NULL with no stuck deal)."""
    stuck = aging_deals(tables, as_of)
    stuck = stuck.filter(stuck.flag == "stuck").select("deal_id")
    raised = tables.table("obstacles")
    raised = (
        raised.filter(raised.deal_id.notnull(), raised.raised_at <= as_datetime(as_of)).select("deal_id").distinct()
    )
    marked = stuck.left_join(raised.mutate(_has=ibis.literal(True)), "deal_id")
    counts = marked.aggregate(
        stuck=marked.count().cast("int64"), with_obstacle=marked._has.fill_null(False).sum().cast("int64")
    )
    return counts.mutate(
        share=ibis.ifelse(counts.stuck > 0, counts.with_obstacle.cast("float64") / counts.stuck, ibis.null("float64"))
    )


def raise_obstacle(
    store: Store,
    raised_by: str,
    title: str,
    category: str = "internal",
    deal_id: str | None = None,
    at: datetime | None = None,
) -> str:
    """A rep asks for help; returns the obstacle id."""
    if category not in ("internal", "external"):
        raise SalesVelocityError(f"category {category!r} is not internal or external")
    if not store.sql("SELECT count(*) FROM people WHERE person_id = ?", [raised_by]).fetchone()[0]:
        raise SalesVelocityError(f"unknown person {raised_by!r}", hint="use a person_id from the people table")
    if deal_id is not None and not store.sql("SELECT count(*) FROM deals WHERE deal_id = ?", [deal_id]).fetchone()[0]:
        raise SalesVelocityError(f"unknown deal {deal_id!r}", hint="use a deal_id from the deals table")
    if not title.strip():
        raise SalesVelocityError("an obstacle needs a title", hint='say what is in the way, e.g. "legal review stalls"')
    obstacle_id = f"O-{uuid.uuid4().hex[:10]}"
    store.sql(
        "INSERT INTO obstacles (obstacle_id, raised_by, raised_at, title, category, deal_id) VALUES (?, ?, ?, ?, ?, ?)",
        [obstacle_id, raised_by, clock.to_utc(at, store.zone) if at else clock.now(), title.strip(), category, deal_id],
    )
    return obstacle_id


def respond(
    store: Store,
    obstacle_id: str,
    at: datetime | None = None,
    resolve: bool = False,
    resolution: str | None = None,
    message: str | None = None,
    by: str | None = None,
) -> None:
    """The manager acknowledges (first response) or resolves an obstacle; ``message`` (kept with ``by``, the
    person answering) is what the person who raised it reads."""
    row = store.sql(
        "SELECT raised_at, first_response_at, resolved_at FROM obstacles WHERE obstacle_id = ?", [obstacle_id]
    ).fetchone()
    if row is None:
        raise SalesVelocityError(f"unknown obstacle {obstacle_id!r}", hint="`salesvelocity obstacle list` shows them")
    moment = clock.to_utc(at, store.zone) if at else clock.now()
    if moment < row[0]:
        raise SalesVelocityError("a response cannot come before the obstacle was raised")
    if row[2] is not None:
        raise SalesVelocityError(f"{obstacle_id} is already resolved")
    store.sql(
        "UPDATE obstacles SET first_response_at = coalesce(first_response_at, ?) WHERE obstacle_id = ?",
        [moment, obstacle_id],
    )
    if message and message.strip():
        store.sql(
            "UPDATE obstacles SET response = ?, responded_by = ? WHERE obstacle_id = ?",
            [message.strip(), by, obstacle_id],
        )
    if resolve:
        store.sql(
            "UPDATE obstacles SET resolved_at = ?, resolution = ? WHERE obstacle_id = ?",
            [moment, resolution, obstacle_id],
        )
