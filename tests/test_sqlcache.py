"""Compiled SQL kept between runs (salesvelocity.sqlcache): the same expression in another process finds it,
a different one never does, and the cache can be turned off."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

import salesvelocity as sv
from salesvelocity import sqlcache
from salesvelocity import store as store_module
from salesvelocity.metrics import Window, sales_velocity
from salesvelocity.metrics.series import period_series

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

            monkeypatch.setattr(store.backend, "compile", refuse)
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
