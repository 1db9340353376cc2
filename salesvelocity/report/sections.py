"""One registry of the funnel report's sections: each one's metric, title, columns and reading, once.

``build_report`` runs every section's expression; the terminal prints every section that has columns,
in this order; the HTML page takes the same titles and columns for its tables (charts are drawn beside
them); CSV and JSON carry every section, columns as the metric names them. A section's ``grouping`` says
which grouping it is computed by — the report's ``by``, the leads' grouping, the targets' scope, or the
whole selection — and so what its first column is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import ibis

from salesvelocity.i18n import N_, _
from salesvelocity.metrics import (
    Window,
    aging_deals,
    aging_summary,
    bottleneck,
    cycle_length,
    funnel,
    lead_conversion,
    pipeline_coverage,
    sales_velocity,
    slippage,
    speed_to_lead,
    time_in_stage,
    won_cycles,
)
from salesvelocity.metrics.common import with_labels
from salesvelocity.metrics.coverage import SCOPES
from salesvelocity.metrics.speed_to_lead import LEAD_GROUPINGS
from salesvelocity.output import fmt_number

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from salesvelocity.metrics.common import Tables

STUCK_LIST_LIMIT = 25
SCATTER_LIMIT = 5000
#: The word for a group in a first column (translated where shown).
GROUP_WORDS = {"team": N_("team"), "person": N_("rep"), None: N_("scope")}


@dataclass(frozen=True)
class Inputs:
    """What every section's expression is built from."""

    tables: Tables  # memoised, scoped (and narrowed to --team) tables for figures
    detail: Tables  # the rows one may see one by one (lists naming deals and owners)
    window: Window
    by: str | None

    @property
    def as_of(self) -> datetime:
        return self.window.end

    def grouping(self, kind: str) -> str | None:
        """The grouping a section of ``kind`` uses: leads and targets cannot be grouped every way."""
        if kind == "lead":
            return self.by if self.by in LEAD_GROUPINGS else None
        if kind == "coverage":
            return self.by if self.by in SCOPES else None
        return self.by if kind == "by" else None


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # English message id; GROUP stands for the first column's grouping word
    kind: str  # as fmt_number reads it ("text" is shown as it is)
    terminal: bool = True  # shown in the terminal (some columns only fit a page)
    html: bool = True


GROUP = "{group}"


@dataclass(frozen=True)
class Section:
    name: str
    title: str | None  # None: no table of its own (charts and headline read it)
    build: Callable[[Inputs], ir.Table]
    grouping: str = "whole"  # "by" | "lead" | "coverage" | "whole"
    columns: tuple[Column, ...] = ()
    caption: str | None = None  # under the terminal table
    terminal_rows: int | None = None  # the terminal shows at most this many rows
    shown_empty: bool = True  # an empty table is still printed (False: left out)

    def header(self, column: Column, report, table: pa.Table) -> str:
        """A column's header; the first column is named by the grouping the rows are in."""
        if column.header != GROUP:
            return _(column.header)
        by = report.by
        if self.grouping == "lead":
            return _(GROUP_WORDS.get(by, by)) if table.num_rows > 1 else _("scope")
        if self.grouping == "coverage" and by not in ("team", "person"):
            return _("scope")
        return _(GROUP_WORDS.get(by, by or "scope"))

    def reading(self, report) -> str | None:
        """A sentence under the table: the caption, or what the data says (the bottleneck)."""
        if self.name == "time_in_stage":
            tops = [r for r in report.sections["bottleneck"].to_pylist() if r["is_bottleneck"]]
            said = "; ".join(
                _(
                    "{pipeline}: {stage} holds {share} of won deals' time",
                    pipeline=r["pipeline"],
                    stage=r["stage"],
                    share=fmt_number(r["share"], "percent"),
                )
                for r in tops
            )
            return _("bottleneck — {reading}", reading=said) if said else None
        return _(self.caption) if self.caption else None


