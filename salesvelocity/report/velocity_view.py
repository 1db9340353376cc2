"""The sales-velocity formula per team, as the terminal shows it."""

from __future__ import annotations

from datetime import date, timedelta

from rich.console import Console

from salesvelocity.metrics import Window, sales_velocity
from salesvelocity.output import rich_table
from salesvelocity.store import Store

VELOCITY_COLUMNS = [
    ("label", "team", "text"),
    ("opportunities", "opps", "int"),
    ("win_rate", "win rate", "percent"),
    ("avg_deal_size", "avg deal", "money"),
    ("cycle_days", "cycle", "days"),
    ("velocity_per_day", "velocity / day", "money"),
]


def print_velocity(store: Store, console: Console, end: date, days: int = 90, by: str = "team") -> None:
    window = Window.of(end - timedelta(days=days), end)
    result = store.execute(sales_velocity(store, window, by=by))
    console.print(
        rich_table(
            f"Sales velocity by {by}, {window.start:%Y-%m-%d} – {window.end:%Y-%m-%d} (last {days} days)",
            result,
            VELOCITY_COLUMNS,
            caption="velocity = opportunities × win rate × average deal size ÷ cycle length (per day)",
        )
    )
