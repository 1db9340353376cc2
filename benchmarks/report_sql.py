"""The report's sections written by hand in DuckDB SQL: the floor `benchmarks/report.py` compares against.

    python benchmarks/report_sql.py DB START END     # prints the figures as JSON (a whole process)

Every section of `salesvelocity report`, the way someone who knows DuckDB would write them for one
question: one statement per metric, no scope rules, no zones, no presentation, no words.
- funnel (the metrics of the pandas reference in report.py): velocity and its factors by team, cycle
  time, time in stage, stage conversion, stuck deals, speed to lead, overdue deals;
- over time: velocity per week for a year, by team and for everyone (open deal-days from running totals
  of creations and closes, as the report does); the cumulative flow of the busiest pipeline over 90
  days; won amount per day over 84 days and a 10,000-trial Monte Carlo to the quarter's end; the cycle
  P85 before each recorded change;
- team health: velocity by team in the last three 90-day windows, recognition coverage, time to first
  help, open obstacles, wins without thanks, obstacles answered within 48 h, pulse means per team and
  month over groups of at least 5 respondents.
It reads the canonical tables only (the stage visits come from its own LEAD window), so its time is the
floor for computing these numbers from scratch. Imports duckdb and numpy.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime, timedelta

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


# -- over time -------------------------------------------------------------------------------------
_WEEKLY = """
WITH d AS (
    SELECT {group} AS g, d.created_at, d.closed_at, d.status, d.amount::DOUBLE AS amt
    FROM deals d LEFT JOIN people p ON d.owner_id = p.person_id),
weeks AS (SELECT range AS ws, least(range + INTERVAL 7 DAY, $end) AS we FROM range($start, $end, INTERVAL 7 DAY)),
made AS (SELECT g, date_trunc('week', created_at) AS ws, count(*) AS created FROM d
         WHERE created_at >= $start AND created_at < $end GROUP BY ALL),
closed AS (
    SELECT g, date_trunc('week', closed_at) AS ws,
           count(*) FILTER (WHERE status = 'won') AS won, count(*) FILTER (WHERE status = 'lost') AS lost,
           avg(amt) FILTER (WHERE status = 'won') AS size,
           avg(epoch(closed_at - created_at) / 86400) FILTER (WHERE status = 'won') AS cycle
    FROM d WHERE status IN ('won', 'lost') AND closed_at >= $start AND closed_at < $end GROUP BY ALL),
-- open deal-seconds before t: F(t) = t*C - SC - t*K + SK, from the creations (C, SC) and closes (K, SK) before t
events AS (
    SELECT g, created_at AS moment, 1 AS c, 0 AS k FROM d WHERE created_at < $end
    UNION ALL
    SELECT g, greatest(closed_at, created_at), 0, 1 FROM d
    WHERE closed_at IS NOT NULL AND greatest(closed_at, created_at) < $end),
buckets AS (
    SELECT g, CASE WHEN moment < $start THEN $start - INTERVAL 7 DAY ELSE date_trunc('week', moment) END AS ws,
           sum(c) AS c, sum(c * epoch(moment)::BIGINT) AS sc, sum(k) AS k, sum(k * epoch(moment)::BIGINT) AS sk
    FROM events GROUP BY ALL),
grid AS (
    SELECT g.g, w.ws, coalesce(b.c, 0) AS c0, coalesce(b.sc, 0) AS sc0, coalesce(b.k, 0) AS k0, coalesce(b.sk, 0) AS sk0
    FROM (SELECT DISTINCT g FROM d) g
    CROSS JOIN (SELECT ws FROM weeks UNION ALL SELECT $start - INTERVAL 7 DAY) w
    LEFT JOIN buckets b ON b.g IS NOT DISTINCT FROM g.g AND b.ws = w.ws),
running AS (
    SELECT *, sum(c0) OVER w AS c, sum(sc0) OVER w AS sc, sum(k0) OVER w AS k, sum(sk0) OVER w AS sk
    FROM grid WINDOW w AS (PARTITION BY g ORDER BY ws)),
