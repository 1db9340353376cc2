"""Lead → deal conversion, worked by hand on the funnel fixture's deals; window [2026-01-01, 2026-04-01).

Leads (source, created, outcome):
  m1 Web   2026-01-22  → s6 (created 2026-02-01, won)   10 days
  m2 Web   2026-01-01  → s2 (created 2026-01-02, won)    1 day
  m3 Event 2026-01-01  → s3 (created 2026-01-05, lost)   4 days
  m4 Web   2026-01-10  disqualified 2026-01-12
  m5 Event 2026-02-15  still open
  m6 Web   2026-03-01  → X9 (not in the database): converted, no time
  m7 Web   2025-12-01  → s4: created before the window, left out
Web: 4 leads, 3 converted (75 %), 1 disqualified, 2 won (50 %), days [1, 10] → P50 5.5, P85 1 + 0.85 × 9 = 8.65.
Event: 2 leads, 1 converted, 1 open, 0 won, days [4].
All: 6 leads, 4 converted, 1 disqualified, 1 open, 2 won, days [1, 4, 10] → P50 4.
"""

from __future__ import annotations

from datetime import date

import pytest

from salesvelocity.errors import MetricError
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import Window, lead_conversion
from tests.conftest import write_csv
from tests.metrics.fixtures import write_funnel

WINDOW = Window(date(2026, 1, 1), date(2026, 4, 1))
LEADS = (
    ["lead_id", "created_at", "owner_id", "source", "converted_deal_id", "disqualified_at"],
    [
        ["m1", "2026-01-22", "A1", "Web", "s6", ""],
        ["m2", "2026-01-01", "A1", "Web", "s2", ""],
        ["m3", "2026-01-01", "B1", "Event", "s3", ""],
        ["m4", "2026-01-10", "B1", "Web", "", "2026-01-12"],
        ["m5", "2026-02-15", "A1", "Event", "", ""],
        ["m6", "2026-03-01", "A1", "Web", "X9", ""],
        ["m7", "2025-12-01", "A1", "Web", "s4", ""],
    ],
)


@pytest.fixture
def leads_store(store, tmp_path):
    folder = write_funnel(tmp_path / "funnel")
    write_csv(folder, "leads", *LEADS)
    import_paths(store, [folder])
    return store


def test_conversion_by_source(leads_store):
    got = {r["group"]: r for r in leads_store.execute(lead_conversion(leads_store, WINDOW, "source")).to_pylist()}
    web, event = got["Web"], got["Event"]
    assert (web["leads"], web["converted"], web["disqualified"], web["still_open"], web["won"]) == (4, 3, 1, 0, 2)
    assert web["conversion_rate"] == pytest.approx(0.75) and web["lead_to_win"] == pytest.approx(0.5)
    assert web["p50_days"] == pytest.approx(5.5) and web["p85_days"] == pytest.approx(8.65)
    assert (event["leads"], event["converted"], event["still_open"], event["won"]) == (2, 1, 1, 0)
    assert event["p50_days"] == pytest.approx(4.0)


def test_conversion_overall_and_by_month(leads_store):
    (everyone,) = leads_store.execute(lead_conversion(leads_store, WINDOW)).to_pylist()
    assert (everyone["leads"], everyone["converted"], everyone["disqualified"], everyone["won"]) == (6, 4, 1, 2)
    assert everyone["p50_days"] == pytest.approx(4.0)
    months = leads_store.execute(lead_conversion(leads_store, WINDOW, period="month")).to_pylist()
    assert [(m["period_start"], m["leads"], m["converted"]) for m in months] == [
        (date(2026, 1, 1), 4, 3),
        (date(2026, 2, 1), 1, 0),
        (date(2026, 3, 1), 1, 1),
    ]


def test_conversion_by_person_and_a_wrong_period(leads_store):
    got = {r["group"]: r for r in leads_store.execute(lead_conversion(leads_store, WINDOW, "person")).to_pylist()}
    assert (got["A1"]["leads"], got["B1"]["leads"]) == (4, 2)
    with pytest.raises(MetricError, match="period 'year' is not known"):
        lead_conversion(leads_store, WINDOW, period="year")
