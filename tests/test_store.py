"""The store: init, settings precedence, migration of an older schema in place."""

from __future__ import annotations

import duckdb
import pytest

import salesvelocity as sv
from salesvelocity.config import load_settings
from salesvelocity.errors import ConfigError, StoreError
from salesvelocity.migrations import v1_ddl
from salesvelocity.schema import SCHEMA_VERSION, TABLES


def test_connect_creates_every_table_with_a_version(tmp_path):
    path = tmp_path / "x.duckdb"
    with sv.connect(path) as con:
        assert con.schema_version() == SCHEMA_VERSION
        for name, table in TABLES.items():
            assert con.table(name).columns == tuple(table.column_names)


def test_migration_from_version_1_keeps_data(tmp_path):
    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    for ddl in v1_ddl():
        raw.execute(ddl)
    raw.execute("CREATE TABLE _salesvelocity_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    raw.execute("INSERT INTO _salesvelocity_meta VALUES ('schema_version', '1')")
    raw.execute("INSERT INTO deals (deal_id, owner_id, created_at, status) VALUES ('d1', 'p1', '2026-01-01', 'open')")
    raw.close()
    with sv.connect(path) as con:
        assert con.schema_version() == SCHEMA_VERSION
        assert "lost_reason" in con.table("deals").columns
        assert con.count("annotations") == 0
        assert con.sql("SELECT deal_id FROM deals").fetchall() == [("d1",)]
        # version 4: an obstacle's answer and its author, a 1:1's notes and actions, the web app's tables
        assert {"response", "responded_by"} <= set(con.table("obstacles").columns)
        assert {"notes", "actions"} <= set(con.table("one_on_ones").columns)
        assert con.sql("SELECT count(*) FROM app_users").fetchone() == (0,)
        assert con.sql("SELECT count(*) FROM app_views").fetchone() == (0,)  # version 5: saved views


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    sv.connect(path).close()
    raw = duckdb.connect(str(path))
    raw.execute("UPDATE _salesvelocity_meta SET value = '99' WHERE key = 'schema_version'")
    raw.close()
    with pytest.raises(StoreError, match="newer than this release"):
        sv.connect(path)


def test_missing_database_without_create_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="salesvelocity demo"):
        sv.connect(tmp_path / "none.duckdb", create=False)


def test_unknown_url_scheme(tmp_path):
    with pytest.raises(StoreError, match="unknown scheme"):
        sv.connect("mysql://x/y")


def test_settings_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "salesvelocity.toml").write_text('db = "from-toml.duckdb"\n')
    assert load_settings().db == "from-toml.duckdb"
    monkeypatch.setenv("SALESVELOCITY_DB", "from-env.duckdb")
    assert load_settings().db == "from-env.duckdb"
    assert load_settings(db="from-flag.duckdb").db == "from-flag.duckdb"


def test_unsafe_k_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SALESVELOCITY_PULSE_MIN_RESPONDENTS", "2")
    with pytest.raises(ConfigError, match="pulse_min_respondents"):
        load_settings()


def test_pulse_questions_are_configurable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "salesvelocity.toml").write_text('[pulse_questions]\nclarity = "I know what is expected of me"\n')
    assert load_settings().pulse_questions == {"clarity": "I know what is expected of me"}


def test_spark_urls_are_checked_before_spark_starts(tmp_path):
    with pytest.raises(StoreError, match="names no folder"):
        sv.connect("pyspark://local[2]")
    with pytest.raises(StoreError, match="no folder .* for Spark to read"):
        sv.connect(f"pyspark://local[2]?path={tmp_path / 'nope'}")
    with pytest.raises(StoreError, match="holds no canonical Parquet tables") as found:
        sv.connect(f"pyspark://local[2]?path={tmp_path}")
    assert f"export --format parquet {tmp_path}" in found.value.hint


def test_remembering_runs_an_equal_expression_once_and_a_transaction_forgets(store):
    import_sql = "INSERT INTO teams VALUES ('T1', 'One', NULL)"
    store.sql(import_sql)
    teams = store.table("teams")
    with store.remembering():
        first = store.execute(teams.count().as_table())
        store.raw.execute("INSERT INTO teams VALUES ('T2', 'Two', NULL)")  # behind its back: not seen
        assert store.execute(store.table("teams").count().as_table()) is first
        with store.transaction():
            store.sql("INSERT INTO teams VALUES ('T3', 'Three', NULL)")
        assert store.value(store.table("teams").count()) == 3  # a transaction forgets what was remembered
    assert store.value(store.table("teams").count()) == 3


