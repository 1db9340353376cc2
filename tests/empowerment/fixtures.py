"""A small team with hand-known recognition, obstacles and 1:1s (see test_empowerment.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_csv

AS_OF = "2026-04-01"


def write_team(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder, "teams", ["team_id", "name", "manager_id"], [["T1", "Alpha", "M1"], ["T2", "Beta", "M1"]])
    write_csv(
        folder,
        "people",
        ["person_id", "name", "team_id", "role", "manager_id"],
        [
            ["M1", "Mona Manager", "T1", "manager", ""],
            ["A1", "Ada Lovelace", "T1", "rep", "M1"],
            ["A2", "Bo Chen", "T1", "rep", "M1"],
            ["A3", "Cy Young", "T1", "rep", "M1"],
            ["B1", "Di Prince", "T2", "rep", "M1"],
        ],
    )
    write_csv(
        folder,
        "deals",
        ["deal_id", "owner_id", "created_at", "status", "amount", "closed_at"],
        [
            ["w1", "A1", "2026-03-01", "won", "100", "2026-03-18"],
            ["w2", "A3", "2026-02-01", "won", "200", "2026-03-01"],
            ["w3", "A2", "2026-01-05", "won", "300", "2026-01-30"],
            ["w4", "A3", "2026-03-01", "won", "400", "2026-03-28"],
            ["w5", "B1", "2026-01-10", "won", "500", "2026-02-10"],
            ["d_open", "A2", "2026-02-15", "open", "600", ""],
        ],
    )
    write_csv(
        folder,
        "recognitions",
        ["recognition_id", "given_by", "given_to", "given_at", "kind"],
        [
            ["r1", "M1", "A1", "2026-03-20", "manager"],
            ["r2", "A2", "A1", "2026-03-25", "peer"],
            ["r3", "M1", "A2", "2026-02-01", "manager"],
            ["r4", "M1", "B1", "2026-03-31", "manager"],
        ],
    )
    write_csv(
        folder,
        "obstacles",
        ["obstacle_id", "raised_by", "raised_at", "title", "category", "deal_id", "first_response_at", "resolved_at"],
        [
            [
                "o1",
                "A1",
                "2026-03-01 09:00",
                "Pricing approval",
                "internal",
                "d_open",
                "2026-03-01 15:00",
                "2026-03-03 09:00",
            ],
            ["o2", "A2", "2026-03-10 00:00", "Legal review", "external", "d_open", "2026-03-11 00:00", ""],
            ["o3", "A3", "2026-03-20 00:00", "CRM access", "internal", "", "", ""],
            ["o4", "B1", "2026-02-01 00:00", "Demo licence", "internal", "", "2026-02-01 12:00", "2026-02-05 00:00"],
        ],
    )
    write_csv(
        folder,
        "one_on_ones",
        ["person_id", "manager_id", "held_on"],
        [
            ["A1", "M1", "2026-03-25"],
            ["A3", "M1", "2026-03-01"],
            ["B1", "M1", "2026-03-30"],
        ],
    )
    return folder
