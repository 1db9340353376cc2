"""Changes worth judging (annotations) and the patience guard's verdict on each."""

from __future__ import annotations

from datetime import date

from salesvelocity.context import Context
from salesvelocity.patience import Judgment, add_annotation, judge_all
from salesvelocity.report.build import team_name
from salesvelocity.results import Result
from salesvelocity.services._writes import writer


class Changes(Result):
    """Every recorded change the actor may see, judged as of ``as_of`` in periods of ``cadence``."""

    as_of: date
    cadence: str
    changes: list[Judgment]


class Recorded(Result):
    annotation_id: str
    label: str
    day: date
    team_id: str | None
    team_name: str | None


def changes(ctx: Context, cadence: str = "week") -> Changes:
    as_of = ctx.day()
    return Changes(as_of=as_of, cadence=cadence, changes=judge_all(ctx.store, as_of, cadence))


def record(ctx: Context, label: str, day: date | None = None, team: str | None = None) -> Recorded:
    """Record a change on ``day`` (default: today in the reporting zone), for ``team`` or the company."""
    day = day or ctx.current_day()
    team_id = ctx.team(team)
    annotation_id = add_annotation(writer(ctx), label, day, team_id)
    return Recorded(
        annotation_id=annotation_id, label=label, day=day, team_id=team_id, team_name=team_name(ctx.store, team_id)
    )
