"""Compiled SQL kept between runs (salesvelocity.sqlcache): the same expression in another process finds it,
a different one never does, the same report on another day is filled in from a template, and the cache can
be turned off."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest

import salesvelocity as sv
from salesvelocity import sqlcache
from salesvelocity import store as store_module
from salesvelocity.demo import generate, load_demo
from salesvelocity.metrics import Window, sales_velocity
from salesvelocity.metrics.series import period_series
from salesvelocity.report.build import build_report

PRINT = """
import sys
from datetime import date
import salesvelocity as sv
from salesvelocity import sqlcache
from salesvelocity.metrics.series import period_series
with sv.connect(":memory:") as store:
    expr = period_series(store, date(2026, 1, 1), date(2026, int(sys.argv[1]), 1), "week", "team")
    print(sqlcache.fingerprint(expr.op(), "duckdb", False))
"""


def fingerprint_elsewhere(month: int) -> str:
    done = subprocess.run([sys.executable, "-c", PRINT, str(month)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_an_expression_has_the_same_fingerprint_in_every_process_and_another_one_differs():
    first, again, other = fingerprint_elsewhere(6), fingerprint_elsewhere(6), fingerprint_elsewhere(7)
    assert len(first) == 40 and first == again
    assert other != first
    with sv.connect(":memory:") as store:
        # (here an in-memory table may carry a later name than in a new process: compare within this one)
        here = period_series(store, date(2026, 1, 1), date(2026, 6, 1), "week", "team").op()
        base = sqlcache.fingerprint(here, "duckdb", False)
        assert sqlcache.fingerprint(here, "postgres", False) != base  # the dialect is part of the key
        assert sqlcache.fingerprint(here, "duckdb", True) != base  # and the layout


def test_a_value_without_a_faithful_text_makes_the_expression_uncacheable():
    assert sqlcache.fingerprint(("a", object()), "duckdb", False) is None


def test_compiled_sql_is_read_back_from_disk_in_a_new_process(monkeypatch, tmp_path):
    monkeypatch.setenv("SALESVELOCITY_CACHE_DIR", str(tmp_path))
    sqlcache.folder.cache_clear()
    store_module._COMPILED.clear()  # nothing compiled earlier in this process
    try:
        with sv.connect(":memory:") as store:
            expr = sales_velocity(store, Window.of(date(2026, 1, 1), date(2026, 4, 1)), by="team")
            sql, rows = store.to_sql(expr), store.execute(expr).num_rows  # laid out for people, and to run
            assert len(list(tmp_path.glob("*.sql"))) == 2
            store_module._COMPILED.clear()  # as a new process starts: nothing compiled in memory

            def refuse(*_args, **_kwargs):
                raise AssertionError("compiled again instead of read from the cache")

            monkeypatch.setattr(sqlcache, "compile_sql", refuse)
            assert store.to_sql(expr) == sql
            assert store.execute(expr).num_rows == rows == 0
    finally:
        sqlcache.folder.cache_clear()


@pytest.mark.parametrize("setting", ["off", "0"])
def test_the_cache_can_be_turned_off(monkeypatch, setting):
    monkeypatch.setenv("SALESVELOCITY_CACHE_DIR", setting)
    sqlcache.folder.cache_clear()
    try:
        assert sqlcache.folder() is None
        sqlcache.write("ab" * 20, "SELECT 1")  # a no-op
        assert sqlcache.read("ab" * 20) is None
    finally:
        sqlcache.folder.cache_clear()


@pytest.fixture
def cache_here(monkeypatch, tmp_path):
    monkeypatch.setenv("SALESVELOCITY_CACHE_DIR", str(tmp_path))
    sqlcache.folder.cache_clear()
    store_module._COMPILED.clear()
    yield tmp_path
    sqlcache.folder.cache_clear()
    store_module._COMPILED.clear()


def _same(a, b) -> bool:
    """Equal, but for the last bits of sums that DuckDB takes in parallel."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return isinstance(b, list | tuple) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12, nan_ok=True)
    return a == b


def test_the_report_on_another_day_is_filled_in_from_templates_and_agrees_with_a_fresh_compile(cache_here, monkeypatch):
    """Compiling costs seconds; another day's report differs only in its days, so it is not compiled again —
    and its SQL and every figure are those of a fresh compile (the SQL may be laid out differently)."""
    with sv.connect(":memory:") as store:
        load_demo(store, generate(400, 3, date(2026, 12, 1)))
        compiles = []
        compile_ = sqlcache.compile_sql

        def counted(backend, expr, pretty=False):
            compiles.append(expr)
            return compile_(backend, expr, pretty)

        monkeypatch.setattr(sqlcache, "compile_sql", counted)
        build_report(store, today=date(2026, 12, 1))
        first = len(compiles)
        assert any("slot" in p.read_text() for p in cache_here.glob("*.sql"))
        compiles.clear()
        store_module._COMPILED.clear()
        again = build_report(store, today=date(2026, 10, 20))
        # the other day's days, period spines and materialised parts are written into the kept SQL
        assert first > 20 and len(compiles) <= 2, [str(e.op().__class__.__name__) for e in compiles]

        monkeypatch.setenv("SALESVELOCITY_CACHE_DIR", "off")
        sqlcache.folder.cache_clear()
        store_module._COMPILED.clear()
        fresh = build_report(store, today=date(2026, 10, 20))
    words = lambda sql: re.sub(r"\s+", " ", sql).replace("( ", "(").replace(" )", ")")  # noqa: E731
    assert again.sql.keys() == fresh.sql.keys()
    assert all(words(again.sql[k]) == words(fresh.sql[k]) for k in fresh.sql)
    for name, table in fresh.sections.items():
        assert _same(again.sections[name].to_pylist(), table.to_pylist()), name
    assert _same(again.over_time.model_dump(), fresh.over_time.model_dump())


