"""Sales velocity and its factors on the hand-made fixture of tests/conftest.py.

Window [2026-01-01, 2026-04-01). Team Alpha (T1, rep A1):
  created in window: d1 d2 d3 d4 d6 → 5 opportunities (d5 was created in December)
  closed in window: won d1 (10 d, 1000), d2 (30 d, 3000), d5 (35.5 d, 2000); lost d3; d6 closes in April
  win rate 3/4 = 0.75; average deal 6000/3 = 2000; cycle (10 + 30 + 35.5)/3 = 25.1666… d
  velocity = 5 × 0.75 × 2000 ÷ 25.1666… = 22500/75.5 = 298.0132… per day
Team Beta (T2, rep B1): 2 opportunities, 1 lost, none won → win rate 0, no deal size, no cycle, no velocity.
"""

from __future__ import annotations

from datetime import date

import pytest

from salesvelocity.errors import MetricError
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import Window, cycle_length, deal_size, sales_velocity, win_rate

WINDOW = Window.of(date(2026, 1, 1), date(2026, 4, 1))


@pytest.fixture
def loaded(store, small_files):
    import_paths(store, [small_files])
    return store


def by_group(store, expr):
    return {r["group"]: r for r in store.execute(expr).to_pylist()}


def test_velocity_by_team(loaded):
    rows = by_group(loaded, sales_velocity(loaded, WINDOW, by="team"))
    alpha, beta = rows["T1"], rows["T2"]
    assert alpha["label"] == "Alpha"
    assert (alpha["opportunities"], alpha["won"], alpha["lost"]) == (5, 3, 1)
    assert alpha["win_rate"] == 0.75
    assert alpha["avg_deal_size"] == pytest.approx(2000.0)
    assert alpha["cycle_days"] == pytest.approx(75.5 / 3)
    assert alpha["velocity_per_day"] == pytest.approx(22500 / 75.5)
    assert (beta["opportunities"], beta["won"], beta["lost"], beta["win_rate"]) == (2, 0, 1, 0.0)
    assert beta["avg_deal_size"] is None and beta["cycle_days"] is None and beta["velocity_per_day"] is None


def test_velocity_whole_company_and_open_at_start(loaded):
    (all_,) = loaded.execute(sales_velocity(loaded, WINDOW)).to_pylist()
    assert (all_["group"], all_["opportunities"], all_["won"], all_["lost"]) == ("all", 7, 3, 2)
    assert all_["win_rate"] == pytest.approx(0.6)
    (wide,) = loaded.execute(sales_velocity(loaded, WINDOW, opportunities="open_and_created")).to_pylist()
    assert wide["opportunities"] == 8  # d5 was open on 2026-01-01


def test_factor_metrics_agree(loaded):
    assert by_group(loaded, win_rate(loaded, WINDOW, by="segment"))["SMB"]["win_rate"] == pytest.approx(3 / 4)
    assert by_group(loaded, win_rate(loaded, WINDOW, by="segment"))["Enterprise"]["win_rate"] == 0.0
    size = by_group(loaded, deal_size(loaded, WINDOW, by="person"))["A1"]
    assert (size["won"], size["won_amount"], size["avg_deal_size"]) == (3, 6000.0, 2000.0)
    cycle = by_group(loaded, cycle_length(loaded, WINDOW, by="team"))["T1"]
    assert cycle["cycle_median_days"] == pytest.approx(30.0)
    assert cycle["cycle_p85_days"] == pytest.approx(30 + 0.7 * 5.5)  # linear interpolation between 30 and 35.5


def test_empty_window_gives_an_empty_typed_result(loaded):
    result = loaded.execute(sales_velocity(loaded, Window.of(date(2030, 1, 1), date(2030, 2, 1)), by="team"))
    assert result.num_rows == 0
    assert str(result.schema.field("velocity_per_day").type) == "double"


def test_bad_grouping_and_window_are_clear_errors(loaded):
    with pytest.raises(MetricError, match="choose one of"):
        sales_velocity(loaded, WINDOW, by="region")
    with pytest.raises(MetricError, match="--to must be later"):
        Window.of(date(2026, 2, 1), date(2026, 1, 1))
