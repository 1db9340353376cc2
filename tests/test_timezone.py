"""The reporting time zone (design.md §4): storage stays UTC, days and periods are cut in the zone.

Worked by hand: a Dutch team wins d1 on 1 November 2026 at 00:30 Amsterdam time (CET, UTC+1), which is
stored as 31 October 23:30 UTC. In Amsterdam it is a November win; in UTC an October one. In summer
(CEST, UTC+2) a win at 1 July 00:30 is stored as 30 June 22:30.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime

import duckdb
import pytest

import salesvelocity as sv
from salesvelocity import clock
from salesvelocity.ingest import import_paths
from salesvelocity.metrics.series import period_series
from tests.conftest import PEOPLE, TEAMS, write_csv

HEADER = ["deal_id", "owner_id", "created_at", "status", "stage", "amount", "closed_at"]
DEALS = [
    ["d1", "A1", "2026-10-20T10:00:00+02:00", "won", "Won", "1000", "2026-11-01T00:30:00+01:00"],
    ["d2", "A1", "2026-06-20T10:00:00+02:00", "won", "Won", "500", "2026-07-01T00:30:00+02:00"],
    ["d3", "B1", "2026-10-05T12:00:00Z", "lost", "Lost", "200", "2026-10-31T12:00:00Z"],
]
AMSTERDAM = "Europe/Amsterdam"


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write_csv(folder, "teams", *TEAMS)
    write_csv(folder, "people", *PEOPLE)
    write_csv(folder, "deals", HEADER, DEALS)
    return folder


def _won_by_month(store) -> dict[date, int]:
    rows = store.execute(period_series(store, date(2026, 6, 1), date(2026, 12, 1), "month")).to_pylist()
    return {r["period_start"].date(): r["won"] for r in rows if r["won"]}


def test_storage_stays_utc_and_the_reporting_zone_cuts_the_month(tmp_path, export):
    db = tmp_path / "tz.duckdb"
    with sv.connect(db) as utc:
        import_paths(utc, [export])
        assert _won_by_month(utc) == {date(2026, 6, 1): 1, date(2026, 10, 1): 1}
    with sv.connect(db, timezone=AMSTERDAM) as local:
        shown = dict(local.execute(local.table("deals").select("deal_id", "closed_at")).to_pylist()[0].items())
        assert _won_by_month(local) == {date(2026, 7, 1): 1, date(2026, 11, 1): 1}
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.sql("SELECT deal_id, closed_at FROM deals").fetchall())
    assert stored["d1"] == datetime(2026, 10, 31, 23, 30)  # the file is untouched by the setting
    assert stored["d2"] == datetime(2026, 6, 30, 22, 30)
    assert shown == {"deal_id": "d1", "closed_at": datetime(2026, 11, 1, 0, 30)}


def test_a_day_given_in_the_zone_is_stored_as_that_days_start_in_utc():
    assert clock.to_utc(date(2026, 11, 1), AMSTERDAM) == datetime(2026, 10, 31, 23, 0)
    assert clock.to_utc(date(2026, 7, 1), AMSTERDAM) == datetime(2026, 6, 30, 22, 0)
    assert clock.to_utc(datetime(2026, 11, 1, 9, 0), "UTC") == datetime(2026, 11, 1, 9, 0)
    assert clock.zone_name("utc") == "UTC"
    with pytest.raises(ValueError, match="Europe/Amsterdam"):
        clock.zone_name("Europe/Amsterdm")


@pytest.mark.parametrize(
    "utc, kiritimati, niue",
    [
        # Kiritimati is UTC+14 and Niue UTC−11, 25 hours apart: one day between their dates for 23 hours
        # of each UTC day, two days from 10:00 to 11:00 UTC.
        (datetime(2026, 12, 3, 12, 0), date(2026, 12, 4), date(2026, 12, 3)),
        (datetime(2026, 12, 3, 10, 30), date(2026, 12, 4), date(2026, 12, 2)),
        (datetime(2026, 12, 3, 9, 59), date(2026, 12, 3), date(2026, 12, 2)),
    ],
)
def test_today_is_the_zones_day(monkeypatch, utc, kiritimati, niue):
    monkeypatch.setattr(clock, "now", lambda: utc)
    assert (clock.today("Pacific/Kiritimati"), clock.today("Pacific/Niue"), clock.today()) == (
        kiritimati,
        niue,
        utc.date(),
    )


def _cli(db, *args, zone=None, shell_tz=None):
    env = {**os.environ}
    env.pop("SALESVELOCITY_TIMEZONE", None)
    if zone:
        env["SALESVELOCITY_TIMEZONE"] = zone
    if shell_tz:
        env["TZ"] = shell_tz
    return subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), *args], capture_output=True, text=True, env=env
    )


def test_cli_trend_counts_the_win_in_the_zones_month(tmp_path, export):
    db = tmp_path / "tz.duckdb"
    assert _cli(db, "import", str(export)).returncode == 0
    args = (
        "trend",
        "--metric",
        "throughput",
        "--by",
        "none",
        "--cadence",
        "month",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-01",
        "--format",
        "json",
    )
    for zone, october, november in ((None, 1, 0), (AMSTERDAM, 0, 1)):
        done = _cli(db, *args, zone=zone)
        assert done.returncode == 0, done.stderr
        points = json.loads(done.stdout)["groups"][0]["points"]
        won = {p["period_start"][:7]: p["value"] for p in points}
        assert won == {"2026-10": october, "2026-11": november}, zone


def test_a_change_recorded_for_a_day_is_that_day_in_the_zone(tmp_path, export):
    db = tmp_path / "tz.duckdb"
    assert _cli(db, "import", str(export)).returncode == 0
    done = _cli(db, "annotate", "weekly deal coaching", "--at", "2026-11-01", zone=AMSTERDAM, shell_tz="UTC")
    assert done.returncode == 0, done.stderr
    assert "on 2026-11-01" in done.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.sql('SELECT "at" FROM annotations').fetchone()[0] == datetime(2026, 10, 31, 23, 0)
    listed = _cli(db, "annotate", "--list", "--format", "json", zone=AMSTERDAM)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["changes"][0]["at"].startswith("2026-11-01")


def test_an_obstacle_raised_in_an_amsterdam_shell_is_stored_in_utc(tmp_path, export):
    db = tmp_path / "tz.duckdb"
    assert _cli(db, "import", str(export)).returncode == 0
    done = _cli(db, "obstacle", "raise", "--by", "A1", "legal review stalls", zone=AMSTERDAM, shell_tz=AMSTERDAM)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        (raised,) = con.sql("SELECT raised_at FROM obstacles").fetchone()
    assert abs((clock.now() - raised).total_seconds()) < 600


def test_an_unknown_zone_is_a_clear_error(tmp_path, export):
    done = _cli(tmp_path / "tz.duckdb", "report", zone="Europe/Amsterdm")
    assert done.returncode == 1
    assert "timezone" in done.stderr and "not a time zone name" in done.stderr and "Europe/Amsterdam" in done.stderr
    with pytest.raises(sv.StoreError, match="not a time zone name"):
        sv.connect(":memory:", timezone="Mars/Olympus")
