"""Open deals one may see one by one, with their age in stage against the stage's P85 and P95 — where to ask
for help (a rep: their own; a manager: their people's)."""

from __future__ import annotations

import ibis

from salesvelocity.context import Context
from salesvelocity.metrics import aging_deals
from salesvelocity.metrics.common import with_labels
from salesvelocity.results import Result, Rows

DEALS_LIMIT = 100


class OpenDeals(Result):
    rows: Rows  # deal_id, account, owner, pipeline, stage, amount, age_days, p85_days, p95_days, flag


def open_deals(ctx: Context, limit: int = DEALS_LIMIT) -> OpenDeals:
    detail = ctx.store.detail()
    aged = aging_deals(detail, ctx.day())
    aged = with_labels(detail, "person", aged.drop("group").mutate(group=aged.owner_id)).rename(owner="label")
    deals = detail.table("deals").select(_d="deal_id", account="account")
    aged = aged.left_join(deals, aged.deal_id == deals._d)
    rows = aged.select(
        "deal_id", "account", "owner", "pipeline", "stage", "amount", "age_days", "p85_days", "p95_days", "flag"
    ).order_by([ibis.desc("age_days"), "deal_id"])
    return OpenDeals(rows=ctx.store.execute(rows.limit(limit)))
