"""Metrics: each a function returning an Ibis expression over the canonical tables (design.md §4).

Nothing executes until the caller asks, e.g. ``con.execute(sv.metrics.sales_velocity(con, by="team"))``.
Every module's docstring states its definition and output columns: that is the data contract.
"""

from salesvelocity.metrics.aging import aging_deals, aging_summary, bottleneck
from salesvelocity.metrics.common import ALL_TIME, GROUPINGS, Window
from salesvelocity.metrics.conversion import funnel, stage_conversion
from salesvelocity.metrics.coverage import pipeline_coverage
from salesvelocity.metrics.cycle_length import cycle_length, won_cycles
from salesvelocity.metrics.deal_size import deal_size
from salesvelocity.metrics.lead_conversion import lead_conversion
from salesvelocity.metrics.scope import TeamScope
from salesvelocity.metrics.slippage import overdue_deals, slippage
from salesvelocity.metrics.speed_to_lead import speed_to_lead
from salesvelocity.metrics.stages import stage_catalog, stage_visits
from salesvelocity.metrics.time_in_stage import time_in_stage
from salesvelocity.metrics.velocity import sales_velocity
from salesvelocity.metrics.win_rate import win_rate

__all__ = [
    "ALL_TIME",
    "GROUPINGS",
    "TeamScope",
    "Window",
    "aging_deals",
    "aging_summary",
    "bottleneck",
    "cycle_length",
    "deal_size",
    "funnel",
    "overdue_deals",
    "pipeline_coverage",
    "sales_velocity",
    "slippage",
    "speed_to_lead",
    "lead_conversion",
    "stage_catalog",
    "stage_conversion",
    "stage_visits",
    "time_in_stage",
    "win_rate",
    "won_cycles",
]
