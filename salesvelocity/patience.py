"""The patience guard: when can a change be judged honestly, and what does the data say then?

For an annotation at time t (design.md §4): the earliest honest judgment date J is t + the P85 cycle
length (of deals won in the 180 days before t, in the annotation's scope), and not before the period
series holds 6 complete points after t. The verdict compares **equal windows**: the N complete periods
before t (N = up to 12, at least 6; periods before the data begins do not count) against the N complete
periods from J on — never "everything since". Until those N periods are complete the answer is "too
early to tell". A metric changed only when the after-points give an XmR signal, in the direction of the
shift, against limits computed from the before-points; otherwise it reads "no real change — within
normal variation", with both means and the limits. Two values that print the same are never called
better or worse.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import ibis.expr.types as ir
import numpy as np
from pydantic import Field, computed_field

from salesvelocity import clock
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import N_, _, number
from salesvelocity.i18n import day as show_day
from salesvelocity.metrics import TeamScope, Window, cycle_length
from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, next_period, period_floor
from salesvelocity.metrics.common import Tables
from salesvelocity.metrics.series import period_series
from salesvelocity.results import Result
from salesvelocity.schema import EARLIEST_YEAR, LATEST_YEAR
from salesvelocity.signals import MIN_BASELINE, Signal, XmR, detect, xmr
from salesvelocity.store import Store

STATUSES = (N_("too early to tell"), N_("judged"), N_("not enough history"))
POINTS_AFTER = 6
BASELINE_POINTS = 12
CYCLE_LOOKBACK_DAYS = 180
#: Metrics judged for every change, and which direction is an improvement.
JUDGED = {"velocity_per_day": "up", "won": "up", "win_rate": "up", "cycle_days": "down"}
WORDS = {
    "velocity_per_day": N_("velocity"),
    "won": N_("throughput"),
    "win_rate": N_("win rate"),
    "cycle_days": N_("cycle time"),
}
UNITS = {"velocity_per_day": N_(" a day"), "won": N_(" won a {cadence}"), "win_rate": "", "cycle_days": N_(" days")}
PLURAL = {"week": N_("weeks"), "sprint": N_("sprints"), "month": N_("months"), "quarter": N_("quarters")}


class MetricVerdict(Result):
    metric: str
    before_mean: float | None
    after_mean: float | None
    signal: bool
    improved: bool | None
    lower: float | None = None
    upper: float | None = None
    points: int = 0
    cadence: str = Field("week", exclude=True)
    evidence: str = ""

    @computed_field
    @property
    def reading(self) -> str:
        """One plain sentence: a real change with its size, or no real change with means and limits."""
        word = _(WORDS[self.metric])
        before, after = self.show(self.before_mean), self.show(self.after_mean)
        unit = _(UNITS[self.metric], cadence=_(self.cadence)) if UNITS[self.metric] else ""
        if self.signal and before != after:
            size = ""
            if self.before_mean:
                change = 100 * (self.after_mean - self.before_mean) / abs(self.before_mean)
                size = f" ({'+' if change >= 0 else '−'}{number(abs(change))}\u00a0%)"
            text = N_("{metric} improved: {before} → {after}{unit}{size} — {evidence}")
            if not self.improved:
                text = N_("{metric} worsened: {before} → {after}{unit}{size} — {evidence}")
            values = dict(metric=word, before=before, after=after, unit=unit, size=size, evidence=self.evidence)
            return _(text, **values)
        return _(
            "{metric}: no real change — within normal variation ({before} before, {after} after{unit}; "
            "limits {lower} – {upper})",
            metric=word,
            before=before,
            after=after,
            unit=unit,
            lower=self.show(self.lower),
            upper=self.show(self.upper),
        )

    def show(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.metric == "win_rate":
            return f"{number(value * 100, 1)}\u00a0%"
        return number(value, 1 if abs(value) < 100 else 0)


class Judgment(Result):
    """What the patience guard says about one recorded change (its JSON form is the model's dump)."""

    annotation_id: str
    label: str
    at: datetime
    scope: str
    scope_id: str | None
    scope_name: str | None = None
    judgment_date: date
    verdict_date: date | None = None
    before: tuple[date, date] | None = None
    after: tuple[date, date] | None = None
    status: str  # "too early to tell" | "judged" | "not enough history" (STATUSES)
    note: str = Field("", exclude=True)
    verdicts: list[MetricVerdict] = Field(default_factory=list)

    @computed_field
    @property
    def summary(self) -> str:
        if self.status == "too early to tell":
            when = self.verdict_date or self.judgment_date
            said = _("too early to tell: a verdict from {date}", date=show_day(when))
            return said + (f" ({self.note})" if self.note else "")
        if self.status != "judged":
            return _(self.status) + (f": {self.note}" if self.note else "")
        moved = [v for v in self.verdicts if v.signal and v.show(v.before_mean) != v.show(v.after_mean)]
        if not moved:
            return _(
                "no real change — within normal variation: {metrics}",
                metrics=", ".join(_(WORDS[v.metric]) for v in self.verdicts),
            )
        return "; ".join(v.reading for v in moved)


def add_annotation(store: Store, label: str, at: datetime | date, team: str | None = None) -> str:
    """Record a change worth judging later; returns its id. A day or a time without a zone is read in
    the reporting time zone."""
    if not label.strip():
        raise SalesVelocityError("an annotation needs a label", hint='say what changed, e.g. "weekly deal coaching"')
    if team is not None and not store.sql("SELECT count(*) FROM teams WHERE team_id = ?", [team]).fetchone()[0]:
        raise SalesVelocityError(f"unknown team {team!r}", hint="use a team_id from the teams table")
    annotation_id = f"A-{uuid.uuid4().hex[:8]}"
    store.sql(
        "INSERT INTO annotations VALUES (?, ?, ?, ?, ?)",
        [annotation_id, clock.to_utc(at, store.zone), label.strip(), "team" if team else "company", team],
    )
    return annotation_id


def annotations(tables: Tables) -> ir.Table:
    """Recorded changes with the name of the team they apply to: ``annotation_id``, ``at`` (reporting zone),
    ``label``, ``scope``, ``scope_id``, ``scope_name`` (the team's name, else its id)."""
    marks = tables.table("annotations")
    teams = tables.table("teams").select(_tid="team_id", _name="name")
    joined = marks.left_join(teams, (marks.scope == "team") & (marks.scope_id == teams._tid))
    return joined.select(
        "annotation_id", "at", "label", "scope", "scope_id", scope_name=joined._name.fill_null(joined.scope_id)
    )


def judge_all(store: Store, as_of: date, cadence: str = "week", anchor: date = DEFAULT_ANCHOR) -> list[Judgment]:
    """A judgment for every team or company annotation, oldest first."""
    marks = annotations(store)
    marks = marks.filter(
        marks.scope.isin(("company", "team")),
        marks["at"].between(datetime(EARLIEST_YEAR, 1, 1), datetime(LATEST_YEAR, 12, 31)),
    )
    judgments = []
    for row in store.execute(marks.order_by("at")).to_pylist():
        name = row.pop("scope_name")
        judgment = judge(store, **row, as_of=as_of, cadence=cadence, anchor=anchor)
        judgment.scope_name = name
        judgments.append(judgment)
    return judgments


def _step(day: date, periods: int, cadence: str, anchor: date) -> date:
    """The period start ``periods`` periods after (or before, when negative) the period start ``day``."""
    for _step_number in range(abs(periods)):
        day = next_period(day, cadence) if periods > 0 else period_floor(day - timedelta(days=1), cadence, anchor)
    return day


def judge(
    store: Store,
    annotation_id: str,
    at: datetime,
    label: str,
    scope: str,
    scope_id: str | None,
    as_of: date,
    cadence: str = "week",
    anchor: date = DEFAULT_ANCHOR,
) -> Judgment:
    """Judge one annotation as of ``as_of`` (see the module docstring)."""
    tables = TeamScope(store, scope_id) if scope == "team" and scope_id else store
    change_day = at.date()
    lookback = Window(at - timedelta(days=CYCLE_LOOKBACK_DAYS), at)
    (cycle,) = store.execute(cycle_length(tables, lookback)).to_pylist() or [{"cycle_p85_days": None}]
    p85 = cycle["cycle_p85_days"] or 0.0
    # The change's own period belongs to neither side; the 6th complete period after it ends here:
    before_end = period_floor(change_day, cadence, anchor)
    first_after = _on_or_after(change_day, cadence, anchor)
    sixth = _step(first_after, POINTS_AFTER, cadence, anchor)
    judgment_date = max(change_day + timedelta(days=int(np.ceil(p85))), sixth)
    result = Judgment(
        annotation_id=annotation_id,
        label=label,
        at=at,
        scope=scope,
        scope_id=scope_id,
        judgment_date=judgment_date,
        status="too early to tell",
    )

    first = store.execute(tables.table("deals").created_at.min().name("first").as_table()).to_pylist()[0]["first"]
    before_start = _step(before_end, -BASELINE_POINTS, cadence, anchor)
    if first is not None and first.date() > before_start:
        before_start = _on_or_after(first.date(), cadence, anchor)  # the first full period of data
    n = 0 if first is None else len(_periods(before_start, before_end, cadence))
    if n < MIN_BASELINE:
        result.status = "not enough history"
        result.note = _(
            "{n} complete {unit} of data before the change; a verdict needs {needed}",
            n=n,
            unit=_(PLURAL[cadence]),
            needed=MIN_BASELINE,
        )
        return result
    after_start = _on_or_after(judgment_date, cadence, anchor)
    after_end = _step(after_start, n, cadence, anchor)
    result.before, result.after, result.verdict_date = (before_start, before_end), (after_start, after_end), after_end
    if as_of < after_end:
        result.note = _(
            "{n} full {unit} from {date} against the {n} before the change",
            n=n,
            unit=_(PLURAL[cadence]),
            date=show_day(after_start),
        )
        return result

    series = store.execute(period_series(tables, before_start, after_end, cadence, None, anchor)).to_pylist()
    for metric, better in JUDGED.items():
        points = [(p["period_start"].date(), p[metric]) for p in series if p["complete"] and p[metric] is not None]
        before = [v for s, v in points if before_start <= s < before_end]
        after = [v for s, v in points if after_start <= s < after_end]
        if len(before) < MIN_BASELINE or len(after) < MIN_BASELINE:
            continue
        # Limits from the points before the change; signals looked for only in the points after it.
        chart: XmR = xmr(before + after, baseline_points=slice(0, len(before)))
        shift = "up" if np.mean(after) > np.mean(before) else "down"
        consistent = [s for s in detect(np.asarray(after), chart.centre, chart.mr_bar) if s.direction == shift]
        lower = max(chart.lower, 0.0)  # every judged metric is a count, rate or duration
        verdict = MetricVerdict(
            metric=metric,
            before_mean=float(np.mean(before)),
            after_mean=float(np.mean(after)),
            signal=bool(consistent),
            improved=None,
            lower=lower,
            upper=chart.upper,
            points=len(before),
            cadence=cadence,
        )
        if consistent:
            verdict.evidence = _evidence(consistent, verdict, cadence)
        if verdict.show(verdict.before_mean) == verdict.show(verdict.after_mean):
            verdict.signal = False  # two values that print the same are never better or worse
        verdict.improved = (shift == better) if verdict.signal else None
        result.verdicts.append(verdict)
    result.status = "judged" if result.verdicts else "not enough history"
    if not result.verdicts:
        result.note = _(
            "fewer than {n} {unit} with a value on one side of the change", n=MIN_BASELINE, unit=_(PLURAL[cadence])
        )
    return result


def _evidence(signals: list[Signal], verdict: MetricVerdict, cadence: str) -> str:
    """The strongest signal in plain words (a run, a cluster, or points beyond the limits)."""
    up = signals[0].direction == "up"
    centre = verdict.show(verdict.before_mean)
    unit = _(PLURAL[cadence])
    by_rule = {s.rule: s for s in signals}
    if 3 in by_rule:
        text = N_("{n} {unit} in a row above the average before the change ({centre})")
        if not up:
            text = N_("{n} {unit} in a row below the average before the change ({centre})")
        return _(text, n=len(by_rule[3].points), unit=unit, centre=centre)
    if 2 in by_rule:
        run = by_rule[2].points
        text = N_("{n} of {span} {unit} well above the average before the change ({centre})")
        if not up:
            text = N_("{n} of {span} {unit} well below the average before the change ({centre})")
        return _(text, n=len(run), span=run[-1] - run[0] + 1, unit=unit, centre=centre)
    count = sum(1 for s in signals if s.rule == 1)
    unit = _(cadence) if count == 1 else unit
    if up:
        return _(
            "{n} {unit} above the natural limit set before the change ({limit})",
            n=count,
            unit=unit,
            limit=verdict.show(verdict.upper),
        )
    return _(
        "{n} {unit} below the natural limit set before the change ({limit})",
        n=count,
        unit=unit,
        limit=verdict.show(verdict.lower),
    )


def _on_or_after(day: date, cadence: str, anchor: date) -> date:
    """The first period start on or after ``day``."""
    floor = period_floor(day, cadence, anchor)
    return floor if floor == day else next_period(floor, cadence)


def _periods(start: date, end: date, cadence: str) -> list[date]:
    days, day = [], start
    while day < end:
        days.append(day)
        day = next_period(day, cadence)
    return days
