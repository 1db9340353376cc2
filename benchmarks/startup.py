"""Benchmark: how fast the command line answers — `--help`, `--version`, and `report` on an empty database.

    python benchmarks/startup.py [--runs 5]

Each figure is the median wall time of whole processes (targets: --help and --version ≤ 0.3 s,
design.md §8). A shared 2-core machine is noisy: compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], cwd: Path, runs: int) -> float:
    command = [sys.executable, "-m", "salesvelocity", *args]
    # As installed, Python keeps compiled modules (pip compiles them at install); a shell that turns that
    # off (PYTHONDONTWRITEBYTECODE) would add ~0.2 s of compiling the package to every run.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "100"
    times = []
    for _ in range(runs + 1):  # the first run may write the compiled modules: not counted
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([sys.executable, "-m", "salesvelocity", "init"], cwd=folder, check=True, capture_output=True)
        for label, args in (("--help", ["--help"]), ("--version", ["--version"]), ("report (empty db)", ["report"])):
            print(f"{label:18} {timed(args, folder, runs):6.2f} s (median of {runs})")


if __name__ == "__main__":
    main()