def _labelled(i: Inputs, kind: str, expr: ir.Table) -> ir.Table:
    by = i.grouping(kind)
    labelled = with_labels(i.tables, by, expr)
    return labelled.select("group", "label", *[c for c in expr.columns if c != "group"]).order_by("group")


def _scatter(i: Inputs) -> ir.Table:
    # A sample by hash when there are more won deals than points a chart can hold (each engine hashes
    # its own way, so beyond the limit the sample differs by engine); shown in deal order.
    won = won_cycles(i.tables, i.window, None)
    won = won.mutate(_h=won.deal_id.hash())
    return (
        won.order_by(won._h)
        .limit(SCATTER_LIMIT)
        .select("deal_id", "closed_at", "cycle_days", amount=won.amount.cast("float64"))
        .order_by("deal_id")
    )


def _stuck(i: Inputs) -> ir.Table:
    stuck = aging_deals(i.detail, i.as_of, None)
    stuck = stuck.filter(stuck.flag.isin(["stuck", "at risk"])).limit(STUCK_LIST_LIMIT)
    stuck = (
        with_labels(i.detail, "person", stuck.rename(_group="group").mutate(group=stuck.owner_id))
        .rename(owner="label")
        .drop("group", "_group")
    )
    return stuck.order_by(ibis.desc("age_days"))


