"""Benchmark: a year of weekly velocity per team with XmR verdicts, and cumulative flow, on 1M deals.

    python benchmarks/trend.py [--deals 1000000]

Uses the demo database of benchmarks/report.py (built on first use). Shared 2-core machine: ±20 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import salesvelocity as sv
from salesvelocity.metrics.flow import cumulative_flow
from salesvelocity.report.trend import build_trend

sys.path.insert(0, str(Path(__file__).parent))
from report import AS_OF, database  # noqa: E402


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    args = parser.parse_args()
    with sv.connect(database(args.deals), create=False) as con:
        trend = build_trend(con, "velocity", "week", None, AS_OF, "team", today=AS_OF)
        weekly = best(lambda: build_trend(con, "velocity", "week", None, AS_OF, "team", today=AS_OF))
        flow = best(lambda: con.execute(cumulative_flow(con, AS_OF - timedelta(days=90), AS_OF, "new-business")))
    points = sum(len(g.points) for g in trend.groups)
    print(f"weekly velocity series + XmR for {len(trend.groups)} teams ({points} points), 1 year: {weekly:.2f} s")
    print(f"cumulative flow, 90 days, main pipeline: {flow:.2f} s (without the report's shared stage visits)")


if __name__ == "__main__":
    main()
