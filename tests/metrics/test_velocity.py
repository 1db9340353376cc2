"""Sales velocity and its factors on the hand-made fixture of tests/conftest.py.

Window [2026-01-01, 2026-04-01) = 90 days. Team Alpha (T1, rep A1):
  days open inside the window: d1 10, d2 30, d3 9, d4 31 (open to the end), d5 4.5 (from Jan 1 to its
  close Jan 5 12:00), d6 12 (Mar 20 to the window's end) → 96.5 deal-days ÷ 90 = 1.07222… open on average
  created in window: d1 d2 d3 d4 d6 → 5 (d5 was created in December)
  closed in window: won d1 (10 d, 1000), d2 (30 d, 3000), d5 (35.5 d, 2000); lost d3; d6 closes in April
  win rate 3/4 = 0.75; average deal 6000/3 = 2000; cycle (10 + 30 + 35.5)/3 = 25.1666… d
  velocity = 1.07222… × 0.75 × 2000 ÷ 25.1666… = 63.907… per day (Little's law)
  realised won per day = 6000 ÷ 90 = 66.67 — the velocity is within 5 % of it
Team Beta (T2, rep B1): e1 4 days, e2 17 days open → 21/90; 1 lost, none won → win rate 0, no deal size,
no cycle, no velocity; realised 0 per day.
"""

from __future__ import annotations

from datetime import date, timedelta

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
    assert alpha["open_avg"] == pytest.approx(96.5 / 90)
    assert (alpha["created"], alpha["won"], alpha["lost"]) == (5, 3, 1)
    assert alpha["win_rate"] == 0.75
    assert alpha["avg_deal_size"] == pytest.approx(2000.0)
    assert alpha["cycle_days"] == pytest.approx(75.5 / 3)
    assert alpha["velocity_per_day"] == pytest.approx(96.5 / 90 * 0.75 * 2000 / (75.5 / 3))
    assert alpha["won_per_day"] == pytest.approx(6000 / 90)
    assert alpha["days"] == 90
    assert (beta["open_avg"], beta["created"], beta["won"], beta["lost"]) == (pytest.approx(21 / 90), 2, 0, 1)
    assert beta["win_rate"] == 0.0 and beta["won_per_day"] == 0.0
    assert beta["avg_deal_size"] is None and beta["cycle_days"] is None and beta["velocity_per_day"] is None


def test_velocity_whole_company(loaded):
    (all_,) = loaded.execute(sales_velocity(loaded, WINDOW)).to_pylist()
    assert (all_["group"], all_["created"], all_["won"], all_["lost"]) == ("all", 7, 3, 2)
    assert all_["open_avg"] == pytest.approx((96.5 + 21) / 90)
    assert all_["win_rate"] == pytest.approx(0.6)


def test_unbounded_window_spans_the_data(loaded):
    """All time runs from the first creation (d5, 2025-12-01) to the last event (d6 closed 2026-04-02)."""
    (all_,) = loaded.execute(sales_velocity(loaded)).to_pylist()
    assert all_["days"] == 122
    assert all_["won_amount"] == 15000 and all_["won_per_day"] == pytest.approx(15000 / 122)


def steady_process(folder, days: int) -> None:
    """One deal created every day, each won 20 days later for 1000: 20 open at any time, 1000 won a day."""
    from datetime import datetime, timedelta

    from tests.conftest import DEAL_HEADER, PEOPLE, TEAMS, write_csv

    first = datetime(2025, 1, 1)
    rows = []
    for i in range(days):
        made = first + timedelta(days=i)
        won = made + timedelta(days=20)
        rows.append([f"s{i}", "A1", f"{made:%Y-%m-%d}", "won", "Won", "1000", f"{won:%Y-%m-%d}", "", "SMB"])
    folder.mkdir()
    write_csv(folder, "teams", *TEAMS)
    write_csv(folder, "people", *PEOPLE)
    write_csv(folder, "deals", DEAL_HEADER, rows)


def test_velocity_per_day_does_not_grow_with_the_window(store, tmp_path):
    """Little's law on a steady process: 20 open × 100 % × 1000 ÷ 20 days = 1000 a day, whatever the window."""
    steady_process(tmp_path / "steady", 400)
    import_paths(store, [tmp_path / "steady"])
    figures = []
    for days in (30, 60, 120):
        start = date(2025, 6, 1)
        (row,) = store.execute(sales_velocity(store, Window.of(start, start + timedelta(days=days)))).to_pylist()
        figures.append(row["velocity_per_day"])
        assert row["won_per_day"] == pytest.approx(1000)
        assert row["velocity_per_day"] == pytest.approx(row["won_per_day"], rel=0.03)
    assert figures[0] == pytest.approx(figures[1]) == pytest.approx(figures[2])


def test_factor_metrics_agree(loaded):
    assert by_group(loaded, win_rate(loaded, WINDOW, by="segment"))["SMB"]["win_rate"] == pytest.approx(3 / 4)
    assert by_group(loaded, win_rate(loaded, WINDOW, by="segment"))["Enterprise"]["win_rate"] == 0.0
    size = by_group(loaded, deal_size(loaded, WINDOW, by="person"))["A1"]
    assert (size["won"], size["won_amount"], size["avg_deal_size"]) == (3, 6000.0, 2000.0)
    cycle = by_group(loaded, cycle_length(loaded, WINDOW, by="team"))["T1"]
    assert cycle["cycle_median_days"] == pytest.approx(30.0)
    assert cycle["cycle_p85_days"] == pytest.approx(30 + 0.7 * 5.5)  # linear interpolation between 30 and 35.5


def test_a_quiet_window_has_open_deals_but_no_velocity(loaded):
    """d4 and e2 were never closed, so they are open in 2030 too; nothing was won, so there is no velocity."""
    result = loaded.execute(sales_velocity(loaded, Window.of(date(2030, 1, 1), date(2030, 2, 1)), by="team"))
    rows = {r["group"]: r for r in result.to_pylist()}
    assert {g: r["open_avg"] for g, r in rows.items()} == {"T1": 1.0, "T2": 1.0}
    assert all(r["velocity_per_day"] is None and r["won_per_day"] == 0 and r["created"] == 0 for r in rows.values())
    assert str(result.schema.field("velocity_per_day").type) == "double"


def test_bad_grouping_and_window_are_clear_errors(loaded):
    with pytest.raises(MetricError, match="choose one of"):
        sales_velocity(loaded, WINDOW, by="region")
    with pytest.raises(MetricError, match="--to must be later"):
        Window.of(date(2026, 2, 1), date(2026, 1, 1))
