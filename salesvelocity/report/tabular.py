"""Results as CSV: the report one table per section (or one file each), and the other results' rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from salesvelocity.output import rows_csv, to_csv

if TYPE_CHECKING:
    from salesvelocity.empowerment.pulse import PulseResults
    from salesvelocity.report.build import Report
    from salesvelocity.report.forecast_view import ForecastResult
    from salesvelocity.report.trend import Trend
    from salesvelocity.services.obstacles import Obstacles
    from salesvelocity.services.recognition import Kudos


def report_csv(report: Report) -> str:
    """Every section as CSV, each headed by ``# section`` and a blank line apart."""
    return "\n".join(f"# {name}\n{to_csv(table)}" for name, table in report.sections.items())


def report_csv_files(report: Report) -> dict[str, str]:
    """One ``<section>.csv`` per section: file name → CSV text (written as one folder by the caller)."""
    return {f"{name}.csv": to_csv(table) for name, table in report.sections.items()}


def trend_csv(trend: Trend) -> str:
    """The series: one row per group and period, every metric of the period."""
    return to_csv(trend.series)


def forecast_csv(result: ForecastResult) -> str:
    """One row per question and confidence (or probability / hit rate)."""
    rows = []
    for question, answer in result.answers.items():
        for confidence, value in (answer.get("by_confidence") or {}).items():
            rows.append((question, confidence, value))
        for key in ("probability", "hit_rate"):
            if key in answer:
                rows.append((question, key, answer[key]))
    return rows_csv(["question", "confidence", "answer"], rows)


def pulse_csv(result: PulseResults) -> str:
    """Every cell, shown or hidden (a hidden one carries no figure)."""
    columns = ("scope", "team_id", "question", "period_start", "status", "respondents", "mean", "enps")
    table = pa.table({c.replace("period_start", "period"): [getattr(g, c) for g in result.groups] for c in columns})
    return to_csv(table)


def obstacles_csv(result: Obstacles) -> str:
    """The open obstacles (time to help is in the JSON and the terminal)."""
    return to_csv(result.open)


def kudos_csv(result: Kudos) -> str:
    return to_csv(result.rows)
