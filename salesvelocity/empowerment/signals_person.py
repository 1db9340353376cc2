"""A person's own velocity signal: won amount per sprint on an XmR chart (used by 1:1 prompts and the
retention early warning; never shown beside anyone else's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from salesvelocity.i18n import _
from salesvelocity.metrics.series import period_series
from salesvelocity.signals import MIN_BASELINE, NotEnoughHistory, describe, xmr
from salesvelocity.store import Store

HISTORY_DAYS = 364
RECENT_PERIODS = 4


@dataclass
class PersonSignal:
    person_id: str
    direction: str  # "up" | "down"
    sentence: str


def recent_signals(store: Store, as_of: date) -> dict[str, PersonSignal]:
    """Per person, the latest signal that touches one of the last four complete sprints, if any."""
    series = store.execute(period_series(store, as_of - timedelta(days=HISTORY_DAYS), as_of, "sprint", "person"))
    # A person's sprints count from their first deal: the zeros before it are not their velocity.
    deals = store.table("deals")
    first = {
        r["owner_id"]: r["first"]
        for r in store.execute(deals.group_by("owner_id").agg(first=deals.created_at.min())).to_pylist()
    }
    by_person: dict[str, list[tuple[date, float]]] = {}
    for row in series.to_pylist():
        started = first.get(row["group"])
        if row["complete"] and started is not None and row["period_end"] > started:
            by_person.setdefault(row["group"], []).append((row["period_start"].date(), row["won_amount"] or 0.0))
    found = {}
    for person, points in by_person.items():
        if len(points) < MIN_BASELINE + RECENT_PERIODS:
            continue
        try:
            chart = xmr([v for _d, v in points])
        except NotEnoughHistory:
            continue
        if chart.mr_bar == 0:
            continue  # a flat baseline makes any change a "signal"; too little activity to judge
        recent = len(points) - RECENT_PERIODS
        late = [s for s in chart.signals if s.points[-1] >= recent]
        if late:
            chart.signals = [late[-1]]
            sentence = describe(chart, [d for d, _v in points], _("won amount per sprint"), unit=_("sprints"))[0]
            found[person] = PersonSignal(person, late[-1].direction, sentence)
    return found
