"""Issue 13: no command destroys data, outputs are atomic, and what the terminal and CSV show cannot hurt.

Each test names the defect it covers; all ran through the real command line in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import salesvelocity as sv

from .conftest import DEAL_HEADER, DEALS, write_csv


def run(*args: str, cwd: Path | None = None, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def clean_error(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("safety")
    done = run("--db", str(folder / "demo.duckdb"), "demo", "--deals", "800", "--as-of", "2026-11-15", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "demo.duckdb"


def deals_in(db: Path) -> int:
    with sv.connect(db, create=False) as store:
        return store.count("deals")


# -- 4. one command could destroy the database or overwrite files --------------------------------
def test_report_refuses_to_write_onto_the_database(demo):
    before = demo.read_bytes()
    for fmt in ("html", "json", "csv"):
        clean_error(run("--db", str(demo), "report", "--format", fmt, "--output", str(demo), "--force"), "the database")
    assert demo.read_bytes() == before and deals_in(demo) == 800


def test_outputs_are_not_overwritten_without_force(demo, tmp_path):
    target = tmp_path / "mine.html"
    target.write_text("my own notes")
    clean_error(run("--db", str(demo), "report", "--format", "html", "-o", str(target)), "exists already", "--force")
    assert target.read_text() == "my own notes"
    done = run("--db", str(demo), "report", "--format", "html", "-o", str(target), "--force")
    assert done.returncode == 0, done.stderr
    assert target.read_text().rstrip().endswith("</html>")


def test_the_default_report_file_is_replaced_only_when_salesvelocity_wrote_it(demo, tmp_path):
    ours = run("--db", str(demo), "report", "--format", "html", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    again = run("--db", str(demo), "report", "--format", "html", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # our own previous report: replaced
    (tmp_path / "salesvelocity-report.html").write_text("someone's page")
    clean_error(run("--db", str(demo), "report", "--format", "html", cwd=tmp_path), "exists already")


def test_missing_or_wrong_output_folder_is_a_clear_error(demo, tmp_path):
    clean_error(
        run("--db", str(demo), "report", "--format", "json", "-o", str(tmp_path / "no" / "r.json")), "does not exist"
    )
    (tmp_path / "afile").write_text("x")
    clean_error(run("--db", str(demo), "report", "--format", "csv", "-o", str(tmp_path / "afile")), "is a file")
    clean_error(run("--db", str(demo), "trend", "--format", "json", "-o", str(tmp_path)), "is a folder")


def test_csv_folder_is_replaced_whole(demo, tmp_path):
    folder = tmp_path / "sections"
    assert run("--db", str(demo), "report", "--format", "csv", "-o", str(folder)).returncode == 0
    first = sorted(p.name for p in folder.iterdir())
    clean_error(run("--db", str(demo), "report", "--format", "csv", "-o", str(folder)), "not empty")
    (folder / "stale.csv").write_text("old window")
    assert run("--db", str(demo), "report", "--format", "csv", "-o", str(folder), "--force").returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == first  # nothing of the older run is mixed in


def test_quarantine_and_mapping_never_overwrite_inputs(tmp_path, small_files):
    db = str(tmp_path / "q.duckdb")
    deals = small_files / "deals.csv"
    original = deals.read_bytes()
    clean_error(run("--db", db, "import", str(small_files), "--quarantine", str(deals)), "an input")
    assert deals.read_bytes() == original
    existing = tmp_path / "rejected.csv"
    existing.write_text("keep me")
    clean_error(run("--db", db, "import", str(small_files), "--quarantine", str(existing)), "exists already")
    assert existing.read_text() == "keep me"
    export = tmp_path / "export.csv"
    export.write_text("Id,Owner\n1,A\n")
    mapping = tmp_path / "export.mapping.toml"
    mapping.write_text("# edited by hand\n")
    clean_error(run("import", "--suggest-mapping", str(export)), "exists already")
    assert mapping.read_text() == "# edited by hand\n"
    clean_error(run("import", "--suggest-mapping", str(export), "-o", str(export)), "an input")


def test_demo_export_refuses_a_folder_in_use_before_touching_the_database(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    db = tmp_path / "d.duckdb"
    clean_error(run("--db", str(db), "demo", "--deals", "100", "--export", str(folder), cwd=tmp_path), "not empty")
    assert not db.exists() and (folder / "notes.txt").read_text() == "mine"


def test_report_killed_while_writing_leaves_the_previous_output(demo, tmp_path):
    target = tmp_path / "report.html"
    assert run("--db", str(demo), "report", "--format", "html", "-o", str(target)).returncode == 0
    previous = target.read_bytes()
    outcomes = set()
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3, 2.8, 3.5, 4.5):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salesvelocity.cli",
                "--db",
                str(demo),
                "report",
                "--format",
                "html",
                "-o",
                str(target),
                "--force",
                "--to",
                "2026-10-01",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = target.read_bytes()
        assert text == previous or text.rstrip().endswith(b"</html>"), f"a kill after {delay}s left a broken file"
        outcomes.add("old" if text == previous else "new")
        previous = text
    assert "old" in outcomes  # at least one kill landed before the rename


# -- 8. CSV outputs carried spreadsheet formulas; 9. the terminal interpreted data --------------------
HOSTILE = '=HYPERLINK("http://evil") [/] [link=http://evil]click[/link] \x1b[31mred\x07'


def test_hostile_text_is_printed_as_typed_and_csv_formulas_are_neutralised(tmp_path, small_files):
    db = str(tmp_path / "h.duckdb")
    assert run("--db", db, "import", str(small_files)).returncode == 0
    raised = run("--db", db, "obstacle", "raise", "--by", "A1", HOSTILE)
    assert raised.returncode == 0, raised.stderr
    assert "[/]" in raised.stdout and "[link=http://evil]" in raised.stdout and "\x1b[31m" not in raised.stdout
    listed = run("--db", db, "obstacle", "list", "--as-of", "2100-01-01", columns=400)
    assert listed.returncode == 0, listed.stderr
    assert "[/] [link=http://evil]click[/link]" in listed.stdout
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
    with sv.connect(db) as store:
        assert store.count("obstacles") == 1  # the command did not crash after writing, so no retry duplicates
    csv_out = run("--db", db, "obstacle", "list", "--as-of", "2100-01-01", "--format", "csv")
    assert "'=HYPERLINK" in csv_out.stdout and ",=HYPERLINK" not in csv_out.stdout
    as_json = run("--db", db, "obstacle", "list", "--as-of", "2100-01-01", "--format", "json")
    assert json.loads(as_json.stdout)["open"][0]["title"] == HOSTILE  # JSON keeps the data exactly


# -- 10. tracebacks instead of messages; foreign and broken databases ------------------------------
def test_a_foreign_duckdb_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE teams (id INTEGER, colour VARCHAR)")
    con.close()
    before = path.read_bytes()
    clean_error(run("--db", str(path), "init"), "other tables")
    clean_error(run("--db", str(path), "report"), "not a salesvelocity database")
    con = duckdb.connect(str(path), read_only=True)
    assert [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()] == ["teams"]
    con.close()
    assert len(path.read_bytes()) == len(before)


def test_sqlite_garbage_and_folders_are_not_databases(tmp_path):
    lite = tmp_path / "app.db"
    sqlite3.connect(lite).execute("CREATE TABLE t (x)").connection.commit()
    clean_error(run("--db", str(lite), "report"), "SQLite")
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"\x00" * 8 + b"nope" + bytes(5000))
    clean_error(run("--db", str(junk), "report"), "not a DuckDB database")
    clean_error(run("--db", str(tmp_path), "report"), "is a folder")


def test_a_damaged_database_is_a_clear_error(demo, tmp_path):
    broken = tmp_path / "broken.duckdb"
    data = demo.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    done = run("--db", str(broken), "report")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "broken.duckdb" in done.stderr


def test_new_databases_are_private(tmp_path):
    assert run("--db", str(tmp_path / "new.duckdb"), "init").returncode == 0
    assert (tmp_path / "new.duckdb").stat().st_mode & 0o077 == 0


def test_anything_unforeseen_is_one_message_pointing_to_debug(monkeypatch, capsys):
    import salesvelocity.cli as cli

    def boom():
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(cli, "app", boom)
    monkeypatch.setattr("salesvelocity.writing.private_files", lambda: None)  # keep this test process's umask
    monkeypatch.setattr(sys, "argv", ["salesvelocity", "report"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "something nobody foresaw" in err and "--debug" in err and "Traceback" not in err


def test_dates_outside_1900_2100_on_the_command_line_are_refused(demo):
    for args in (
        ("report", "--to", "9999-12-31"),
        ("annotate", "x", "--at", "0001-01-01"),
        ("forecast", "--by-date", "9999-01-01"),
    ):
        done = run("--db", str(demo), *args)
        assert done.returncode == 2 and "outside the years 1900–2100" in done.stderr, done.stderr


def test_a_never_date_kept_by_an_older_release_breaks_no_read_command(demo, tmp_path):
    db = tmp_path / "never.duckdb"
    db.write_bytes(demo.read_bytes())
    db.chmod(0o600)
    con = duckdb.connect(str(db))
    con.execute(
        "INSERT INTO deals (deal_id, owner_id, created_at, status, pipeline) "
        "SELECT 'NEVER', owner_id, TIMESTAMP '9999-12-31', 'open', pipeline FROM deals LIMIT 1"
    )
    con.execute("INSERT INTO annotations VALUES ('A-never', TIMESTAMP '9999-12-31', 'someday', 'company', NULL)")
    con.execute(
        "INSERT INTO obstacles (obstacle_id, raised_by, raised_at) "
        "SELECT 'O-never', person_id, TIMESTAMP '9999-12-31' FROM people LIMIT 1"
    )
    con.close()
    person = "P0005"
    for args in (
        ("report",),
        ("trend",),
        ("forecast",),
        ("health",),
        ("annotate", "--list"),
        ("obstacle", "list"),
        ("coach", person),
        ("report", "--from", "1900-01-01"),
        ("report", "--to", "2100-12-31"),
    ):
        done = run("--db", str(db), *args)
        assert done.returncode == 0, (args, done.stderr)


def test_the_fixture_rows_stay_importable(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    write_csv(folder, "deals", DEAL_HEADER, DEALS)
    assert (folder / "deals.csv").exists()
