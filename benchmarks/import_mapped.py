"""Benchmark: a 1M-row CRM export imported through a mapping (target ≥ 200k rows/s, issue 5).

    python benchmarks/import_mapped.py [--deals 1000000]

Writes the demo's deals as a European-style export (`;`, decimal commas with thousands dots, currency
marks, dd-mm-yyyy HH:MM dates, owner and team columns from which people and teams are derived) and as a
HubSpot deals export (one "Date entered" column per stage), then times each import including reading,
convention detection, mapping, validation and the write. Shared 2-core machine: figures vary ±20 %.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

import salesvelocity as sv
from salesvelocity.demo import generate
from salesvelocity.ingest import Mapping, import_paths

MAPPING = {
    "options": {"delimiter": ";"},
    "tables": {
        "deals": {
            "deal_id": "Deal",
            "owner_id": "Owner",
            "created_at": "Created",
            "status": {"column": "Status", "values": {"Gewonnen": "won", "Verloren": "lost"}, "default": "open"},
            "stage": "Stage",
            "amount": "Value",
            "closed_at": "Closed",
            "pipeline": "Pipeline",
        },
        "people": {"person_id": "Owner", "name": "Owner", "team_id": "Team"},
        "teams": {"team_id": "Team"},
    },
}


def write_exports(folder: Path, deals: int) -> tuple[Path, Path, int]:
    tables = generate(deals, 1, date(2026, 12, 1))
    con = duckdb.connect()
    for name in ("deals", "people", "stage_changes"):
        con.register(name, tables[name])
    european = folder / "export.csv"
    con.sql(
        """SELECT d.deal_id AS "Deal", d.owner_id AS "Owner", p.team_id AS "Team",
                  strftime(d.created_at, '%d-%m-%Y %H:%M') AS "Created",
                  CASE d.status WHEN 'won' THEN 'Gewonnen' WHEN 'lost' THEN 'Verloren' ELSE 'Offen' END AS "Status",
                  d.stage AS "Stage", d.pipeline AS "Pipeline",
                  replace(replace(replace(format('{:,.2f}', d.amount::DOUBLE), ',', '_'), '.', ','), '_', '.') || ' €' AS "Value",
                  strftime(d.closed_at, '%d-%m-%Y %H:%M') AS "Closed"
           FROM deals d JOIN people p ON d.owner_id = p.person_id"""
    ).write_csv(str(european), sep=";")
    stages = [r[0] for r in con.sql("SELECT DISTINCT stage FROM stage_changes ORDER BY 1").fetchall()]
    entered = ", ".join(
        f"""strftime(max(s.entered_at) FILTER (WHERE s.stage = '{s}'), '%Y-%m-%d %H:%M') AS "Date entered ""{s} (Sales Pipeline)\"\"\""""
        for s in stages
    )
    hubspot = folder / "hubspot-crm-exports-all-deals.csv"
    con.sql(
        f"""SELECT d.deal_id AS "Record ID", d.deal_id AS "Deal Name", 'Sales Pipeline' AS "Pipeline", d.stage AS "Deal Stage",
                   d.amount AS "Amount", strftime(d.created_at, '%Y-%m-%d %H:%M') AS "Create Date",
                   strftime(coalesce(d.closed_at, d.expected_close_on), '%Y-%m-%d %H:%M') AS "Close Date",
                   d.owner_id AS "Deal owner", {entered}
            FROM deals d LEFT JOIN stage_changes s USING (deal_id) GROUP BY ALL"""
    ).write_csv(str(hubspot))
    return european, hubspot, deals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        european, hubspot, rows = write_exports(Path(tmp), args.deals)
        mapping = Mapping.from_dict("benchmark", MAPPING)
        for label, path, kwargs in (
            ("mapped European export", european, {"mapping": mapping}),
            ("HubSpot deals export", hubspot, {}),
        ):
            with sv.connect(Path(tmp) / f"{path.stem}.duckdb") as con:
                t0 = time.perf_counter()
                result = import_paths(con, [path], **kwargs)
                seconds = time.perf_counter() - t0
            size = path.stat().st_size / 1e6
            written = {t: c.read for t, c in result.tables.items()}
            print(
                f"{label}: {rows:,} source rows ({size:,.0f} MB) in {seconds:.2f} s = {rows / seconds:,.0f} rows/s "
                f"(target >= 200,000); wrote {written}"
            )


if __name__ == "__main__":
    main()
