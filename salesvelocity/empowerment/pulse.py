"""Pulse check-ins with anonymity that holds in every output, and against the file's owner (design.md §5).

A response is stored with an opaque respondent token — an HMAC of the person and the period under a key
kept outside the database (``pulse_key``) — never a person id; timestamps are kept to the day. The token
is used only to count distinct respondents and never leaves the store. Results are aggregates per team,
question and period, where:

1. only **complete** periods are shown: a period still running, or cut by ``end``/``today``, shows
   nothing, so two outputs taken on different days can never be subtracted;
2. a person counts once per question and period (a later answer replaces an earlier one) and in one
   team per period (the team of their latest answer); tokens not made by this database's key (typed
   into an import, or missing) all count together as one respondent;
3. a group is shown only when at least k distinct respondents answered (k ≥ 3, checked here too);
4. within each question and period, if the hidden teams together hold fewer than k respondents, the
   smallest shown teams are hidden too until they hold at least k (complementary suppression) — so the
   company figure minus the shown teams never isolates a group under k; the hidden teams are shown
   merged as "other teams" when they reach k together;
5. periods are fixed calendar buckets of one cadence, so no two outputs overlap in time; there is no
   all-time total beside the periods.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import ibis
from pydantic import Field, field_serializer

from salesvelocity import clock
from salesvelocity.empowerment.pulse_key import is_genuine, load_key, make_token
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.metrics.cadence import period_floor, period_of
from salesvelocity.results import Result
from salesvelocity.signals import MIN_BASELINE, describe, xmr
from salesvelocity.store import Store

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
#: The pulse cadence: answers are kept and tokens made per calendar month.
CADENCE = "month"
#: Every answer whose token this database's key did not make counts as this one respondent.
UNVERIFIED = "(not made by this key)"


def scale(question: str) -> tuple[int, int]:
    return (0, 10) if question == ENPS else (1, 5)


def check_k(k: int) -> int:
    """k below the minimum would let a small group be seen: refuse it wherever k enters."""
    if k < MIN_K:
        raise SalesVelocityError(
            f"k = {k} is below the minimum of {MIN_K}", hint="anonymity needs at least 3 respondents"
        )
    return k


def record_response(
    store: Store,
    person_id: str,
    question: str,
    score: int,
    at: datetime | date | None = None,
    questions: dict[str, str] | None = None,
    key: bytes | None = None,
) -> str:
    """Store one answer under the person's team and a per-period token; the person id is not stored.

    The answer is kept to the day. A second answer to the same question in the same period replaces
    the first, and the person's other answers of that period move to their current team, so that they
    count once and in one team.
    """
    questions = questions or DEFAULT_QUESTIONS
    if question not in questions:
        raise SalesVelocityError(f"unknown pulse question {question!r}", hint=f"questions are: {', '.join(questions)}")
    low, high = scale(question)
    if not low <= score <= high:
        raise SalesVelocityError(f"{question} is answered on a {low}–{high} scale, not {score}")
    day = at.date() if isinstance(at, datetime) else at or clock.today(store.zone)
    row = store.sql("SELECT team_id, left_on FROM people WHERE person_id = ?", [person_id]).fetchone()
    if row is None or row[0] is None:
        raise SalesVelocityError(f"{person_id!r} is not a member of a team", hint="pulse answers are kept per team")
    if row[1] is not None and row[1] <= day:
        raise SalesVelocityError(f"{person_id!r} left on {row[1]}", hint="only current team members answer the pulse")
    response_id = f"Q-{uuid.uuid4().hex[:12]}"
    with store.transaction():
        token = make_token(key or load_key(store, create=True), person_id, period_floor(day, CADENCE))
        store.sql("DELETE FROM pulse_responses WHERE respondent_token = ? AND question_id = ?", [token, question])
        store.sql("UPDATE pulse_responses SET team_id = ? WHERE respondent_token = ?", [row[0], token])
        store.sql(
            "INSERT INTO pulse_responses VALUES (?, ?, ?, ?, ?, ?)",
            [response_id, row[0], datetime.combine(day, time.min), question, score, token],
        )
    return response_id


def complete_before(end: date | None, today: date, cadence: str = CADENCE) -> date:
    """The start of the first period that is not complete by ``end`` (exclusive) and ``today``."""
    last = min(end, today) if end is not None else today
    return period_floor(last, cadence)


class PulseGroup(Result):
    """One shown or hidden cell: a team (or the merged other teams, or the company), question, period."""

    scope: str  # "team" | "other teams" | "company"
    team_id: str | None
    question: str
    period_start: date
    status: str  # "shown" | HIDDEN
    respondents: int | None = None
    mean: float | None = None
    enps: float | None = None


class PulseResults(Result):
    """The pulse as the trust rules allow it: cells shown over at least k people, the rest hidden."""

    k: int
    cadence: str
    groups: list[PulseGroup] = []
    #: (team, question) → sentences; dumped as a list of {team_id, question, verdict}
    verdicts: dict[tuple[str, str], list[str]] = {}
    #: (team, question) → the XmR chart behind the verdict (its signals carry the direction)
    charts: dict[tuple[str, str], object] = Field(default_factory=dict, repr=False, exclude=True)
    #: team_id → name, for people to read
    team_names: dict[str, str] = {}

    @field_serializer("verdicts")
    def _verdicts(self, verdicts: dict[tuple[str, str], list[str]]) -> list[dict]:
        return [{"team_id": t, "question": q, "verdict": v} for (t, q), v in verdicts.items()]

    def shown(self, scope: str = "team") -> list[PulseGroup]:
        return [g for g in self.groups if g.scope == scope and g.status == "shown"]

    def keep_teams(self, teams) -> None:
        """Keep only these teams' groups (and none of the company-wide or merged ones)."""
        self.groups = [g for g in self.groups if g.team_id in teams]
        self.verdicts = {key: v for key, v in self.verdicts.items() if key[0] in teams}
        self.charts = {key: v for key, v in self.charts.items() if key[0] in teams}


