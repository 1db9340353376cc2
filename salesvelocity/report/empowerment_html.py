"""Empowerment charts: the velocity–empowerment quadrant, and the health page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

import salesvelocity
from salesvelocity import clock
from salesvelocity.empowerment.health import EMPOWERED, TeamBalance
from salesvelocity.i18n import _, language
from salesvelocity.report.html import PALETTE, _div, _env

if TYPE_CHECKING:
    from salesvelocity.services.health import Health


def quadrant_chart(teams: list[TeamBalance], name: str = "balance") -> str:
    known = [t for t in teams if t.velocity_index is not None and t.empowerment_index is not None]
    fig = go.Figure(
        go.Scatter(
            x=[t.empowerment_index for t in known],
            y=[t.velocity_index for t in known],
            mode="markers+text",
            text=[t.name for t in known],
            textposition="top center",
            marker=dict(size=16, color=["#d97706" if t.warnings else PALETTE[0] for t in known]),
            customdata=[t.reading for t in known],
            hovertemplate="%{text}<br>"
            + _("empowerment")
            + " %{x:.0%}<br>"
            + _("velocity index")
            + " %{y:.2f}<br>%{customdata}<extra></extra>",
        )
    )
    fig.add_hline(y=1.0, line_dash="dash", line_color="#6b7280")
    fig.add_vline(x=EMPOWERED, line_dash="dash", line_color="#6b7280")
    for x, y, label in (
        (1.0, 1.0, _("moving well")),
        (0.0, 1.0, _("fast, strained")),
        (1.0, 0.0, _("supported, slower")),
        (0.0, 0.0, _("slower, strained")),
    ):
        fig.add_annotation(
            x=x,
            y=y,
            xref="paper",
            yref="paper",
            text=label,
            showarrow=False,
            xanchor="right" if x > 0.5 else "left",
            yanchor="top" if y > 0.5 else "bottom",
            font=dict(color="#6b7280", size=10),
        )
    # 1.0 (as usual) sits inside the chart, so the quadrants are visible whatever the data.
    ys = [t.velocity_index for t in known] or [1.0]
    low, high = min(0.5, min(ys) - 0.15), max(1.5, max(ys) + 0.3)  # room for the name above the top point
    fig.update_layout(
        title=_("Velocity beside empowerment (amber: a warning stands)"),
        xaxis_title=_("empowerment index"),
        yaxis_title=_("velocity index (vs own baseline)"),
        xaxis_range=[0, 1],
        yaxis_range=[low, high],
        xaxis_tickformat=".0%",
    )
    return _div(fig, name)


def health_page(result: Health) -> str:
    """The health result as one page: the balance quadrant and table, and the early warnings by person."""
    return _env.get_template("health.html").render(
        teams=result.teams,
        team_names=result.team_names,
        people=result.people,
        day=result.as_of,
        notes=result.notes,
        chart=quadrant_chart(result.teams),
        plotlyjs=get_plotlyjs(),
        version=salesvelocity.__version__,
        lang=language(),
        generated=clock.stamp(),
    )
