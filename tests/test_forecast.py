"""Monte Carlo forecasts: reproducible, monotone, consistent, calibrated; short histories answered clearly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from salesvelocity.forecast import NotEnoughHistory, backtest, how_many, probability_of_reaching, when

HISTORY = np.random.default_rng(3).poisson(2.0, 84).astype(float)


def test_same_seed_same_forecast_other_seed_close():
    a = how_many(HISTORY, 30, rng=np.random.default_rng(7))
    b = how_many(HISTORY, 30, rng=np.random.default_rng(7))
    c = how_many(HISTORY, 30, rng=np.random.default_rng(8))
    assert a.by_confidence == b.by_confidence
    assert abs(a.by_confidence[85] - c.by_confidence[85]) <= 3


def test_percentiles_are_monotone():
    result = how_many(HISTORY, 30, rng=np.random.default_rng(1))
    assert result.by_confidence[50] >= result.by_confidence[85] >= result.by_confidence[95] > 0
    later = how_many(HISTORY, 60, rng=np.random.default_rng(1))
    assert all(later.by_confidence[c] >= result.by_confidence[c] for c in (50, 85, 95))
    dates = when(HISTORY, 100, rng=np.random.default_rng(1)).days_by_confidence
    assert dates[50] <= dates[85] <= dates[95]


def test_when_and_how_many_agree():
    # If with 85 % confidence we reach X in D days, then how-many over D days at 85 % is at least X.
    rng = np.random.default_rng(5)
    target = 90.0
    days = when(HISTORY, target, trials=20_000, rng=rng).days_by_confidence[85]
    reached = how_many(HISTORY, int(days), trials=20_000, rng=rng).by_confidence[85]
    before = how_many(HISTORY, int(days) - 2, trials=20_000, rng=rng).by_confidence[85]
    assert reached >= target * 0.97 and before <= target * 1.03


def test_probability_of_reaching():
    assert probability_of_reaching(HISTORY, 30, 0) == 1.0
    mean_total = HISTORY.mean() * 30
    p = probability_of_reaching(HISTORY, 30, mean_total, rng=np.random.default_rng(2))
    assert 0.35 < p < 0.65
    assert probability_of_reaching(HISTORY, 30, mean_total * 3, rng=np.random.default_rng(2)) < 0.01


def test_calibration_on_a_stationary_history():
    series = np.random.default_rng(11).poisson(3.0, 3 * 365).astype(float)
    result = backtest(series, history_days=84, horizon_days=28, step=7, trials=2_000, rng=np.random.default_rng(4))
    assert result.origins > 100
    assert 0.80 <= result.hit_rate <= 0.90


def test_unreachable_target_says_so():
    sparse = np.zeros(84)
    sparse[3] = 1
    result = when(sparse, 10_000, trials=500)
    assert math.isinf(result.days_by_confidence[95])


@pytest.mark.parametrize("history", [np.ones(5), np.zeros(84)])
def test_short_or_empty_history_is_a_clear_answer(history):
    with pytest.raises(NotEnoughHistory):
        how_many(history, 30)
    with pytest.raises(NotEnoughHistory):
        when(history, 10)


def test_backtest_needs_enough_history():
    with pytest.raises(NotEnoughHistory, match="more than"):
        backtest(np.ones(100))
