"""The patience guard: when can a change be judged honestly, and what does the data say then?

For an annotation at time t (design.md §4): the earliest honest judgment date is t + the P85 cycle
length (of deals won in the 180 days before t, in the annotation's scope), and not before the period
series holds 6 complete points after t. Until then the answer is "too early to tell". After it, each
series metric is put on an XmR chart whose baseline is the (up to 12) complete points before t; a
signal among the points after t is a real change, anything else is noise.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from salesvelocity.errors import SalesVelocityError
from salesvelocity.metrics import TeamScope, Window, cycle_length
from salesvelocity.metrics.cadence import DEFAULT_ANCHOR, next_period, period_floor
from salesvelocity.metrics.series import period_series
from salesvelocity.signals import MIN_BASELINE, Signal, XmR, describe, detect, xmr
from salesvelocity.store import Store

POINTS_AFTER = 6
BASELINE_POINTS = 12
CYCLE_LOOKBACK_DAYS = 180
#: Metrics judged for every change, and which direction is an improvement.
JUDGED = {"velocity_per_day": "up", "won": "up", "win_rate": "up", "cycle_days": "down"}
WORDS = {"velocity_per_day": "velocity", "won": "throughput", "win_rate": "win rate", "cycle_days": "cycle time"}


@dataclass
class MetricVerdict:
    metric: str
    before_mean: float | None
    after_mean: float | None
    signal: bool
    improved: bool | None
    sentences: list[str]


@dataclass
class Judgment:
    annotation_id: str
    label: str
    at: datetime
    scope: str
    scope_id: str | None
    judgment_date: date
    status: str  # "too early to tell" | "judged" | "not enough history"
    verdicts: list[MetricVerdict] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.status != "judged":
            if self.status == "too early to tell":
                return f"too early to tell: judge on or after {self.judgment_date:%Y-%m-%d}"
            return self.status
        moved = [v for v in self.verdicts if v.signal]
        if not moved:
            return "no signal: nothing moved beyond the noise since the change"
        return "; ".join(
            f"{WORDS[v.metric]} {'improved' if v.improved else 'worsened'} "
            f"({_fmt(v.before_mean)} → {_fmt(v.after_mean)})"
            for v in moved
        )


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def add_annotation(store: Store, label: str, at: datetime, team: str | None = None) -> str:
    """Record a change worth judging later; returns its id."""
    if not label.strip():
        raise SalesVelocityError("an annotation needs a label", hint='say what changed, e.g. "weekly deal coaching"')
    if team is not None and not store.sql("SELECT count(*) FROM teams WHERE team_id = ?", [team]).fetchone()[0]:
        raise SalesVelocityError(f"unknown team {team!r}", hint="use a team_id from the teams table")
    annotation_id = f"A-{uuid.uuid4().hex[:8]}"
    store.sql(
        "INSERT INTO annotations VALUES (?, ?, ?, ?, ?)",
        [annotation_id, at, label.strip(), "team" if team else "company", team],
    )
    return annotation_id


def judge_all(store: Store, as_of: date, cadence: str = "week", anchor: date = DEFAULT_ANCHOR) -> list[Judgment]:
    """A judgment for every team or company annotation, oldest first."""
    rows = store.sql(
        'SELECT annotation_id, "at", label, scope, scope_id FROM annotations '
        "WHERE scope IN ('company', 'team') AND \"at\" BETWEEN TIMESTAMP '1900-01-01' AND TIMESTAMP '2100-12-31' "
        'ORDER BY "at"'
    ).fetchall()
    return [judge(store, *row, as_of=as_of, cadence=cadence, anchor=anchor) for row in rows]


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
    # The 6th complete period after the change ends here:
    first_after = period_floor(change_day, cadence, anchor)
    if first_after < change_day:
        first_after = next_period(first_after, cadence)
    sixth_end = first_after
    for _ in range(POINTS_AFTER):
        sixth_end = next_period(sixth_end, cadence)
    judgment_date = max(change_day + timedelta(days=int(np.ceil(p85))), sixth_end)
    result = Judgment(annotation_id, label, at, scope, scope_id, judgment_date, "too early to tell")
    if as_of < judgment_date:
        return result

    start = first_after
    for _ in range(BASELINE_POINTS):
        start = period_floor(start - timedelta(days=1), cadence, anchor)
    first = store.execute(tables.table("deals").created_at.min().name("first").as_table()).to_pylist()[0]["first"]
    if first is not None and first.date() > start:
        start = period_floor(first.date(), cadence, anchor)  # weeks before any data are not zeros
    series = store.execute(period_series(tables, start, as_of, cadence, None, anchor)).to_pylist()
    series = [p for p in series if p["complete"]]
    cut = datetime.combine(first_after, time.min)
    for metric, better in JUDGED.items():
        points = [(p["period_start"], p[metric]) for p in series if p[metric] is not None]
        before = [v for s, v in points if s < cut]
        after = [v for s, v in points if s >= cut]
        if len(before) < MIN_BASELINE or len(after) < POINTS_AFTER:
            continue
        # Limits from the points before the change; signals looked for only in the points after it.
        chart: XmR = xmr(before + after, baseline_points=slice(0, len(before)))
        after_signals = detect(np.asarray(after), chart.centre, chart.mr_bar)
        shift = "up" if np.mean(after) > np.mean(before) else "down"
        consistent = [
            Signal(sig.rule, tuple(i + len(before) for i in sig.points), sig.direction)
            for sig in after_signals
            if sig.direction == shift
        ]
        chart.signals = consistent
        labels = [start for start, _ in points]
        sentences = describe(chart, labels, WORDS[metric], unit=f"{cadence}s")
        result.verdicts.append(
            MetricVerdict(
                metric,
                float(np.mean(before)),
                float(np.mean(after)),
                bool(consistent),
                (shift == better) if consistent else None,
                sentences,
            )
        )
    result.status = "judged" if result.verdicts else "not enough history"
    return result