C = Column
SECTIONS: tuple[Section, ...] = (
    Section(
        "velocity",
        N_("Sales velocity"),
        lambda i: sales_velocity(i.tables, i.window, i.by),
        "by",
        (
            C("label", GROUP, "text"),
            C("velocity_per_day", N_("velocity /day"), "money"),
            C("won_per_day", N_("won /day"), "money"),
            C("open_avg", N_("open deals (avg)"), "decimal"),
            C("win_rate", N_("win rate"), "percent"),
            C("avg_deal_size", N_("avg deal"), "money"),
            C("cycle_days", N_("cycle"), "days"),
        ),
        caption=N_(
            "velocity = open deals (average) × win rate × avg deal ÷ cycle, per day (Little's law); "
            "won /day = won amount in the window ÷ its days; win rate = won ÷ (won + lost) closed in window"
        ),
    ),
    Section("velocity_overall", None, lambda i: sales_velocity(i.tables, i.window, None)),
    Section(
        "cycle",
        N_("Cycle length of won deals"),
        lambda i: _labelled(i, "by", cycle_length(i.tables, i.window, i.by)),
        "by",
        (
            C("label", GROUP, "text"),
            C("won", N_("won"), "int"),
            C("cycle_mean_days", N_("mean"), "days"),
            C("cycle_median_days", N_("median"), "days"),
            C("cycle_p85_days", N_("P85"), "days"),
        ),
    ),
    Section("cycle_overall", None, lambda i: cycle_length(i.tables, i.window, None)),
    Section(
        "funnel",
        N_("Funnel: stage conversion (deals created in window; skipped stages count as passed)"),
        lambda i: funnel(i.tables, i.window, None),
        columns=(
            C("pipeline", N_("pipeline"), "text"),
            C("stage", N_("stage"), "text"),
            C("reached", N_("reached"), "int"),
            C("undecided", N_("still open"), "int"),
            C("conversion", N_("conversion"), "percent"),
            C("drop_off", N_("drop-off"), "percent"),
        ),
    ),
    Section(
        "time_in_stage",
        N_("Time in stage (completed visits, days)"),
        lambda i: time_in_stage(i.tables, i.window, None),
        columns=(
            C("pipeline", N_("pipeline"), "text"),
            C("stage", N_("stage"), "text"),
            C("deals", N_("deals"), "int"),
            C("p50_days", N_("P50"), "days"),
            C("p85_days", N_("P85"), "days"),
            C("p95_days", N_("P95"), "days"),
        ),
    ),
    Section("bottleneck", None, lambda i: bottleneck(i.tables, i.window, None)),
    Section(
        "aging",
        N_("Aging open deals (at risk: age in stage > P85; stuck: > P95)"),
        lambda i: _labelled(i, "by", aging_summary(i.tables, i.as_of, i.by)),
        "by",
        (
            C("label", GROUP, "text"),
            C("open_deals", N_("open"), "int"),
            C("at_risk", N_("at risk"), "int"),
            C("stuck", N_("stuck"), "int"),
            C("stuck_amount", N_("stuck amount"), "money"),
        ),
    ),
    Section(
        "stuck_deals",
        N_("Where help is needed: oldest stuck and at-risk deals"),
        _stuck,
        columns=(
            C("deal_id", N_("deal"), "text"),
            C("owner", N_("owner"), "text"),
            C("pipeline", N_("pipeline"), "text", terminal=False),
            C("stage", N_("stage"), "text"),
            C("age_days", N_("age in stage"), "days"),
            C("p95_days", N_("stage P95"), "days"),
            C("amount", N_("amount"), "money"),
            C("flag", N_("flag"), "flag"),
        ),
        caption=N_("ask: what would help move this deal on?"),
        terminal_rows=10,
        shown_empty=False,
    ),
    Section(
        "speed_to_lead",
        N_("Speed-to-lead (minutes to first touch)"),
        lambda i: _labelled(i, "lead", speed_to_lead(i.tables, i.window, i.grouping("lead"))),
        "lead",
        (
            C("label", GROUP, "text"),
            C("leads", N_("leads"), "int"),
            C("p50_minutes", N_("P50"), "minutes"),
            C("p85_minutes", N_("P85"), "minutes"),
            C("share_0_5", N_("<5m"), "percent"),
            C("share_5_15", N_("5–15"), "percent"),
            C("share_15_60", N_("15–60"), "percent"),
            C("share_60_plus", N_("60m+"), "percent"),
            C("share_never", N_("never"), "percent"),
        ),
    ),
    Section(
        "lead_conversion",
        N_("Lead → deal conversion (leads created in the window)"),
        lambda i: _labelled(i, "lead", lead_conversion(i.tables, i.window, i.grouping("lead"))),
        "lead",
        (
            C("label", GROUP, "text"),
            C("leads", N_("leads"), "int"),
            C("conversion_rate", N_("to deal"), "percent"),
            C("lead_to_win", N_("to win"), "percent"),
            C("p50_days", N_("P50"), "days"),
            C("p85_days", N_("P85"), "days"),
            C("still_open", N_("undecided"), "int"),
        ),
        caption=N_("P50/P85: days from lead to deal; recent leads have had less time to convert"),
    ),
    Section(
        "slippage",
        N_("Slippage"),
        lambda i: _labelled(i, "by", slippage(i.tables, i.window, i.as_of, i.by)),
        "by",
        (
            C("label", GROUP, "text"),
            C("open_deals", N_("open"), "int"),
            C("overdue", N_("overdue"), "int"),
            C("overdue_amount", N_("overdue amount"), "money"),
            C("won_late_share", N_("won late"), "percent"),
            C("mean_slip_days", N_("avg slip"), "days"),
        ),
        caption=N_("overdue: open past expected close date; won late: closed after it"),
    ),
    Section(
        "coverage",
        N_("Pipeline coverage of current targets"),
        lambda i: _labelled(i, "coverage", pipeline_coverage(i.tables, i.as_of, i.grouping("coverage"))),
        "coverage",
        (
            C("label", GROUP, "text"),
            C("period_start", N_("period start"), "date", terminal=False),
            C("period_end", N_("period end"), "date"),
            C("target", N_("target"), "money"),
            C("won", N_("won"), "money"),
            C("remaining", N_("remaining"), "money"),
            C("coverage", N_("coverage"), "ratio"),
            C("weighted_coverage", N_("weighted"), "ratio"),
        ),
        caption=N_("coverage = open pipeline expected to close in the period ÷ remaining target"),
    ),
    Section("cycle_scatter", None, _scatter),
)
BY_NAME = {s.name: s for s in SECTIONS}


def section(name: str) -> Section:
    return BY_NAME[name]
