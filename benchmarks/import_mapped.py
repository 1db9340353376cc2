"""Benchmark: 1M-row CRM exports through a mapping (≥ 200k rows/s) and a 1M-event log (≥ 300k events/s).

    python benchmarks/import_mapped.py [--deals 1000000] [--events 1000000]

Writes the demo's deals as a European-style export (`;`, decimal commas with thousands dots, currency
marks, dd-mm-yyyy HH:MM dates, owner and team columns from which people and teams are derived), as a
HubSpot deals export (one "Date entered" column per stage), and the demo's stage changes plus each closed
deal's outcome as a process-mining event log (case, activity, timestamp, resource; one row per event),
then times each import including reading, convention detection, mapping, validation and the write.
Beside the HubSpot import it times a floor: the same file into the same tables (people, deals, stage
changes and the derived stage visits) by plain DuckDB SQL with no check, trim or convention at all — what
this machine can do at best, so a target above it cannot be met here.
Shared 2-core machine: figures vary ±20 % (±50 % between hours); compare figures of one run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

import salesvelocity as sv
from salesvelocity import derived
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


EVENTS = {
    "events": {
        "deal_id": "case:concept:name",
        "activity": "concept:name",
        "timestamp": "time:timestamp",
        "resource": "org:resource",
        "won": ["Won"],
        "lost": ["Lost"],
        "deal": {"amount": "case:Amount"},
    }
}


def write_event_log(folder: Path, events: int) -> tuple[Path, int]:
    """The demo's stage changes and outcomes as one event per row, enough deals for about ``events``."""
    tables = generate(max(1000, round(events / 4.2)), 1, date(2026, 12, 1))
    con = duckdb.connect()
    for name in ("deals", "stage_changes"):
        con.register(name, tables[name])
    log = folder / "event_log.csv"
    con.sql(
        f"""SELECT * FROM (
              SELECT s.deal_id AS "case:concept:name", s.stage AS "concept:name",
                     strftime(s.entered_at, '%Y-%m-%dT%H:%M:%S') AS "time:timestamp", d.owner_id AS "org:resource",
                     d.amount AS "case:Amount"
              FROM stage_changes s JOIN deals d USING (deal_id)
              UNION ALL
              SELECT deal_id, CASE status WHEN 'won' THEN 'Won' ELSE 'Lost' END,
                     strftime(closed_at, '%Y-%m-%dT%H:%M:%S'), owner_id, amount
              FROM deals WHERE status <> 'open') LIMIT {events}"""
    ).write_csv(str(log))
    return log, con.sql(f"SELECT count(*) FROM read_csv('{log}')").fetchone()[0]


def hubspot_floor(path: Path, db: Path) -> tuple[float, dict[str, int]]:
    """Seconds to load the HubSpot export by plain DuckDB SQL: typed CSV reader, one INSERT per table (a
    UNION ALL over the "Date entered" columns for the stage changes), the stage visits rebuilt, commit."""
    with sv.connect(db) as store:
        t0 = time.perf_counter()
        with store.transaction():
            store.sql(f"CREATE TEMP TABLE src AS SELECT * FROM read_csv('{path}')")
            header = [r[0] for r in store.sql("DESCRIBE src").fetchall()]
            store.sql(
                """INSERT INTO people (person_id, name) SELECT DISTINCT "Deal owner", "Deal owner" FROM src
                   WHERE "Deal owner" IS NOT NULL"""
            )
            store.sql(
                """INSERT INTO deals (deal_id, owner_id, created_at, status, stage, amount, closed_at, pipeline)
                   SELECT "Record ID", "Deal owner", "Create Date",
                          CASE WHEN "Deal Stage" ILIKE '%won%' THEN 'won'
                               WHEN "Deal Stage" ILIKE '%lost%' THEN 'lost' ELSE 'open' END,
                          "Deal Stage", "Amount", CASE WHEN "Deal Stage" ILIKE '%closed%' THEN "Close Date" END,
                          "Pipeline"
                   FROM src"""
            )
            columns = [c for c in header if c.startswith("Date entered")]
            each = [
                f"""SELECT "Record ID", '{c.split('"')[1].rsplit(" (", 1)[0]}', "{c.replace('"', '""')}" FROM src
                    WHERE "{c.replace('"', '""')}" IS NOT NULL"""
                for c in columns
            ]
            store.sql(f"INSERT INTO stage_changes (deal_id, stage, entered_at) {' UNION ALL '.join(each)}")
            derived.rebuild(store)
            store.sql("DROP TABLE src")
        seconds = time.perf_counter() - t0
        names = ("people", "deals", "stage_changes")
        return seconds, {n: store.sql(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log, events = write_event_log(Path(tmp), args.events)
        with sv.connect(Path(tmp) / "events.duckdb") as con:
            t0 = time.perf_counter()
            result = import_paths(con, [log], mapping=Mapping.from_dict("events", EVENTS))
            seconds = time.perf_counter() - t0
        written = {t: c.read for t, c in result.tables.items()}
        print(
            f"event log: {events:,} events ({log.stat().st_size / 1e6:,.0f} MB) in {seconds:.2f} s = "
            f"{events / seconds:,.0f} events/s (target >= 300,000); wrote {written}"
        )
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
        floor, wrote = hubspot_floor(hubspot, Path(tmp) / "floor.duckdb")
        print(
            f"  floor, the HubSpot export by plain DuckDB SQL (no checks): {floor:.2f} s = {rows / floor:,.0f} rows/s; "
            f"the import takes {seconds / floor:.2f}× that; wrote {wrote}"
        )


if __name__ == "__main__":
    main()
