"""The command line: every command documented, the main job end to end, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from salesvelocity.cli import app

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "salesvelocity.cli", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    help_text = get_command(app).commands[command].help
    assert help_text and len(help_text.strip()) > 20, f"{command} needs a real docstring"


def test_demo_builds_the_database_and_prints_velocity(tmp_path):
    db = tmp_path / "demo.duckdb"
    done = run("--db", str(db), "demo", "--deals", "600", "--as-of", "2026-12-01", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Sales velocity" in done.stdout and "win rate" in done.stdout and "Time in stage" in done.stdout
    assert db.exists() and (tmp_path / "salesvelocity-report.html").stat().st_size > 1_000_000


def test_demo_refuses_to_replace_imported_data(tmp_path, small_files):
    db = str(tmp_path / "real.duckdb")
    assert run("--db", db, "import", str(small_files)).returncode == 0
    done = run("--db", db, "demo", "--deals", "100")
    assert done.returncode == 1
    assert "holds imported data" in done.stderr and "Traceback" not in done.stderr


def test_import_error_is_one_clear_message_and_exit_1(tmp_path, small_files):
    (small_files / "deals.csv").write_text("deal_id,owner_id,created_at,status\nd1,A1,2026-13-45,open\n")
    done = run("--db", str(tmp_path / "x.duckdb"), "import", str(small_files))
    assert done.returncode == 1
    assert "deals.csv row 2 column `created_at`: '2026-13-45'" in done.stderr
    assert "Traceback" not in done.stderr
    debug = run("--debug", "--db", str(tmp_path / "x.duckdb"), "import", str(small_files))
    assert "Traceback" in debug.stderr


def test_init_then_import_with_dry_run(tmp_path, small_files):
    db = str(tmp_path / "x.duckdb")
    assert "created salesvelocity database" in run("--db", db, "init").stdout
    assert "up to date" in run("--db", db, "init").stdout
    dry = run("--db", db, "import", "--dry-run", str(small_files))
    assert dry.returncode == 0 and "dry run" in dry.stdout


def test_usage_errors_exit_2():
    assert run("report", "--nonsense").returncode == 2
