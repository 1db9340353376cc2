"""A seeded, vectorised generator of a believable sales company in the canonical tables.

What it models (so that every metric has something true to find):
- several teams, two pipelines (new business, renewal), reps who join and leave over two years;
- deals created with seasonality (quarter-end months busier, quiet weekends), skewed (lognormal) time
  in each stage, win chances that differ by rep, segment and stage, skipped stages and re-entered ones,
  open deals of all ages, a few deals with no stage history at all;
- leads with first-touch delays (one team is much faster), some never touched;
- targets per team and quarter, recognitions, pulse responses (enough respondents per team), obstacles
  with response times, 1:1s, and annotations;
- one real change: the first team starts a weekly deal-coaching routine ``COACHING_DAYS_BEFORE`` days
  before ``as_of``; from then on its deals move through stages 40 % faster. The change is annotated.

Everything comes from ``numpy.random.Generator(PCG64(seed))`` and ``as_of``: the same seed and date give
the same tables. The whole company is built with array operations, so a million deals take seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa

from salesvelocity import clock
from salesvelocity.empowerment.pulse_key import make_token

HISTORY_DAYS = 730
COACHING_DAYS_BEFORE = 240
COACHING_SPEEDUP = 0.5
COACHING_ADVANCE = 0.08  # and a few more deals pass each stage
PRICE_CHANGE_DAYS_BEFORE = 420

TEAM_NAMES = ["Nordics", "DACH", "Benelux", "UK & Ireland", "France", "Iberia", "Italy", "CEE", "Baltics", "Alps"]
FIRST = [
    "Ada",
    "Ben",
    "Chloé",
    "Dario",
    "Eva",
    "Finn",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaja",
    "Lars",
    "Mira",
    "Noah",
    "Olga",
    "Pieter",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wim",
    "Xenia",
    "Yusuf",
    "Zoë",
]
LAST = [
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hansen",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Peeters",
    "Rossi",
    "Schmidt",
    "Svensson",
    "Virtanen",
    "Weber",
    "Zimmer",
]
SEGMENTS = np.array(["SMB", "Mid-Market", "Enterprise"])
SEGMENT_P = [0.5, 0.35, 0.15]
SEGMENT_AMOUNT = np.array([5_000.0, 20_000.0, 80_000.0])  # median amount
SEGMENT_TIME = np.array([0.6, 1.0, 1.8])  # stage-time multiplier
SEGMENT_WIN = np.array([0.04, 0.0, -0.06])  # additive to each stage's advance chance
PRODUCTS = np.array(["Core", "Analytics", "Integrations"])
SOURCES = np.array(["Inbound", "Outbound", "Partner", "Event"])
LOST_REASONS = np.array(["Price", "No decision", "Competitor", "Timing", "No budget"])


@dataclass(frozen=True)
class Pipeline:
    name: str
    share: float
    #: (stage name, advance chance, median days in stage)
    open_stages: tuple[tuple[str, float, float], ...]


PIPELINES = (
    Pipeline(
        "new-business",
        0.8,
        (
            ("Qualification", 0.74, 4.0),
            ("Discovery", 0.8, 6.0),
            ("Demo", 0.82, 5.0),
            ("Proposal", 0.72, 9.0),
            ("Negotiation", 0.78, 6.0),
        ),
    ),
    Pipeline("renewal", 0.2, (("Review", 0.93, 6.0), ("Quote", 0.88, 8.0))),
)
WON, LOST = "Closed Won", "Closed Lost"
PULSE_QUESTIONS = ["appreciation", "autonomy", "support", "workload", "happiness", "enps"]


def _ts(days: np.ndarray, origin: np.datetime64) -> np.ndarray:
    """Fractional days since ``origin`` → datetime64[s]."""
    return origin + (np.asarray(days) * 86400.0).astype("int64").astype("timedelta64[s]")


def _date(days: np.ndarray, origin: np.datetime64, mask: np.ndarray | None = None) -> pa.Array:
    """Fractional days since ``origin`` → Arrow dates."""
    return _day(_ts(days, origin), mask)


def _ids(prefix: str, n: int, start: int = 1) -> pa.Array:
    width = max(5, len(str(n + start)))
    return pa.array(np.char.add(prefix, np.char.zfill(np.arange(start, n + start).astype(str), width)))


def _str(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(object), type=pa.string(), mask=mask)


def _time(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype("datetime64[us]"), type=pa.timestamp("us"), mask=mask)


def _day(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), type=pa.date32(), mask=mask)


def _money(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.round(values, 2), type=pa.float64(), mask=mask).cast(pa.decimal128(18, 2))


def generate(
    deals: int = 5_000, seed: int = 7, as_of: date | None = None, pulse_key: bytes | None = None
) -> dict[str, pa.Table]:
    """Build the demo company; returns one Arrow table per canonical table (ordered for loading).

    ``as_of`` is "today" for the company (default: today); nothing happens after it. Pulse respondent
    tokens are made with ``pulse_key`` (the store's key, see ``pulse_key``); without one, with a key
    derived from the seed, whose tokens a store will not recognise as its own.
    """
    if deals < 50:
        raise ValueError("the demo needs at least 50 deals to be believable")
    as_of = as_of or clock.today()
    rng = np.random.Generator(np.random.PCG64(seed))
    origin = np.datetime64(datetime.combine(as_of - timedelta(days=HISTORY_DAYS), time.min), "s")
    now = float(HISTORY_DAYS)
    coaching_at = now - COACHING_DAYS_BEFORE
    price_at = now - PRICE_CHANGE_DAYS_BEFORE

    # -- teams and people -------------------------------------------------------------------------
    n_teams = int(np.clip(round(np.sqrt(deals) / 18), 3, 60))
    team_ids = np.array([f"T{i + 1:02d}" for i in range(n_teams)])
    team_names = np.array(
        [
            TEAM_NAMES[i % len(TEAM_NAMES)] + ("" if i < len(TEAM_NAMES) else f" {i // len(TEAM_NAMES) + 1}")
            for i in range(n_teams)
        ]
    )
    reps_per_team = rng.integers(6, 11, n_teams)
    n_reps = int(reps_per_team.sum())
    rep_team = np.repeat(np.arange(n_teams), reps_per_team)
    n_people = n_teams + n_reps  # managers first, then reps
    person_ids = np.array([f"P{i + 1:04d}" for i in range(n_people)])
    first = rng.integers(0, len(FIRST), n_people)
    last = rng.integers(0, len(LAST), n_people)
    names = np.char.add(np.char.add(np.array(FIRST)[first], " "), np.array(LAST)[last])
    emails = np.char.add(
        np.char.lower(np.char.add(np.char.add(np.array(FIRST)[first], "."), person_ids)), "@example.com"
    )
    manager_of_team = person_ids[:n_teams]
    # Reps: most were there before the history starts; some join during it, some leave.
    rep_start = np.where(rng.random(n_reps) < 0.75, -rng.uniform(30, 900, n_reps), rng.uniform(0, now - 90, n_reps))
    leaves = rng.random(n_reps) < 0.15
    rep_end = np.where(leaves, np.minimum(rep_start + rng.uniform(120, 700, n_reps), now - 5), np.inf)
    rep_end = np.where(rep_end <= np.maximum(rep_start, 0) + 60, np.inf, rep_end)  # leavers stayed a while
    left_mask = ~np.isfinite(rep_end)
    skill = rng.lognormal(0.0, 0.25, n_reps)  # >1: wins more and moves faster

    people = pa.table(
        {
            "person_id": _str(person_ids),
            "name": _str(names),
            "email": _str(emails),
            "team_id": _str(np.concatenate([team_ids, team_ids[rep_team]])),
            "role": _str(np.array(["manager"] * n_teams + ["rep"] * n_reps)),
            "manager_id": _str(
                np.concatenate([np.full(n_teams, ""), manager_of_team[rep_team]]), mask=np.arange(n_people) < n_teams
            ),
            "started_on": _date(np.concatenate([np.full(n_teams, -1000.0), rep_start]), origin),
            "left_on": _date(
                np.concatenate([np.zeros(n_teams), np.where(left_mask, 0.0, rep_end)]),
                origin,
                mask=np.concatenate([np.ones(n_teams, bool), left_mask]),
            ),
        }
    )
    teams = pa.table({"team_id": _str(team_ids), "name": _str(team_names), "manager_id": _str(manager_of_team)})

    # -- deals ------------------------------------------------------------------------------------
    day_weight = np.ones(HISTORY_DAYS)
    day_dates = (origin.astype("datetime64[D]") + np.arange(HISTORY_DAYS)).astype(object)
    month = np.array([d.month for d in day_dates])
    weekday = np.array([d.weekday() for d in day_dates])
    day_weight *= np.where(np.isin(month, [3, 6, 9, 12]), 1.3, 1.0) * np.where(month == 8, 0.7, 1.0)
    day_weight *= np.where(weekday >= 5, 0.15, 1.0)
    day_weight *= np.linspace(0.85, 1.15, HISTORY_DAYS)  # a growing company
    day = rng.choice(HISTORY_DAYS, size=deals, p=day_weight / day_weight.sum())
    created = day + rng.uniform(8 / 24, 18 / 24, deals)
    created.sort()

    owner = rng.integers(0, n_reps, deals)
    for _ in range(30):  # a deal belongs to a rep who was there when it was created
        bad = (created < rep_start[owner]) | (created >= rep_end[owner])
        if not bad.any():
            break
        owner[bad] = rng.integers(0, n_reps, int(bad.sum()))
    steady = np.flatnonzero((rep_start < 0) & ~np.isfinite(rep_end))
    bad = (created < rep_start[owner]) | (created >= rep_end[owner])
    owner[bad] = rng.choice(steady, int(bad.sum()))
    team = rep_team[owner]

    segment = rng.choice(3, deals, p=SEGMENT_P)
    product = rng.choice(len(PRODUCTS), deals, p=[0.55, 0.3, 0.15])
    source = rng.choice(len(SOURCES), deals, p=[0.4, 0.35, 0.15, 0.1])
    pipeline = rng.choice(len(PIPELINES), deals, p=[p.share for p in PIPELINES])
    amount = SEGMENT_AMOUNT[segment] * rng.lognormal(0.0, 0.5, deals)
    amount *= np.where(created >= price_at, 1.08, 1.0)  # the price increase
    amount = np.round(amount, -1)
    blank_amount = rng.random(deals) < 0.01  # real CRMs have deals without an amount

    status = np.full(deals, "open", dtype=object)
    stage = np.empty(deals, dtype=object)
    closed = np.full(deals, np.nan)
    rows_deal, rows_stage, rows_time = [], [], []

    def enter(idx: np.ndarray, name: str, at: np.ndarray) -> None:
        rows_deal.append(idx)
        rows_stage.append(np.full(len(idx), name, dtype=object))
        rows_time.append(at)

    for p_index, pipe in enumerate(PIPELINES):
        members = np.flatnonzero(pipeline == p_index)
        t = created[members].copy()
        active = np.ones(len(members), bool)
        for s_index, (name, advance, median_days) in enumerate(pipe.open_stages):
            skip = (
                (rng.random(len(members)) < 0.08)
                if 0 < s_index < len(pipe.open_stages) - 1
                else np.zeros(len(members), bool)
            )
            here = active & ~skip
            enter(members[here], name, t[here])
            m = members
            speed = SEGMENT_TIME[segment[m]] / skill[owner[m]]
            coached = (team[m] == 0) & (t >= coaching_at)
            speed = speed * np.where(coached, COACHING_SPEEDUP, 1.0)
            # Weekly deal coaching also makes a team more predictable: less spread, fewer stalls.
            duration = median_days * speed * rng.lognormal(0.0, np.where(coached, 0.5, 0.8))
            # Deals that stall.
            duration *= np.where(rng.random(len(m)) < np.where(coached, 0.01, 0.03), 8.0, 1.0)
            end = np.where(here, t + duration, t)
            # Still in this stage today: an open deal.
            still = here & (end >= now)
            status[m[still]] = "open"
            stage[m[still]] = name
            active &= ~still
            chance = advance + SEGMENT_WIN[segment[m]] + 0.25 * np.log(skill[owner[m]])
            chance = np.clip(chance + np.where(coached, COACHING_ADVANCE, 0.0), 0.05, 0.98)
            lose = active & here & (rng.random(len(m)) >= chance)
            status[m[lose]] = "lost"
            stage[m[lose]] = LOST
            closed[m[lose]] = end[lose]
            enter(m[lose], LOST, end[lose])
            active &= ~lose
            # Some deals slip back one stage and come again (re-entered stages), if it fits before today.
            if s_index >= 2:
                prev = pipe.open_stages[s_index - 1][0]
                back_days = median_days * speed * rng.lognormal(-0.5, 0.6, len(m))
                again = active & here & (rng.random(len(m)) < 0.07) & (end + back_days + 0.5 < now)
                enter(m[again], prev, end[again])
                enter(m[again], name, end[again] + back_days[again])
                end = np.where(again, end + back_days + rng.uniform(0.2, 2.0, len(m)), end)
                still = again & (end >= now)
                status[m[still]] = "open"
                stage[m[still]] = name
                active &= ~still
            t = np.where(active, end, t)
        status[members[active]] = "won"
        stage[members[active]] = WON
        closed[members[active]] = t[active]
        enter(members[active], WON, t[active])

    is_closed = status != "open"
    expected = np.where(
        is_closed,
        closed + rng.normal(-3, 12, deals),
        created
        + np.array([sum(s[2] for s in PIPELINES[p].open_stages) for p in range(len(PIPELINES))])[pipeline]
        * SEGMENT_TIME[segment]
        * rng.lognormal(0.2, 0.5, deals),
    )
    lost_reason = LOST_REASONS[rng.integers(0, len(LOST_REASONS), deals)]
    deal_ids = np.char.add("D", np.char.zfill(np.arange(1, deals + 1).astype(str), max(6, len(str(deals)))))
    pipeline_names = np.array([p.name for p in PIPELINES])
    deal_table = pa.table(
        {
            "deal_id": _str(deal_ids),
            "owner_id": _str(person_ids[n_teams + owner]),
            "created_at": _time(_ts(created, origin)),
            "status": _str(status),
            "stage": _str(stage),
            "amount": _money(amount, mask=blank_amount),
            "currency": _str(np.full(deals, "EUR")),
            "closed_at": _time(_ts(np.nan_to_num(closed), origin), mask=~is_closed),
            "expected_close_on": _date(expected, origin),
            "pipeline": _str(pipeline_names[pipeline]),
            "account": _str(np.char.add("Account ", rng.integers(1, max(50, deals // 3), deals).astype(str))),
            "segment": _str(SEGMENTS[segment]),
            "product": _str(PRODUCTS[product]),
            "source": _str(SOURCES[source]),
            "lost_reason": _str(lost_reason, mask=status != "lost"),
        }
    )

    sc_deal = np.concatenate(rows_deal)
    sc_stage = np.concatenate(rows_stage)
    sc_time = np.concatenate(rows_time)
    no_history = rng.random(deals) < 0.02  # migrated from an older CRM without history
    keep = ~no_history[sc_deal]
    order = np.lexsort((sc_time[keep], sc_deal[keep]))
    sc_deal, sc_stage, sc_time = sc_deal[keep][order], sc_stage[keep][order], sc_time[keep][order]
    stage_changes = pa.table(
        {
            "deal_id": _str(deal_ids[sc_deal]),
            "stage": _str(sc_stage),
            "entered_at": _time(_ts(sc_time, origin)),
            "changed_by": _str(person_ids[n_teams + owner[sc_deal]]),
        }
    )

    stage_rows = []
    for pipe in PIPELINES:
        n_open = len(pipe.open_stages)
        for i, (name, _adv, _days) in enumerate(pipe.open_stages):
            stage_rows.append((pipe.name, name, i + 1, "open", round((i + 1) / (n_open + 1), 2)))
        stage_rows += [(pipe.name, WON, n_open + 1, "won", 1.0), (pipe.name, LOST, n_open + 2, "lost", 0.0)]
    stages = pa.table(
        {k: [r[i] for r in stage_rows] for i, k in enumerate(["pipeline", "stage", "position", "kind", "probability"])},
        schema=pa.schema(
            [
                ("pipeline", pa.string()),
                ("stage", pa.string()),
                ("position", pa.int32()),
                ("kind", pa.string()),
                ("probability", pa.float64()),
            ]
        ),
    )

    # -- leads: inbound deals came from a lead; more leads were never converted -------------------
    inbound = np.flatnonzero(SOURCES[source] == "Inbound")
    extra = int(len(inbound) * 1.5)
    lead_created = np.concatenate(
        [np.maximum(created[inbound] - rng.lognormal(0.5, 0.8, len(inbound)), 0.0), rng.uniform(0, now, extra)]
    )
    n_leads = len(lead_created)
    lead_owner = np.concatenate([owner[inbound], rng.integers(0, n_reps, extra)])
    lead_team = rep_team[lead_owner]
    touch_median_min = np.where(lead_team == 1, 4.0, 25.0)  # one team answers leads within minutes
    touch = lead_created + touch_median_min * rng.lognormal(0.0, 1.1, n_leads) / 1440.0
    never = (rng.random(n_leads) < 0.07) | (touch >= now)
    converted = np.concatenate([deal_ids[inbound], np.full(extra, "")])
    disqualified = np.concatenate([np.zeros(len(inbound), bool), rng.random(extra) < 0.5])
    disq_at = np.minimum(touch + rng.uniform(0.5, 20, n_leads), now - 0.01)
    leads = pa.table(
        {
            "lead_id": _ids("L", n_leads),
            "created_at": _time(_ts(lead_created, origin)),
            "owner_id": _str(person_ids[n_teams + lead_owner]),
            "first_touch_at": _time(_ts(np.where(never, 0, touch), origin), mask=never),
            "source": _str(np.concatenate([SOURCES[source[inbound]], SOURCES[rng.integers(0, len(SOURCES), extra)]])),
            "converted_deal_id": _str(converted, mask=converted == ""),
            "disqualified_at": _time(_ts(np.where(disqualified, disq_at, 0), origin), mask=~disqualified),
        }
    )

    # -- targets: per team and quarter, a little above what the team actually won ------------------
    quarter_starts = sorted({date(d.year, 3 * ((d.month - 1) // 3) + 1, 1) for d in day_dates} | {_next_quarter(as_of)})
    q_start = np.array(quarter_starts, dtype="datetime64[D]")
    q_days = (q_start - origin.astype("datetime64[D]")).astype(float)
    won = status == "won"
    q_of_deal = np.searchsorted(q_days, np.where(won, closed, 0), side="right") - 1
    won_by = np.zeros((n_teams, len(q_start)))
    np.add.at(won_by, (team[won], q_of_deal[won]), np.where(blank_amount, 0, amount)[won])
    # The current quarter's target is judged against its pace so far; past quarters against what was won.
    elapsed = (now - q_days[-2]) / (q_days[-1] - q_days[-2])
    pace = won_by.copy()
    pace[:, -2] = won_by[:, -2] / max(elapsed, 0.1)
    ambition = rng.uniform(0.95, 1.3, won_by.shape)
    ambition[:, -2] = rng.uniform(0.85, 1.05, n_teams)  # this quarter: within reach, not a sure thing
    target_value = np.round(np.maximum(pace * ambition, 1000.0), -3)
    tq, qq = np.meshgrid(np.arange(n_teams), np.arange(len(q_start) - 1), indexing="ij")
    tq, qq = tq.ravel(), qq.ravel()
    company = target_value[:, :-1].sum(axis=0)
    targets = pa.table(
        {
            "scope": _str(np.concatenate([np.full(len(tq), "team"), np.full(len(company), "company")])),
            "scope_id": _str(
                np.concatenate([team_ids[tq], np.full(len(company), "")]),
                mask=np.concatenate([np.zeros(len(tq), bool), np.ones(len(company), bool)]),
            ),
            "period_start": _day(np.concatenate([q_start[qq], q_start[:-1]])),
            "period_end": _day(np.concatenate([q_start[qq + 1] - 1, q_start[1:] - 1])),
            "metric": _str(np.full(len(tq) + len(company), "won_amount")),
            "value": _money(np.concatenate([target_value[tq, qq], company])),
        }
    )

    # -- recognition: most wins get kudos, but not all, and some reps are overlooked ----------------
    overlooked = rng.random(n_reps) < 0.2
    won_idx = np.flatnonzero(won)
    recog_p = np.where(overlooked[owner[won_idx]], 0.15, 0.6)
    recog_idx = won_idx[rng.random(len(won_idx)) < recog_p]
    recog_at = closed[recog_idx] + rng.lognormal(0.3, 0.9, len(recog_idx))
    recog_idx, recog_at = recog_idx[recog_at < now], recog_at[recog_at < now]
    by_manager = rng.random(len(recog_idx)) < 0.5
    peers = n_teams + rng.integers(0, n_reps, len(recog_idx))
    givers = np.where(by_manager, team[recog_idx], peers)
    givers = np.where(givers == n_teams + owner[recog_idx], team[recog_idx], givers)
    recognitions = pa.table(
        {
            "recognition_id": _ids("R", len(recog_idx)),
            "given_by": _str(person_ids[givers]),
            "given_to": _str(person_ids[n_teams + owner[recog_idx]]),
            "given_at": _time(_ts(recog_at, origin)),
            "message": _str(np.char.add("Great work closing ", deal_ids[recog_idx])),
            "deal_id": _str(deal_ids[recog_idx]),
            "kind": _str(np.where(givers < n_teams, "manager", "peer")),
        }
    )

    # -- pulse: once a month (on a day in its first week), most team members answer every question -----
    first_days = [date(as_of.year - y, m, 1) for y in range(HISTORY_DAYS // 365 + 2, -1, -1) for m in range(1, 13)]
    waves = np.array([(d - (as_of - timedelta(days=HISTORY_DAYS))).days + 1.0 for d in first_days])
    waves = waves[(waves >= 0) & (waves + 4 < now)]
    wave_of, rep_of = np.meshgrid(np.arange(len(waves)), np.arange(n_reps), indexing="ij")
    wave_of, rep_of = wave_of.ravel(), rep_of.ravel()
    present = (
        (waves[wave_of] >= rep_start[rep_of]) & (waves[wave_of] < rep_end[rep_of]) & (rng.random(len(rep_of)) < 0.8)
    )
    wave_of, rep_of = wave_of[present], rep_of[present]
    n_q = len(PULSE_QUESTIONS)
    w = np.repeat(wave_of, n_q)
    r = np.repeat(rep_of, n_q)
    q = np.tile(np.arange(n_q), len(wave_of))
    mood = (
        3.6
        + 0.5 * np.log(skill[r])
        - 0.6 * overlooked[r]
        + np.where((rep_team[r] == 0) & (waves[w] >= coaching_at), 0.3, 0)
    )
    score = np.where(
        q == n_q - 1,
        np.clip(np.round(mood * 2 + rng.normal(0, 1.5, len(q))), 0, 10),
        np.clip(np.round(mood + rng.normal(0, 0.8, len(q))), 1, 5),
    ).astype(int)
    answered = _ts(np.floor(waves[w] + rng.uniform(0.0, 3.0, len(q))), origin)
    key = pulse_key or hashlib.sha256(f"salesvelocity demo {seed}".encode()).digest()
    month_of = answered.astype("datetime64[M]").astype("datetime64[D]").astype(object)
    token_of = {
        (rep, month): make_token(key, str(person_ids[n_teams + rep]), month)
        for rep, month in set(zip(r.tolist(), month_of.tolist(), strict=True))
    }
    tokens = np.array([token_of[pair] for pair in zip(r.tolist(), month_of.tolist(), strict=True)])
    pulse = pa.table(
        {
            "response_id": _ids("Q", len(q)),
            "team_id": _str(team_ids[rep_team[r]]),
            "answered_at": _time(answered),
            "question_id": _str(np.array(PULSE_QUESTIONS)[q]),
            "score": pa.array(score, type=pa.int32()),
            "respondent_token": _str(tokens),
        }
    )

    # -- obstacles: raised on some deals while they were open -------------------------------------
    ob_idx = np.flatnonzero(rng.random(deals) < 0.06)
    life_end = np.where(np.isnan(closed[ob_idx]), now, closed[ob_idx])
    raised = created[ob_idx] + rng.uniform(0.05, 0.9, len(ob_idx)) * (life_end - created[ob_idx])
    responded = raised + rng.lognormal(np.log(0.8), 1.0, len(ob_idx))
    resolved = responded + rng.lognormal(np.log(4.0), 0.9, len(ob_idx))
    has_response = responded < now
    is_resolved = resolved < now
    category = np.where(rng.random(len(ob_idx)) < 0.6, "internal", "external")
    titles = np.where(category == "internal", "Need pricing approval", "Customer legal review")
    obstacles = pa.table(
        {
            "obstacle_id": _ids("O", len(ob_idx)),
            "raised_by": _str(person_ids[n_teams + owner[ob_idx]]),
            "raised_at": _time(_ts(raised, origin)),
            "title": _str(titles),
            "category": _str(category),
            "deal_id": _str(deal_ids[ob_idx]),
            "first_response_at": _time(_ts(np.where(has_response, responded, 0), origin), mask=~has_response),
            "resolved_at": _time(_ts(np.where(is_resolved, resolved, 0), origin), mask=~is_resolved),
            "resolution": _str(np.where(is_resolved, "Resolved with the manager", ""), mask=~is_resolved),
            "response": _str(np.where(has_response, "On it — let's look at it together today", ""), mask=~has_response),
            "responded_by": pa.array([None] * len(ob_idx), pa.string()),
        }
    )

    # -- 1:1s: each rep on their own cadence; a few have not had one for a while -------------------
    cadence = rng.choice([7.0, 14.0, 21.0], n_reps, p=[0.5, 0.4, 0.1])
    lapsed = rng.random(n_reps) < 0.12
    one_rep, one_day = [], []
    for i in range(n_reps):
        begin = max(rep_start[i], 0.0) + cadence[i]
        stop = min(rep_end[i], now - (40 if lapsed[i] else 0))
        days = np.arange(begin, stop, cadence[i])
        one_rep.append(np.full(len(days), i))
        one_day.append(days + rng.integers(-1, 2, len(days)))
    one_rep_a, one_day_a = np.concatenate(one_rep), np.clip(np.concatenate(one_day), 0, now - 1)
    one_on_ones = pa.table(
        {
            "person_id": _str(person_ids[n_teams + one_rep_a]),
            "manager_id": _str(manager_of_team[rep_team[one_rep_a]]),
            "held_on": _date(one_day_a, origin),
            "notes": pa.array([None] * len(one_rep_a), pa.string()),
            "actions": pa.array([None] * len(one_rep_a), pa.string()),
        }
    )
    one_on_ones = _unique_rows(one_on_ones)

    annotations = pa.table(
        {
            "annotation_id": pa.array(["A1", "A2"]),
            "at": _time(_ts(np.array([coaching_at, price_at]), origin)),
            "label": pa.array([f"{team_names[0]} starts weekly deal coaching", "List prices up 8 %"]),
            "scope": pa.array(["team", "company"]),
            "scope_id": pa.array([team_ids[0], None], type=pa.string()),
        }
    )

    return {
        "teams": teams,
        "people": people,
        "stages": stages,
        "deals": deal_table,
        "stage_changes": stage_changes,
        "leads": leads,
        "targets": targets,
        "recognitions": recognitions,
        "pulse_responses": pulse,
        "obstacles": obstacles,
        "one_on_ones": one_on_ones,
        "annotations": annotations,
    }


def _next_quarter(day: date) -> date:
    month = 3 * ((day.month - 1) // 3) + 4
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def _unique_rows(table: pa.Table) -> pa.Table:
    return table.group_by(table.column_names, use_threads=False).aggregate([])