def test_a_template_is_kept_only_when_every_day_can_be_written_back_with_certainty():
    day = "MAKE_DATE(2026, 9, 3)"
    sql = f"SELECT * FROM t WHERE d >= {day} AND e < MAKE_DATE(2026, 12, 1)"
    template = sqlcache.make_template(sql, [day, "MAKE_DATE(2026, 12, 1)"], ["t", "d", "e"])
    assert sqlcache.fill(template, ["MAKE_DATE(2025, 1, 2)", "MAKE_DATE(2025, 4, 2)"]) == (
        "SELECT * FROM t WHERE d >= MAKE_DATE(2025, 1, 2) AND e < MAKE_DATE(2025, 4, 2)"
    )
    assert sqlcache.fill(template, ["MAKE_DATE(2025, 1, 2)"]) is None  # another number of days: not this one
    assert sqlcache.make_template(sql, [day, "MAKE_DATE(2027, 1, 1)"], []) is None  # one is not written as such
    assert sqlcache.make_template(sql, [day], [f"account {day}"]) is None  # a text of the query holds one
    assert sqlcache.make_template("SELECT MAKE_DATE(2026, 9, 30)", ["MAKE_DATE(2026, 9, 3)"], []) is None


def test_a_value_that_reads_like_a_day_is_never_replaced(cache_here):
    """A text value (an account name, say) that holds exactly what a day's literal compiles to stays as it is,
    on every day."""
    with sv.connect(":memory:") as store:
        for month in (1, 2):
            deals = store.table("deals")
            named = f"MAKE_DATE(2026, {month}, 1)"
            expr = deals.filter(deals.account == named, deals.created_at >= date(2026, month, 1)).count()
            sql = store_module.compiled(store.backend, expr)
            assert sql.count(named) == 2
            store_module._COMPILED.clear()


def test_a_constant_that_compiles_like_the_days_literal_keeps_its_value_on_other_days(cache_here):
    """`ibis.date(2026, 1, 1)` built from numbers compiles to the same text as the literal day 2026-01-01: on
    that day no template is written (the proof against far-off days fails), and a template written on
    another day puts its marker only where the literal stood."""
    import ibis

    with sv.connect(":memory:") as store:
        deals = store.table("deals")
        fixed = ibis.date(ibis.literal(2026), 1, 1)
        for number, day in enumerate((date(2026, 1, 1), date(2026, 3, 1), date(2026, 1, 1), date(2026, 5, 1))):
            expr = deals.filter(deals.created_at >= day, deals.expected_close_on != fixed).count()
            sql = store_module.compiled(store.backend, expr)
            assert sql.count("MAKE_DATE(2026, 1, 1)") == (2 if day.month == 1 else 1)
            assert f"MAKE_DATE(2026, {day.month}, 1)" in sql
            store_module._COMPILED.clear()
            templates = [p.read_text() for p in cache_here.glob("*.sql") if "slot" in p.read_text()]
            assert len(templates) == (0 if number == 0 else 1)
        assert templates[0].count("MAKE_DATE(2026, 1, 1)") == 1


def test_a_shared_subquery_that_only_joins_is_not_materialised_and_one_that_groups_is():
    """DuckDB buffers a WITH subquery used twice; for a plain join, scanning twice with the filters pushed
    down is cheaper — an aggregate keeps DuckDB's choice. The answers are the same either way."""
    with sv.connect(":memory:") as store:
        load_demo(store, generate(300, 2, date(2026, 12, 1)))
        deals, people = store.table("deals"), store.table("people")
        joined = deals.join(people, deals.owner_id == people.person_id)
        plain = joined.filter(joined.status == "won").union(joined.filter(joined.status == "lost"))
        grouped = joined.group_by("team_id").agg(n=joined.count())
        both = grouped.filter(grouped.n > 1).union(grouped.filter(grouped.n <= 1))
        plain_sql = sqlcache.compile_sql(store.backend, plain)
        grouped_sql = sqlcache.compile_sql(store.backend, both)
        assert re.search(r'WITH "t\d+" AS NOT MATERIALIZED \(', plain_sql), plain_sql
        assert "MATERIALIZED" not in grouped_sql and "WITH" in grouped_sql, grouped_sql
        for expr, sql in ((plain, plain_sql), (both, grouped_sql)):
            assert sorted(store.backend.raw_sql(sql).fetchall()) == sorted(
                store.backend.raw_sql(store.backend.compile(expr)).fetchall()
            )
