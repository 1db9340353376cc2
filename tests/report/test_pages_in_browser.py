"""Every HTML page (report, trend, forecast, team health) of the demo company, opened in a real Chromium at
phone, laptop and desktop widths and in print: nothing wider than its box, no sideways scrolling, every
chart's text inside the chart, no two chart labels on top of each other, and no text under a chart."""

from __future__ import annotations

from datetime import date

import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo

TODAY = date(2026, 12, 1)
CHROMIUM = "/usr/bin/chromium"

#: Runs in the page; returns a list of problems in words (empty when the page is fine).
PROBLEMS = """() => {
  const problems = [];
  const r = el => el.getBoundingClientRect();
  const name = el => el.id || el.className?.baseVal || el.className || el.tagName;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2
                         && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  const charts = [...document.querySelectorAll('.js-plotly-plot')];
  for (const chart of charts) {
    const box = r(chart);
    if (box.width > r(chart.parentElement).width + 1) problems.push(`${chart.id} is wider than its box`);
    const texts = [...chart.querySelectorAll('.gtitle, .annotation-text, .g-xtitle text, .g-ytitle text, .legendtext')]
      .filter(t => t.textContent.trim() && r(t).width > 0);
    for (const t of texts) {
      const b = r(t);
      if (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1)
        problems.push(`${chart.id}: "${t.textContent}" is cut off by the chart's edge`);
    }
    const labels = [...chart.querySelectorAll('.annotation-text, .gtitle')].filter(t => t.textContent.trim());
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        if (overlap(r(labels[i]), r(labels[j])))
          problems.push(`${chart.id}: "${labels[i].textContent}" overlaps "${labels[j].textContent}"`);
  }
  const words = [...document.querySelectorAll('p, td, th, li, h1, h2, h3, .tile-value')].filter(e => r(e).width > 0);
  for (const chart of charts)
    for (const w of words)
      if (!chart.contains(w) && !w.contains(chart) && overlap(r(chart), r(w)))
        problems.push(`"${w.textContent.trim().slice(0, 40)}" lies under ${chart.id}`);
  for (const w of words)
    if (r(w).right > window.innerWidth + 1 && !w.closest('section'))
      problems.push(`"${w.textContent.trim().slice(0, 40)}" runs off the page`);
  return problems;
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The four pages of a demo company, written as files."""
    from salesvelocity.config import Settings
    from salesvelocity.context import Context
    from salesvelocity.report.empowerment_html import health_page
    from salesvelocity.report.flow_html import forecast_page, trend_page
    from salesvelocity.report.html import render_html
    from salesvelocity.services import forecast, funnel, health, trend

    folder = tmp_path_factory.mktemp("pages")
    con = sv.connect(":memory:")
    load_demo(con, generate(3000, 7, TODAY))
    with Context.of(con, Settings(db=":memory:"), today=TODAY) as ctx:  # pages as the services give them
        html = {
            "report": render_html(funnel.report(ctx)),
            "trend": trend_page(trend.trend(ctx, "velocity", "week")),
            "forecast": forecast_page(
                forecast.forecast(ctx, target=True, metric="amount", team="Nordics", backtest=True)
            ),
            "health": health_page(health.health(ctx)),
        }
    files = {}
    for name, text in html.items():
        files[name] = folder / f"{name}.html"
        files[name].write_text(text, encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", ["report", "trend", "forecast", "health"])
@pytest.mark.parametrize("width", [390, 1024, 1440, "print"])
def test_page_fits_and_nothing_overlaps(pages, browser, name, width):
    page = browser.new_page(viewport={"width": 794 if width == "print" else width, "height": 900})
    page.goto(pages[name].as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)
    if width == "print":  # an A4 page's width, print styles, and the charts redrawn as before printing
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        page.wait_for_timeout(400)
    problems = page.evaluate(PROBLEMS)
    page.close()
    assert problems == []


@pytest.mark.browser
def test_the_forecast_page_carries_its_answers(pages, browser):
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.goto(pages["forecast"].as_uri())
    text = page.inner_text("main")
    page.close()
    for answer in ("How much by", "When will we reach", "chance of reaching it", "Backtest:", "Open pipeline:"):
        assert answer in text
