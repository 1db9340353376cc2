"""The funnel report: every funnel metric for one window, executed in the engine, ready to render.

``build_report`` is the public entry point (the funnel service calls it); the sections themselves —
metric, title, columns — are listed once in ``report.sections``. Sections grouped by the report's
``by``: velocity, cycle, aging summary, speed-to-lead (when leads can be grouped that way), slippage,
coverage (company/team/person only). Stage sections — funnel, time in stage, bottleneck — describe the
whole selection (narrow it with ``team``), so they stay readable.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import ibis
from pydantic import Field, computed_field

from salesvelocity import clock
from salesvelocity.errors import MetricError
from salesvelocity.i18n import _, day, language
from salesvelocity.metrics import (
    TeamScope,
    Window,
)
from salesvelocity.metrics.common import GROUPINGS, Memo
from salesvelocity.output import column_label
from salesvelocity.report.sections import SECTIONS, Inputs
from salesvelocity.results import Result, Rows
from salesvelocity.schema import LATEST_YEAR
from salesvelocity.store import Store

if TYPE_CHECKING:
    from salesvelocity.report.headline import Headline
    from salesvelocity.report.over_time import OverTime
    from salesvelocity.report.team_health import TeamHealth

DEFAULT_DAYS = 90
DEFAULT_CURRENCY = "EUR"  # the schema's default for a deal without one


class Report(Result):
    """The funnel report: executed sections (pyarrow) with their SQL, and the parts over time and of team
    health. Its dump is the JSON report: window, sections as rows, column labels, headline and the rest."""

    start: datetime = Field(exclude=True)
    end: datetime = Field(exclude=True)
    as_of: datetime
    by: str | None
    team: str | None
    team_name: str | None = None
    #: whose view this is, when not the whole company's ("as Ann sees it: …")
    viewer: str | None = None
    currency: str = DEFAULT_CURRENCY
    notes: list[str] = []
    #: section → why it has no data and what would provide it (design §4: no data is not zero)
    no_data: dict[str, str] = {}
    headline: Headline | None = None
    sections: dict[str, Rows] = {}
    sql: dict[str, str] = Field(default_factory=dict, exclude=True)
    over_time: OverTime | None = None
    health: TeamHealth | None = Field(None, serialization_alias="team_health")

    @property
    def last_day(self) -> date:
        """The last day inside the window ``[start, end)`` — what a reader means by "to" and "as of"."""
        return (self.end - timedelta(days=1)).date()

    @computed_field
    @property
    def window(self) -> dict[str, date]:
        return {"from": self.start.date(), "to": self.end.date()}

    @computed_field
    @property
    def language(self) -> str:
        return language()

    @computed_field
    @property
    def labels(self) -> dict[str, str]:
        """Column → its label in the report's language."""
        return {c: column_label(c) for t in self.sections.values() for c in t.column_names}


def last_activity(store: Store) -> date | None:
    """The day of the latest deal creation or close in the store (None when it holds no deals).

    Values past 2100 (a "never" placeholder kept by an older release, which no import accepts now)
    are not activity.
    """
    return deal_span(store)[1]


def deal_span(store: Store) -> tuple[date | None, date | None]:
    """The days (in the reporting zone) of the first deal creation and of the latest creation or close."""
    deals = store.table("deals")
    latest = ibis.greatest(deals.created_at, deals.closed_at.fill_null(deals.created_at))
    deals = deals.filter(latest < datetime(LATEST_YEAR + 1, 1, 1))
    span = deals.aggregate(first=deals.created_at.min(), last=latest.max())
    (row,) = store.execute(span).to_pylist()
    return (row["first"].date() if row["first"] else None, row["last"].date() if row["last"] else None)


def default_window(store: Store, today: date | None = None) -> tuple[date, date]:
    """The last 90 days up to today, or up to the day after the data ends when the data is older."""
    today = today or clock.today(store.zone)
    last = last_activity(store)
    end = min(today, last + timedelta(days=1)) if last else today
    return end - timedelta(days=DEFAULT_DAYS), end


