"""Every read command in a real terminal of 80 and 120 columns (and in a pipe, which Rich treats the same):
no line wider than the terminal, and no number, date or name split across lines. Narrow terminals leave
columns out and say which."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date

import pytest
from rich.cells import cell_len

TODAY = date(2026, 12, 1)
COMMANDS = [
    ["report"],
    ["trend"],
    ["trend", "--metric", "win_rate", "--by", "none"],
    ["trend", "--metric", "throughput", "--by", "person", "--cadence", "month"],
    ["forecast"],
    ["forecast", "--target", "--metric", "amount", "--team", "Nordics", "--backtest"],
    ["annotate", "--list"],
    ["health"],
    ["pulse", "results"],
    ["obstacle", "list"],
    ["coach", "P0010"],
    ["--lang", "nl", "report"],
    ["--lang", "nl", "health"],
]
#: A cell that holds one value: a number, amount, share, ratio, duration or date.
VALUE = re.compile(r"[−+-]?\d[\d,.]*(\s?(%|×|d|h|u|min|EUR))?|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4}|\d{4}-\d{2}")
SPLIT_AT_END = re.compile(r"(\d{4}-\d{1,2}-?\d?|\d[\d,.]*[,.])$")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    import salesvelocity as sv
    from salesvelocity.demo import generate, load_demo

    path = tmp_path_factory.mktemp("terminal") / "demo.duckdb"
    con = sv.connect(str(path))
    load_demo(con, generate(2000, 7, TODAY))
    names = {n for (n,) in con.sql("SELECT name FROM people UNION SELECT name FROM teams").fetchall() if n}
    con.close()
    return path, names


def run(db, command: list[str], columns: int) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), *command],  # --lang goes before the command
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def cells(text: str) -> list[str]:
    """Every table cell of ``text`` (box-drawn tables, with or without an outer edge), stripped."""
    found = []
    for line in text.splitlines():
        if "│" in line:
            found += [c.strip() for c in line.strip().strip("│").split("│")]
    return [c for c in found if c]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_value_or_name_is_split_at_80_or_120_columns(demo_db, command):
    db, names = demo_db
    wide = run(db, command, 250)
    whole = set(cells(wide))
    atoms = {c for c in whole if VALUE.fullmatch(c)} | {n for n in names if n in wide}
    for columns in (80, 120):
        text = run(db, command, columns)
        lines = text.splitlines()
        too_wide = [line for line in lines if cell_len(line) > columns]
        assert too_wide == [], f"wider than {columns} columns"
        for cell in cells(text):
            broken = [a for a in atoms if a != cell and a.startswith(cell) and cell not in whole]
            assert not broken, f"{cell!r} is the start of {broken[0]!r}, split across lines at {columns} columns"
        for first, second in zip(lines, lines[1:], strict=False):
            if "│" not in first and SPLIT_AT_END.search(first.rstrip()) and re.match(r"\s*[\d%]", second):
                pytest.fail(f"a number or date runs from one line to the next at {columns} columns: {first!r}")
        if "left out at" in text:  # a narrow terminal says which columns it left out
            assert re.search(r"left out at \d+ columns: \S", " ".join(text.split()))


def test_a_pipe_gets_the_same_fitted_tables(demo_db):
    """Without COLUMNS (cron mail, a pipe) Rich assumes 80 columns: tables still fit."""
    db, _ = demo_db
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), "report"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert max(cell_len(line) for line in done.stdout.splitlines()) <= 80
