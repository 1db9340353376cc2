"""Vendor exports end to end: the same ten deals as HubSpot, Salesforce and Pipedrive write them.

Window [2026-01-01, 2026-04-01). Created in the window: deals 1001–1009 → 9 opportunities.
Closed in the window: won 1001 (20 d, 12,000), 1002 (30 d, no amount), 1004 (40 d, 30,000),
1008 (10 d, 6,000), 1010 (70 d, 20,000, created in November); lost 1003 and 1005. Deal 1006 was lost
and reopened: it is open. Win rate 5/7; average deal 68,000/4 = 17,000 (the blank amount is left out);
cycle (20 + 30 + 40 + 10 + 70)/5 = 34 days; velocity = 9 × 5/7 × 17,000 / 34 = 3,214.29 per day.
Pipedrive writes 0 for a deal without a value, so there the average is 68,000/5 = 13,600.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from salesvelocity.errors import ImportValidationError
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import Window, sales_velocity, stage_catalog

FIXTURES = Path(__file__).parent / "fixtures"
WINDOW = Window.of(date(2026, 1, 1), date(2026, 4, 1))


def velocity(store) -> dict:
    (row,) = store.execute(sales_velocity(store, WINDOW)).to_pylist()
    return row


def check_formula(row: dict, average: float) -> None:
    assert (row["created"], row["won"], row["lost"]) == (9, 5, 2)
    assert row["open_avg"] > 0
    assert row["win_rate"] == pytest.approx(5 / 7)
    assert row["avg_deal_size"] == pytest.approx(average)
    assert row["cycle_days"] == pytest.approx(34.0)
    assert row["velocity_per_day"] == pytest.approx(row["open_avg"] * 5 / 7 * average / 34)


def test_hubspot_deals_export(store):
    result = import_paths(store, [FIXTURES / "hubspot_deals.csv"])
    assert result.files[str(FIXTURES / "hubspot_deals.csv")] == "hubspot deals"
    check_formula(velocity(store), 17000.0)
    assert store.count("stage_changes") == 31  # one per filled "Date entered" cell
    assert sorted(r[0] for r in store.sql("SELECT person_id FROM people").fetchall()) == ["Anna Schmidt", "Ben Okafor"]
    reopened = store.sql("SELECT status, stage, closed_at FROM deals WHERE deal_id = '1006'").fetchone()
    assert reopened == ("open", "Contract Sent", None)
    kinds = {r["stage"]: r["kind"] for r in store.execute(stage_catalog(store)).to_pylist()}
    assert kinds["Closed Won"] == "won" and kinds["Closed Lost"] == "lost" and kinds["Demo Booked"] == "open"
    order = sorted(
        (r["position"], r["stage"]) for r in store.execute(stage_catalog(store)).to_pylist() if r["kind"] == "open"
    )
    assert [s for _, s in order] == ["Appointment Scheduled", "Qualified To Buy", "Demo Booked", "Contract Sent"]
    again = import_paths(store, [FIXTURES / "hubspot_deals.csv"])
    assert all(c.new == c.updated == 0 for c in again.tables.values())


def test_hubspot_export_saved_by_excel_as_utf16_tab_text(store, tmp_path):
    text = (FIXTURES / "hubspot_deals.csv").read_text(encoding="utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    path = tmp_path / "hubspot-crm-exports-all-deals.txt"
    path.write_text(out.getvalue(), encoding="utf-16")
    import_paths(store, [path], source="hubspot")
    check_formula(velocity(store), 17000.0)


def test_salesforce_reports_with_footers(store):
    result = import_paths(
        store, [FIXTURES / "salesforce_opportunities.csv", FIXTURES / "salesforce_opportunity_history.csv"]
    )
    assert set(result.files.values()) == {"salesforce opportunities", "salesforce opportunity history"}
    check_formula(velocity(store), 17000.0)
    assert store.count("deals") == 10  # the "Grand Totals" and copyright lines are not deals
    assert store.count("stage_changes") == 31  # the same-day amount change in the history is one stage entry
    amount = store.sql("SELECT amount FROM deals WHERE deal_id = '006Q0000001004'").fetchone()[0]
    assert float(amount) == 30000.0  # "USD 30,000.00"
    custom = {r[0] for r in store.sql("SELECT DISTINCT stage FROM stage_changes").fetchall()}
    assert "Proof of Concept" in custom and "Negotiation/Review" in custom


def test_pipedrive_deals_export(store):
    import_paths(store, [FIXTURES / "pipedrive_deals.csv"])
    assert store.count("deals") == 10  # the deleted deal is left out
    check_formula(velocity(store), 13600.0)
    reopened = store.sql("SELECT status, closed_at FROM deals WHERE deal_id = '1006'").fetchone()
    assert reopened == ("open", None)  # its old lost time does not close it
    lost = store.sql("SELECT closed_at::VARCHAR, lost_reason FROM deals WHERE deal_id = '1003'").fetchone()
    assert lost == ("2026-01-22 12:00:00", "Price")
    assert store.count("stage_changes") == 10


def test_forcing_the_wrong_vendor_is_a_clear_error(store):
    with pytest.raises(ImportValidationError, match="not recognised as a pipedrive export"):
        import_paths(store, [FIXTURES / "hubspot_deals.csv"], source="pipedrive")
    assert store.count("deals") == 0


def test_a_history_without_its_deals_names_the_fix(store, tmp_path):
    shutil.copy(FIXTURES / "salesforce_opportunity_history.csv", tmp_path / "history.csv")
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [tmp_path / "history.csv"])
    message = str(caught.value)
    assert "refers to an unknown deal" in message and "history.csv row 2" in message
    assert store.count("stage_changes") == 0


def test_deals_without_an_owner_get_a_placeholder_person(store, tmp_path):
    text = (FIXTURES / "hubspot_deals.csv").read_text(encoding="utf-8-sig").replace(",Anna Schmidt,", ",,", 1)
    path = tmp_path / "hubspot.csv"
    path.write_text(text, encoding="utf-8")
    import_paths(store, [path])
    assert store.sql("SELECT owner_id FROM deals WHERE deal_id = '1001'").fetchone()[0] == "unassigned"
    assert store.sql("SELECT name FROM people WHERE person_id = 'unassigned'").fetchone()[0] == "Unassigned"


def test_an_export_without_a_needed_column_says_which(store, tmp_path):
    import csv

    rows = list(csv.reader((FIXTURES / "salesforce_opportunities.csv").read_text().splitlines()[:11]))
    keep = [i for i, h in enumerate(rows[0]) if h not in ("Created Date", "Opportunity Owner")]
    path = tmp_path / "report.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([[r[i] for i in keep] for r in rows])
    with pytest.raises(ImportValidationError, match=r"lacks created_at \(a created date column\)"):
        import_paths(store, [path])
    assert store.count("deals") == 0


def test_salesforce_data_loader_export(store):
    """API names in capitals, IsWon/IsClosed flags (a custom won stage "Signed"), +0000 offsets, and a
    row from the recycle bin (IsDeleted) that is left out."""
    import_paths(store, [FIXTURES / "salesforce_dataloader_Opportunity.csv"])
    rows = store.sql("SELECT deal_id, status, created_at::VARCHAR, closed_at::VARCHAR FROM deals ORDER BY 1").fetchall()
    assert rows == [
        ("0065g00000A1", "open", "2022-07-27 17:40:52", None),
        ("0065g00000A2", "lost", "2022-07-27 17:41:19", "2022-09-14 00:00:00"),
        ("0065g00000A3", "won", "2022-08-01 09:00:00", "2022-09-20 00:00:00"),
    ]