def _memory_setting(con) -> str:
    return con.sql("SELECT current_setting('memory_limit')").fetchone()[0]


def test_duckdb_keeps_under_its_memory_ceiling(tmp_path):
    from salesvelocity.store import DEFAULT_MEMORY_LIMIT_BYTES, default_memory_limit

    path = tmp_path / "m.duckdb"
    with sv.connect(path, memory_limit="512MB") as con:
        assert _memory_setting(con) == "488.2 MiB"  # 512 × 1000² bytes, as DuckDB shows it
    with sv.connect(path, read_only=True) as con:  # the default, read-only too
        assert (
            _memory_setting(con)
            == duckdb.connect(config={"memory_limit": default_memory_limit()})
            .sql("SELECT current_setting('memory_limit')")
            .fetchone()[0]
        )
    assert int(default_memory_limit().removesuffix("MiB")) * 1024**2 <= DEFAULT_MEMORY_LIMIT_BYTES
    with sv.connect(":memory:") as con:  # a scratch copy lives in its memory: DuckDB's own ceiling
        assert _memory_setting(con) == _memory_setting(duckdb.connect())


@pytest.mark.parametrize(("given", "kept"), [("3GB", "3GB"), (" 16 gib", "16GiB"), ("512mb", "512MB")])
def test_memory_limit_setting_reads_sizes(monkeypatch, given, kept):
    monkeypatch.setenv("SALESVELOCITY_MEMORY_LIMIT", given)
    assert load_settings().memory_limit == kept


def test_a_memory_limit_that_is_not_a_size_is_refused(monkeypatch):
    monkeypatch.setenv("SALESVELOCITY_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match="not a memory size"):
        load_settings()


def test_duckdb_prints_no_progress_bar(tmp_path):
    """DuckDB draws its bar on standard output after 2 s of a statement: inside a report's JSON or CSV."""
    path = tmp_path / "q.duckdb"
    for options in ({}, {"read_only": True}):
        with sv.connect(path, **options) as con:
            assert con.sql("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    with sv.connect(":memory:") as con:
        assert con.sql("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


def test_small_tables_reach_duckdb_as_written(store):
    """Period spines and stage orders go to DuckDB as SQL (not as Arrow, which imports pandas): every value
    comes back as PyArrow would have stored it, empty tables included."""
    from datetime import date, datetime

    import pyarrow as pa

    from salesvelocity.metrics.common import small_table

    schema = {"s": "string", "i": "int32", "n": "int64", "f": "float64", "d": "date", "t": "timestamp"}
    data = {
        "s": ["it's", None, 'a "b"', ""],
        "i": [3, None, -7, 0],
        "n": [2**40, None, 0, -1],
        "f": [1.5, None, 1e-300, float("inf")],
        "d": [date(2024, 2, 29), None, date(1969, 12, 31), date(2100, 1, 1)],
        "t": [datetime(2024, 1, 1, 1, 2, 3, 456789), None, datetime(1960, 1, 1), datetime(2026, 12, 1)],
    }
    arrow_types = [pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.date32(), pa.timestamp("us")]
    expected = pa.table(data, schema=pa.schema(list(zip(data, arrow_types, strict=True))))
    table = small_table(data, schema)
    assert store.execute(table).equals(expected)
    empty = small_table({c: [] for c in data}, schema)
    assert store.execute(empty).equals(expected.slice(0, 0))


def test_a_report_does_not_load_pandas(tmp_path):
    """Nothing a report runs needs pandas (0.3–0.5 s to import): not the schema check, not a small table."""
    import subprocess
    import sys

    db = tmp_path / "demo.duckdb"
    probe = (
        "import sys\n"
        "from salesvelocity.cli import main\n"
        f"sys.argv = ['salesvelocity', '--db', {str(db)!r}, *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules, file=sys.stderr)\n"
    )
    made = subprocess.run(
        [sys.executable, "-c", probe, "demo", "--deals", "300", "--as-of", "2026-12-01"], capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    for shown, form in (('"sections"', "json"), ("Team health", "table")):
        done = subprocess.run([sys.executable, "-c", probe, "report", "--format", form], capture_output=True, text=True)
        assert done.returncode == 0 and shown in done.stdout, done.stderr
        assert done.stderr.strip().splitlines()[-1] == "False", form