def build_report(
    store: Store,
    start: date | None = None,
    end: date | None = None,
    by: str | None = "team",
    team: str | None = None,
    today: date | None = None,
    over_time: bool = True,
    k: int = 5,
) -> Report:
    """Compute the funnel report for ``[start, end)`` (default: the last 90 days of data).

    With ``over_time`` the report also follows velocity per week with signal-vs-noise verdicts, the
    cumulative flow, a forecast to the quarter's end and the verdict on every recorded change.
    """
    if by is not None and by not in GROUPINGS:
        raise MetricError(f"cannot group by {by!r}", hint=f"choose one of: {', '.join(GROUPINGS)}, or none")
    with store.remembering():  # parts that ask the same question get one answer (see Store.remembering)
        return _build(store, start, end, by, team, today, over_time, k)


def _build(store, start, end, by, team, today, over_time, k) -> Report:
    default_start, default_end = default_window(store, today)
    end = end or (start + timedelta(days=DEFAULT_DAYS) if start and not end else default_end)
    start = start or end - timedelta(days=DEFAULT_DAYS)
    window = Window.of(start, end)
    from salesvelocity.scope import for_grouping, view_line

    store = for_grouping(store, by)
    scoped = store
    if team is not None:
        team = resolve_team(store, team)
        scoped = TeamScope(store, team)
    tables = Memo(scoped)
    detail = store.detail()  # lists of deals with their owners: only rows one may see one by one
    detail_tables = tables if detail is store else Memo(TeamScope(detail, team) if team else detail)
    as_of = window.end
    complete_model()
    report = Report(start=window.start, end=window.end, as_of=as_of, by=by, team=team, team_name=team_name(store, team))
    report.viewer = view_line(store)

    inputs = Inputs(tables, detail_tables, window, by)
    if inputs.grouping("lead") != by:
        report.notes.append(_("speed-to-lead is shown for the whole selection: leads cannot be grouped by {by}", by=by))
    if inputs.grouping("coverage") != by:
        report.notes.append(_("pipeline coverage is shown for company targets: targets are not set per {by}", by=by))
    expressions = {s.name: s.build(inputs) for s in SECTIONS}
    try:
        for name, expr in expressions.items():
            report.sql[name], report.sections[name] = store.execute_sql(expr)
        if over_time:
            from salesvelocity.report.over_time import build_over_time

            trend_by = by if by in ("team", "person") else None
            report.over_time = build_over_time(store, window.end.date(), trend_by, team, tables=tables)
            from salesvelocity.report.team_health import build_team_health

            report.health = build_team_health(store, window.end.date(), team, k)
            report.notes += report.health.notes
    finally:
        tables.release()
        detail_tables.release()
    _no_data(store, scoped, report)
    report.currency = _currency(tables, store, report)
    from salesvelocity.report.headline import build_headline

    report.headline = build_headline(report)
    return report


def _currency(tables, store: Store, report: Report) -> str:
    """The currency every amount is in; several currencies are never summed silently — the report says so."""
    deals = tables.table("deals")
    found = sorted(
        r["c"] for r in store.execute(deals.select(c=deals.currency.fill_null(DEFAULT_CURRENCY)).distinct()).to_pylist()
    )
    if len(found) <= 1:
        return found[0] if found else DEFAULT_CURRENCY
    report.notes.append(
        _(
            "deals are in several currencies ({currencies}); amounts below add them up without conversion — "
            "import each currency apart, or filter the export to one currency, for amounts you can trust",
            currencies=", ".join(found),
        )
    )
    return _("mixed") + " " + "/".join(found)


