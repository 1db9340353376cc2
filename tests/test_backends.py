"""The same metrics, report and commands on every engine: DuckDB (embedded) and PostgreSQL (server mode).

PostgreSQL runs as a private server started by the tests (tests/postgres_server.py). The hand-made
fixture's figures are those worked by hand in tests/metrics/test_velocity.py; on a demo company every
section of the report must agree between the engines: counts exactly, floats within 1e-9 relative.
Where an engine cannot give the same answer, the test says so with a reason (none today, except the
cycle-time scatter's sample beyond 5,000 won deals: each engine hashes its own way).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from datetime import date

import psycopg
import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import Window, cycle_length, sales_velocity
from salesvelocity.report.build import build_report
from tests.report.test_report import SECTIONS

ENGINES = ["duckdb", "postgres"]
WINDOW = Window.of(date(2026, 1, 1), date(2026, 4, 1))
TODAY = date(2026, 12, 1)


@pytest.fixture(params=ENGINES)
def engine(request):
    """An empty store on each engine (a fresh PostgreSQL database per test)."""
    if request.param == "duckdb":
        store = sv.connect(":memory:")
        yield store
        store.close()
        return
    url = request.getfixturevalue("postgres_url")
    store = sv.connect(url)
    yield store
    store.close()


def close(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_hand_made_velocity_on_every_engine(engine, small_files):
    result = import_paths(engine, [small_files])
    assert result.tables["deals"].new == 8
    rows = {r["group"]: r for r in engine.execute(sales_velocity(engine, WINDOW, by="team")).to_pylist()}
    alpha, beta = rows["T1"], rows["T2"]
    assert (alpha["label"], alpha["created"], alpha["won"], alpha["lost"]) == ("Alpha", 5, 3, 1)
    assert alpha["open_avg"] == pytest.approx(96.5 / 90, rel=1e-12)
    assert alpha["velocity_per_day"] == pytest.approx(96.5 / 90 * 0.75 * 2000 / (75.5 / 3), rel=1e-12)
    assert beta["win_rate"] == 0.0 and beta["velocity_per_day"] is None
    (cycle,) = engine.execute(cycle_length(engine, WINDOW)).to_pylist()
    assert cycle["won"] == 3 and cycle["cycle_mean_days"] == pytest.approx(75.5 / 3, rel=1e-12)


def test_reimporting_changes_nothing_on_every_engine(engine, small_files):
    import_paths(engine, [small_files])
    again = import_paths(engine, [small_files])
    assert all(c.new == 0 and c.updated == 0 for c in again.tables.values()), again.tables
    assert engine.count("deals") == 8


@pytest.fixture(scope="module")
def reports(postgres_server):
    """The full report of one demo company (10,000 deals) computed on each engine."""
    from tests.postgres_server import fresh_database

    tables = generate(10_000, 7, TODAY)
    found = {}
    with fresh_database(postgres_server) as url:
        for name, location in (("duckdb", ":memory:"), ("postgres", url)):
            with sv.connect(location) as store:
                load_demo(store, tables)
                found[name] = build_report(store, today=TODAY)
    return found


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_every_report_section_agrees_between_engines(reports, section):
    duck, pg = (reports[e].sections[section].to_pylist() for e in ENGINES)
    assert duck, f"{section} is empty: the comparison would prove nothing"
    assert close(duck, pg), next((a, b) for a, b in zip(duck, pg, strict=False) if not close(a, b))


def test_the_report_over_time_and_team_health_agree_between_engines(reports):
    duck, pg = (reports[e] for e in ENGINES)
    assert close(duck.over_time.dump(), pg.over_time.dump())
    assert close(duck.health.rows, pg.health.rows)
    assert duck.headline.dump() == pg.headline.dump()
    assert duck.notes == pg.notes


def _cli(url, *args):
    env = {k: v for k, v in os.environ.items() if k != "SALESVELOCITY_DB"}
    return subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", url, *args], capture_output=True, text=True, env=env
    )


def test_every_command_runs_on_a_postgresql_server(postgres_url, small_files, tmp_path):
    assert _cli(postgres_url, "init").returncode == 0
    done = _cli(postgres_url, "import", str(small_files))
    assert done.returncode == 0, done.stderr
    report = _cli(postgres_url, "report", "--from", "2026-01-01", "--to", "2026-04-01", "--format", "json")
    assert report.returncode == 0, report.stderr
    alpha = next(r for r in json.loads(report.stdout)["sections"]["velocity"] if r["group"] == "T1")
    assert alpha["won"] == 3
    for args in (
        ("trend", "--metric", "throughput", "--cadence", "month", "--format", "json"),
        ("forecast", "--format", "json"),
        ("obstacle", "raise", "--by", "A1", "legal review stalls"),
        ("recognise", "--from", "M1", "--to", "A1", "great demo"),
        ("pulse", "answer", "--person", "A1", "--question", "support", "--score", "4"),
        ("annotate", "weekly deal coaching", "--at", "2026-02-01"),
        ("annotate", "--list", "--format", "json"),
        ("health", "--format", "json"),
        ("coach", "A1"),
        ("--as", "Ann", "report", "--format", "json"),
    ):
        done = _cli(postgres_url, *args)
        assert done.returncode == 0, (args, done.stderr)
    with psycopg.connect(postgres_url) as con:
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("obstacles", "pulse_responses")]
    assert counts == [1, 1]


def test_a_dry_run_writes_nothing_to_the_server(postgres_url, small_files):
    assert _cli(postgres_url, "import", "--dry-run", str(small_files)).returncode == 0
    with psycopg.connect(postgres_url) as con:
        assert con.execute("SELECT count(*) FROM deals").fetchone()[0] == 0


def test_a_bad_import_leaves_the_server_unchanged(postgres_url, small_files):
    assert _cli(postgres_url, "import", str(small_files)).returncode == 0
    broken = small_files / "deals.csv"
    broken.write_text(broken.read_text() + "d9,A1,not a date,won,Won,5,,,\n")
    done = _cli(postgres_url, "import", str(small_files))
    assert done.returncode == 1 and "created_at" in done.stderr
    with psycopg.connect(postgres_url) as con:
        assert con.execute("SELECT count(*) FROM deals").fetchone()[0] == 8


def test_server_mistakes_are_clear(postgres_server):
    port = postgres_server.rsplit(":", 1)[1].split("/")[0]
    refused = _cli(f"postgresql://postgres:secret@127.0.0.1:{int(port) + 1}/nothing", "report")
    assert refused.returncode == 1
    assert "cannot connect to postgresql://postgres:***@127.0.0.1" in refused.stderr and "secret" not in refused.stderr
    assert "check that the server runs" in refused.stderr


def test_a_database_with_other_tables_is_never_written(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("CREATE TABLE invoices (id int)")
    done = _cli(postgres_url, "init")
    assert done.returncode == 1 and "holds other tables" in done.stderr
    with psycopg.connect(postgres_url) as con:
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        ]
    assert tables == ["invoices"]


def test_export_from_a_file_and_import_into_a_server_gives_the_same_report(postgres_url, tmp_path):
    db = tmp_path / "demo.duckdb"
    with sv.connect(db) as store:
        load_demo(store, generate(1500, 3, TODAY))
    done = _cli(str(db), "export", str(tmp_path / "tables"), "--format", "parquet")
    assert done.returncode == 0, done.stderr
    assert "pulse answers stay in the database" in done.stdout
    assert not (tmp_path / "tables" / "pulse_responses.parquet").exists()
    done = _cli(postgres_url, "import", str(tmp_path / "tables"))
    assert done.returncode == 0, done.stderr
    with sv.connect(db, read_only=True) as file, sv.connect(postgres_url, create=False) as server:
        here, there = (build_report(s, today=TODAY, over_time=False) for s in (file, server))
    for section, table in here.sections.items():
        assert close(table.to_pylist(), there.sections[section].to_pylist()), section


def test_a_report_built_again_in_one_process_is_the_same_on_every_engine(engine):
    """A server builds a page again after every change: the second build reuses compiled SQL and in-memory
    tables named by their content (PostgreSQL keeps those as temporary tables) and must give the same."""
    import gc

    load_demo(engine, generate(400, 7, TODAY))
    first = build_report(engine, today=TODAY).dump()
    gc.collect()  # what the first build made and nobody holds is gone, as between two requests
    again = build_report(engine, today=TODAY).dump()
    assert close(first, again)


def test_an_older_schema_on_the_server_is_migrated_with_its_derived_visits(engine):
    """Schema 6 → 7 rebuilds the stage visits where the database lives (PostgreSQL runs the portable SQL);
    ``reentry`` is yes for every deal that enters a stage twice; DuckDB's cheap test may also say yes wrongly
    (harmless: such a deal's visits are added up per stage), PostgreSQL's is exact."""
    company = generate(300, seed=11, as_of=TODAY)
    load_demo(engine, company)
    with engine.transaction():
        engine.sql('ALTER TABLE "stage_visits" DROP COLUMN "reentry"')
        engine.sql("UPDATE _salesvelocity_meta SET value = '6' WHERE key = 'schema_version'")
    with engine.transaction():
        assert engine.initialise() == 6
    flags = dict(engine.sql("SELECT deal_id, bool_or(reentry) FROM stage_visits GROUP BY deal_id").fetchall())
    entries = Counter((c["deal_id"], c["stage"]) for c in company["stage_changes"].to_pylist())
    again = {deal for (deal, _), n in entries.items() if n > 1}
    assert len(flags) == len({deal for deal, _ in entries}) and again
    assert {d for d, f in flags.items() if f} >= again
    if engine.kind == "postgres":
        assert {d for d, f in flags.items() if f} == again
