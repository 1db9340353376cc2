"""The derived stage visits (salesvelocity.derived): kept equal to a rebuild by every writer, and the report
read from them equals the report computed from the stage changes themselves."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

import salesvelocity as sv
from salesvelocity.cli import app
from salesvelocity.demo import generate, load_demo
from salesvelocity.derived import rebuild
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import time_in_stage
from salesvelocity.report.build import build_report
from salesvelocity.schema import SCHEMA_VERSION

AS_OF = date(2026, 6, 1)


def visits(store) -> list[tuple]:
    return store.sql("SELECT * FROM stage_visits ORDER BY deal_id, stage, entered_at").fetchall()


def rebuilt(store) -> list[tuple]:
    with store.transaction():
        rebuild(store)
    return visits(store)


@pytest.fixture(scope="module")
def company() -> dict[str, pa.Table]:
    return generate(1_500, seed=3, as_of=AS_OF)


def write(folder, name: str, table: pa.Table):
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.csv"
    pacsv.write_csv(table, path)
    return path


def test_demo_load_fills_the_visits(store, company):
    load_demo(store, company)
    kept = visits(store)
    assert len(kept) == company["stage_changes"].num_rows
    assert kept == rebuilt(store)


def test_an_import_that_touches_some_deals_updates_just_their_visits(store, company, tmp_path):
    first = tmp_path / "first"
    paths = [write(first, n, company[n]) for n in ("teams", "people", "stages", "deals", "stage_changes")]
    import_paths(store, paths)
    assert visits(store) == rebuilt(store)

    # A later export: an open deal closes as won, another moves to a new stage, a new deal arrives.
    deals = company["deals"].to_pylist()
    changes = company["stage_changes"].to_pylist()
    opened = [d for d in deals if d["status"] == "open"]
    closing, moving = opened[0], opened[1]
    last = max(c["entered_at"] for c in changes if c["deal_id"] == closing["deal_id"])
    closing = closing | {"status": "won", "closed_at": last + timedelta(days=3)}
    new = deals[0] | {"deal_id": "D-NEW", "status": "open", "closed_at": None, "created_at": datetime(2026, 5, 2)}
    step = [c for c in changes if c["deal_id"] == moving["deal_id"]][-1]
    later = [
        step | {"entered_at": step["entered_at"] + timedelta(days=2), "stage": "Negotiation"},
        step | {"deal_id": "D-NEW", "entered_at": datetime(2026, 5, 2, 9), "stage": "Qualified"},
        step | {"deal_id": "D-NEW", "entered_at": datetime(2026, 5, 9, 9), "stage": "Proposal"},
    ]
    second = tmp_path / "second"
    update = [
        write(second, "deals", pa.Table.from_pylist([closing, new], schema=company["deals"].schema)),
        write(second, "stage_changes", pa.Table.from_pylist(later, schema=company["stage_changes"].schema)),
    ]
    result = import_paths(store, update)
    assert result.tables["deals"].updated == 1 and result.tables["deals"].new == 1
    kept = visits(store)
    assert kept == rebuilt(store)
    mine = [v for v in kept if v[0] == closing["deal_id"]]
    assert {v[3] for v in mine} == {"won"}
    (final,) = [v for v in mine if v[8] is None]  # its last visit now ends at the close
    assert final[5] == closing["closed_at"]
    assert sorted((v[7], v[6], v[8]) for v in kept if v[0] == "D-NEW") == [
        (datetime(2026, 5, 2, 9), "Qualified", datetime(2026, 5, 9, 9)),
        (datetime(2026, 5, 9, 9), "Proposal", None),
    ]

    import_paths(store, update)  # the same files again: nothing changes
    assert visits(store) == kept


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_the_report_from_kept_visits_equals_the_report_computed_from_stage_changes(store, company):
    load_demo(store, company)
    kept = build_report(store, today=AS_OF, over_time=False)
    store.derived = False  # as on Spark: stage visits computed from stage_changes with a window
    try:
        computed = build_report(store, today=AS_OF, over_time=False)
    finally:
        del store.derived
    assert kept.sections.keys() == computed.sections.keys()
    for name, table in kept.sections.items():
        a, b = table.to_pylist(), computed.sections[name].to_pylist()
        assert len(a) == len(b), name
        for x, y in zip(a, b, strict=True):
            assert all(same(x[c], y[c]) for c in x), (name, x, y)
    assert any(kept.sections[n].num_rows for n in ("funnel", "time_in_stage", "aging"))


def damaged(path, company, damage: str) -> list[tuple]:
    """A demo database file, its visits as loaded, then ``damage`` (SQL) done to it by hand."""
    with sv.connect(path) as store:
        load_demo(store, company)
        before = visits(store)
        store.sql(damage)
        return before


def test_rebuild_command_restores_visits_edited_away(tmp_path, company):
    path = tmp_path / "sv.duckdb"
    gone = "DELETE FROM stage_visits WHERE deal_id IN (SELECT deal_id FROM deals WHERE status = 'won')"
    before = damaged(path, company, gone)
    with sv.connect(path, create=False) as store:
        assert len(visits(store)) < len(before)
    done = CliRunner().invoke(app, ["--db", str(path), "rebuild"])
    assert done.exit_code == 0, done.output
    assert f"{len(before):,} rows" in " ".join(done.output.split())
    with sv.connect(path, create=False) as store:
        assert visits(store) == before


@pytest.mark.parametrize(
    "version, damage",
    [
        (5, "DROP TABLE stage_visits"),  # before derived tables: made and filled
        (6, "ALTER TABLE stage_visits DROP COLUMN reentry"),  # before reentry: learnt
    ],
)
def test_an_older_database_gets_its_visits_on_opening(tmp_path, company, version, damage):
    path = tmp_path / "old.duckdb"
    older = f"UPDATE _salesvelocity_meta SET value = '{version}' WHERE key = 'schema_version'"
    before = damaged(path, company, f"{damage}; {older}")
    with sv.connect(path, create=False) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert visits(store) == before


def test_reentry_marks_the_visits_of_a_deal_that_enters_a_stage_twice(store, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "people.csv").write_text("person_id,name\nP1,Ann\n")
    (folder / "deals.csv").write_text(
        "deal_id,owner_id,created_at,status,stage,amount\nD1,P1,2026-01-01,open,Proposal,100\n"
        "D2,P1,2026-01-01,open,Proposal,100\n"
    )
    (folder / "stage_changes.csv").write_text(
        "deal_id,stage,entered_at\nD1,Qualify,2026-01-02\nD1,Proposal,2026-01-05\nD1,Qualify,2026-01-09\n"
        "D1,Proposal,2026-01-12\nD1,Negotiate,2026-01-13\nD2,Qualify,2026-01-02\nD2,Proposal,2026-01-03\n"
    )
    import_paths(store, sorted(folder.iterdir()))
    got = store.sql("SELECT deal_id, bool_and(reentry), bool_or(reentry) FROM stage_visits GROUP BY 1 ORDER BY 1")
    assert got.fetchall() == [("D1", True, True), ("D2", False, False)]
    # Per deal and stage: D1's two visits add up (Qualify 3 + 3 days, Proposal 4 + 1), D2's Qualify is its
    # own sum (1 day) and its Proposal is still open, so it has no time yet.
    rows = store.execute(time_in_stage(store)).to_pylist()
    assert {r["stage"]: (r["deals"], r["mean_days"]) for r in rows} == {"Qualify": (2, 3.5), "Proposal": (1, 5.0)}
