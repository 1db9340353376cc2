"""The Spark store (`pyspark://local[2]?path=DIR`): the same report, trend and forecast as DuckDB gives.

A demo company is exported from DuckDB as canonical Parquet (`salesvelocity export --format parquet`)
and read by a local Spark session (2 cores, 127.0.0.1). Every section must agree with DuckDB: counts
exactly, floats within 1e-9 relative. Spark answers each query in seconds, however small the data,
so this group is marked `spark` (run by `make test` and CI; `-m "not spark"` leaves it out locally).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.report.build import build_report
from salesvelocity.report.forecast_view import build_forecast
from salesvelocity.report.trend import build_trend
from tests.test_backends import close

pytestmark = pytest.mark.spark
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark")
    db = folder / "demo.duckdb"
    with sv.connect(db) as store:
        load_demo(store, generate(800, 5, TODAY))
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), "export", str(folder / "tables")]
        + ["--format", "parquet"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    duck = sv.connect(db, read_only=True)
    spark = sv.connect(f"pyspark://local[2]?path={folder / 'tables'}")
    yield {"duckdb": duck, "spark": spark, "url": f"pyspark://local[2]?path={folder / 'tables'}", "db": db}
    duck.close()


def test_every_report_section_agrees_with_duckdb(engines):
    duck, spark = (build_report(engines[e], today=TODAY, over_time=False) for e in ("duckdb", "spark"))
    for section, table in duck.sections.items():
        rows = table.to_pylist()
        if section not in ("coverage", "speed_to_lead"):
            assert rows, f"{section} is empty: the comparison would prove nothing"
        assert close(rows, spark.sections[section].to_pylist()), section
    assert duck.notes == spark.notes


def test_trend_and_forecast_agree_with_duckdb(engines):
    trends = [build_trend(engines[e], "throughput", "month", by=None, today=TODAY) for e in ("duckdb", "spark")]
    assert close(*[t.dump() for t in trends])
    forecasts = [build_forecast(engines[e], today=TODAY) for e in ("duckdb", "spark")]
    assert close(*[f.dump() for f in forecasts])


def test_the_command_line_reads_a_spark_url(engines):
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", engines["url"], "forecast", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"how_many"' in done.stdout or '"by_date"' in done.stdout, done.stdout[:500]


def test_writing_commands_say_spark_is_read_only(engines):
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", engines["url"], "annotate", "x", "--at", "2026-11-01"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "read-only" in done.stderr and "export --format parquet" in done.stderr


def test_a_reps_view_is_the_same_on_spark(engines):
    from salesvelocity.scope import ScopedStore, actor_for

    views = {e: ScopedStore.of(engines[e], actor_for(engines[e], "P0004")) for e in ("duckdb", "spark")}
    assert views["spark"].actor.role == "rep"
    duck, spark = (build_report(views[e], today=TODAY, over_time=False, by="person") for e in ("duckdb", "spark"))
    assert [r["label"] for r in duck.sections["velocity"].to_pylist()] == [views["duckdb"].actor.name]
    for section, table in duck.sections.items():
        assert close(table.to_pylist(), spark.sections[section].to_pylist()), section
