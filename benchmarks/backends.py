"""Benchmark: the full report on DuckDB and on PostgreSQL, and publishing a demo company to PostgreSQL.

    python benchmarks/backends.py [--deals 1000000] [--postgres postgresql://user@host:port/db]

Without --postgres a private server is started (tests/postgres_server.py: Debian's binaries, 127.0.0.1, a
free port, torn down after). Publishing = the demo company staged in DuckDB and copied into the server
in one transaction (COPY), ≈ 6 rows per deal over all tables. Each report is the whole `build_report`
(funnel, over time, team health) in this process; the figures of the two engines are compared.
With --spark the report also runs on a local Spark session (local[2]) over the company exported as Parquet
(Spark answers each query in seconds, so keep --deals small there). Shared 2-core machine: ±20 %.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from datetime import date
from pathlib import Path

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.report.build import build_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
TODAY = date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="an empty database to use instead of a private server")
    parser.add_argument("--spark", action="store_true", help="also run the report on a local Spark session")
    args = parser.parse_args()
    tables = generate(args.deals, 1, TODAY)
    rows = sum(t.num_rows for t in tables.values())
    with contextlib.ExitStack() as stack:
        url = args.postgres
        if url is None:
            from tests.postgres_server import private_server

            url = stack.enter_context(private_server())
        timings = {}
        for name, location in (("duckdb", ":memory:"), ("postgres", url)):
            with sv.connect(location) as store:
                t0 = time.perf_counter()
                load_demo(store, tables)
                loaded = time.perf_counter() - t0
                t0 = time.perf_counter()
                report = build_report(store, today=TODAY)
                timings[name] = (loaded, time.perf_counter() - t0, report)
        if args.spark:
            import tempfile

            from salesvelocity.demo import write_files

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "tables"
            t0 = time.perf_counter()
            write_files({n: t for n, t in tables.items() if n != "pulse_responses"}, folder, "parquet")
            written = time.perf_counter() - t0
            store = sv.connect(f"pyspark://local[2]?path={folder}")
            t0 = time.perf_counter()
            report = build_report(store, today=TODAY)
            timings["spark"] = (written, time.perf_counter() - t0, report)
        for name, (loaded, took, _report) in timings.items():
            what = {"postgres": "publish (DuckDB → COPY)", "spark": "write Parquet"}.get(name, "load (in memory)")
            print(
                f"{name:9} {args.deals:,} deals, {rows:,} rows: {what} {loaded:.2f} s = {rows / loaded:,.0f} rows/s; "
                f"full report {took:.2f} s"
            )
        first = timings["duckdb"][2].sections
        same = all(t[2].sections[s].num_rows == first[s].num_rows for t in timings.values() for s in first)
        print(f"sections have the same rows on every engine: {same} (figures compared in tests/test_backends.py)")


if __name__ == "__main__":
    main()
