"""Pulse check-ins with anonymity that holds in every output (design.md §5).

A response is stored with an opaque respondent token — an HMAC of the person under a secret kept in
the database — never a person id; the token is used only to count distinct respondents and never
leaves the store. Results are aggregates per team, question and period, where:

1. a group is shown only when at least k distinct respondents answered (k from the settings, ≥ 3);
   responses without a token count together as one respondent (the safe assumption);
2. within each question and period, if the hidden teams together hold fewer than k respondents, the
   smallest shown teams are hidden too until they hold at least k (complementary suppression) — so the
   company figure minus the shown teams never isolates a group under k; the hidden teams are shown
   merged as "other teams" when they reach k together;
3. periods are fixed calendar buckets of one cadence (a setting), so no two outputs overlap in time
   and one cannot be subtracted from another; there is no all-time total beside the periods.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time

import ibis

from salesvelocity.errors import SalesVelocityError
from salesvelocity.metrics.cadence import period_floor, period_of
from salesvelocity.signals import MIN_BASELINE, describe, xmr
from salesvelocity.store import META_TABLE, Store

DEFAULT_QUESTIONS = {
    "appreciation": "I feel appreciated by my manager (1–5)",
    "autonomy": "I have autonomy in how I work (1–5)",
    "support": "I get the support I need to overcome obstacles (1–5)",
    "workload": "My workload is sustainable (1–5)",
    "happiness": "I am happy in my work (1–5)",
    "enps": "How likely are you to recommend working here to a friend? (0–10)",
}
ENPS = "enps"
MIN_K = 3
HIDDEN = "not enough responses"


def scale(question: str) -> tuple[int, int]:
    return (0, 10) if question == ENPS else (1, 5)


def _secret(store: Store) -> bytes:
    row = store.sql(f"SELECT value FROM {META_TABLE} WHERE key = 'pulse_secret'").fetchone()
    if row:
        return bytes.fromhex(row[0])
    value = secrets.token_bytes(32)
    store.sql(f"INSERT INTO {META_TABLE} VALUES ('pulse_secret', ?)", [value.hex()])
    return value


def respondent_token(store: Store, person_id: str) -> str:
    """The same person always gets the same token; without the store's secret it cannot be reversed."""
    return hmac.new(_secret(store), person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def record_response(
    store: Store,
    person_id: str,
    question: str,
    score: int,
    at: datetime | None = None,
    questions: dict[str, str] | None = None,
) -> str:
    """Store one answer under the person's team and an opaque token (the person id is not stored)."""
    questions = questions or DEFAULT_QUESTIONS
    if question not in questions:
        raise SalesVelocityError(f"unknown pulse question {question!r}", hint=f"questions are: {', '.join(questions)}")
    low, high = scale(question)
    if not low <= score <= high:
        raise SalesVelocityError(f"{question} is answered on a {low}–{high} scale, not {score}")
    row = store.sql("SELECT team_id FROM people WHERE person_id = ?", [person_id]).fetchone()
    if row is None or row[0] is None:
        raise SalesVelocityError(f"{person_id!r} is not a member of a team", hint="pulse answers are kept per team")
    response_id = f"Q-{uuid.uuid4().hex[:12]}"
    store.sql(
        "INSERT INTO pulse_responses VALUES (?, ?, ?, ?, ?, ?)",
        [
            response_id,
            row[0],
            at or datetime.now().replace(microsecond=0),
            question,
            score,
            respondent_token(store, person_id),
        ],
    )
    return response_id


@dataclass
class PulseGroup:
    """One shown or hidden cell: a team (or the merged other teams, or the company), question, period."""

    scope: str  # "team" | "other teams" | "company"
    team_id: str | None
    question: str
    period_start: date
    status: str  # "shown" | HIDDEN
    respondents: int | None = None
    mean: float | None = None
    enps: float | None = None


@dataclass
class PulseResults:
    k: int
    cadence: str
    groups: list[PulseGroup] = field(default_factory=list)
    verdicts: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (team, question) → sentences

    def shown(self, scope: str = "team") -> list[PulseGroup]:
        return [g for g in self.groups if g.scope == scope and g.status == "shown"]

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "cadence": self.cadence,
            "groups": [g.__dict__ for g in self.groups],
            "verdicts": [{"team_id": t, "question": q, "verdict": v} for (t, q), v in self.verdicts.items()],
        }


