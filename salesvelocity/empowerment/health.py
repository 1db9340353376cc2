"""Team health: the retention early warning per person (for that person's manager) and the
velocity–empowerment balance per team.

Early-warning signals (design.md §4), each explained in words with a question to ask: no recognition
for over 30 days, an obstacle open for over 14 days, a downward signal in the person's own velocity,
no 1:1 in 21 days. Pulse answers are never used here — they stay anonymous. People are listed by name;
nobody is scored or ranked.

Balance per team: velocity index = velocity over the last 90 days ÷ the mean of the two 90-day windows
before it (within ±10 % reads "about as usual": a 1.0× is never "slower"); empowerment index = the mean
of the available parts, each 0..1: recognition coverage, the share of obstacles answered within 48 hours,
and the team's latest shown pulse on appreciation and support (rescaled from 1–5; only where at least k
people answered). The team's standing warnings — wins left unrecognised (a quarter or more of its wins
in 90 days), an obstacle open for over 14 days, a negative eNPS, a downward pulse signal that still
holds — are named in the reading, which then never says "keep doing what works".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from salesvelocity.empowerment.obstacles import open_obstacles
from salesvelocity.empowerment.pulse import check_k, pulse_results
from salesvelocity.empowerment.pulse_key import PulseKeyError
from salesvelocity.empowerment.recognition import recognition_coverage, recognition_gap
from salesvelocity.empowerment.signals_person import recent_signals
from salesvelocity.i18n import N_, _
from salesvelocity.metrics import Window, sales_velocity
from salesvelocity.metrics.common import Tables, days_between
from salesvelocity.results import Result
from salesvelocity.store import Store

GAP_DAYS = 30
OBSTACLE_DAYS = 14
ONE_ON_ONE_DAYS = 21
RESPONSE_HOURS = 48
WINDOW_DAYS = 90
EMPOWERED = 0.6
#: A velocity index within this band of 1.0 is "about as usual".
USUAL_BAND = 0.1
UNRECOGNISED_SHARE = 0.25
PULSE_WORDS = {"appreciation": N_("feeling appreciated"), "support": N_("feeling supported"), "enps": "eNPS"}


class Warning(Result):
    """An early warning for a person's manager: what was seen, and a question to ask (never a verdict)."""

    signal: str
    explanation: str
    question: str


class PersonHealth(Result):
    person_id: str
    name: str
    team_id: str | None
    manager_id: str | None
    warnings: list[Warning] = []


def early_warnings(store: Store, as_of: date, team: str | None = None) -> list[PersonHealth]:
    """Every active rep (of ``team``) whom the store's actor may see one by one, with the warnings that
    apply, alphabetically."""
    store = store.detail()
    moment = datetime.combine(as_of, time.min)
    people = store.execute(recognition_gap(store, moment, team)).to_pylist()
    everyone = store.table("people")
    managers = {
        r["person_id"]: r["manager_id"] for r in store.execute(everyone.select("person_id", "manager_id")).to_pylist()
    }
    obstacles: dict[str, list[dict]] = {}
    for o in store.execute(open_obstacles(store, moment, team)).to_pylist():
        obstacles.setdefault(o["raised_by"], []).append(o)
    held = store.table("one_on_ones")
    held = held.filter(held.held_on <= as_of)
    last_one_on_one = {
        r["person_id"]: r["last"]
        for r in store.execute(held.group_by("person_id").agg(last=held.held_on.max())).to_pylist()
    }
    signals = recent_signals(store, as_of)
    result = []
    for p in sorted(people, key=lambda r: ((r["name"] or r["person_id"]).lower(), r["person_id"])):
        first = (p["name"] or p["person_id"]).split()[0]
        health = PersonHealth(
            person_id=p["person_id"],
            name=p["name"] or p["person_id"],
            team_id=p["team_id"],
            manager_id=managers.get(p["person_id"]),
        )
        gap = p["gap_days"]
        if gap is None or gap > GAP_DAYS:
            said = (
                _("no recognition recorded yet") if gap is None else _("last recognised {n} days ago", n=f"{gap:.0f}")
            )
            health.warnings.append(
                Warning(
                    signal=_("recognition gap"),
                    explanation=_("{said} (more than {n} days)", said=said, n=GAP_DAYS),
                    question=_("What has {name} done recently that deserves a specific thank-you?", name=first),
                )
            )
        for o in obstacles.get(p["person_id"], []):
            if o["age_days"] > OBSTACLE_DAYS:
                health.warnings.append(
                    Warning(
                        signal=_("obstacle open"),
                        explanation=_(
                            "“{title}” has been open for {n} days", title=o["title"], n=f"{o['age_days']:.0f}"
                        ),
                        question=_(
                            "What would it take to clear “{title}” this week, and who else can help?", title=o["title"]
                        ),
                    )
                )
        signal = signals.get(p["person_id"])
        if signal is not None and signal.direction == "down":
            health.warnings.append(
                Warning(
                    signal=_("velocity signal"),
                    explanation=signal.sentence,
                    question=_("How is {name} doing — is something making the last weeks harder?", name=first),
                )
            )
        held = last_one_on_one.get(p["person_id"])
        days = None if held is None else (as_of - held).days
        if days is None or days > ONE_ON_ONE_DAYS:
            said = _("no 1:1 recorded") if days is None else _("last 1:1 was {n} days ago", n=days)
            health.warnings.append(
                Warning(
                    signal=_("no recent 1:1"),
                    explanation=_("{said} (more than {n} days)", said=said, n=ONE_ON_ONE_DAYS),
                    question=_("Can you find 30 minutes with {name} this week to ask how you can help?", name=first),
                )
            )
        result.append(health)
    return result


