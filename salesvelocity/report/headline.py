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

from dataclasses import dataclass, field

from salesvelocity.output import fmt_number


@dataclass
class Tile:
    key: str
    title: str
    value: str
    detail: str
    tone: str = "neutral"  # neutral | good | attention | nodata


@dataclass
class Headline:
    tiles: list[Tile] = field(default_factory=list)
    needs_you: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"tiles": [vars(t) for t in self.tiles], "needs_you": self.needs_you}


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
        Tile(
            "won_per_day",
            "Won per day",
            fmt_number(won, "money") if won is not None else "no data",
            f"{fmt_number(row.get('won_amount'), 'money')} won in {days:.0f} days ({row.get('won', 0):,} deals)"
            if days
            else "no deals closed in this window",
            "neutral" if won is not None else "nodata",
        )
    )
    headline.needs_you = _needs_you(report)
    headline.tiles.append(
        Tile(
            "needs_you",
            "Three things that need you now",
            str(len(headline.needs_you)) if headline.needs_you else "none",
            "\n".join(headline.needs_you) or "no open obstacle, unthanked win or stuck deal — well done",
            "attention" if headline.needs_you else "good",
        )
    )
    return headline


def _target_tile(report) -> Tile:
    if "coverage" in report.no_data:
        return Tile("target", "Won vs target", "no data", report.no_data["coverage"], "nodata")
    rows = [r for r in report.sections["coverage"].to_pylist() if r.get("target")]
    if not rows:
        return Tile("target", "Won vs target", "no data", f"no target covers {report.as_of:%Y-%m-%d}", "nodata")
    target = sum(r["target"] for r in rows)
    won = sum(r["won"] or 0 for r in rows)
    end = max(r["period_end"] for r in rows)
    share = won / target if target else None
    scope = rows[0]["label"] if len(rows) == 1 else f"{len(rows)} targets"
    return Tile(
        "target",
        "Won vs target",
        fmt_number(share, "percent"),
        f"{fmt_number(won, 'money')} of {fmt_number(target, 'money')} ({scope}, period ending {end})",
        "good" if share is not None and share >= 1 else "neutral",
    )


def _velocity_tile(report, row: dict) -> Tile:
    velocity = row.get("velocity_per_day")
    if velocity is None:
        return Tile("velocity", "Velocity per day", "no data", "no deal was won in this window", "nodata")
    detail = "open deals × win rate × avg deal ÷ cycle"
    tone = "neutral"
    over = report.over_time
    overall = getattr(over, "overall", None) if over else None
    group = overall.groups[0] if overall and overall.groups else None
    if group is not None and group.chart is not None:
        usual = group.chart.centre
        ratio = velocity / usual if usual else None
        verdict = group.verdict[0] if group.verdict else ""
        detail = f"{fmt_number(ratio, 'ratio')} its usual level ({fmt_number(usual, 'money')} a day); {verdict}"
        tone = "good" if verdict.startswith("no signal") else "attention"
    elif group is not None and group.verdict:
        detail = group.verdict[0]
    return Tile("velocity", "Velocity per day", fmt_number(velocity, "money"), detail, tone)


def _needs_you(report) -> list[str]:
    said = []
    health = report.health
    if health is not None and health.obstacles:
        o = health.obstacles[0]
        said.append(
            f"Oldest open obstacle: “{o['title']}” raised by {o.get('raised_by_name') or o['raised_by']}, "
            f"open {fmt_number(o['age_days'], 'days')} — how can you help?"
        )
    if health is not None and health.unrecognised:
        n = sum(r["unrecognised_wins"] or 0 for r in health.rows)
        said.append(f"{n} wins nobody has recognised yet — a specific thank-you still counts")
    stuck = [r for r in report.sections["stuck_deals"].to_pylist() if r["flag"] == "stuck"]
    if stuck and "stuck_deals" not in report.no_data:
        first = stuck[0]
        said.append(
            f"{len(stuck)} stuck deals; the oldest, {first['deal_id']} ({first['owner']}), has sat in "
            f"{first['stage']} for {fmt_number(first['age_days'], 'days')} — what would move it on?"
        )
    return said
