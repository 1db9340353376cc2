"""Shared fixtures: a real in-memory DuckDB store and small canonical files written by hand."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pytest

import salesvelocity as sv


def write_csv(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> Path:
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return path


TEAMS = (["team_id", "name", "manager_id"], [["T1", "Alpha", "M1"], ["T2", "Beta", "M1"]])
PEOPLE = (
    ["person_id", "name", "team_id", "role"],
    [["M1", "Mona", "T1", "manager"], ["A1", "Ann", "T1", "rep"], ["B1", "Bob", "T2", "rep"]],
)
DEAL_HEADER = ["deal_id", "owner_id", "created_at", "status", "stage", "amount", "closed_at", "pipeline", "segment"]
# Worked by hand in tests/metrics/test_velocity.py: window [2026-01-01, 2026-04-01).
DEALS = [
    ["d1", "A1", "2026-01-10T00:00:00Z", "won", "Won", "1000", "2026-01-20T00:00:00Z", "", "SMB"],
    ["d2", "A1", "2026-01-15 00:00:00", "won", "Won", "3000", "2026-02-14 00:00:00", "", "SMB"],
    ["d3", "A1", "2026-02-01", "lost", "Lost", "500", "2026-02-10", "", "Enterprise"],
    ["d4", "A1", "2026-03-01", "open", "Proposal", "800", "", "", "Enterprise"],
    ["d5", "A1", "2025-12-01", "won", "Won", "2000", "2026-01-05T12:00:00", "", "SMB"],
    ["d6", "A1", "2026-03-20", "won", "Won", "9000", "2026-04-02", "", "SMB"],
    ["e1", "B1", "2026-02-01", "lost", "Lost", "", "2026-02-05", "", "SMB"],
    ["e2", "B1", "2026-03-15", "open", "Qualification", "100", "", "", "SMB"],
]


def pytest_configure(config):
    """Also for fixtures wider than one test (a module's demo database): the same key everywhere."""
    os.environ["SALESVELOCITY_PULSE_KEY"] = "test pulse key"
    # compiled SQL kept between runs (salesvelocity.sqlcache) goes to a folder of this run, not the home folder
    os.environ["SALESVELOCITY_CACHE_DIR"] = tempfile.mkdtemp(prefix="sv-sql-cache-")


@pytest.fixture(autouse=True)
def pulse_key(monkeypatch):
    """Tests keep the pulse key in the environment, so that no key file lands in the working folder."""
    monkeypatch.setenv("SALESVELOCITY_PULSE_KEY", "test pulse key")
    return "test pulse key"


@pytest.fixture(autouse=True)
def english():
    """Every test starts and ends in English (a CLI run in-process may switch the language)."""
    from salesvelocity.i18n import set_csv_locale, set_language

    set_language("en")
    set_csv_locale("en")
    yield
    set_language("en")
    set_csv_locale("en")


@pytest.fixture
def store():
    con = sv.connect(":memory:")
    yield con
    con.close()


@pytest.fixture
def small_files(tmp_path: Path) -> Path:
    """A valid canonical export: teams, people, deals (hand-computed fixture)."""
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder, "teams", *TEAMS)
    write_csv(folder, "people", *PEOPLE)
    write_csv(folder, "deals", DEAL_HEADER, DEALS)
    return folder


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for the whole run (tests/postgres_server.py); yields its admin URL."""
    from tests.postgres_server import private_server

    with private_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server, request):
    """A new, empty database on the private server for one test (or module), dropped after."""
    from tests.postgres_server import fresh_database

    with fresh_database(postgres_server) as url:
        yield url
