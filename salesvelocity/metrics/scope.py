"""Narrowing every metric to one team without touching the metrics: a filtered view of the tables."""

from __future__ import annotations

import ibis.expr.types as ir

from salesvelocity.metrics.common import Tables


class TeamScope:
    """The canonical tables as seen by one team: its people's deals, stage changes and leads."""

    def __init__(self, tables: Tables, team_id: str) -> None:
        self.tables = tables
        self.team_id = team_id

    def table(self, name: str) -> ir.Table:
        base = self.tables.table(name)
        people = self.tables.table("people")
        members = people.filter(people.team_id == self.team_id).person_id
        if name == "deals":
            return base.filter(base.owner_id.isin(members))
        if name == "leads":
            return base.filter(base.owner_id.isin(members))
        if name == "stage_changes":
            deals = self.table("deals")
            return base.filter(base.deal_id.isin(deals.deal_id))
        if name == "targets":
            return base.filter(
                (base.scope != "company") & ((base.scope_id == self.team_id) | base.scope_id.isin(members))
            )
        return base
