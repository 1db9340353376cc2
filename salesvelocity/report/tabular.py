"""The report as JSON (one document) or CSV (one table per section)."""

from __future__ import annotations

from salesvelocity.output import to_csv, to_json
from salesvelocity.report.build import Report


def report_json(report: Report) -> str:
    return to_json(report.to_dict())


def report_csv(report: Report) -> str:
    """Every section as CSV, each headed by ``# section`` and a blank line apart."""
    return "\n".join(f"# {name}\n{to_csv(table)}" for name, table in report.sections.items())


def report_csv_files(report: Report) -> dict[str, str]:
    """One ``<section>.csv`` per section: file name → CSV text (written as one folder by the caller)."""
    return {f"{name}.csv": to_csv(table) for name, table in report.sections.items()}