class TeamBalance(Result):
    """Velocity index beside empowerment index for one team, with a plain reading."""

    team_id: str
    name: str
    velocity: float | None
    baseline: float | None
    velocity_index: float | None
    parts: dict[str, float | None]
    empowerment_index: float | None
    reading: str
    warnings: list[str] = []


def balance(store: Store, as_of: date, k: int = 5, notes: list[str] | None = None) -> list[TeamBalance]:
    """Velocity index beside empowerment index per team, with a plain-language reading.

    Without the pulse key (kept outside the database) the pulse part is left out and ``notes`` says why.
    """
    check_k(k)
    end = as_of
    windows = [(end - timedelta(days=WINDOW_DAYS * (i + 1)), end - timedelta(days=WINDOW_DAYS * i)) for i in range(3)]
    velocity = [
        {
            r["group"]: r["velocity_per_day"]
            for r in store.execute(sales_velocity(store, Window.of(s, e), by="team")).to_pylist()
        }
        for s, e in windows
    ]
    recognised_any = store.uses("recognitions")
    coverage = {
        r["team_id"]: r["coverage"]
        for r in store.execute(recognition_coverage(store, datetime.combine(as_of, time.min))).to_pylist()
        if recognised_any  # no recognitions recorded at all is no data, not 0 %
    }
    if not recognised_any and notes is not None:
        notes.append(
            _("no recognitions recorded: recognition is left out (record kudos with `salesvelocity recognise`)")
        )
    answered = _per_team(store, answered_within(store, Window.of(windows[0][0], end), RESPONSE_HOURS))
    try:
        pulse = pulse_results(store, k, "month", end - timedelta(days=365), end)
    except PulseKeyError as exc:
        pulse = None
        if notes is not None:
            notes.append(_("pulse left out of the empowerment index: {why}", why=exc.message))
    shown = [g for g in pulse.shown() if g.period_start >= end - timedelta(days=WINDOW_DAYS + 31)] if pulse else []
    latest: dict[str, float] = {}
    for g in sorted(shown, key=lambda g: g.period_start):
        if g.question in ("appreciation", "support") and g.mean is not None:
            latest.setdefault(g.team_id, {})[g.question] = (g.mean - 1) / 4  # type: ignore[index]
    warnings = _team_warnings(store, as_of, windows[0], pulse, recognised_any)
    teams = store.table("teams")
    teams = store.execute(teams.select("team_id", name=teams.name.fill_null(teams.team_id)).order_by("team_id"))
    out = []
    for team_id, name in zip(teams["team_id"].to_pylist(), teams["name"].to_pylist(), strict=True):
        now = velocity[0].get(team_id)
        before = [v.get(team_id) for v in velocity[1:] if v.get(team_id) is not None]
        baseline = sum(before) / len(before) if before else None
        index = now / baseline if now is not None and baseline else None
        pulse_part = latest.get(team_id)
        parts = {
            "recognition coverage": coverage.get(team_id),
            f"obstacles answered within {RESPONSE_HOURS} h": answered.get(team_id),
            "pulse: appreciation and support": sum(pulse_part.values()) / len(pulse_part) if pulse_part else None,
        }
        known = [v for v in parts.values() if v is not None]
        empowerment = sum(known) / len(known) if known else None
        said = warnings.get(team_id, [])
        reading = _reading(index, empowerment, said)
        out.append(
            TeamBalance(
                team_id=team_id,
                name=name,
                velocity=now,
                baseline=baseline,
                velocity_index=index,
                parts=parts,
                empowerment_index=empowerment,
                reading=reading,
                warnings=said,
            )
        )
    return out