def _no_data(store: Store, tables, report: Report) -> None:
    """Say which sections have no input (never 0 % or 100 % for a missing column) and what would give it."""
    s = report.sections

    def count(name: str, column: str | None = None) -> int:
        table = store.table(name)
        return store.value(table.count() if column is None else table[column].count())

    if s["velocity"].num_rows == 0 or not any(r["created"] or r["won"] or r["lost"] for r in s["velocity"].to_pylist()):
        span = deal_span(store)
        where = (
            _(
                "; the data runs from {first} to {last} — try --from {start} --to {end}",
                first=day(span[0]),
                last=day(span[1]),
                start=span[0],
                end=span[1] + timedelta(days=1),
            )
            if span and span[0]
            else _("; the database holds no deals yet — import an export first")
        )
        report.notes.append(_("no deals were created or closed in this window") + where)
    if not count("stage_changes"):
        why = _("no stage history: import stage changes (a history report or stage_changes.csv) to see the funnel")
        for name in ("funnel", "time_in_stage", "bottleneck", "aging", "stuck_deals"):
            report.no_data[name] = why
    leads = s["speed_to_lead"].to_pylist()
    if not count("leads"):
        report.no_data["speed_to_lead"] = _(
            "no leads: import leads (with created_at and first_touch_at) to see speed-to-lead"
        )
    elif leads and all(r["share_never"] == 1.0 for r in leads if r["leads"]):
        report.no_data["speed_to_lead"] = _(
            "no first-touch times: none of the leads has a first_touch_at; map the first call, e-mail or meeting "
            "to first_touch_at to measure speed-to-lead"
        )
    if not count("leads"):
        report.no_data["lead_conversion"] = _("no leads: import leads to see how many become deals")
    elif not count("leads", "converted_deal_id"):
        report.no_data["lead_conversion"] = _(
            "no conversions recorded: none of the leads names its deal; map the converted deal or opportunity id "
            "to converted_deal_id to see lead → deal conversion"
        )
    if getattr(store, "slices", None):  # a slice of the deals (scope.SlicedStore) has no target of its own
        report.no_data["coverage"] = _(
            "targets are left out of a slice of the deals: a team's target is for all its deals"
        )
    elif not count("targets"):
        report.no_data["coverage"] = _(
            "no targets: import targets.csv (scope, period, amount) to see pipeline coverage"
        )
    if not count("deals", "expected_close_on"):
        report.no_data["slippage"] = _("no expected close dates: map the CRM's close date to expected_close_on")


def _find_team(store, given: str) -> str | None:
    teams = store.table("teams")
    found = teams.filter((teams.team_id == given) | (teams.name.lower() == given.strip().lower()))
    rows = store.execute(found.select("team_id").order_by((found.team_id != given), "team_id")).to_pylist()
    return rows[0]["team_id"] if rows else None


def resolve_team(store: Store, given: str) -> str:
    """A team_id from an id or a name (case-insensitive) among the teams ``store`` may see, or a clear
    error: the teams one may see, or that the team is outside one's scope."""
    found = _find_team(store, given)
    if found is not None:
        return found
    whole = getattr(store, "store", None)  # a ScopedStore: does the team exist beyond what its actor sees?
    if whole is not None and _find_team(whole, given) is not None:
        from salesvelocity.scope import ScopeError

        raise ScopeError(
            f"team {given!r} is outside what {store.actor.name} may see",
            hint="ask for your own team, or leave --team out",
        )
    teams = store.table("teams")
    rows = store.execute(teams.select("team_id", "name").order_by("team_id")).to_pylist()
    listed = ", ".join(f"{r['team_id']} ({r['name']})" if r["name"] else r["team_id"] for r in rows)
    raise MetricError(f"unknown team {given!r}", hint=f"teams are: {listed or '(none imported)'}")


def names(store: Store, table: str) -> dict[str, str]:
    """id → name (the id where there is none) of the ``teams`` or ``people`` that ``store`` may see."""
    key = {"teams": "team_id", "people": "person_id"}[table]
    rows = store.table(table)
    found = store.execute(rows.select(key, name=rows.name.fill_null(rows[key])))
    return dict(zip(found[key].to_pylist(), found["name"].to_pylist(), strict=True))


def team_name(store: Store, team_id: str | None) -> str | None:
    """The team's name for people to read (its id when it has none)."""
    if team_id is None:
        return None
    teams = store.table("teams")
    name = store.execute(teams.filter(teams.team_id == team_id).select("name")).to_pylist()
    return (name[0]["name"] if name else None) or team_id


def complete_model() -> None:
    """Complete ``Report``'s model: its parts are built by modules that import this one, so their types are
    bound once those modules exist (a forward reference until then)."""
    if Report.__pydantic_complete__:
        return
    from salesvelocity.report.headline import Headline
    from salesvelocity.report.over_time import OverTime
    from salesvelocity.report.team_health import TeamHealth

    Report.model_rebuild(_types_namespace={"Headline": Headline, "OverTime": OverTime, "TeamHealth": TeamHealth})
