"""Vendor exports end to end: the same ten deals as HubSpot, Salesforce and Pipedrive write them.

Window [2026-01-01, 2026-04-01). Created in the window: deals 1001–1009 → 9 opportunities.
Closed in the window: won 1001 (20 d, 12,000), 1002 (30 d, no amount), 1004 (40 d, 30,000),
1008 (10 d, 6,000), 1010 (70 d, 20,000, created in November); lost 1003 and 1005. Deal 1006 was lost
and reopened: it is open. Win rate 5/7; average deal 68,000/4 = 17,000 (the blank amount is left out);
cycle (20 + 30 + 40 + 10 + 70)/5 = 34 days; velocity = 9 × 5/7 × 17,000 / 34 = 3,214.29 per day.
Pipedrive writes 0 for a deal without a value, so there the average is 68,000/5 = 13,600.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

import salesvelocity as sv
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


def test_hubspot_export_with_padded_cells_reads_the_same(store, tmp_path):
    """Cells padded with spaces (a hand-edited export): an empty-looking "Date entered" cell is no stage
    change, a padded one is read, and columns without padding (read as they are) give the same rows."""
    rows = list(csv.reader((FIXTURES / "hubspot_deals.csv").read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    owner = header.index("Deal owner")
    stages = [i for i, h in enumerate(header) if h.startswith("Date entered")]
    for row in rows[1:]:
        row[owner] = f" {row[owner]}\u00a0"
        for i in stages:
            row[i] = f"  {row[i]} " if row[i] else "   "
    path = tmp_path / "hubspot-crm-exports-all-deals.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    import_paths(store, [path])
    check_formula(velocity(store), 17000.0)
    assert store.count("stage_changes") == 31
    assert sorted(r[0] for r in store.sql("SELECT person_id FROM people").fetchall()) == ["Anna Schmidt", "Ben Okafor"]


def test_hubspot_rows_and_stage_columns_that_repeat(store, tmp_path):
    """Stage columns give one change per deal and stage only when no deal repeats and no stage name does:
    otherwise the changes are checked for duplicates like any others, and identical copies collapse."""
    rows = list(csv.reader((FIXTURES / "hubspot_deals.csv").read_text(encoding="utf-8-sig").splitlines()))
    path = tmp_path / "hubspot-crm-exports-all-deals.csv"

    def write(table) -> Path:
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out, lineterminator="\n").writerows(table)
        return path

    result = import_paths(store, [write([*rows, rows[1]])])  # a row exported twice
    assert store.count("stage_changes") == 31 and store.count("deals") == 10
    assert any("identical" in note for note in result.notes)
    # The same stage under a second pipeline's column, with the same dates: each copy is one change.
    header = rows[0]
    demo = header.index('Date entered "Demo Booked (Sales Pipeline)"')
    twice = [[*r, r[demo]] for r in rows]
    twice[0][-1] = 'Date entered "Demo Booked (Partner Pipeline)"'
    result = import_paths(store, [write(twice)])
    assert store.count("stage_changes") == 31 and any("identical" in note for note in result.notes)


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


FOOTER_LINES = [
    "",
    '"Grand Totals (10 records)"',
    '"Q1 pipeline — all opportunities"',
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
    '"Confidential Information - Do Not Distribute"',
    '"Generated By:  Jane Doe  4/2/2026 10:14 AM"',
    '"Acme, Inc."',
]


def _footer_shapes() -> list[tuple[str, ...]]:
    """Every subset of the footer lines in the order Salesforce writes them, and some reordered."""
    import itertools

    shapes = [c for r in range(len(FOOTER_LINES) + 1) for c in itertools.combinations(FOOTER_LINES, r)]
    return shapes + [tuple(reversed(c)) for c in shapes if len(c) > 1][:20]


def test_every_salesforce_footer_shape_is_dropped_and_no_row_is_lost():
    from salesvelocity.ingest.files import strip_footer

    text = (FIXTURES / "salesforce_opportunities.csv").read_text(encoding="utf-8")
    data = text[: text.index("\n\n")] + "\n"
    for shape in _footer_shapes():
        for newline in ("\n", "\r\n"):
            raw = (data + "\n".join(shape) + ("\n" if shape else "")).replace("\n", newline).encode()
            assert strip_footer(raw).replace(b"\r\n", b"\n") == data.encode(), shape
    # A broken last row of a two-column file is kept, so that the parser reports it.
    assert strip_footer(b"a,b\n1,2\nx\n") == b"a,b\n1,2\nx\n"
    # A stray carriage return inside the last line is counted, not a crash (found by hypothesis in CI).
    assert strip_footer(b"a,b,c,d,e,f,g\n,,,,,,\r0\n").startswith(b"a,b,c,d,e,f,g\n")


@pytest.mark.parametrize(
    "shape",
    [
        ("", '"Q1 pipeline"', '"Acme, Inc."'),
        ('"Acme, Inc."',),
        ("", "", '"Generated By:  Jane Doe  4/2/2026 10:14 AM"'),
        tuple(FOOTER_LINES),
    ],
)
def test_salesforce_report_with_a_footer_shape_imports(store, tmp_path, shape):
    text = (FIXTURES / "salesforce_opportunities.csv").read_text(encoding="utf-8")
    path = tmp_path / "report1712345678901.csv"
    path.write_text(text[: text.index("\n\n")] + "\n" + "\n".join(shape) + "\n", encoding="utf-8")
    import_paths(store, [path])
    assert store.count("deals") == 10


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
    assert "refers to an unknown deal" in message
    assert "history.csv column `deal_id` (from `Opportunity ID`): 31 rows (rows 2," in message
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


@pytest.mark.parametrize("fixture", ["hubspot_deals.csv", "pipedrive_deals.csv", "salesforce_opportunities.csv"])
def test_a_vendor_export_saved_under_a_canonical_name_is_read_by_its_headers(store, tmp_path, fixture):
    path = tmp_path / "deals.csv"
    shutil.copy(FIXTURES / fixture, path)
    result = import_paths(store, [path])
    assert not result.files[str(path)].startswith("canonical")
    assert store.count("deals") == 10


def test_a_canonical_table_under_another_name_is_read_by_its_columns(store, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("person_id,name\nP1,Ann\n", encoding="utf-8")
    deals = tmp_path / "deals.csv"  # holds leads: its columns say so
    deals.write_text("lead_id,created_at,owner_id,source\nL1,2026-01-02T10:00:00Z,P1,web\n", encoding="utf-8")
    result = import_paths(store, [people, deals])
    assert result.files[str(deals)] == "canonical leads (by its columns)"
    assert store.count("leads") == 1 and store.count("deals") == 0


def test_pipedrive_deals_that_never_moved_stage_entered_it_when_created(store, tmp_path):
    text = (FIXTURES / "pipedrive_deals.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    at = header.index("Deal - Last stage change")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows[:3]:
        row[at] = ""
    path = tmp_path / "deals.csv"
    path.write_text("\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    import_paths(store, [path])
    still = store.sql(
        "SELECT deal_id FROM stage_changes s JOIN deals d USING (deal_id) WHERE s.entered_at = d.created_at"
    ).fetchall()
    assert {r[0] for r in rows[:3]} <= {r[0] for r in still}
    assert store.count("stage_changes") == 10


def test_salesforce_data_loader_opportunities_and_users_merge_their_people(store, tmp_path):
    """Owners come from Opportunity.csv and people from User.csv: one person per id, the user's name wins,
    in either order and in one import or two; an owner missing from User.csv stays a placeholder."""
    opportunities = FIXTURES / "salesforce_dataloader_Opportunity.csv"
    users = FIXTURES / "salesforce_dataloader_User.csv"
    import_paths(store, [opportunities, users])
    people = store.sql("SELECT person_id, name, email, manager_id FROM people ORDER BY 1").fetchall()
    assert people == [
        ("0055g0001", "Jane Doe", "jane.doe@acme.example", "0055g0009"),
        ("0055g0002", "0055g0002", None, None),
        ("0055g0009", "Sam Lee", "sam.lee@acme.example", None),
    ]
    # An opportunity export imported later does not turn the names back into ids.
    again = import_paths(store, [opportunities])
    assert again.tables["people"].updated == 0
    assert store.sql("SELECT name FROM people WHERE person_id = '0055g0001'").fetchone() == ("Jane Doe",)
    assert store.count("deals") == 3
    # Users first, opportunities in a later import: the same people.
    other = sv.connect(":memory:")
    try:
        import_paths(other, [users])
        import_paths(other, [opportunities])
        assert other.sql("SELECT person_id, name, email, manager_id FROM people ORDER BY 1").fetchall() == people
    finally:
        other.close()


def test_won_deals_without_a_close_date_close_at_their_last_change(store, tmp_path):
    """HubSpot: an empty Close Date on a won deal; its "Date entered Closed Won" column dates it."""
    rows = list(csv.reader((FIXTURES / "hubspot_deals.csv").read_text(encoding="utf-8-sig").splitlines()))
    header, first = rows[0], rows[1]
    assert first[header.index("Deal Stage")] == "Closed Won"
    first[header.index("Close Date")] = ""
    path = tmp_path / "hubspot-crm-exports-all-deals.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    result = import_paths(store, [path])
    closed = store.sql(f"SELECT closed_at::VARCHAR FROM deals WHERE deal_id = '{first[0]}'").fetchone()
    assert closed == ("2026-01-25 09:00:00",)
    note = "1 won or lost deal(s) without a close date closed at their last stage change"
    assert any(note in n for n in result.notes)


def test_salesforce_won_deals_without_a_close_date_take_the_last_modified_date(store, tmp_path):
    path = tmp_path / "Opportunity.csv"
    path.write_text(
        '"ID","NAME","STAGENAME","AMOUNT","CLOSEDATE","ISCLOSED","ISWON","OWNERID","CREATEDDATE","LASTMODIFIEDDATE"\n'
        '"006A","A","Closed Won","10","","true","true","005A","2024-01-02T10:00:00.000+0000",'
        '"2024-02-03T11:00:00.000+0000"\n'
        '"006B","B","Prospecting","20","","false","false","005A","2024-01-02T10:00:00.000+0000",'
        '"2024-02-03T11:00:00.000+0000"\n',
        encoding="utf-8",
    )
    import_paths(store, [path])
    rows = store.sql("SELECT deal_id, status, closed_at::VARCHAR FROM deals ORDER BY 1").fetchall()
    assert rows == [("006A", "won", "2024-02-03 11:00:00"), ("006B", "open", None)]


def test_won_deals_with_nothing_to_date_them_are_counted_and_the_fix_named(store, tmp_path):
    path = tmp_path / "Opportunity.csv"
    lines = ['"ID","NAME","STAGENAME","AMOUNT","CLOSEDATE","OWNERID","CREATEDDATE"']
    lines += [f'"006{i}","N","Closed Won","10","","005A","2024-01-02T10:00:00.000+0000"' for i in range(40)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [path])
    message = str(caught.value)
    assert "column `closed_at` (from `CLOSEDATE`): 40 rows (rows 2, 3, 4, 5, 6, …)" in message, message
    assert 'fallbacks = ["Last Modified Date"]' in message
