"""The report: every section, every format, and the HTML opened in a real headless Chromium."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.errors import MetricError
from salesvelocity.renderers import to_json as report_json
from salesvelocity.report.build import build_report
from salesvelocity.report.html import render_html
from salesvelocity.report.tabular import report_csv, report_csv_files
from salesvelocity.report.terminal import render_terminal

SECTIONS = {
    "velocity",
    "velocity_overall",
    "cycle",
    "cycle_overall",
    "funnel",
    "time_in_stage",
    "bottleneck",
    "aging",
    "stuck_deals",
    "speed_to_lead",
    "lead_conversion",
    "slippage",
    "coverage",
    "cycle_scatter",
}
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def demo_store():
    con = sv.connect(":memory:")
    load_demo(con, generate(1500, 2, date(2026, 12, 1)))
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(demo_store):
    return build_report(demo_store, today=date(2026, 12, 1))


def test_every_section_has_rows_and_sql(report):
    assert set(report.sections) == SECTIONS
    for name, table in report.sections.items():
        assert table.num_rows > 0, name
        assert report.sql[name].lstrip().upper().startswith(("SELECT", "WITH")), name
    over = report.over_time
    assert over is not None and over.trend.groups and over.cfd and over.daily.size == 84
    assert over.forecast.answers["how_many"]["by_confidence"]["85"] > 0
    assert any("coaching" in j.label and j.status == "judged" for j in over.judgments)
    assert report.health is not None and len(report.health.rows) == 3 and report.health.unrecognised  # 3 demo teams
    assert (report.start.date(), report.end.date()) == (date(2026, 9, 2), date(2026, 12, 1))


def test_terminal_reads_at_100_columns(report):
    console = Console(width=100, record=True, force_terminal=False)
    render_terminal(report, console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    for title in ("Sales velocity", "Funnel", "Time in stage", "Where help is needed", "Speed-to-lead", "coverage"):
        assert title in text


def test_json_and_csv(report, tmp_path):
    doc = json.loads(report_json(report))
    assert doc["window"] == {"from": "2026-09-02", "to": "2026-12-01"}
    assert set(doc["sections"]) == SECTIONS
    assert doc["over_time"]["trend"]["cadence"] == "week" and doc["over_time"]["changes"]
    files = report_csv_files(report)
    assert {name.removesuffix(".csv") for name in files} == SECTIONS
    header = files["velocity.csv"].splitlines()[0]
    assert header.startswith("group,label,open_avg,created,won,lost,win_rate")
    assert report_csv(report).startswith("# velocity\n")


def test_grouping_and_team_filter(demo_store):
    by_segment = build_report(demo_store, by="segment", today=date(2026, 12, 1))
    assert {r["group"] for r in by_segment.sections["velocity"].to_pylist()} == {"SMB", "Mid-Market", "Enterprise"}
    assert any("cannot be grouped by segment" in n for n in by_segment.notes)
    one = build_report(demo_store, team="nordics", today=date(2026, 12, 1))  # a name works as well as an id
    assert [r["group"] for r in one.sections["velocity"].to_pylist()] == ["T01"]
    with pytest.raises(MetricError, match="teams are: T01 \\(Nordics\\)"):
        build_report(demo_store, team="Atlantis")


def test_empty_database_reports_no_data_without_crashing():
    with sv.connect(":memory:") as con:
        empty = build_report(con, today=date(2026, 12, 1))
        assert empty.sections["velocity"].num_rows == 0
        assert any(
            n.startswith("no deals were created or closed in this window; the database holds no deals")
            for n in empty.notes
        )
        assert set(empty.no_data) >= {
            "funnel",
            "time_in_stage",
            "speed_to_lead",
            "lead_conversion",
            "coverage",
            "slippage",
        }
        console = Console(width=100, record=True)
        render_terminal(empty, console)
        assert "<html" in render_html(empty)


@pytest.mark.browser
def test_html_report_renders_its_charts_in_chromium(report, tmp_path):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Chromium is required for browser tests: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 10", timeout=30000)
        charts = page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.id)")
        bars = page.locator("#chart-velocity .bars .point").count()
        funnel_steps = page.locator("#chart-funnel-0 .trace.bars .point, #chart-funnel-0 .funnel .point").count()
        boxes = page.locator("#chart-time-in-stage .boxlayer .trace").count()
        dots = page.locator("#chart-cycle canvas, #chart-cycle .scatterlayer .point").count()
        stuck_rows = page.locator("#stuck table tr").count()
        browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests  # self-contained: no network
    assert {"chart-velocity", "chart-funnel-0", "chart-time-in-stage", "chart-cycle", "chart-speed-to-lead"} <= set(
        charts
    )
    assert bars == report.sections["velocity"].num_rows
    assert funnel_steps >= 5
    assert boxes >= 1 and dots >= 1
    assert stuck_rows == report.sections["stuck_deals"].num_rows + 1


def test_trend_with_an_explicit_baseline_period_and_wip_per_stage(demo_store):
    from salesvelocity.report.trend import build_trend

    default = build_trend(demo_store, "cycle", "week", by=None, today=date(2026, 12, 1))
    chosen = build_trend(
        demo_store,
        "cycle",
        "week",
        by=None,
        today=date(2026, 12, 1),
        baseline_period=(date(2026, 6, 1), date(2026, 9, 1)),
    )
    assert default.groups[0].chart.baseline == 12
    assert chosen.groups[0].chart.baseline == 14  # Mondays 2026-06-01 … 2026-08-31: 5 + 4 + 5 weeks
    wip = build_trend(demo_store, "wip", "month", by=None, today=date(2026, 12, 1))
    last = [r for r in wip.wip_by_stage if r["period_start"] == date(2026, 11, 1)]
    assert last and all(r["deals"] > 0 for r in last)
    # the stages' counts add up to the open deals in an open stage at the end of November
    total = demo_store.sql(
        """SELECT count(*) FROM deals d
           WHERE created_at < '2026-12-01' AND (closed_at IS NULL OR closed_at >= '2026-12-01')
             AND EXISTS (SELECT 1 FROM stage_changes s WHERE s.deal_id = d.deal_id)"""
    ).fetchone()[0]
    assert sum(r["deals"] for r in last) == total
