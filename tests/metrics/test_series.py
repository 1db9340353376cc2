"""Series per period and cumulative flow on the hand-made fixtures.

Velocity fixture (tests/conftest.py), by month, window [2026-01-01, 2026-04-01):
  T1 Jan: created d1 d2; won d1 (10 d, 1000) and d5 (35.5 d, 2000) → win rate 1, avg 1500,
          cycle 22.75; open days d1 10 + d2 17 + d5 4.5 = 31.5 over 31 days → velocity
          31.5/31 × 1 × 1500 / 22.75; open at Feb 1: d2 → WIP 1; net flow 2 − 2 = 0
  T1 Feb: created d3; won d2 (30 d, 3000), lost d3 → win rate .5; open days d2 13 + d3 9 = 22 over 28
          → velocity 22/28 × .5 × 3000 / 30 = 39.29; won per day 3000/28
          WIP at Mar 1: 0 (d4 is created at Mar 1 00:00, an event at the cut belongs to the next period)
  T1 Mar: created d4 d6; nothing closed (d6 closes Apr 2) → no velocity; open days d4 31 + d6 12;
          WIP at Apr 1: d4, d6 → 2
  T2 Feb: created and lost e1 → win rate 0, no velocity; T2 Mar: created e2 → WIP 1
"""

from __future__ import annotations

from datetime import date

import pytest

from salesvelocity.forecast import daily_throughput
from salesvelocity.ingest import import_paths
from salesvelocity.metrics.flow import cumulative_flow
from salesvelocity.metrics.series import period_series
from tests.metrics.fixtures import write_funnel


@pytest.fixture
def loaded(store, small_files):
    import_paths(store, [small_files])
    return store


def test_monthly_series_by_team(loaded):
    rows = loaded.execute(period_series(loaded, date(2026, 1, 1), date(2026, 4, 1), "month", "team")).to_pylist()
    t1 = [r for r in rows if r["group"] == "T1"]
    assert [r["period_start"].date() for r in t1] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    jan, feb, mar = t1
    assert (jan["created"], jan["won"], jan["lost"], jan["wip"], jan["net_flow"]) == (2, 2, 0, 1, 0)
    assert jan["won_amount"] == 3000.0 and jan["cycle_days"] == pytest.approx(22.75)
    assert jan["open_avg"] == pytest.approx(31.5 / 31)
    assert jan["velocity_per_day"] == pytest.approx(31.5 / 31 * 1500 / 22.75)
    assert (feb["created"], feb["won"], feb["lost"], feb["wip"], feb["net_flow"]) == (1, 1, 1, 0, -1)
    assert feb["win_rate"] == 0.5 and feb["velocity_per_day"] == pytest.approx(22 / 28 * 50)
    assert feb["won_per_day"] == pytest.approx(3000 / 28)
    assert feb["accel_prev"] == pytest.approx(22 / 28 * 50 - 31.5 / 31 * 1500 / 22.75)
    assert (mar["created"], mar["won"], mar["wip"], mar["velocity_per_day"]) == (2, 0, 2, None)
    assert mar["open_avg"] == pytest.approx(43 / 31)
    assert all(r["complete"] for r in t1)
    t2 = {r["period_start"].month: r for r in rows if r["group"] == "T2"}
    assert (t2[1]["created"], t2[1]["wip"]) == (0, 0)  # a quiet period is a row of zeros, not a gap
    assert (t2[2]["lost"], t2[2]["win_rate"], t2[2]["velocity_per_day"]) == (1, 0.0, None)
    assert t2[3]["wip"] == 1


def test_partial_last_period_is_marked(loaded):
    rows = loaded.execute(period_series(loaded, date(2026, 1, 1), date(2026, 3, 15), "month")).to_pylist()
    assert [r["complete"] for r in rows] == [True, True, False]


def test_sprints_follow_the_anchor(loaded):
    rows = loaded.execute(
        period_series(loaded, date(2026, 1, 1), date(2026, 2, 1), "sprint", anchor=date(2026, 1, 7))
    ).to_pylist()
    assert [r["period_start"].date() for r in rows] == [date(2025, 12, 24), date(2026, 1, 7), date(2026, 1, 21)]


def test_cumulative_flow_on_a_day(store, tmp_path):
    import_paths(store, [write_funnel(tmp_path / "f")])
    rows = store.execute(cumulative_flow(store, date(2026, 1, 1), date(2026, 1, 31))).to_pylist()
    day = {r["stage"]: r["deals"] for r in rows if r["day"] == date(2026, 1, 15)}
    # s4 and s7 in Qualify, s3 back in Propose, s2 in Negotiate until it is won at 01-16 00:00; s1 won 01-10
    assert day == {"Qualify": 2, "Propose": 1, "Negotiate": 1, "Won": 1}
    last = {r["stage"]: r["deals"] for r in rows if r["day"] == date(2026, 1, 30)}
    assert last == {"Propose": 1, "Won": 2, "Lost": 2}  # s4 waits in Propose; s3 and s7 were lost


def test_daily_throughput_is_pulled_as_a_short_series(loaded):
    series = daily_throughput(loaded, date(2026, 2, 15), history_days=14)
    assert series.tolist() == [0.0] * 13 + [1.0]  # d2 won on 2026-02-14
    amounts = daily_throughput(loaded, date(2026, 2, 15), history_days=14, metric="amount")
    assert amounts[-1] == 3000.0
