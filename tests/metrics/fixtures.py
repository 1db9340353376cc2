"""A hand-made funnel whose every expected number is worked out in tests/metrics/test_funnel.py."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PEOPLE, TEAMS, write_csv

STAGES = (
    ["pipeline", "stage", "position", "kind", "probability"],
    [
        ["default", "Qualify", 1, "open", 0.2],
        ["default", "Propose", 2, "open", 0.5],
        ["default", "Negotiate", 3, "open", 0.8],
        ["default", "Won", 4, "won", 1],
        ["default", "Lost", 5, "lost", 0],
    ],
)
DEALS = (
    ["deal_id", "owner_id", "created_at", "status", "stage", "amount", "closed_at", "expected_close_on"],
    [
        ["s1", "A1", "2026-01-01", "won", "Won", 1000, "2026-01-10", "2026-01-05"],
        ["s2", "A1", "2026-01-02", "won", "Won", 3000, "2026-01-16", "2026-01-20"],
        ["s3", "A1", "2026-01-05", "lost", "Lost", 500, "2026-01-21", "2026-02-01"],
        ["s4", "A1", "2026-01-10", "open", "Propose", 2000, "", "2026-03-15"],
        ["s5", "A1", "2026-03-25", "open", "Qualify", 800, "", "2026-05-01"],
        ["s6", "A1", "2026-02-01", "won", "Won", 1500, "2026-02-11", "2026-02-11"],
        ["s7", "A1", "2026-01-15", "lost", "Lost", 100, "2026-01-17", ""],
    ],
)
CHANGES = (
    ["deal_id", "stage", "entered_at"],
    [
        ["s1", "Qualify", "2026-01-01"],
        ["s1", "Propose", "2026-01-03"],
        ["s1", "Negotiate", "2026-01-08"],
        ["s1", "Won", "2026-01-10"],
        ["s2", "Qualify", "2026-01-02"],
        ["s2", "Negotiate", "2026-01-06"],
        ["s2", "Won", "2026-01-16"],
        ["s3", "Qualify", "2026-01-05"],
        ["s3", "Propose", "2026-01-06"],
        ["s3", "Negotiate", "2026-01-09"],
        ["s3", "Propose", "2026-01-11"],
        ["s3", "Lost", "2026-01-21"],
        ["s4", "Qualify", "2026-01-10"],
        ["s4", "Propose", "2026-01-20"],
        ["s5", "Qualify", "2026-03-25"],
        ["s7", "Qualify", "2026-01-15"],
        ["s7", "Lost", "2026-01-17"],
    ],
)
LEADS = (
    ["lead_id", "created_at", "owner_id", "first_touch_at"],
    [
        ["l1", "2026-02-01T10:00:00", "A1", "2026-02-01T10:03:00"],
        ["l2", "2026-02-01T10:00:00", "A1", "2026-02-01T10:10:00"],
        ["l3", "2026-02-01T10:00:00", "A1", "2026-02-01T10:30:00"],
        ["l4", "2026-02-01T10:00:00", "A1", "2026-02-01T12:00:00"],
        ["l5", "2026-02-01T10:00:00", "A1", ""],
        ["l6", "2026-02-01T10:00:00", "B1", "2026-02-01T10:01:00"],
    ],
)
TARGETS = (
    ["scope", "scope_id", "period_start", "period_end", "metric", "value"],
    [["team", "T1", "2026-01-01", "2026-06-30", "won_amount", 10000]],
)


def write_funnel(folder: Path, with_stages: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder, "teams", *TEAMS)
    write_csv(folder, "people", *PEOPLE)
    if with_stages:
        write_csv(folder, "stages", *STAGES)
    write_csv(folder, "deals", *DEALS)
    write_csv(folder, "stage_changes", *CHANGES)
    write_csv(folder, "leads", *LEADS)
    write_csv(folder, "targets", *TARGETS)
    return folder
