"""Trend, forecast and patience-guard results in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from salesvelocity.i18n import _, day
from salesvelocity.output import fmt_number
from salesvelocity.patience import Judgment
from salesvelocity.report.forecast_view import ForecastResult
from salesvelocity.report.trend import WORDS, Trend

KIND = {
    "velocity": "money",
    "won_amount": "money",
    "deal_size": "money",
    "win_rate": "percent",
    "cycle": "days",
    "throughput": "int",
    "created": "int",
    "net_flow": "int",
    "wip": "int",
}


def render_trend(trend: Trend, console: Console, periods: int = 8) -> None:
    from salesvelocity.console import prose

    kind = KIND[trend.metric]
    word = _(WORDS.get(trend.metric, trend.metric))
    console.print(Text(trend.title(), style="bold"))
    if not trend.groups:
        console.print(_("no data in this window"))
    status_words = {"running": _("running — not judged yet"), "outside the data": _("outside the data")}
    for g in trend.groups:
        table = Table(title=_("all deals") if g.group == "all" else g.label, title_justify="left", show_edge=False)
        table.add_column(_("period"))
        table.add_column(word, justify="right")
        table.add_column(_("signal"))
        prose(table.columns[2])
        for p in g.points[-periods:]:
            table.add_row(
                day(p["period_start"]), fmt_number(p["value"], kind), status_words.get(p["status"], p["signal"])
            )
        console.print(table)
        if g.chart is not None:
            console.print(
                _(
                    "  average {centre}, natural limits {lower} – {upper} (baseline: {n} periods)",
                    centre=fmt_number(g.chart.centre, kind),
                    lower=fmt_number(g.chart.lower, kind),
                    upper=fmt_number(g.chart.upper, kind),
                    n=g.chart.baseline,
                ),
                highlight=False,
            )
        for line in g.verdict:
            console.print(f"  → {line}", highlight=False)
    for a in trend.annotations:
        console.print(
            _(
                "change {date}: {label} ({scope})",
                date=day(a["at"]),
                label=a["label"],
                scope=a["scope_name"] or _("company"),
            ),
            highlight=False,
        )


def render_forecast(result: ForecastResult, console: Console) -> None:
    console.print(Text(result.title(), style="bold"))
    console.print(result.method(), highlight=False)
    if result.message:
        console.print(Text(result.message, style="yellow"))
        return
    kind = result.kind
    if "how_many" in result.answers:
        a = result.answers["how_many"]
        table = Table(
            title=_("How much by {date} ({days} days)?", date=day(a["by_date"]), days=a["days"]), title_justify="left"
        )
        table.add_column(_("confidence"))
        table.add_column(_("at least"), justify="right")
        for c, v in a["by_confidence"].items():
            table.add_row(f"{c}\u00a0%", fmt_number(v, kind))
        console.print(table)
    if "when" in result.answers:
        a = result.answers["when"]
        table = Table(title=_("When will we reach {total}?", total=fmt_number(a["reach"], kind)), title_justify="left")
        table.add_column(_("confidence"))
        table.add_column(_("by"), justify="right")
        for c, d in a["by_confidence"].items():
            table.add_row(f"{c}\u00a0%", day(d) if d else _("not within 3 years"))
        console.print(table)
    for sentence in result.sentences():
        console.print(sentence, highlight=False)


def render_judgments(judgments: list[Judgment], console: Console) -> None:
    """One row per change: what the data says in words, judged on equal windows before and after."""
    from salesvelocity.console import keep, prose

    if not judgments:
        console.print(_('no changes recorded yet: `salesvelocity annotate "what changed" --at YYYY-MM-DD`'))
        return
    table = Table(
        title=_("Changes and what the data says (patience guard)"), title_justify="left", caption_justify="left"
    )
    for header in (_("since"), _("change"), _("team"), _("reading")):
        table.add_column(header)
    prose(table.columns[1])
    prose(table.columns[3])
    keep(table.columns[3])
    for j in judgments:
        lines = [v.reading for v in j.verdicts if v.signal and v.evidence] or [j.summary]
        table.add_row(day(j.at), j.label, j.scope_name or j.scope_id or _("company"), "\n".join(lines))
    table.caption = _(
        "judged on equal windows: the weeks before the change against as many weeks from its judgment date"
    )
    console.print(table)


def render_changes(result, console: Console) -> None:
    """The ``Changes`` result of the changes service."""
    render_judgments(result.changes, console)
