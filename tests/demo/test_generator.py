"""The demo generator: deterministic per seed, every table filled, the data obeys the import rules."""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo, write_files
from salesvelocity.ingest import import_paths
from salesvelocity.schema import TABLES

AS_OF = date(2026, 12, 1)


def test_same_seed_same_company_other_seed_other_company():
    a, b, c = generate(800, 3, AS_OF), generate(800, 3, AS_OF), generate(800, 4, AS_OF)
    for name in TABLES:
        assert a[name].equals(b[name]), name
    assert not a["deals"].equals(c["deals"])


def test_every_table_is_present_and_filled():
    tables = generate(800, 3, AS_OF)
    assert set(tables) == set(TABLES)
    for name, table in tables.items():
        assert table.num_rows > 0, name
        assert table.column_names == TABLES[name].column_names, name


def test_demo_is_realistic():
    tables = generate(3000, 5, AS_OF)
    deals = tables["deals"]
    status = dict(zip(*(a.to_pylist() for a in pc.value_counts(deals["status"]).flatten()), strict=True))
    assert status["open"] > 30 and status["won"] > 300 and status["lost"] > 300
    # nothing happens after "today"
    assert pc.max(tables["stage_changes"]["entered_at"]).as_py().date() <= AS_OF
    assert pc.max(deals["closed_at"]).as_py().date() <= AS_OF
    # skipped and re-entered stages exist
    sc = tables["stage_changes"].group_by(["deal_id", "stage"]).aggregate([([], "count_all")])
    assert pc.max(sc["count_all"]).as_py() >= 2
    # pulse has enough respondents per team to be shown
    assert tables["pulse_responses"].group_by("team_id").aggregate([("respondent_token", "count_distinct")])[
        "respondent_token_count_distinct"
    ].to_pylist() > [5]


def test_demo_passes_the_import_validation(tmp_path):
    tables = generate(600, 9, AS_OF)
    write_files(tables, tmp_path)
    with sv.connect(":memory:") as con:
        result = import_paths(con, [tmp_path])
        assert result.tables["deals"].new == 600
        direct = sv.connect(":memory:")
        load_demo(direct, tables)
        for name in TABLES:
            assert con.count(name) == direct.count(name), name


def test_coaching_change_shortens_the_teams_cycle():
    tables = generate(6000, 11, AS_OF)
    with sv.connect(":memory:") as con:
        load_demo(con, tables)
        before, after = con.sql(
            """SELECT avg(epoch(closed_at) - epoch(created_at)) FILTER (WHERE created_at < a.at),
                      avg(epoch(closed_at) - epoch(created_at)) FILTER (WHERE created_at >= a.at)
               FROM deals d JOIN people p ON d.owner_id = p.person_id
               JOIN annotations a ON a.annotation_id = 'A1' AND a.scope_id = p.team_id
               WHERE d.status = 'won'"""
        ).fetchone()
        assert after < 0.8 * before
