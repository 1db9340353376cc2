"""The report's first screen: four headline tiles a manager reads at a glance.

1. **Won vs target** for the current target period (the coverage section's targets summed).
2. **Velocity** of the selection per day (Little's law) against its own usual level: the average of the
   weekly XmR baseline, with the chart's verdict in words.
3. **Realised won per day**: won amount in the window ÷ its days — the reality check beside velocity.
4. **Three things that need you now**: the oldest open obstacle, wins nobody has recognised, and the
   oldest stuck deal — each a question to act on, never a ranking of people.

Every tile says "no data" (and what would provide it) rather than a 0 when its input is missing.
"""

from __future__ import annotations

from salesvelocity.i18n import _, day
from salesvelocity.output import fmt_number
from salesvelocity.results import Result


class Tile(Result):
    """One figure of the first screen, already in words: its value and what it rests on."""

    key: str
    title: str
    value: str
    detail: str
    tone: str = "neutral"  # neutral | good | attention | nodata


class Headline(Result):
    tiles: list[Tile] = []
    needs_you: list[str] = []


def build_headline(report) -> Headline:
    """The tiles from what the report already computed (no new queries)."""
    headline = Headline()
    headline.tiles.append(_target_tile(report))
    overall = report.sections["velocity_overall"].to_pylist()
    row = overall[0] if overall else {}
    headline.tiles.append(_velocity_tile(report, row))
    won = row.get("won_per_day")
    days = row.get("days")
    headline.tiles.append(
        Tile.of(
            "won_per_day",
            _("Won per day"),
            fmt_number(won, "money") if won is not None else _("no data"),
            _(
                "{amount} won in {days} days ({n} deals)",
                amount=fmt_number(row.get("won_amount"), "money"),
                days=f"{days:.0f}",
                n=fmt_number(row.get("won", 0), "int"),
            )
            if days
            else _("no deals closed in this window"),
            "neutral" if won is not None else "nodata",
        )
    )
    headline.needs_you = _needs_you(report)
    headline.tiles.append(
        Tile.of(
            "needs_you",
            _("Three things that need you now"),
            str(len(headline.needs_you)) if headline.needs_you else _("none"),
            "\n".join(headline.needs_you) or _("no open obstacle, unthanked win or stuck deal — well done"),
            "attention" if headline.needs_you else "good",
        )
    )
    return headline


def _target_tile(report) -> Tile:
    if "coverage" in report.no_data:
        return Tile.of("target", _("Won vs target"), _("no data"), report.no_data["coverage"], "nodata")
    rows = [r for r in report.sections["coverage"].to_pylist() if r.get("target")]
    if not rows:
        why = _("no target covers {date}", date=day(report.last_day))
        return Tile.of("target", _("Won vs target"), _("no data"), why, "nodata")
    target = sum(r["target"] for r in rows)
    won = sum(r["won"] or 0 for r in rows)
    end = max(r["period_end"] for r in rows)
    share = won / target if target else None
    scope = rows[0]["label"] if len(rows) == 1 else _("{n} targets", n=len(rows))
    return Tile.of(
        "target",
        _("Won vs target"),
        fmt_number(share, "percent"),
        _(
            "{won} of {target} ({scope}, period ending {date})",
            won=fmt_number(won, "money"),
            target=fmt_number(target, "money"),
            scope=scope,
            date=day(end),
        ),
        "good" if share is not None and share >= 1 else "neutral",
    )


def _velocity_tile(report, row: dict) -> Tile:
    velocity = row.get("velocity_per_day")
    if velocity is None:
        return Tile.of("velocity", _("Velocity per day"), _("no data"), _("no deal was won in this window"), "nodata")
    detail = _("open deals × win rate × avg deal ÷ cycle")
    tone = "neutral"
    over = report.over_time
    overall = getattr(over, "overall", None) if over else None
    group = overall.groups[0] if overall and overall.groups else None
    if group is not None and group.chart is not None:
        usual = group.chart.centre
        ratio = velocity / usual if usual else None
        verdict = group.verdict[0] if group.verdict else ""
        detail = _(
            "{ratio} its usual level ({usual} a day); {verdict}",
            ratio=fmt_number(ratio, "ratio"),
            usual=fmt_number(usual, "money"),
            verdict=verdict,
        )
        tone = "attention" if group.chart.signals else "good"
    elif group is not None and group.verdict:
        detail = group.verdict[0]
    return Tile.of("velocity", _("Velocity per day"), fmt_number(velocity, "money"), detail, tone)


def _needs_you(report) -> list[str]:
    said = []
    health = report.health
    if health is not None and health.obstacles:
        o = health.obstacles[0]
        said.append(
            _(
                "Oldest open obstacle: “{title}” raised by {name}, open {age} — how can you help?",
                title=o["title"],
                name=o.get("raised_by_name") or o["raised_by"],
                age=fmt_number(o["age_days"], "days"),
            )
        )
    if health is not None and health.unrecognised:
        n = sum(r["unrecognised_wins"] or 0 for r in health.rows)
        said.append(_("{n} wins nobody has recognised yet — a specific thank-you still counts", n=n))
    stuck = [r for r in report.sections["stuck_deals"].to_pylist() if r["flag"] == "stuck"]
    if stuck and "stuck_deals" not in report.no_data:
        first = stuck[0]
        said.append(
            _(
                "{n} stuck deals; the oldest, {deal} ({owner}), has sat in {stage} for {age} — what would move it on?",
                n=len(stuck),
                deal=first["deal_id"],
                owner=first["owner"],
                stage=first["stage"],
                age=fmt_number(first["age_days"], "days"),
            )
        )
    return said
