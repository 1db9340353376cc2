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