def pulse_results(
    store: Store,
    k: int = 5,
    cadence: str = "month",
    start: date | None = None,
    end: date | None = None,
    team: str | None = None,
) -> PulseResults:
    """Suppressed aggregates per team, question and period (see the module docstring)."""
    if k < MIN_K:
        raise SalesVelocityError(
            f"k = {k} is below the minimum of {MIN_K}", hint="anonymity needs at least 3 respondents"
        )
    responses = store.table("pulse_responses")
    if start is not None:
        responses = responses.filter(responses.answered_at >= datetime.combine(period_floor(start, cadence), time.min))
    if end is not None:
        responses = responses.filter(responses.answered_at < datetime.combine(end, time.min))
    responses = responses.mutate(
        period=period_of(responses.answered_at, cadence),
        who=responses.respondent_token.fill_null(ibis.literal("(no token)")),
    )
    is_enps = responses.question_id == ENPS
    cells = responses.group_by(["team_id", "question_id", "period"]).agg(
        respondents=responses.who.nunique().cast("int64"),
        answers=responses.count().cast("int64"),
        total=responses.score.sum().cast("float64"),
        promoters=((responses.score >= 9) & is_enps).sum().cast("int64"),
        detractors=((responses.score <= 6) & is_enps).sum().cast("int64"),
    )
    # Company-wide distinct respondents per question and period (a person counts once across teams).
    everyone = responses.group_by(["question_id", "period"]).agg(respondents=responses.who.nunique().cast("int64"))
    rows = store.execute(cells).to_pylist()
    company = {(r["question_id"], r["period"]): r["respondents"] for r in store.execute(everyone).to_pylist()}
    result = PulseResults(k, cadence)
    by_cell: dict[tuple[str, datetime], list[dict]] = {}
    for row in rows:
        by_cell.setdefault((row["question_id"], row["period"]), []).append(row)
    for (question, period), teams in sorted(by_cell.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        shown = sorted((t for t in teams if t["respondents"] >= k), key=lambda t: (t["respondents"], t["team_id"]))
        hidden = [t for t in teams if t["respondents"] < k]
        while hidden and sum(t["respondents"] for t in hidden) < k and shown:
            hidden.append(shown.pop(0))  # complementary suppression: the smallest shown team joins the hidden
        day = period.date()
        for t in shown:
            result.groups.append(_group("team", t["team_id"], question, day, [t]))
        for t in hidden:
            result.groups.append(PulseGroup("team", t["team_id"], question, day, HIDDEN))
        pool = sum(t["respondents"] for t in hidden)
        if hidden and pool >= k:
            result.groups.append(_group("other teams", None, question, day, hidden))
        if company.get((question, period), 0) >= k and (not hidden or pool >= k):
            result.groups.append(_group("company", None, question, day, teams, company[(question, period)]))
        else:
            result.groups.append(PulseGroup("company", None, question, day, HIDDEN))
    for team_id, question in sorted({(g.team_id, g.question) for g in result.shown()}):
        points = sorted(
            (g.period_start, g.enps if question == ENPS else g.mean)
            for g in result.shown()
            if g.team_id == team_id and g.question == question
        )
        if len(points) >= MIN_BASELINE:
            chart = xmr([v for _, v in points])
            result.verdicts[(team_id, question)] = describe(chart, [d for d, _ in points], question, unit=f"{cadence}s")
    if team is not None:
        result.groups = [g for g in result.groups if g.team_id == team]
        result.verdicts = {key: v for key, v in result.verdicts.items() if key[0] == team}
    return result


def _group(
    scope: str, team_id: str | None, question: str, day: date, cells: list[dict], respondents: int | None = None
) -> PulseGroup:
    answers = sum(c["answers"] for c in cells)
    mean = sum(c["total"] for c in cells) / answers if answers else None
    enps = None
    if question == ENPS and answers:
        enps = 100.0 * (sum(c["promoters"] for c in cells) - sum(c["detractors"] for c in cells)) / answers
    count = respondents if respondents is not None else sum(c["respondents"] for c in cells)
    return PulseGroup(scope, team_id, question, day, "shown", count, mean, enps)