series AS (
    SELECT r.g, r.ws, weeks.we, epoch(weeks.we - r.ws) / 86400 AS days,
           ((epoch(weeks.we) * r.c - r.sc - epoch(weeks.we) * r.k + r.sk)
            - (epoch(r.ws) * (r.c - r.c0) - (r.sc - r.sc0) - epoch(r.ws) * (r.k - r.k0) + (r.sk - r.sk0)))
             / 86400 AS open_days,
           m.created, x.won, x.lost, x.size, x.cycle
    FROM running r JOIN weeks USING (ws)
    LEFT JOIN made m ON m.g IS NOT DISTINCT FROM r.g AND m.ws = r.ws
    LEFT JOIN closed x ON x.g IS NOT DISTINCT FROM r.g AND x.ws = r.ws)
SELECT g, ws, we = ws + INTERVAL 7 DAY AS complete, created,
       CASE WHEN cycle > 0 AND won + lost > 0
            THEN open_days / days * (won / (won + lost)) * size / cycle END AS velocity
FROM series ORDER BY g, ws
"""

_CFD = """
WITH v AS (SELECT * FROM visits WHERE pipeline = $pipeline AND kind = 'open' AND entered_at < $end
                                  AND (exited_at IS NULL OR exited_at >= $start)),
base AS (SELECT stage, count(*) AS base FROM v WHERE entered_at < $start GROUP BY stage),
deltas AS (SELECT stage, entered_at::DATE AS day, 1 AS delta FROM v WHERE entered_at >= $start
           UNION ALL
           SELECT stage, exited_at::DATE, -1 FROM v WHERE exited_at IS NOT NULL AND exited_at < $end),
per_day AS (SELECT stage, day, sum(delta) AS delta FROM deltas GROUP BY ALL),
days AS (SELECT range::DATE AS day FROM range($start, $end, INTERVAL 1 DAY)),
st AS (SELECT DISTINCT stage FROM v),
wip AS (
    SELECT days.day, st.stage,
           coalesce(b.base, 0) + sum(coalesce(p.delta, 0)) OVER (PARTITION BY st.stage ORDER BY days.day) AS deals
    FROM st CROSS JOIN days LEFT JOIN per_day p ON p.stage = st.stage AND p.day = days.day
    LEFT JOIN base b ON b.stage = st.stage),
closes AS (SELECT status, exited_at::DATE AS day, count(*) AS n FROM visits  -- a last visit exits at the close
           WHERE pipeline = $pipeline AND next_at IS NULL AND status IN ('won', 'lost')
             AND exited_at >= $start AND exited_at < $end GROUP BY ALL),
done AS (
    SELECT days.day, o.stage, sum(coalesce(c.n, 0)) OVER (PARTITION BY o.status ORDER BY days.day) AS deals
    FROM (VALUES ('won', 'Won'), ('lost', 'Lost')) o(status, stage)
    CROSS JOIN days LEFT JOIN closes c ON c.status = o.status AND c.day = days.day)
SELECT day, stage, deals FROM wip WHERE deals > 0
UNION ALL
SELECT day, stage, deals FROM done WHERE deals > 0
"""

_DAILY_WON = """
SELECT closed_at::DATE AS day, sum(coalesce(amount::DOUBLE, 0)) FROM deals
WHERE status = 'won' AND closed_at >= $start AND closed_at < $end GROUP BY ALL
"""

_CYCLE_BEFORE = """
SELECT quantile_cont(epoch(closed_at - created_at) / 86400, 0.85) FROM deals
WHERE status = 'won' AND closed_at >= $start AND closed_at < $end
  AND ($team IS NULL OR owner_id IN (SELECT person_id FROM people WHERE team_id = $team))
