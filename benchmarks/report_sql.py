"""The report's metrics written by hand in DuckDB SQL: the floor `benchmarks/report.py` compares against.

    python benchmarks/report_sql.py DB START END     # prints the figures as JSON (a whole process)

The same metrics as the pandas reference in report.py (velocity and its factors by team, cycle time,
time in stage, stage conversion, stuck deals, speed to lead, overdue deals), the way someone who knows
DuckDB would write them for one question: one statement per metric, no scope rules, no zones, no
presentation. It reads the canonical tables only (the stage visits come from its own LEAD window), so
its time is the floor for computing these numbers from scratch. Imports duckdb alone.
"""

from __future__ import annotations

import json
import math
import sys

_DEALS = """
    SELECT d.*, p.team_id, d.amount::DOUBLE AS amt
    FROM deals d LEFT JOIN people p ON d.owner_id = p.person_id"""

_VELOCITY = f"""
WITH d AS ({_DEALS}),
closed AS (SELECT * FROM d WHERE status IN ('won', 'lost') AND closed_at >= $start AND closed_at < $end),
won AS (SELECT *, epoch(closed_at - created_at) / 86400 AS cycle FROM closed WHERE status = 'won'),
opps AS (
    SELECT team_id,
           sum(greatest(epoch(least(coalesce(closed_at, $end), $end) - greatest(created_at, $start)), 0))
             / 86400 / (epoch($end - $start) / 86400) AS opps
    FROM d WHERE created_at < $end AND (closed_at IS NULL OR closed_at > $start) GROUP BY team_id),
w AS (SELECT team_id, count(*) AS wins, avg(amt) AS size, avg(cycle) AS cycle,
             quantile_cont(cycle, 0.85) AS p85 FROM won GROUP BY team_id),
decided AS (SELECT team_id, count(*) AS decided FROM closed GROUP BY team_id)
SELECT team_id, opps, coalesce(wins, 0) / decided AS rate, size, cycle, p85
FROM opps FULL JOIN decided USING (team_id) LEFT JOIN w USING (team_id)
WHERE team_id IS NOT NULL
"""

_VISITS = f"""
CREATE TEMP TABLE visits AS
WITH d AS ({_DEALS}),
sc AS (SELECT deal_id, stage, entered_at,
              LEAD(entered_at) OVER (PARTITION BY deal_id ORDER BY entered_at, stage) AS next_at
       FROM stage_changes)
SELECT sc.*, d.pipeline, d.status, d.created_at, d.team_id, s.position, s.kind,
       coalesce(sc.next_at, d.closed_at) AS exited_at
FROM sc JOIN d ON d.deal_id = sc.deal_id LEFT JOIN stages s ON s.pipeline = d.pipeline AND s.stage = sc.stage
"""

_SPANS = """
CREATE TEMP TABLE spans AS
SELECT deal_id, pipeline, stage, sum(epoch(exited_at - entered_at)) / 86400 AS days, max(exited_at) AS last_exit
FROM visits WHERE kind = 'open' AND exited_at IS NOT NULL GROUP BY ALL
"""

_TIME_IN_STAGE = """
SELECT pipeline, stage, quantile_cont(days, 0.85) FROM spans
WHERE last_exit >= $start AND last_exit < $end GROUP BY ALL
"""

_CONVERSION = """
WITH prog AS (
    SELECT deal_id, pipeline, coalesce(max(position) FILTER (WHERE kind = 'open'), 0) AS furthest,
           bool_or(status = 'won') AS won, bool_or(status = 'open') AS open
    FROM visits WHERE created_at >= $start AND created_at < $end GROUP BY deal_id, pipeline)
SELECT s.pipeline, s.stage,
       count(*) FILTER (WHERE won OR furthest >= position) AS reached,
       count(*) FILTER (WHERE won OR furthest > position) AS passed,
       count(*) FILTER (WHERE open AND furthest = position) AS undecided
FROM stages s JOIN prog USING (pipeline) WHERE s.kind = 'open' GROUP BY ALL
"""

_STUCK = """
WITH history AS (SELECT pipeline, stage, quantile_cont(days, 0.95) AS p95 FROM spans
                 WHERE last_exit < $end GROUP BY ALL)
SELECT team_id, count(*) FILTER (WHERE epoch($end - entered_at) / 86400 > p95)
FROM visits LEFT JOIN history USING (pipeline, stage)
WHERE next_at IS NULL AND status = 'open' AND kind = 'open' AND entered_at <= $end AND team_id IS NOT NULL
GROUP BY team_id
"""

_SPEED_TO_LEAD = """
SELECT p.team_id, quantile_cont(epoch(l.first_touch_at - l.created_at) / 60, 0.5)
FROM leads l LEFT JOIN people p ON l.owner_id = p.person_id
WHERE l.created_at >= $start AND l.created_at < $end AND p.team_id IS NOT NULL GROUP BY p.team_id
"""

_OVERDUE = f"""
WITH d AS ({_DEALS})
SELECT team_id, count(*) FILTER (WHERE expected_close_on < $end::DATE) FROM d
WHERE status = 'open' AND created_at <= $end AND team_id IS NOT NULL GROUP BY team_id
"""


def _number(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def sql_report(con, start: str, end: str) -> dict:
    """The figures, keyed as report.py's pandas reference keys them. ``start``/``end``: ISO timestamps."""
    window = {"start": start, "end": end}

    def rows(sql: str) -> list[tuple]:
        names = [n for n in window if f"${n}" in sql]
        for n in names:  # DuckDB binds named parameters only when every one is used
            sql = sql.replace(f"${n}", f"${n}::TIMESTAMP")
        return con.execute(sql, {n: window[n] for n in names}).fetchall()

    out: dict = {}
    velocity = rows(_VELOCITY)
    out["velocity"] = {
        t: (o or 0.0) * r * s / c if None not in (r, s, c) and c else None for t, o, r, s, c, _p in velocity
    }
    out["win_rate"] = {t: r for t, _o, r, *_ in velocity if r is not None}
    out["cycle_p85"] = {t: p for t, *_, p in velocity if p is not None}
    con.execute(_VISITS)
    con.execute(_SPANS)
    out["tis_p85"] = {f"{p}/{s}": v for p, s, v in rows(_TIME_IN_STAGE)}
    out["conversion"] = {
        f"{p}/{s}": (passed / (reached - undecided) if reached - undecided else None)
        for p, s, reached, passed, undecided in rows(_CONVERSION)
        if reached
    }
    out["stuck"] = dict(rows(_STUCK))
    out["lead_p50"] = {t: _number(v) for t, v in rows(_SPEED_TO_LEAD)}
    out["overdue"] = dict(rows(_OVERDUE))
    return out


if __name__ == "__main__":
    import duckdb

    db, start, end = sys.argv[1:4]
    with duckdb.connect(db, read_only=True) as con:
        print(json.dumps(sql_report(con, start, end)))
