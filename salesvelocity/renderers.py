"""One registry of renderers: for each result type and format, the function that renders it.

``table`` renderers print to a (Rich) console; ``csv`` and ``html`` ones return text, and a CSV renderer
may also give one file per part (``files``) for an output folder; ``json`` is every result's own dump
and needs no entry. Entries name their function as ``module:function`` and are imported only when used,
so a command loads the renderers it prints with and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from salesvelocity.errors import SalesVelocityError

if TYPE_CHECKING:
    from collections.abc import Callable

    from salesvelocity.results import Result

FORMATS = ("table", "json", "csv", "html")


@dataclass(frozen=True)
class Renderer:
    target: str  # "module:function"
    what: str = ""  # what a written file holds ("HTML report"), for the confirmation line
    default_file: str | None = None  # where an HTML page goes when no --output is given
    files: str | None = None  # "module:function" giving file name → text, for a CSV folder

    def function(self, which: str | None = None) -> Callable[..., Any]:
        module, name = (which or self.target).split(":")
        return getattr(import_module(module), name)


R = "salesvelocity.report."
RENDERERS: dict[tuple[str, str], Renderer] = {
    ("Report", "table"): Renderer(R + "terminal:render_terminal"),
    ("Report", "csv"): Renderer(R + "tabular:report_csv", "CSV report", files=R + "tabular:report_csv_files"),
    ("Report", "html"): Renderer(R + "html:render_html", "HTML report", "salesvelocity-report.html"),
    ("Trend", "table"): Renderer(R + "flow_terminal:render_trend"),
    ("Trend", "csv"): Renderer(R + "tabular:trend_csv", "CSV trend"),
    ("Trend", "html"): Renderer(R + "flow_html:trend_page", "HTML trend", "salesvelocity-trend.html"),
    ("ForecastResult", "table"): Renderer(R + "flow_terminal:render_forecast"),
    ("ForecastResult", "csv"): Renderer(R + "tabular:forecast_csv", "CSV forecast"),
    ("ForecastResult", "html"): Renderer(R + "flow_html:forecast_page", "HTML forecast", "salesvelocity-forecast.html"),
    ("Changes", "table"): Renderer(R + "flow_terminal:render_changes"),
    ("Health", "table"): Renderer(R + "empowerment_terminal:render_health"),
    ("Health", "html"): Renderer(R + "empowerment_html:health_page", "HTML health", "salesvelocity-health.html"),
    ("PulseResults", "table"): Renderer(R + "empowerment_terminal:render_pulse"),
    ("PulseResults", "csv"): Renderer(R + "tabular:pulse_csv", "CSV pulse"),
    ("Obstacles", "table"): Renderer(R + "empowerment_terminal:render_obstacles"),
    ("Obstacles", "csv"): Renderer(R + "tabular:obstacles_csv", "CSV obstacles"),
    ("Agenda", "table"): Renderer(R + "empowerment_terminal:render_agenda"),
    ("Kudos", "table"): Renderer(R + "empowerment_terminal:render_kudos"),
    ("Kudos", "csv"): Renderer(R + "tabular:kudos_csv", "CSV kudos"),
}


def formats(kind: str) -> list[str]:
    """The formats a result type renders in (json always)."""
    return [f for f in FORMATS if f == "json" or (kind, f) in RENDERERS]


def renderer(kind: str, fmt: str) -> Renderer:
    """The renderer of result type ``kind`` (a class name) in ``fmt``; a clear error where there is none."""
    found = RENDERERS.get((kind, fmt))
    if found is None:
        raise SalesVelocityError(f"this command has no {fmt} output", hint=f"use --format {' or '.join(formats(kind))}")
    return found


def to_json(result: Result, pretty: bool = True) -> str:
    """The JSON output: the result's own dump (indented when ``pretty``)."""
    from salesvelocity.output import to_json as write

    return write(result.dump(), pretty)
