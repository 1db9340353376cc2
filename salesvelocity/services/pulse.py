"""Pulse check-ins: the questions, answering (only as oneself), and results only over ≥ k people."""

from __future__ import annotations

from salesvelocity.context import Context
from salesvelocity.empowerment.pulse import DEFAULT_QUESTIONS, PulseResults, pulse_results, record_response
from salesvelocity.report.build import names
from salesvelocity.services._writes import as_self, writer


def questions(ctx: Context) -> dict[str, str]:
    """Question id → text (the settings' own set, or the built-in one)."""
    return ctx.settings.pulse_questions or DEFAULT_QUESTIONS


def results(ctx: Context, team: str | None = None) -> PulseResults:
    """Per team, question and complete month over the context's window, as the trust rules allow."""
    found = pulse_results(ctx.store, ctx.k, "month", ctx.start, ctx.end, ctx.team(team), ctx.today)
    found.team_names = names(ctx.store, "teams")
    return found


def answer(ctx: Context, question: str, score: int, person: str | None = None) -> None:
    """Record the actor's answer (the admin may record for ``person``); stored only as an opaque token."""
    who = as_self(ctx, person, "--person")
    record_response(writer(ctx), who, question, score, questions=questions(ctx))


def answered(ctx: Context) -> set[str]:
    """The questions the actor has answered in the running period (only they can tell: the token needs both
    the key outside the database and who they are)."""
    from salesvelocity.empowerment.pulse import CADENCE
    from salesvelocity.empowerment.pulse_key import load_key, make_token
    from salesvelocity.metrics.cadence import period_floor

    key = load_key(ctx.store.store)
    if key is None or ctx.actor.person_id is None:
        return set()
    token = make_token(key, ctx.actor.person_id, period_floor(ctx.current_day(), CADENCE))
    table = ctx.store.table("pulse_responses")
    found = ctx.store.execute(table.filter(table.respondent_token == token).select("question_id").distinct())
    return set(found.column("question_id").to_pylist())