def team_of(tables: Tables, rows: ir.Table, person: str) -> ir.Table:
    """``rows`` with ``team_id``: the team of the person in column ``person`` (inner join: teamless rows drop)."""
    people = tables.table("people").select(_pid="person_id", team_id="team_id")
    return rows.join(people, rows[person] == people._pid).drop("_pid")


def answered_within(tables: Tables, window: Window, hours: float) -> ir.Table:
    """Per team, the share (``value``) of obstacles raised in ``window`` that had a first response within
    ``hours``; obstacles not yet answered count as not answered in time."""
    obstacles = team_of(tables, tables.table("obstacles"), "raised_by")
    obstacles = obstacles.filter(window.contains(obstacles.raised_at))
    in_time = obstacles.first_response_at.notnull() & (
        days_between(obstacles.first_response_at, obstacles.raised_at) * 24 <= hours
    )
    return obstacles.group_by("team_id").agg(value=ibis.ifelse(in_time, 1.0, 0.0).mean())


def _per_team(store: Store, expr: ir.Table) -> dict[str, object]:
    """A ``team_id`` → ``value`` aggregate as a dict."""
    return {r["team_id"]: r["value"] for r in store.execute(expr).to_pylist()}


def _team_warnings(
    store: Store, as_of: date, window: tuple[date, date], pulse, recognised_any: bool = True
) -> dict[str, list[str]]:
    """Per team, the warnings that stand as of ``as_of``, in words."""
    from salesvelocity.empowerment.recognition import unrecognised_wins

    found: dict[str, list[str]] = {}
    moment = datetime.combine(as_of, time.min)
    span = Window.of(*window)
    missed: dict[str, int] = {}
    for w in store.execute(unrecognised_wins(store, span, moment)).to_pylist():
        missed[w["team_id"]] = missed.get(w["team_id"], 0) + 1
    deals = team_of(store, store.table("deals"), "owner_id")
    won = deals.filter(
        deals.status == "won", deals.closed_at >= span.start, deals.closed_at <= moment - timedelta(days=7)
    )
    won = _per_team(store, won.group_by("team_id").agg(value=won.count()))
    for team_id, n in missed.items() if recognised_any else ():
        if n and n >= UNRECOGNISED_SHARE * won.get(team_id, n):
            found.setdefault(team_id, []).append(
                _("{n} of {won} wins in 90 days not recognised", n=n, won=won.get(team_id, n))
            )
    for o in store.execute(open_obstacles(store, moment)).to_pylist():
        days = o.get("age_days") or 0
        if days > OBSTACLE_DAYS:
            found.setdefault(o["team_id"], []).append(_("an obstacle open for {n} days", n=f"{days:.0f}"))
    if pulse is not None:
        latest: dict[tuple[str, str], object] = {}
        for g in sorted(pulse.shown(), key=lambda g: g.period_start):
            latest[(g.team_id, g.question)] = g
        for (team_id, question), g in latest.items():
            if question == "enps" and g.enps is not None and g.enps < 0:
                found.setdefault(team_id, []).append(f"eNPS {g.enps:+.0f}".replace("-", "−"))
        for (team_id, question), chart in pulse.charts.items():
            last = len(chart.values) - 1
            down = [s for s in chart.signals if s.direction == "down" and s.points[-1] == last]
            if down and question in PULSE_WORDS:
                months = max(len(s.points) for s in down)
                found.setdefault(team_id, []).append(
                    _(
                        "{what} below its usual level ({n} month(s) in the latest signal)",
                        what=_(PULSE_WORDS[question]),
                        n=months,
                    )
                )
    return {team: list(dict.fromkeys(said)) for team, said in found.items()}


def _reading(velocity: float | None, empowerment: float | None, warnings: list[str] | None = None) -> str:
    """The balance in words; standing warnings come first and rule out "keep doing what works"."""
    needs = _("needs you: {warnings}", warnings="; ".join(warnings)) if warnings else ""
    if velocity is None or empowerment is None:
        base = _("not enough data to read the balance yet")
        return f"{needs} ({base})" if needs else base
    pace = (
        _("faster than usual")
        if velocity >= 1 + USUAL_BAND
        else _("slower than usual")
        if velocity <= 1 - USUAL_BAND
        else _("about as fast as usual")
    )
    supported = empowerment >= EMPOWERED
    if needs:
        return f"{needs} — {pace}, {_('supported') if supported else _('support is thin')}"
    if supported and velocity > 1 - USUAL_BAND:
        return _("{pace} and feeling supported — keep doing what works", pace=pace)
    if supported:
        return _("supported but slower than usual — look at the bottleneck stage together")
    if velocity > 1 - USUAL_BAND:
        return _(
            "{pace}, but support is thin — recognise the work and clear obstacles before it wears people out",
            pace=pace,
        )
    return _("slower and under-supported — start with open obstacles and overdue recognition")
