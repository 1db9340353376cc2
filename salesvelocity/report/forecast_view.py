"""`salesvelocity forecast`: how much by a date, when a total is reached, the chance of hitting a target."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from pydantic import Field, computed_field

from salesvelocity.errors import MetricError
from salesvelocity.forecast import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_TRIALS,
    MAX_HORIZON_DAYS,
    NotEnoughHistory,
    backtest,
    daily_throughput,
    how_many,
    when,
)
from salesvelocity.i18n import _, day, number
from salesvelocity.metrics import TeamScope
from salesvelocity.output import fmt_number
from salesvelocity.report.build import default_window, resolve_team, team_name
from salesvelocity.results import Result
from salesvelocity.store import Store

BACKTEST_SPAN_DAYS = 730


class ForecastResult(Result):
    """The Monte Carlo answers (how many by a date, when a total is reached, target odds, backtest)."""

    as_of: date
    metric: str
    team: str | None
    history_days: int
    trials: int
    seed: int
    history_total: float
    answers: dict = {}
    distribution: list[float] = Field(default_factory=list, exclude=True)
    message: str | None = None
    team_name: str | None = None

    @computed_field
    @property
    def distribution_sample(self) -> list[float]:
        """The first 1,000 simulated totals (all of them make the chart)."""
        return self.distribution[:1000]

    @property
    def kind(self) -> str:
        return "int" if self.metric == "count" else "money"

    def title(self) -> str:
        what = _("won deals") if self.metric == "count" else _("won amount")
        team = _(" — team {team}", team=self.team_name) if self.team else ""
        return _("Forecast of {what} from {date}", what=what, date=day(self.as_of)) + team

    def method(self) -> str:
        what = _("won deals") if self.metric == "count" else _("won amount")
        return _(
            "{trials} simulated futures, each drawing days at random from the last {days} days of daily {what} "
            "({total} in them); seed {seed}.",
            trials=number(self.trials),
            days=self.history_days,
            what=what,
            total=fmt_number(self.history_total, self.kind),
            seed=self.seed,
        )

    def sentences(self) -> list[str]:
        """The target chance, the backtest and the open pipeline in words (terminal and HTML alike)."""
        said, kind = [], self.kind
        t = self.answers.get("target")
        if t is not None:
            if "message" in t:
                said.append(_("Target: {message}.", message=t["message"]))
            else:
                said.append(
                    _(
                        "Target {target} for {start} – {end}: {so_far} so far, {remaining} to go in {days} days — "
                        "a {chance} chance of reaching it.",
                        target=fmt_number(t["target"], kind),
                        start=day(t["period"][0]),
                        end=day(t["period"][1]),
                        so_far=fmt_number(t["so_far"], kind),
                        remaining=fmt_number(t["remaining"], kind),
                        days=t["days_left"],
                        chance=fmt_number(t["probability"], "percent"),
                    )
                )
        b = self.answers.get("backtest")
        if b is not None:
            said.append(
                _(
                    "Backtest: in {hits} of {origins} past forecasts the real {days}-day outcome was at or above "
                    "the 85 % line ({rate}; well calibrated is near 85 %).",
                    hits=b["hits"],
                    origins=b["origins"],
                    days=b["horizon_days"],
                    rate=fmt_number(b["hit_rate"], "percent"),
                )
            )
        p = self.answers.get("pipeline")
        if p is not None:
            said.append(_("Open pipeline: {reading}.", reading=p["reading"]))
        return said


def build_forecast(
    store: Store,
    by_date: date | None = None,
    reach: float | None = None,
    target: bool = False,
    metric: str = "count",
    team: str | None = None,
    history_days: int = DEFAULT_HISTORY_DAYS,
    trials: int = DEFAULT_TRIALS,
    seed: int = 1,
    run_backtest: bool = False,
    today: date | None = None,
) -> ForecastResult:
    """Run the requested forecasts; with nothing requested, how many by the end of the current quarter."""
    _start, as_of = default_window(store, today)
    tables = store
    if team is not None:
        team = resolve_team(store, team)
        tables = TeamScope(store, team)
    history = daily_throughput(tables, as_of, history_days, metric)
    result = ForecastResult(
        as_of=as_of,
        metric=metric,
        team=team,
        history_days=history_days,
        trials=trials,
        seed=seed,
        history_total=float(history.sum()),
    )
    result.team_name = team_name(store, team)
    rng = np.random.default_rng(seed)
    if by_date is None and reach is None and not target:
        by_date = quarter_end(as_of)
    try:
        if by_date is not None:
            if by_date < as_of:
                raise MetricError(
                    f"--by-date {by_date} is before the forecast starts ({as_of})", hint="pick a later date"
                )
            horizon = (by_date - as_of).days + 1
            if horizon > MAX_HORIZON_DAYS:
                raise MetricError(
                    f"--by-date {by_date} is {horizon:,} days ahead; a forecast from the last months' pace says "
                    f"nothing honest beyond {MAX_HORIZON_DAYS // 365} years",
                    hint=f"pick a date before {as_of + timedelta(days=MAX_HORIZON_DAYS)}",
                )
            answer = how_many(history, horizon, trials, rng)
            result.answers["how_many"] = {
                "by_date": by_date,
                "days": horizon,
                "by_confidence": {str(c): v for c, v in answer.by_confidence.items()},
            }
            result.distribution = answer.totals.tolist()
        if reach is not None:
            answer = when(history, reach, trials, rng)
            result.answers["when"] = {
                "reach": reach,
                "by_confidence": {str(c): d for c, d in answer.dates(as_of).items()},
            }
            if not result.distribution:
                result.distribution = [float(d) for d in answer.days if np.isfinite(d)]
        if target:
            goal = _target_probability(store, tables, team, as_of, history, metric, trials, rng)
            result.answers["target"] = goal
            if "period" in goal and "how_many" not in result.answers:
                # The chart and the "how much" answer to the target period's end, beside the chance.
                period_end = goal["period"][1]
                answer = how_many(history, goal["days_left"], trials, rng)
                result.answers["how_many"] = {
                    "by_date": period_end,
                    "days": goal["days_left"],
                    "by_confidence": {str(c): v for c, v in answer.by_confidence.items()},
                }
                result.distribution = answer.totals.tolist()
            if goal.get("remaining") and "when" not in result.answers:
                answer = when(history, goal["remaining"], trials, rng)
                result.answers["when"] = {
                    "reach": goal["remaining"],
                    "by_confidence": {str(c): d for c, d in answer.dates(as_of).items()},
                }
        if "how_many" in result.answers:
            result.answers["pipeline"] = _pipeline(
                store, tables, as_of, result.answers["how_many"]["by_date"], metric, result.answers
            )
        if run_backtest:
            span = daily_throughput(tables, as_of, BACKTEST_SPAN_DAYS, metric)
            first = int(np.argmax(span > 0)) if span.any() else len(span)
            bt = backtest(span[first:], history_days, 28, 7, min(trials, 2000), rng)
            result.answers["backtest"] = {
                "origins": bt.origins,
                "hits": bt.hits,
                "hit_rate": bt.hit_rate,
                "horizon_days": bt.horizon_days,
            }
    except NotEnoughHistory as exc:
        result.message = f"not enough history: {exc}"
    return result


def _pipeline(store, tables, as_of: date, by_date: date, metric: str, answers: dict) -> dict:
    """The open pipeline expected to close by ``by_date``, beside the forecast: the forecast resamples the
    past pace and does not look at open deals, so a thin pipeline is said out loud."""
    from datetime import datetime, time

    deals = tables.table("deals")
    moment = datetime.combine(as_of, time.min)
    still = deals.filter(
        deals.created_at < moment,
        deals.closed_at.isnull() | (deals.closed_at >= moment),
        deals.expected_close_on >= as_of,
        deals.expected_close_on <= by_date,
    )
    value = still.amount.cast("float64").sum() if metric == "amount" else still.count().cast("float64")
    (row,) = store.execute(value.name("open").as_table()).to_pylist()
    open_value = float(row["open"] or 0.0)
    likely = answers["how_many"]["by_confidence"]["50"]
    goal = answers.get("target", {})
    remaining = goal.get("remaining")
    said = {
        "by_date": by_date,
        "open_expected": open_value,
        "forecast_50": likely,
        "coverage_of_remaining": open_value / remaining if remaining else None,
    }
    values = {"date": day(by_date), "open": number(open_value), "likely": number(likely or 0)}
    if likely and open_value < likely:
        said["reading"] = _(
            "the open pipeline expected to close by {date} ({open}) is less than the likely forecast ({likely}): "
            "the forecast assumes the past pace goes on, including deals not yet in the pipeline — treat it as "
            "optimistic unless new deals keep coming",
            **values,
        )
    else:
        said["reading"] = _(
            "the open pipeline expected to close by {date} ({open}) can carry the likely forecast ({likely}) — "
            "if those deals close at the usual rate",
            **values,
        )
    return said


def quarter_end(day: date) -> date:
    month = 3 * ((day.month - 1) // 3) + 4
    first_next = date(day.year + (month > 12), (month - 1) % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _target_probability(store, tables, team, as_of, history, metric, trials, rng) -> dict:
    kind = "won_deals" if metric == "count" else "won_amount"
    scope, scope_id = ("team", team) if team else ("company", None)
    targets = store.table("targets")
    covering = targets.filter(
        targets.scope == scope,
        targets.scope_id.isnull() if scope_id is None else targets.scope_id == scope_id,
        targets.metric == kind,
        targets.period_start <= as_of,
        targets.period_end >= as_of,
    )
    rows = store.execute(
        covering.group_by(["period_start", "period_end"]).agg(value=covering.value.sum()).order_by("period_start")
    ).to_pylist()
    if not rows:
        return {"message": f"no {scope} {kind} target covers {as_of}"}
    period_start, period_end, value = rows[0]["period_start"], rows[0]["period_end"], float(rows[0]["value"])
    so_far = daily_throughput(tables, as_of, (as_of - period_start).days, metric).sum() if as_of > period_start else 0.0
    remaining = max(value - so_far, 0.0)
    horizon = (period_end - as_of).days + 1
    totals = how_many(history, horizon, trials, rng).totals
    return {
        "period": [period_start, period_end],
        "target": value,
        "so_far": float(so_far),
        "remaining": remaining,
        "days_left": horizon,
        "probability": float((totals >= remaining).mean()) if remaining > 0 else 1.0,
    }
