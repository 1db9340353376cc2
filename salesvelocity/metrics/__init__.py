"""Metrics: each a function returning an Ibis expression over the canonical tables (design.md §4).

Nothing executes until the caller asks, e.g. ``con.execute(sv.metrics.sales_velocity(con, by="team"))``.
"""

from salesvelocity.metrics.common import GROUPINGS, Window
from salesvelocity.metrics.cycle_length import cycle_length
from salesvelocity.metrics.deal_size import deal_size
from salesvelocity.metrics.velocity import sales_velocity
from salesvelocity.metrics.win_rate import win_rate

__all__ = ["GROUPINGS", "Window", "cycle_length", "deal_size", "sales_velocity", "win_rate"]
