"""The benchmark's floors agree with the report: report_sql.py (every section by hand in DuckDB SQL) and
the pandas reference compute the same figures as `salesvelocity report` on a small demo company.

They are independent implementations of the metric definitions, so this also checks the engine against
a second reading of design.md — and keeps the benchmark's ratio honest (a floor that computed less, or
something else, would make the report look slower or faster than it is)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.report.build import build_report

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"
AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    """A 3,000-deal demo company in a DuckDB file, its report, and the benchmark modules."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import report as bench
        import report_sql
    finally:
        sys.path.remove(str(BENCHMARKS))
    path = tmp_path_factory.mktemp("hand") / "demo.duckdb"
    with sv.connect(path) as con:
        load_demo(con, generate(3_000, 1, AS_OF))
        report = build_report(con, today=AS_OF)
    return path, report, bench, report_sql


def test_hand_written_sql_agrees_with_every_section(company):
    path, report, bench, report_sql = company
    engine = bench.figures(report)
    with duckdb.connect(str(path), read_only=True) as con:
        hand = report_sql.sql_report(con, report.start.isoformat(), report.end.isoformat())
    # every section has figures to compare, and the over-time part spans the year
    assert set(hand) - {"forecast"} == set(engine)
    assert all(engine[key] for key in engine), [key for key in engine if not engine[key]]
    assert len({k.split("/", 1)[1] for k in engine["trend"]}) >= 50  # weeks
    assert bench.same(engine, {k: v for k, v in hand.items() if k != "forecast"}) == []


def test_pandas_reference_agrees_with_the_funnel(company):
    path, report, bench, _ = company
    engine = bench.figures(report)
    with duckdb.connect(str(path), read_only=True) as con:
        names = ("deals", "people", "stages", "stage_changes", "leads")
        frames = {n: con.sql(f'SELECT * FROM "{n}"').df() for n in names}
    start, end = datetime.combine(report.start, datetime.min.time()), datetime.combine(report.end, datetime.min.time())
    reference = bench.pandas_report(frames, start, end)
    assert reference.keys() <= engine.keys()
    assert [m for key in reference for m in bench.same(engine[key], reference[key], key)] == []


def test_a_different_figure_is_caught(company):
    """`same` is what the benchmark trusts: a changed number must show."""
    _, report, bench, _ = company
    engine = bench.figures(report)
    week = next(k for k, v in engine["trend"].items() if v)
    changed = {**engine, "trend": {**engine["trend"], week: engine["trend"][week] * 1.001}}
    assert bench.same(engine, changed) == [f"/trend/{week}: {engine['trend'][week]} != {changed['trend'][week]}"]
