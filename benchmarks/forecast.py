"""Benchmark: Monte Carlo forecast of 10,000 trials × 90 days (target ≤ 100 ms, design.md §8).

    python benchmarks/forecast.py

Times `how_many` and `when` on an 84-day history, best of 20 runs (shared 2-core machine: noisy).
"""

from __future__ import annotations

import time

import numpy as np

from salesvelocity.forecast import how_many, when


def best_ms(fn, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    history = np.random.default_rng(1).poisson(12.0, 84).astype(float)
    rng = np.random.default_rng(2)
    many = best_ms(lambda: how_many(history, 90, trials=10_000, rng=rng))
    target = history.mean() * 90
    reach = best_ms(lambda: when(history, target, trials=10_000, rng=rng))
    print(f"how_many, 10,000 trials x 90 days: {many:6.1f} ms (target <= 100 ms)")
    print(f"when (target = 90 days of mean throughput), 10,000 trials: {reach:6.1f} ms")


if __name__ == "__main__":
    main()
