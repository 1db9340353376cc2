"""Open deals one may see one by one, with their age in stage against the stage's P85 and P95 — where to ask
for help (a rep: their own; a manager: their people's)."""

from __future__ import annotations

from datetime import date

import ibis

from salesvelocity.context import Context
from salesvelocity.metrics import aging_deals
from salesvelocity.metrics.common import with_labels
from salesvelocity.results import Result, Rows

DEALS_LIMIT = 100


class OpenDeals(Result):
    rows: Rows  # deal_id, account, owner, pipeline, stage, amount, currency, age_days, p85_days, p95_days, flag


def open_deals(ctx: Context, limit: int = DEALS_LIMIT) -> OpenDeals:
    detail = ctx.store.detail()
    aged = aging_deals(detail, ctx.day())
    aged = with_labels(detail, "person", aged.drop("group").mutate(group=aged.owner_id)).rename(owner="label")
    deals = detail.table("deals").select(_d="deal_id", account="account", currency="currency")
    aged = aged.left_join(deals, aged.deal_id == deals._d)
    rows = aged.select(
        "deal_id",
        "account",
        "owner",
        "pipeline",
        "stage",
        "amount",
        "currency",
        "age_days",
        "p85_days",
        "p95_days",
        "flag",
    ).order_by([ibis.desc("age_days"), "deal_id"])
    return OpenDeals(rows=ctx.store.execute(rows.limit(limit)))


FILTERS = ("team", "person", "status", "stage", "pipeline", "segment", "product", "source")


class DealList(Result):
    """The deals behind a figure, one by one — only those the actor may see one by one (an exec: none)."""

    filters: dict[str, str]
    total: int
    rows: Rows  # deal_id, account, owner, team, status, stage, amount, created_at, closed_at, pipeline, …


def deal_list(ctx: Context, limit: int = DEALS_LIMIT, **filters: str | None) -> DealList:
    """Deals created or closed in the context's window (when it has one; won or lost deals: closed in it, as
    the figures count them), narrowed by ``filters``: team and person (id or name), status, stage, pipeline,
    segment, product, source."""
    from salesvelocity.errors import MetricError

    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise MetricError(f"cannot filter deals by {', '.join(unknown)}", hint=f"filters: {', '.join(FILTERS)}")
    detail = ctx.store.detail()
    table = detail.table("deals")
    people = detail.store.table("people").select(_pid="person_id", owner="name", team_id="team_id")
    teams = detail.store.table("teams").select(_tid="team_id", team="name")
    rows = table.left_join(people, table.owner_id == people._pid).drop("_pid")
    rows = rows.left_join(teams, rows.team_id == teams._tid).drop("_tid")
    given = {k: v for k, v in filters.items() if v}
    if "team" in given:
        rows = rows.filter(rows.team_id == ctx.team(given["team"]))
    if "person" in given:
        from salesvelocity.scope import find_person

        rows = rows.filter(rows.owner_id == find_person(detail, given["person"])["person_id"])
    for column in ("status", "stage", "pipeline", "segment", "product", "source"):
        if column in given:
            rows = rows.filter(rows[column] == given[column])
    if ctx.start or ctx.end:
        from salesvelocity.metrics import Window

        window = Window.of(ctx.start or date(1900, 1, 1), ctx.end or date(2100, 1, 1))
        if given.get("status") in ("won", "lost"):  # won in the window: closed in it, as the figures count them
            rows = rows.filter(window.contains(rows.closed_at))
        else:
            rows = rows.filter(window.contains(rows.created_at) | window.contains(rows.closed_at))
    columns = ["deal_id", "account", "owner", "team", "status", "stage", "amount", "created_at", "closed_at"]
    picked = rows.select(*columns, "currency", "pipeline", "segment", "product", "source")
    total = ctx.store.value(picked.count())
    found = ctx.store.execute(picked.order_by([ibis.desc("created_at"), "deal_id"]).limit(limit))
    return DealList(filters=given, total=total, rows=found)