"""

# -- team health -------------------------------------------------------------------------------------
_MEMBERS = """
SELECT person_id, team_id FROM people
WHERE role = 'rep' AND (started_on IS NULL OR started_on <= $end::DATE) AND (left_on IS NULL OR left_on > $end::DATE)
"""

_COVERAGE = f"""
WITH m AS ({_MEMBERS}),
given AS (SELECT given_to AS person_id, count(*) AS n, bool_or(given_at > $end - INTERVAL 30 DAY) AS recent
          FROM recognitions WHERE given_at <= $end AND given_at > $end - INTERVAL 90 DAY GROUP BY ALL),
ranked AS (SELECT m.team_id, coalesce(n, 0) AS n, coalesce(recent, false) AS recent,
                  row_number() OVER (PARTITION BY m.team_id ORDER BY coalesce(n, 0) DESC, m.person_id) AS rank,
                  count(*) OVER (PARTITION BY m.team_id) AS size
           FROM m LEFT JOIN given USING (person_id))
SELECT team_id, count(*) FILTER (WHERE recent) / count(*) AS coverage,
       sum(n) FILTER (WHERE rank < ceil(size / 5)) / nullif(sum(n), 0) AS spread_top_fifth
FROM ranked GROUP BY team_id
"""

_HELP = """
SELECT p.team_id, quantile_cont(epoch(first_response_at - raised_at) / 3600, 0.5),
       avg(CASE WHEN epoch(first_response_at - raised_at) / 3600 <= 48 THEN 1.0 ELSE 0.0 END)
FROM obstacles o LEFT JOIN people p ON o.raised_by = p.person_id
WHERE raised_at >= $start AND raised_at < $end GROUP BY p.team_id
"""

_OPEN_OBSTACLES = """
SELECT p.team_id, count(*) FROM obstacles o LEFT JOIN people p ON o.raised_by = p.person_id
WHERE raised_at <= $end AND (resolved_at IS NULL OR resolved_at > $end) GROUP BY p.team_id
"""

_UNTHANKED = """
WITH won AS (SELECT deal_id, owner_id, closed_at FROM deals
             WHERE status = 'won' AND closed_at >= $start AND closed_at < $end AND closed_at <= $end - INTERVAL 7 DAY),
thanked AS (SELECT DISTINCT w.deal_id FROM won w JOIN recognitions r
            ON r.given_to = w.owner_id AND r.given_at >= w.closed_at AND r.given_at <= w.closed_at + INTERVAL 7 DAY
            WHERE r.given_at >= $start AND r.given_at <= $end)
SELECT p.team_id, count(*) FROM won w ANTI JOIN thanked USING (deal_id)
LEFT JOIN people p ON w.owner_id = p.person_id GROUP BY p.team_id
"""

_PULSE = """
SELECT team_id, question_id, date_trunc('month', answered_at) AS month, avg(score)
FROM (SELECT *, row_number() OVER (PARTITION BY respondent_token, team_id, question_id, date_trunc('month', answered_at)
                                   ORDER BY answered_at DESC, response_id DESC) AS nth
      FROM pulse_responses WHERE answered_at >= $start AND answered_at < $end)
WHERE nth = 1 GROUP BY ALL HAVING count(DISTINCT respondent_token) >= 5
"""


def _number(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def sql_report(con, start: str, end: str) -> dict:
    """The figures, keyed as report.py's pandas reference keys them. ``start``/``end``: ISO timestamps."""
    window = {"start": datetime.fromisoformat(start), "end": datetime.fromisoformat(end)}

    def rows(sql: str) -> list[tuple]:
        return _run(con, sql, **{n: v for n, v in window.items() if f"${n}" in sql})

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
    out.update(over_time(con, window["end"]))
    out.update(team_health(con, window["end"]))
    return out


def _run(con, sql: str, **values) -> list[tuple]:
    """``sql``'s rows with ``$name`` bound to ``values`` (times as TIMESTAMP, days as DATE)."""
    for name in values:  # DuckDB binds named parameters only when every one is used
        if f"${name}" not in sql:
            raise ValueError(f"${name} is not used")
    return con.execute(sql, values).fetchall()


