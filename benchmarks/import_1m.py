"""Benchmark: generate the demo company with N deals, write canonical CSVs, import them with validation.

    python benchmarks/import_1m.py [--deals 1000000]

Prints seconds per phase and the import rate in rows per second (target ≥ 500k rows/s, design.md §8).
A shared 2-core machine is noisy: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import salesvelocity as sv
from salesvelocity.demo import generate, write_files
from salesvelocity.ingest import import_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        t0 = time.perf_counter()
        tables = generate(args.deals, args.seed, date(2026, 12, 1))
        t1 = time.perf_counter()
        write_files(tables, folder)
        t2 = time.perf_counter()
        rows = sum(t.num_rows for t in tables.values())
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        with sv.connect(Path(tmp) / "bench.duckdb") as con:
            t3 = time.perf_counter()
            result = import_paths(con, [folder])
            t4 = time.perf_counter()
            again = import_paths(con, [folder])
            t5 = time.perf_counter()
        assert result.rows == rows and all(c.unchanged == c.read for c in again.tables.values())
    print(f"deals: {args.deals:,}; rows in all tables: {rows:,} ({tables['stage_changes'].num_rows:,} stage changes)")
    print(f"generate:           {t1 - t0:6.2f} s")
    print(f"write CSV:          {t2 - t1:6.2f} s ({size:,.0f} MB)")
    print(f"import (validated): {t4 - t3:6.2f} s = {rows / (t4 - t3):,.0f} rows/s (target >= 500,000)")
    print(f"re-import (no-op):  {t5 - t4:6.2f} s = {rows / (t5 - t4):,.0f} rows/s")


if __name__ == "__main__":
    main()
