"""Invariants of the metrics over generated deals (hypothesis), run in a real DuckDB."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesvelocity as sv
from salesvelocity.demo import load_demo
from salesvelocity.metrics import Window, cycle_length, sales_velocity, stage_conversion, win_rate

START = datetime(2026, 1, 1)
WINDOW = Window(START, START + timedelta(days=120))
STAGES = ["A", "B", "C", "D"]

deal = st.fixed_dictionaries(
    {
        "created": st.integers(0, 100),
        "status": st.sampled_from(["open", "won", "lost"]),
        "duration": st.integers(1, 60),
        "amount": st.integers(0, 100_000),
        "owner": st.sampled_from(["A1", "B1"]),
        "path": st.lists(st.integers(0, 3), min_size=0, max_size=6),
    }
)
PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def build(deals: list[dict], scale: float = 1.0, shift: dict[int, int] | None = None) -> sv.Store:
    shift = shift or {}
    con = sv.connect(":memory:")
    rows, changes = [], []
    for i, d in enumerate(deals):
        created = START + timedelta(days=d["created"], hours=i % 7)
        closed = created + timedelta(days=d["duration"] + shift.get(i, 0)) if d["status"] != "open" else None
        rows.append((f"d{i}", d["owner"], created, d["status"], closed, d["amount"] * scale))
        for step, stage in enumerate(d["path"]):
            at = created + timedelta(hours=step)
            if closed is None or at < closed:
                changes.append((f"d{i}", STAGES[stage], at))
    tables = {
        "teams": pa.table({"team_id": ["T1", "T2"]}),
        "people": pa.table({"person_id": ["A1", "B1"], "team_id": ["T1", "T2"], "role": ["rep", "rep"]}),
        "stages": pa.table(
            {
                "pipeline": ["default"] * 4,
                "stage": STAGES,
                "position": pa.array([1, 2, 3, 4], pa.int32()),
                "kind": ["open"] * 4,
                "probability": [0.1, 0.3, 0.6, 0.9],
            }
        ),
        "deals": pa.table(
            {
                "deal_id": [r[0] for r in rows],
                "owner_id": [r[1] for r in rows],
                "created_at": pa.array([r[2] for r in rows], pa.timestamp("us")),
                "status": [r[3] for r in rows],
                "closed_at": pa.array([r[4] for r in rows], pa.timestamp("us")),
                "amount": pa.array([r[5] for r in rows], pa.float64()).cast(pa.decimal128(18, 2)),
                "pipeline": ["default"] * len(rows),
            }
        ),
        "stage_changes": pa.table(
            {
                "deal_id": [c[0] for c in changes],
                "stage": [c[1] for c in changes],
                "entered_at": pa.array([c[2] for c in changes], pa.timestamp("us")),
            },
            schema=pa.schema([("deal_id", pa.string()), ("stage", pa.string()), ("entered_at", pa.timestamp("us"))]),
        ),
    }
    load_demo(con, {k: _complete(k, v) for k, v in tables.items()})
    return con


def _complete(name: str, table: pa.Table) -> pa.Table:
    from salesvelocity.schema import TABLES

    for column in TABLES[name].column_names:
        if column not in table.column_names:
            table = table.append_column(column, pa.nulls(table.num_rows, pa.string()))
    return table


@PROPS
@given(st.lists(deal, min_size=1, max_size=25))
def test_win_rate_is_a_share(deals):
    with build(deals) as con:
        for row in con.execute(win_rate(con, WINDOW, by="team")).to_pylist():
            assert row["win_rate"] is None or 0.0 <= row["win_rate"] <= 1.0


@PROPS
@given(st.lists(deal, min_size=1, max_size=25), st.sampled_from([0.5, 2.0, 10.0]))
def test_velocity_scales_linearly_with_amounts(deals, factor):
    with build(deals) as base, build(deals, scale=factor) as scaled:
        a = {
            r["group"]: r["velocity_per_day"] for r in base.execute(sales_velocity(base, WINDOW, by="team")).to_pylist()
        }
        b = {
            r["group"]: r["velocity_per_day"]
            for r in scaled.execute(sales_velocity(scaled, WINDOW, by="team")).to_pylist()
        }
        assert a.keys() == b.keys()
        for group, value in a.items():
            if value is None:
                assert b[group] is None
            else:
                assert b[group] == pytest.approx(value * factor, rel=1e-6, abs=0.01)


@PROPS
@given(st.lists(deal, min_size=1, max_size=25))
def test_conversion_never_exceeds_one(deals):
    with build(deals) as con:
        for row in con.execute(stage_conversion(con, WINDOW)).to_pylist():
            assert row["passed"] <= row["reached"]
            assert row["conversion"] is None or 0.0 <= row["conversion"] <= 1.0


@PROPS
@given(st.lists(deal, min_size=1, max_size=25), st.data())
def test_closing_a_won_deal_later_never_shortens_cycle_length(deals, data):
    won = [i for i, d in enumerate(deals) if d["status"] == "won" and d["created"] + d["duration"] + 10 < 110]
    if not won:
        return
    moved = data.draw(st.sampled_from(won))
    with build(deals) as before, build(deals, shift={moved: 10}) as after:
        (a,) = before.execute(cycle_length(before, Window(START, START + timedelta(days=200)))).to_pylist()
        (b,) = after.execute(cycle_length(after, Window(START, START + timedelta(days=200)))).to_pylist()
        assert b["cycle_mean_days"] >= a["cycle_mean_days"] - 1e-9
        assert b["cycle_median_days"] >= a["cycle_median_days"] - 1e-9
        assert b["cycle_p85_days"] >= a["cycle_p85_days"] - 1e-9