def _week(moment: datetime) -> datetime:
    return datetime.combine(moment.date() - timedelta(days=moment.weekday()), datetime.min.time())


def over_time(con, end: datetime) -> dict:
    """Velocity per complete week (by team and for everyone), the cumulative flow, the forecast's input
    and Monte Carlo, the cycle P85 before each change."""
    import numpy as np

    out: dict = {"trend": {}}
    start = _week(end - timedelta(days=364))
    for group in ("p.team_id", "'all'"):
        for g, ws, complete, _created, velocity in _run(con, _WEEKLY.format(group=group), start=start, end=end):
            if complete and g is not None:
                out["trend"][f"{g}/{ws.date()}"] = velocity
    (pipeline,) = con.execute(
        "SELECT pipeline FROM deals GROUP BY pipeline ORDER BY count(*) DESC, pipeline LIMIT 1"
    ).fetchone()
    flow = _run(con, _CFD, pipeline=pipeline, start=end - timedelta(days=90), end=end)
    out["cfd"] = {f"{day}/{stage}": n for day, stage, n in flow}
    first = end - timedelta(days=84)
    history = np.zeros(84)
    for day, total in _run(con, _DAILY_WON, start=first, end=end):
        history[(day - first.date()).days] = total
    month = (end.month - 1) // 3 * 3 + 4  # the first month of the next quarter
    quarter_end = date(end.year + 1, 1, 1) if month > 12 else date(end.year, month, 1)
    horizon = (quarter_end - end.date()).days
    trials = np.random.default_rng(0).choice(history, size=(10_000, max(horizon, 1))).sum(axis=1)
    out["forecast"] = {"p10": float(np.percentile(trials, 10)), "p50": float(np.percentile(trials, 50))}
    for at, scope, scope_id in con.execute(
        "SELECT \"at\", scope, scope_id FROM annotations WHERE scope IN ('company', 'team') ORDER BY \"at\""
    ).fetchall():
        team = scope_id if scope == "team" else None
        _run(con, _CYCLE_BEFORE, start=at - timedelta(days=365), end=at, team=team)
    return out


def team_health(con, end: datetime) -> dict:
    """Velocity by team in three 90-day windows, recognition coverage, help, open obstacles, unthanked wins,
    pulse means."""
    windows = [(end - timedelta(days=90 * (i + 1)), end - timedelta(days=90 * i)) for i in range(3)]
    velocity = []
    for s, e in windows:
        rows = _run(con, _VELOCITY, start=s, end=e)
        velocity.append(
            {t: (o or 0.0) * r * z / c if None not in (r, z, c) and c else None for t, o, r, z, c, _ in rows}
        )
    out: dict = {"velocity_now": velocity[0], "velocity_baseline": {}}
    for team in velocity[0]:
        before = [v[team] for v in velocity[1:] if v.get(team) is not None]
        out["velocity_baseline"][team] = sum(before) / len(before) if before else None
    out["coverage"] = {t: c for t, c, _spread in _run(con, _COVERAGE, end=end) if t is not None}
    help_ = _run(con, _HELP, start=end - timedelta(days=90), end=end)
    out["help_p50_h"] = {t: _number(p50) for t, p50, _in_time in help_ if t is not None}
    teams = dict.fromkeys(velocity[0], 0)  # a team with none counts 0
    out["open_obstacles"] = teams | {t: n for t, n in _run(con, _OPEN_OBSTACLES, end=end) if t is not None}
    unthanked = _run(con, _UNTHANKED, start=end - timedelta(days=90), end=end)
    out["unthanked_wins"] = teams | {t: n for t, n in unthanked if t is not None}
    _run(con, _PULSE, start=end - timedelta(days=365), end=end)
    return out


if __name__ == "__main__":
    import duckdb

    db, start, end = sys.argv[1:4]
    with duckdb.connect(db, read_only=True) as con:
        print(json.dumps(sql_report(con, start, end)))
