"""Monte Carlo forecasts of throughput (design.md §4): bootstrap the daily history, vectorised in numpy.

The daily throughput (won deals, or won amount, per calendar day by closed_at; days without a win are
zeros) of the last ``history_days`` is the only input pulled from the engine — a short aggregated series.
Each trial draws days from that history with replacement.

- ``how_many``: the total reached by a date with 50 / 85 / 95 % confidence = the 50th / 15th / 5th
  percentile of the simulated totals.
- ``when``: the date a total is reached with 50 / 85 / 95 % confidence = the 50th / 85th / 95th
  percentile of the simulated days needed.
- ``backtest``: walks through history and reports how often the real outcome was at or above the 85 %
  line — a calibrated forecast lands near 85 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import ibis
import numpy as np

from salesvelocity.metrics.common import Tables, run

DEFAULT_HISTORY_DAYS = 84
DEFAULT_TRIALS = 10_000
CONFIDENCES = (50, 85, 95)
MIN_HISTORY_DAYS = 14
MAX_HORIZON_DAYS = 3 * 365


class NotEnoughHistory(ValueError):
    """The history is too short or holds no throughput at all."""


@dataclass
class HowMany:
    horizon_days: int
    by_confidence: dict[int, float]
    totals: np.ndarray = field(repr=False)


@dataclass
class When:
    target: float
    days_by_confidence: dict[int, float]  # math.inf when not reached within the horizon
    days: np.ndarray = field(repr=False)

    def dates(self, start: date) -> dict[int, date | None]:
        return {
            c: None if math.isinf(d) else start + timedelta(days=int(d) - 1) for c, d in self.days_by_confidence.items()
        }


def daily_throughput(
    tables: Tables, as_of: date, history_days: int = DEFAULT_HISTORY_DAYS, metric: str = "count"
) -> np.ndarray:
    """Won deals (``count``) or won amount (``amount``) per day over the ``history_days`` before ``as_of``."""
    if metric not in ("count", "amount"):
        raise ValueError("metric must be 'count' or 'amount'")
    end = datetime.combine(as_of, time.min)
    start = end - timedelta(days=history_days)
    deals = tables.table("deals")
    won = deals.filter(deals.status == "won", deals.closed_at >= start, deals.closed_at < end)
    value = won.amount.cast("float64").fill_null(0.0) if metric == "amount" else ibis.literal(1.0)
    won = won.mutate(day=won.closed_at.date(), value=value)
    per_day = run(tables, won.group_by("day").agg(total=won.value.sum()))
    series = np.zeros(history_days)
    first = start.date()
    for row in per_day:
        series[(row["day"] - first).days] = row["total"]
    return series


def _check(history: np.ndarray) -> np.ndarray:
    history = np.asarray(history, dtype=float)
    if len(history) < MIN_HISTORY_DAYS:
        raise NotEnoughHistory(
            f"a forecast needs at least {MIN_HISTORY_DAYS} days of history; there are {len(history)}"
        )
    if history.sum() <= 0:
        raise NotEnoughHistory("there was no throughput at all in the history window; nothing to extrapolate")
    return history


def how_many(
    history: np.ndarray, horizon_days: int, trials: int = DEFAULT_TRIALS, rng: np.random.Generator | None = None
) -> HowMany:
    """Simulated totals over ``horizon_days``; the amount reached with 50/85/95 % confidence."""
    history = _check(history)
    rng = rng or np.random.default_rng(0)
    if horizon_days <= 0:
        return HowMany(0, {c: 0.0 for c in CONFIDENCES}, np.zeros(trials))
    draws = rng.integers(0, len(history), size=(trials, horizon_days))
    totals = history[draws].sum(axis=1)
    return HowMany(horizon_days, {c: float(np.percentile(totals, 100 - c)) for c in CONFIDENCES}, totals)


def when(
    history: np.ndarray, target: float, trials: int = DEFAULT_TRIALS, rng: np.random.Generator | None = None
) -> When:
    """Days needed to reach ``target`` in each trial; the day count reached with 50/85/95 % confidence."""
    history = _check(history)
    rng = rng or np.random.default_rng(0)
    if target <= 0:
        return When(target, {c: 0.0 for c in CONFIDENCES}, np.zeros(trials))
    horizon = int(min(MAX_HORIZON_DAYS, max(30, math.ceil(3 * target / history.mean()))))
    draws = rng.integers(0, len(history), size=(trials, horizon))
    cumulative = history[draws].cumsum(axis=1)
    reached = cumulative >= target
    days = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, np.inf).astype(float)
    by_confidence = {}
    for c in CONFIDENCES:
        value = np.percentile(days, c, method="higher")
        by_confidence[c] = float(value)
    return When(target, by_confidence, days)


def probability_of_reaching(
    history: np.ndarray,
    horizon_days: int,
    remaining: float,
    trials: int = DEFAULT_TRIALS,
    rng: np.random.Generator | None = None,
) -> float:
    """Share of trials whose total over ``horizon_days`` reaches ``remaining``."""
    if remaining <= 0:
        return 1.0
    return float((how_many(history, horizon_days, trials, rng).totals >= remaining).mean())


@dataclass
class Backtest:
    origins: int
    hits: int
    horizon_days: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.origins if self.origins else math.nan


def backtest(
    series: np.ndarray,
    history_days: int = DEFAULT_HISTORY_DAYS,
    horizon_days: int = 28,
    step: int = 7,
    trials: int = 2_000,
    rng: np.random.Generator | None = None,
) -> Backtest:
    """From every ``step``-th day with enough history behind and horizon ahead: was actual ≥ the 85 % line?"""
    series = np.asarray(series, dtype=float)
    rng = rng or np.random.default_rng(0)
    origins = hits = 0
    for t in range(history_days, len(series) - horizon_days + 1, step):
        past = series[t - history_days : t]
        if past.sum() <= 0:
            continue
        line = how_many(past, horizon_days, trials, rng).by_confidence[85]
        hits += int(series[t : t + horizon_days].sum() >= line)
        origins += 1
    if origins == 0:
        raise NotEnoughHistory(
            f"a backtest needs more than {history_days + horizon_days} days of history with throughput"
        )
    return Backtest(origins, hits, horizon_days)
