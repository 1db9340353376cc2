"""The report as JSON (one document) or CSV (one table per section)."""

from __future__ import annotations

from pathlib import Path

from salesvelocity.output import to_csv, to_json
from salesvelocity.report.build import Report


def report_json(report: Report) -> str:
    return to_json(report.to_dict())


def report_csv(report: Report, folder: Path | None = None) -> str | list[Path]:
    """Without ``folder``: every section as CSV, each headed by ``# section`` and a blank line apart.
    With ``folder``: one ``<section>.csv`` per section, returned as paths."""
    if folder is None:
        return "\n".join(f"# {name}\n{to_csv(table)}" for name, table in report.sections.items())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in report.sections.items():
        path = folder / f"{name}.csv"
        path.write_text(to_csv(table), encoding="utf-8")
        written.append(path)
    return written