def pulse_results(
    store: Store,
    k: int = 5,
    cadence: str = CADENCE,
    start: date | None = None,
    end: date | None = None,
    team: str | None = None,
    today: date | None = None,
    key: bytes | None = None,
) -> PulseResults:
    """Suppressed aggregates per team, question and complete period (see the module docstring).

    ``start`` is rounded down to its period's start; ``end`` (exclusive) and ``today`` (default: the
    clock) cut off every period not complete by then. ``key`` defaults to the pulse key of the store.

    Suppression is decided over the whole company whatever the store's scope, and a scoped store then
    keeps the groups of its actor's teams: were it decided within each scope, a team shown to its
    manager but hidden company-wide could be subtracted from the merged "other teams" an exec sees.
    The company and "other teams" rows are for those who see every team.
    """
    check_k(k)
    reach = getattr(store, "reach", None)
    store = getattr(store, "store", store)  # the whole company (see above); filtered to the reach below
    responses = store.table("pulse_responses")
    if start is not None:
        responses = responses.filter(responses.answered_at >= datetime.combine(period_floor(start, cadence), time.min))
    cutoff = complete_before(end, today or clock.today(store.zone), cadence)
    responses = responses.filter(responses.answered_at < datetime.combine(cutoff, time.min))
    responses = _deduplicated(store, responses, cadence, key if key is not None else load_key(store))
    is_enps = responses.question_id == ENPS
    cells = responses.group_by(["team_id", "question_id", "period"]).agg(
        respondents=responses.who.nunique().cast("int64"),
        answers=responses.count().cast("int64"),
        total=responses.score.sum().cast("float64"),
        promoters=((responses.score >= 9) & is_enps).sum().cast("int64"),
        detractors=((responses.score <= 6) & is_enps).sum().cast("int64"),
        unverified=ibis.ifelse(responses.who == UNVERIFIED, 1, 0).max().cast("int64"),
    )
    # Company-wide distinct respondents per question and period (a person counts once across teams).
    everyone = responses.group_by(["question_id", "period"]).agg(respondents=responses.who.nunique().cast("int64"))
    rows = store.execute(cells).to_pylist()
    company = {(r["question_id"], r["period"]): r["respondents"] for r in store.execute(everyone).to_pylist()}
    result = PulseResults(k=k, cadence=cadence)
    by_cell: dict[tuple[str, datetime], list[dict]] = {}
    for row in rows:
        by_cell.setdefault((row["question_id"], row["period"]), []).append(row)
    for (question, period), teams in sorted(by_cell.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        shown = sorted((t for t in teams if t["respondents"] >= k), key=lambda t: (t["respondents"], t["team_id"]))
        hidden = [t for t in teams if t["respondents"] < k]
        while hidden and _people(hidden) < k and shown:
            hidden.append(shown.pop(0))  # complementary suppression: the smallest shown team joins the hidden
        day = period.date()
        for t in shown:
            result.groups.append(_group("team", t["team_id"], question, day, [t]))
        for t in hidden:
            result.groups.append(PulseGroup.of("team", t["team_id"], question, day, HIDDEN))
        if hidden and _people(hidden) >= k:
            result.groups.append(_group("other teams", None, question, day, hidden))
        if company.get((question, period), 0) >= k and (not hidden or _people(hidden) >= k):
            result.groups.append(_group("company", None, question, day, teams))
        else:
            result.groups.append(PulseGroup.of("company", None, question, day, HIDDEN))
    for team_id, question in sorted({(g.team_id, g.question) for g in result.shown()}):
        points = sorted(
            (g.period_start, g.enps if question == ENPS else g.mean)
            for g in result.shown()
            if g.team_id == team_id and g.question == question
        )
        if len(points) >= MIN_BASELINE:
            chart = xmr([v for _d, v in points])
            result.verdicts[(team_id, question)] = describe(
                chart, [d for d, _v in points], _(question), unit=_("months") if cadence == "month" else cadence
            )
            result.charts[(team_id, question)] = chart
    if reach is not None and reach.teams is not None:
        result.keep_teams(reach.teams)
    if team is not None:
        result.keep_teams({team})
    return result


def _deduplicated(store: Store, responses: ibis.Table, cadence: str, key: bytes | None) -> ibis.Table:
    """One answer per respondent, question and period (the latest), each respondent in one team per period.

    ``who`` is the token when this key made it, else the one shared ``UNVERIFIED`` respondent (who keeps
    the team each answer was given in, and is counted once wherever teams are merged).
    """
    tokens = store.execute(responses.select("respondent_token").distinct())["respondent_token"].to_pylist()
    genuine = [t for t in tokens if is_genuine(key, t)]
    token = responses.respondent_token
    who = token.isin(genuine) if genuine else ibis.literal(False)
    responses = responses.mutate(
        period=period_of(responses.answered_at, cadence),
        who=ibis.ifelse(token.notnull() & who, token, ibis.literal(UNVERIFIED)),
    )
    latest = [ibis.desc(responses.answered_at), ibis.desc(responses.response_id)]
    in_period = ibis.window(group_by=[responses.who, responses.period], order_by=latest)
    responses = responses.mutate(
        team_id=ibis.ifelse(responses.who == UNVERIFIED, responses.team_id, responses.team_id.first().over(in_period))
    )
    latest = [ibis.desc(responses.answered_at), ibis.desc(responses.response_id)]
    once = ibis.window(
        group_by=[responses.who, responses.team_id, responses.question_id, responses.period], order_by=latest
    )
    responses = responses.mutate(_nth=ibis.row_number().over(once))
    return responses.filter(responses._nth == 0).drop("_nth")


def _people(cells: list[dict]) -> int:
    """Distinct respondents in merged team cells: the unverified respondent counts once, not per team."""
    return sum(c["respondents"] for c in cells) - max(0, sum(c["unverified"] for c in cells) - 1)


def _group(scope: str, team_id: str | None, question: str, day: date, cells: list[dict]) -> PulseGroup:
    answers = sum(c["answers"] for c in cells)
    mean = sum(c["total"] for c in cells) / answers if answers else None
    enps = None
    if question == ENPS and answers:
        enps = 100.0 * (sum(c["promoters"] for c in cells) - sum(c["detractors"] for c in cells)) / answers
    return PulseGroup(
        scope=scope,
        team_id=team_id,
        question=question,
        period_start=day,
        status="shown",
        respondents=_people(cells),
        mean=mean,
        enps=enps,
    )
