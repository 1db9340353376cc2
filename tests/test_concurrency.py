"""Several commands on one DuckDB file: readers share it, a writer waits for them and never loses data.

DuckDB lets one process write a file, or any number read it. Read commands open read-only; a command
that writes waits (with a message) while a reader holds the file, up to `lock_wait_seconds`.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import duckdb
import pytest

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _command(db, *args: str, env: dict | None = None) -> list[str]:
    return [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), *args]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared")
    db = folder / "demo.duckdb"
    done = subprocess.run(
        _command(db, "demo", "--deals", "2000", "--as-of", "2026-12-01"), capture_output=True, text=True, cwd=folder
    )
    assert done.returncode == 0, done.stderr
    return db


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _hold(db, seconds: float) -> subprocess.Popen:
    """Another program reading the file for ``seconds``; returns once it holds the file."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_two_reports_run_side_by_side(demo_db, tmp_path):
    args = ("report", "--format", "json")
    runs = [subprocess.Popen(_command(demo_db, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    runs.append(subprocess.Popen(_command(demo_db, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], [e for _o, e in outputs]
    first, second = (_rounded(json.loads(out)) for out, _err in outputs)
    assert first == second  # the same figures (to the last digits a parallel sum may vary in)


def test_a_read_leaves_the_file_untouched(demo_db):
    before = hashlib.sha256(demo_db.read_bytes()).hexdigest()
    done = subprocess.run(_command(demo_db, "trend", "--format", "json"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(demo_db.read_bytes()).hexdigest() == before


def test_a_report_runs_while_another_program_reads(demo_db):
    holder = _hold(demo_db, 30)
    try:
        done = subprocess.run(_command(demo_db, "forecast", "--format", "json"), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    finally:
        holder.kill()


def test_a_pulse_answer_waits_for_a_reader_and_is_kept(demo_db):
    people = duckdb.connect(str(demo_db), read_only=True)
    (person,) = people.sql("SELECT person_id FROM people WHERE role = 'rep' AND left_on IS NULL LIMIT 1").fetchone()
    count = "SELECT count(*) FROM pulse_responses"
    (before,) = people.sql(count).fetchone()
    people.close()
    holder = _hold(demo_db, 60)
    answer = subprocess.Popen(
        _command(demo_db, "pulse", "answer", "--person", person, "--question", "support", "--score", "4"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The reader lets go only once the writer says it waits: however slow the machine is to start the
        # command, it meets the held file.
        said = ""
        while line := answer.stderr.readline():
            said += line
            if "waiting" in line:
                break
    finally:
        holder.kill()
        holder.wait()
    out, rest = answer.communicate(timeout=120)
    assert answer.returncode == 0, said + rest
    assert "in use by another program; waiting up to 30 s" in said
    assert "answer recorded" in out
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.sql(count).fetchone()[0] == before + 1


def test_a_writer_that_waits_too_long_says_so_and_writes_nothing(demo_db):
    holder = _hold(demo_db, 20)
    try:
        done = subprocess.run(
            _command(demo_db, "annotate", "new playbook", "--at", "2026-11-01"),
            capture_output=True,
            text=True,
            env=_env(SALESVELOCITY_LOCK_WAIT_SECONDS="1"),
        )
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "after waiting 1 s" in done.stderr and "lock_wait_seconds" in done.stderr
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert not con.sql("SELECT count(*) FROM annotations WHERE label = 'new playbook'").fetchone()[0]
