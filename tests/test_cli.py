"""The command line: every command documented, the main job end to end, errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from salesvelocity.cli import app

runner = CliRunner()


def _walk(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _walk(command, (*prefix, name))


COMMANDS = {" ".join(path): command for path, command in _walk(get_command(app))}


def run(*args: str, cwd=None, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_documented(command):
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    help_text = COMMANDS[command].help
    assert help_text and len(help_text.strip()) > 20, f"{command} needs a real docstring"


def test_the_documented_commands_exist():
    assert {
        "demo",
        "init",
        "import",
        "report",
        "trend",
        "forecast",
        "annotate",
        "recognise",
        "pulse results",
        "obstacle raise",
        "coach",
        "health",
    } <= set(COMMANDS)


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
    assert "up to date" in " ".join(run("--db", db, "init").stdout.split())
    dry = run("--db", db, "import", "--dry-run", str(small_files))
    assert dry.returncode == 0 and "dry run" in dry.stdout


def test_usage_errors_exit_2():
    assert run("report", "--nonsense").returncode == 2


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    done = run("--db", str(db), "demo", "--deals", "2000", "--as-of", "2026-12-01", cwd=folder)
    assert done.returncode == 0, done.stderr
    return db


def test_trend_json_and_table(demo_db):
    done = run("--db", str(demo_db), "trend", "--metric", "cycle", "--team", "T01", "--format", "json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["metric"] == "cycle" and doc["groups"][0]["group"] == "T01"
    assert doc["groups"][0]["limits"]["baseline_points"] == 12
    assert "\n" not in done.stdout.strip()  # piped: compact, for programs
    table = run("--db", str(demo_db), "trend", "--cadence", "month", "--by", "none")
    assert table.returncode == 0 and "natural limits" in table.stdout


def test_forecast_answers_each_question(demo_db):
    done = run(
        "--db",
        str(demo_db),
        "forecast",
        "--by-date",
        "2026-12-31",
        "--reach",
        "300",
        "--target",
        "--metric",
        "count",
        "--backtest",
        "--trials",
        "2000",
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    many = doc["answers"]["how_many"]["by_confidence"]
    assert many["50"] >= many["85"] >= many["95"]
    assert set(doc["answers"]["when"]["by_confidence"]) == {"50", "85", "95"}
    assert 0 <= doc["answers"]["backtest"]["hit_rate"] <= 1
    again = run("--db", str(demo_db), "forecast", "--by-date", "2026-12-31", "--trials", "2000", "--format", "json")
    assert json.loads(again.stdout)["answers"]["how_many"] == doc["answers"]["how_many"]  # seeded


def test_annotate_then_list(demo_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(demo_db.read_bytes())
    added = run("--db", str(db), "annotate", "new lead routing", "--at", "2026-11-20", "--team", "DACH")
    assert added.returncode == 0 and "recorded" in added.stdout
    listed = run("--db", str(db), "annotate", "--list", "--format", "json")
    changes = {c["label"]: c for c in json.loads(listed.stdout)["changes"]}
    assert changes["new lead routing"]["status"] == "too early to tell"
    assert changes["new lead routing"]["scope_id"] == "T02"


def test_global_options_may_follow_the_subcommand(tmp_path):
    db = tmp_path / "late.duckdb"
    done = run("init", "--db", str(db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert db.exists() and not (tmp_path / "salesvelocity.duckdb").exists()
    people = tmp_path / "people.csv"
    people.write_text("person_id,name\nP1,Ann\n", encoding="utf-8")
    done = run("import", str(people), f"--db={db}", "--lang", "nl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_hoisting_keeps_arguments_after_a_double_dash():
    from salesvelocity.cli import hoist_global_options

    args = ["recognise", "--from", "P1", "--db", "x.duckdb", "--", "--db"]
    assert hoist_global_options(args, {"recognise"}) == ["--db", "x.duckdb", "recognise", "--from", "P1", "--", "--db"]


def test_a_dry_run_creates_no_database(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("person_id,name\nP1,Ann\n", encoding="utf-8")
    done = run("import", "--dry-run", str(people), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "would import" in done.stdout and not (tmp_path / "salesvelocity.duckdb").exists()


def test_import_merge_and_on_duplicate_from_the_command_line(tmp_path, small_files):
    from tests.conftest import DEAL_HEADER, DEALS, write_csv

    db = str(tmp_path / "x.duckdb")
    changed = list(DEALS[0])
    changed[5] = "1111"
    write_csv(small_files, "deals", DEAL_HEADER, [*DEALS, DEALS[1], changed])
    refused = run("--db", db, "import", str(small_files))
    assert refused.returncode == 1 and "--on-duplicate" in refused.stdout + refused.stderr
    kept = run("import", str(small_files), "--on-duplicate", "last", "--db", db)
    out = " ".join(kept.stdout.split())
    assert kept.returncode == 0, kept.stderr
    assert "note: deals: 1 row(s) identical to an earlier row" in out and "the last of each kept" in out
    closing = tmp_path / "closing"
    closing.mkdir()
    (closing / "deals.csv").write_text("deal_id,status,closed_at\nd4,lost,2026-03-30\n", encoding="utf-8")
    merged = run("--db", db, "import", "--merge", str(closing))
    assert merged.returncode == 0, merged.stderr
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        assert con.sql("SELECT status, amount FROM deals WHERE deal_id = 'd4'").fetchone() == ("lost", 800)
        assert con.sql("SELECT amount FROM deals WHERE deal_id = 'd1'").fetchone() == (1111,)


def test_times_recorded_from_the_cli_are_utc_whatever_the_shell_zone(tmp_path, small_files):
    """An obstacle raised and a kudos given from a shell 14 hours ahead of UTC store the UTC instant."""
    import duckdb

    db = str(tmp_path / "tz.duckdb")
    assert run("--db", db, "import", str(small_files)).returncode == 0
    env = {**os.environ, "TZ": "Pacific/Kiritimati"}  # UTC+14: a local clock would be half a day off
    for args in (
        ("obstacle", "raise", "--by", "A1", "legal review stalls"),
        ("recognise", "--from", "M1", "--to", "A1", "great demo"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "salesvelocity.cli", "--db", db, *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
    utc_now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(db, read_only=True) as con:
        stamps = con.sql("SELECT raised_at FROM obstacles UNION ALL SELECT given_at FROM recognitions").fetchall()
    assert stamps and all(abs((utc_now - s).total_seconds()) < 600 for (s,) in stamps), (stamps, utc_now)


def test_too_little_memory_is_one_clear_message_naming_the_setting(demo_db):
    for limit in ("1MB", "4MB"):  # too little to open the file; too little for the report's queries
        done = run("--db", str(demo_db), "report", "--format", "json", env_extra={"SALESVELOCITY_MEMORY_LIMIT": limit})
        assert done.returncode == 1, done.stderr
        assert f"more memory than it may use ({limit})" in done.stderr and "memory_limit" in done.stderr
        assert "Traceback" not in done.stderr and "damaged" not in done.stderr


def test_version_answers_before_the_command_line_loads():
    """`--version` alone is answered by the entry point without Typer or Rich; with other options the full
    command line answers it the same way."""
    probe = (
        "import sys; sys.argv = ['salesvelocity', '--version']\n"
        "from salesvelocity.launch import main; main()\n"
        "print(sorted(m for m in ('typer', 'rich', 'ibis', 'duckdb') if m in sys.modules))"
    )
    quick = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    from salesvelocity import __version__

    assert quick.stdout.splitlines() == [f"salesvelocity {__version__}", "[]"]
    full = subprocess.run(
        [sys.executable, "-m", "salesvelocity", "--debug", "--version"], capture_output=True, text=True
    )
    assert full.returncode == 0 and full.stdout.strip() == f"salesvelocity {__version__}"


def test_the_command_ends_without_module_teardown_but_with_its_exit_code_and_all_its_output(tmp_path):
    """The entry point skips Python's clean-up of loaded modules (≈ 0.9 s), never the exit code, the output or
    the exit handlers."""
    db = str(tmp_path / "sv.duckdb")

    def sv(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "salesvelocity", "--db", db, *args], capture_output=True, text=True
        )

    assert sv("init").returncode == 0
    done = sv("report", "--format", "json")
    assert done.returncode == 0 and "velocity" in json.loads(done.stdout)["sections"]
    wrong = sv("import", str(tmp_path / "missing.csv"))
    assert wrong.returncode == 1 and "missing.csv" in wrong.stderr and "Traceback" not in wrong.stderr
    assert sv("report", "--from", "2026-13-01").returncode == 2

    probe = (
        "import atexit, sys\n"
        "from salesvelocity.launch import leave\n"
        "atexit.register(lambda: print('handler ran', flush=True))\n"
        "sys.stdout.write('unflushed')\n"
        "leave(sys.argv[1] if sys.argv[1] != '3' else 3)\n"
    )
    for code, expected in (("3", 3), ("bye", 1)):
        ended = subprocess.run([sys.executable, "-c", probe, code], capture_output=True, text=True)
        assert ended.returncode == expected and "handler ran" in ended.stdout and "unflushed" in ended.stdout


def test_the_servers_upload_folder_is_removed_when_it_stops():
    """Uploaded exports (customer data) wait in a private folder for the admin's confirmation; it goes with the
    process, also when the entry point ends it without module teardown."""
    probe = (
        "from salesvelocity.web import imports\n"
        "(imports._root / 'deals.csv').write_text('deal_id\\n1\\n')\n"
        "print(imports._root, flush=True)\n"
        "from salesvelocity.launch import leave\n"
        "leave(0)\n"
    )
    ended = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    folder = ended.stdout.strip()
    assert folder and not os.path.exists(folder)


def test_json_is_indented_at_a_terminal(demo_db):
    """A person reading JSON in a terminal gets it indented; the same document as when piped."""
    import pty

    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "salesvelocity.cli", "--db", str(demo_db), "trend", "--metric", "cycle"]
    child = subprocess.Popen([*command, "--format", "json"], stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    chunks = []
    while True:  # read as it comes: a terminal holds only a few kilobytes
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the program ended and its terminal closed: everything is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert child.wait(timeout=120) == 0
    shown = b"".join(chunks).decode().replace("\r\n", "\n")
    assert '\n  "metric": "cycle"' in shown
    assert json.loads(shown) == json.loads(run(*command[3:], "--format", "json").stdout)
