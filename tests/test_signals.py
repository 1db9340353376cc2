"""XmR: hand-computed limits and one test per detection rule (a series that fires it, one that just misses)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from salesvelocity.signals import NotEnoughHistory, describe, xmr

# Baseline 10, 12, 11, 13, 9, 11: mean 11; moving ranges 2, 1, 2, 4, 2 → mR̄ 2.2
BASE = [10, 12, 11, 13, 9, 11]


def test_limits_by_hand():
    chart = xmr(BASE, baseline=6)
    assert chart.centre == pytest.approx(11.0)
    assert chart.mr_bar == pytest.approx(2.2)
    assert chart.upper == pytest.approx(11 + 2.66 * 2.2)  # 16.852
    assert chart.lower == pytest.approx(11 - 2.66 * 2.2)  # 5.148
    assert chart.range_limit == pytest.approx(3.268 * 2.2)
    assert chart.signals == []


def test_default_baseline_is_the_first_twelve_points():
    values = BASE * 2 + [100]
    chart = xmr(values)
    assert chart.baseline == 12 and chart.centre == pytest.approx(11.0)


def test_rule_1_fires_above_the_limit_and_not_just_below_it():
    fires = xmr(BASE + [16.9], baseline=6)
    assert [(s.rule, s.points, s.direction) for s in fires.signals] == [(1, (6,), "up")]
    misses = xmr(BASE + [16.8], baseline=6)
    assert all(s.rule != 1 for s in misses.signals)


def test_rule_2_three_of_four_beyond_halfway():
    halfway = 11 + 1.33 * 2.2  # 13.926
    fires = xmr(BASE + [14.0, 11.0, 14.0, 14.0], baseline=6)
    assert [(s.rule, s.direction) for s in fires.signals] == [(2, "up")]
    assert fires.signals[0].points == (6, 8, 9)
    misses = xmr(BASE + [14.0, 11.0, 13.9, 14.0], baseline=6)  # 13.9 < halfway
    assert halfway > 13.9 and all(s.rule != 2 for s in misses.signals)


def test_rule_3_eight_in_a_row():
    fires = xmr(BASE + [10.5] * 8, baseline=6)
    assert [(s.rule, s.direction, len(s.points)) for s in fires.signals] == [(3, "down", 8)]
    misses = xmr(BASE + [10.5] * 7 + [11.5], baseline=6)
    assert fires.signals and not [s for s in misses.signals if s.rule == 3]


def test_a_longer_run_is_one_signal():
    chart = xmr(BASE + [12.0] * 11, baseline=6)
    rule3 = [s for s in chart.signals if s.rule == 3]
    assert len(rule3) == 1 and rule3[0].points == tuple(range(6, 17))  # 11 points, one signal


def test_too_short_a_baseline_is_not_enough_history():
    with pytest.raises(NotEnoughHistory, match="at least 6"):
        xmr([1, 2, 3, 4, 5])


def test_plain_words():
    labels = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(14)]
    chart = xmr(BASE + [10.5] * 8, baseline=6)
    (line,) = describe(chart, labels, "cycle time", unit="weeks")
    assert line == "a run of 8 weeks below the average since 2026-02-16: cycle time really changed"
    outlier = xmr(BASE + [30.0, 11.0, 31.0], baseline=6)
    assert describe(outlier, labels, "velocity")[0] == (
        "velocity went above the natural limit (16.85) 2 times, 2026-02-16 to 2026-03-02"
    )
    quiet = xmr(BASE, baseline=6)
    assert describe(quiet, labels, "velocity")[0].startswith("no signal")


def test_random_noise_rarely_signals():
    rng = np.random.default_rng(1)
    fired = sum(bool(xmr(rng.normal(100, 10, 24)).signals) for _ in range(200))
    assert fired < 200 * 0.5
