"""Signal vs noise: XmR process-behaviour charts (design.md §4), pure functions over a short series.

Centre = mean of the baseline points; mR̄ = mean moving range of the baseline; natural process limits =
centre ± 2.66 mR̄; upper range limit = 3.268 mR̄. Baseline = the first 12 points by default (at least 6).
Detection rules, each reported with the points involved:
1. a point outside the natural process limits;
2. three of four successive points beyond centre ± 1.33 mR̄ (halfway to a limit), on the same side;
3. eight successive points on the same side of the centre (a point exactly on the centre breaks a run).
Anything else is noise and is reported as "no signal".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from salesvelocity.i18n import N_, _, day, number

MIN_BASELINE = 6
DEFAULT_BASELINE = 12
LIMIT_FACTOR = 2.66
HALF_FACTOR = 1.33
RANGE_FACTOR = 3.268
RUN_LENGTH = 8


@dataclass(frozen=True)
class Signal:
    """One detection: the rule that fired, the points involved (indices) and the direction."""

    rule: int
    points: tuple[int, ...]
    direction: str  # "up" or "down"

    @property
    def start(self) -> int:
        return self.points[0]


@dataclass
class XmR:
    """An XmR chart of ``values`` with its limits and the signals found."""

    values: np.ndarray
    baseline: int
    centre: float
    mr_bar: float
    lower: float
    upper: float
    range_limit: float
    signals: list[Signal] = field(default_factory=list)

    @property
    def moving_ranges(self) -> np.ndarray:
        return np.abs(np.diff(self.values))

    def point_signals(self) -> list[list[int]]:
        """For each point, the rules that flagged it (for charts)."""
        marks: list[list[int]] = [[] for _value in self.values]
        for signal in self.signals:
            for i in signal.points:
                if signal.rule not in marks[i]:
                    marks[i].append(signal.rule)
        return marks


class NotEnoughHistory(ValueError):
    """Fewer points than a baseline needs; the answer is "not enough history", not a chart."""


def xmr(values: Sequence[float], baseline: int = DEFAULT_BASELINE, baseline_points: slice | None = None) -> XmR:
    """Compute limits from the baseline and run the three detection rules over every point.

    ``baseline`` takes the first n points (at least 6; fewer available → all of them if ≥ 6);
    ``baseline_points`` picks an explicit stretch instead (e.g. the points before a change).
    """
    data = np.asarray(values, dtype=float)
    if np.isnan(data).any():
        raise ValueError("XmR needs a value for every point; fill gaps (e.g. zero throughput) first")
    base = data[baseline_points] if baseline_points is not None else data[: max(baseline, MIN_BASELINE)]
    if len(base) < MIN_BASELINE:
        raise NotEnoughHistory(
            _("an XmR baseline needs at least {n} points; there are {found}", n=MIN_BASELINE, found=len(base))
        )
    centre = float(base.mean())
    mr_bar = float(np.abs(np.diff(base)).mean())
    chart = XmR(
        values=data,
        baseline=len(base),
        centre=centre,
        mr_bar=mr_bar,
        lower=centre - LIMIT_FACTOR * mr_bar,
        upper=centre + LIMIT_FACTOR * mr_bar,
        range_limit=RANGE_FACTOR * mr_bar,
    )
    chart.signals = detect(data, centre, mr_bar)
    return chart


def detect(values: np.ndarray, centre: float, mr_bar: float) -> list[Signal]:
    """The three detection rules; overlapping windows of rules 2 and 3 are merged into one signal."""
    found: list[Signal] = []
    upper, lower = centre + LIMIT_FACTOR * mr_bar, centre - LIMIT_FACTOR * mr_bar
    for i, v in enumerate(values):
        if v > upper:
            found.append(Signal(1, (i,), "up"))
        elif v < lower:
            found.append(Signal(1, (i,), "down"))
    high, low = centre + HALF_FACTOR * mr_bar, centre - HALF_FACTOR * mr_bar
    for direction, beyond in (("up", values > high), ("down", values < low)):
        hits = [i for i in range(len(values) - 3) if beyond[i : i + 4].sum() >= 3]
        found += _merge(hits, 4, lambda s, e, b=beyond: tuple(j for j in range(s, e) if b[j]), 2, direction)
    for direction, side in (("up", values > centre), ("down", values < centre)):
        hits = [i for i in range(len(values) - RUN_LENGTH + 1) if side[i : i + RUN_LENGTH].all()]
        found += _merge(hits, RUN_LENGTH, lambda s, e: tuple(range(s, e)), 3, direction)
    return sorted(found, key=lambda s: (s.start, s.rule))


def _merge(starts: list[int], width: int, points, rule: int, direction: str) -> list[Signal]:
    """Join windows that start at consecutive positions into one signal covering all their points."""
    signals, run_start, run_end = [], None, None
    for s in starts:
        if run_end is not None and s <= run_end - width + 1:
            run_end = s + width
            continue
        if run_start is not None:
            signals.append(Signal(rule, points(run_start, run_end), direction))
        run_start, run_end = s, s + width
    if run_start is not None:
        signals.append(Signal(rule, points(run_start, run_end), direction))
    return signals


RULE_WORDS = {
    1: "outside the natural process limits",
    2: "3 of 4 points beyond halfway to a limit",
    3: "{n} points in a row on one side of the average",
}
#: A point's part in a signal, in a few words (chart hover, terminal column).
POINT_WORDS = {
    (1, "up"): N_("beyond a limit"),
    (1, "down"): N_("beyond a limit"),
    (2, "up"): N_("clustered well above"),
    (2, "down"): N_("clustered well below"),
    (3, "up"): N_("in a run above the average"),
    (3, "down"): N_("in a run below the average"),
}


def point_words(chart: XmR, index: int) -> str:
    """What flags point ``index`` in plain words ("" when it is noise)."""
    said = []
    for signal in chart.signals:
        if index in signal.points:
            said.append(_(POINT_WORDS[(signal.rule, signal.direction)]))
    return "; ".join(dict.fromkeys(said))


RUN = {
    "up": N_("a run of {n} {unit} above the average since {date}: {metric} really changed"),
    "down": N_("a run of {n} {unit} below the average since {date}: {metric} really changed"),
}
CLUSTER = {
    "up": N_("since {date}, {n} of {span} {unit} were well above the average: a real shift in {metric}"),
    "down": N_("since {date}, {n} of {span} {unit} were well below the average: a real shift in {metric}"),
}
BEYOND_ONCE = {
    "up": N_("{metric} went above the natural limit ({limit}) on {date}"),
    "down": N_("{metric} went below the natural limit ({limit}) on {date}"),
}
BEYOND_TIMES = {
    "up": N_("{metric} went above the natural limit ({limit}) {n} times, {first} to {last}"),
    "down": N_("{metric} went below the natural limit ({limit}) {n} times, {first} to {last}"),
}


def describe(chart: XmR, labels: Sequence[date], metric: str, unit: str = "periods") -> list[str]:
    """Plain-language sentences: one per rule and direction (the latest occurrence named), or "no signal".

    ``metric`` and ``unit`` ("weeks") are given in the reader's language."""
    if not chart.signals:
        return [
            _(
                "no signal: every {metric} value stays within the natural limits ({lower} – {upper}); "
                "the ups and downs are noise",
                metric=metric,
                lower=_amount(chart.lower),
                upper=_amount(chart.upper),
            )
        ]
    lines = []
    for rule in (3, 2, 1):
        for direction in ("up", "down"):
            found = [s for s in chart.signals if s.rule == rule and s.direction == direction]
            if not found:
                continue
            last = found[-1]
            first_day = day(labels[last.points[0]])
            if rule == 3:
                text = _(RUN[direction], n=len(last.points), unit=unit, date=first_day, metric=metric)
                lines.append(text + _more(found))
            elif rule == 2:
                span = last.points[-1] - last.points[0] + 1
                text = _(CLUSTER[direction], n=len(last.points), span=span, unit=unit, date=first_day, metric=metric)
                lines.append(text + _more(found))
            else:
                limit = _amount(chart.upper if direction == "up" else chart.lower)
                days = [labels[s.points[0]] for s in found]
                if len(days) == 1:
                    lines.append(_(BEYOND_ONCE[direction], metric=metric, limit=limit, date=day(days[0])))
                else:
                    lines.append(
                        _(
                            BEYOND_TIMES[direction],
                            metric=metric,
                            limit=limit,
                            n=len(days),
                            first=day(days[0]),
                            last=day(days[-1]),
                        )
                    )
    return lines


def _more(found: list[Signal]) -> str:
    earlier = len(found) - 1
    if not earlier:
        return ""
    return _("; 1 earlier run too") if earlier == 1 else _("; {n} earlier runs too", n=earlier)


def _amount(value: float) -> str:
    return number(value, 0 if value == 0 or abs(value) >= 100 else 2)
