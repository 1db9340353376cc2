"""Generic exports through a mapping: regional conventions, ambiguity, dry run, quarantine, Excel,
event logs, garbage input, and --suggest-mapping followed by an import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from salesvelocity.errors import ConfigError, ImportValidationError
from salesvelocity.ingest import Mapping, import_paths
from salesvelocity.ingest.suggest import suggest

MAPPING = """
[tables.deals]
deal_id = "Opportunity"
owner_id = "Sales Rep"
created_at = "Created"
status = { column = "Phase", values = { "Gewonnen" = "won", "Verloren" = "lost" }, default = "open" }
stage = "Phase"
amount = "Deal Value"
closed_at = { column = "Closed", when_status = ["won", "lost"] }

[tables.people]
person_id = "Sales Rep"
name = "Sales Rep"
team_id = "Team"

[tables.teams]
team_id = "Team"
"""
HEADER = ["Opportunity", "Sales Rep", "Team", "Created", "Phase", "Deal Value", "Closed"]
ROWS = [
    ["A-1", "Jürgen Groß", "Nord", "03-02-2024", "Gewonnen", "1.234,50 €", "17-02-2024 14:30"],
    ["A-2", "Jürgen Groß", "Nord", "13-02-2024", "Angebot", "€ 500,00", ""],
    ["A-3", "Zoë Müller", "Süd", "14-02-2024", "Verloren", "2.000", "20-02-2024"],
]


def write(path: Path, rows, header=HEADER, delimiter=";", encoding="cp1252") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def mapping() -> Mapping:
    import tomllib

    return Mapping.from_dict("test mapping", tomllib.loads(MAPPING))


def deals(store):
    return {
        r[0]: r[1:]
        for r in store.sql(
            "SELECT deal_id, status, amount, created_at::VARCHAR, closed_at::VARCHAR FROM deals ORDER BY 1"
        ).fetchall()
    }


def test_semicolon_windows_1252_decimal_commas_and_day_first_dates(store, tmp_path, mapping):
    path = write(tmp_path / "export.csv", ROWS)
    import_paths(store, [path], mapping=mapping)
    got = deals(store)
    assert got["A-1"] == ("won", pytest.approx(1234.5), "2024-02-03 00:00:00", "2024-02-17 14:30:00")
    assert got["A-2"][:2] == ("open", pytest.approx(500.0)) and got["A-2"][3] is None
    assert got["A-3"][:2] == ("lost", pytest.approx(2000.0))
    names = {r[0] for r in store.sql("SELECT name FROM people").fetchall()}
    assert names == {"Jürgen Groß", "Zoë Müller"}  # Windows-1252 decoded
    assert store.count("teams") == 2


@pytest.mark.parametrize(
    "amount, expected",
    [
        ("1,234.56", 1234.56),
        ("1.234,56", 1234.56),
        ("USD 1,234.56", 1234.56),
        ("1 234,56 €", 1234.56),
        ("£1,234", 1234.0),
        ("1'234.50 CHF", 1234.5),
        ("1234.5", 1234.5),
        ("1.5E+06", 1_500_000.0),  # Excel writes large numbers in E-notation in CSV
        ("1,5E+06", 1_500_000.0),  # ... with the decimal comma of its locale
        ("2.25e3", 2250.0),
        ("4.2E-01", 0.42),
    ],
)
def test_number_conventions(store, tmp_path, mapping, amount, expected):
    rows = [
        ["A-1", "Ann", "Nord", "2024-02-03", "Angebot", amount, ""],
        ["A-2", "Ann", "Nord", "2024-02-04", "Angebot", "12", ""],
    ]
    import_paths(store, [write(tmp_path / "n.csv", rows, delimiter=",", encoding="utf-8")], mapping=mapping)
    assert float(store.sql("SELECT amount FROM deals WHERE deal_id = 'A-1'").fetchone()[0]) == pytest.approx(expected)


def test_a_number_no_amount_can_hold_is_reported_not_mangled(store, tmp_path, mapping):
    rows = [["A-1", "Ann", "Nord", "2024-02-03", "Angebot", "1.5E+300", ""]]
    with pytest.raises(ImportValidationError) as err:
        import_paths(store, [write(tmp_path / "n.csv", rows, delimiter=",", encoding="utf-8")], mapping=mapping)
    assert "1.5E+300" in str(err.value) and "Deal Value" in str(err.value)
    # The fix speaks of the export, not of the canonical format's "plain numbers with a dot".
    assert "correct the value in the export" in str(err.value) and "plain numbers" not in str(err.value)
    assert store.count("deals") == 0


@pytest.mark.parametrize(
    "created, expected, options",
    [
        ("2024-02-03T10:00:00+01:00", "2024-02-03 09:00:00", ""),
        ("2024-02-03 10:00", "2024-02-03 09:00:00", 'timezone = "Europe/Berlin"'),
        ("02/13/2024 3:04 PM", "2024-02-13 15:04:00", ""),
        ("13/02/2024", "2024-02-13 00:00:00", ""),
        ("13.02.2024 08:15", "2024-02-13 08:15:00", ""),
        ("2/3/24", "2024-03-02 00:00:00", 'date_order = "dmy"'),
        ("03-02-2024", "2024-03-02 00:00:00", 'date_format = "%m-%d-%Y"'),
    ],
)
def test_date_conventions(store, tmp_path, created, expected, options):
    import tomllib

    doc = tomllib.loads(f"[options]\n{options}\n" + MAPPING)
    rows = [["A-1", "Ann", "Nord", created, "Angebot", "1", ""]]
    import_paths(
        store, [write(tmp_path / "d.csv", rows, delimiter=",", encoding="utf-8")], mapping=Mapping.from_dict("m", doc)
    )
    assert store.sql("SELECT created_at::VARCHAR FROM deals").fetchone()[0] == expected


def test_ambiguous_day_month_order_is_reported_not_guessed(store, tmp_path, mapping):
    rows = [
        ["A-1", "Ann", "Nord", "03/02/2024", "Angebot", "1", ""],
        ["A-2", "Ann", "Nord", "04/02/2024", "Angebot", "1", ""],
    ]
    path = write(tmp_path / "amb.csv", rows)
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [path], mapping=mapping)
    message = str(caught.value)
    assert "day/month order of 2 dates cannot be told" in message and 'date_order = "dmy" or "mdy"' in message
    assert store.count("deals") == 0


def test_mixed_day_first_and_month_first_is_an_error(store, tmp_path, mapping):
    rows = [
        ["A-1", "Ann", "Nord", "13/02/2024", "Angebot", "1", ""],
        ["A-2", "Ann", "Nord", "02/13/2024", "Angebot", "1", ""],
    ]
    with pytest.raises(ImportValidationError, match="mix day-first and month-first"):
        import_paths(store, [write(tmp_path / "mix.csv", rows)], mapping=mapping)


def test_dry_run_counts_without_writing(store, tmp_path, mapping):
    path = write(tmp_path / "export.csv", ROWS)
    result = import_paths(store, [path], mapping=mapping, dry_run=True)
    assert result.tables["deals"].new == 3 and store.count("deals") == 0
    import_paths(store, [path], mapping=mapping)
    changed = [r[:] for r in ROWS]
    changed[1][4] = "Gewonnen"
    changed[1][6] = "20-02-2024"
    result = import_paths(store, [write(tmp_path / "export2.csv", changed)], mapping=mapping, dry_run=True)
    counts = result.tables["deals"]
    assert (counts.new, counts.updated, counts.unchanged) == (0, 1, 2)
    assert deals(store)["A-2"][0] == "open"  # nothing written


def test_quarantine_writes_bad_rows_with_a_reason_and_imports_the_rest(store, tmp_path, mapping):
    rows = ROWS + [
        ["A-4", "Ann", "Nord", "31-02-2024", "Angebot", "1", ""],  # no such date
        ["A-5", "Ann", "Nord", "10-02-2024", "Gewonnen", "-5", "11-02-2024"],  # negative amount
        ["A-6", "Ann", "Nord", "10-02-2024", "Gewonnen", "5", "01-02-2024"],  # closed before created
    ]
    path = write(tmp_path / "q.csv", rows)
    with pytest.raises(ImportValidationError):
        import_paths(store, [path], mapping=mapping)
    assert store.count("deals") == 0
    out = tmp_path / "rejected.csv"
    result = import_paths(store, [path], mapping=mapping, quarantine=out)
    assert sorted(r[0] for r in store.sql("SELECT deal_id FROM deals").fetchall()) == ["A-1", "A-2", "A-3"]
    rejected = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["row"], r["deal_id"]) for r in rejected] == [("5", "A-4"), ("6", "A-5"), ("7", "A-6")]
    assert "created_at" in rejected[0]["reason"] and "not a valid timestamp" in rejected[0]["reason"]
    assert "below the minimum" in rejected[1]["reason"] and "precedes created_at" in rejected[2]["reason"]
    assert len({(p.file, p.row) for p in result.rejected}) == 3


def test_a_rejected_value_is_shown_as_the_file_wrote_it(store, tmp_path, mapping):
    """A problem quotes the export's own text (what a search of the file finds), not the mapped value."""
    rows = ROWS + [["A-5", "Ann", "Nord", "10-02-2024", "Gewonnen", "-1.234,56 €", "11-02-2024"]]
    path = write(tmp_path / "q.csv", rows)
    with pytest.raises(ImportValidationError) as err:
        import_paths(store, [path], mapping=mapping)
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.source) == (5, "amount", "Deal Value")
    assert problem.value == "-1.234,56 €" and "'-1.234,56 €'" in str(err.value)
    result = import_paths(store, [path], mapping=mapping, quarantine=tmp_path / "rejected.csv")
    assert [(p.row, p.value) for p in result.rejected] == [(5, "-1.234,56 €")]


def test_excel_workbook(store, tmp_path, mapping):
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["A-1", "Ann", "Nord", datetime(2024, 2, 3, 9, 30), "Gewonnen", 1234.5, datetime(2024, 2, 17)])
    sheet.append(["A-2", "Ann", "Nord", datetime(2024, 2, 13), "Angebot", None, None])
    path = tmp_path / "export.xlsx"
    book.save(path)
    import_paths(store, [path], mapping=mapping)
    got = deals(store)
    assert got["A-1"] == ("won", pytest.approx(1234.5), "2024-02-03 09:30:00", "2024-02-17 00:00:00")
    assert got["A-2"][1] is None


def test_event_log_through_a_mapping(store, tmp_path, mapping):
    import_paths(store, [write(tmp_path / "export.csv", ROWS)], mapping=mapping)
    log = write(
        tmp_path / "log.csv",
        [["A-1", "Angebot", "2024-02-03 09:00", "Ann"], ["A-1", "Gewonnen", "2024-02-17 14:30", "Ann"]],
        header=["Deal", "Moved to", "When", "By"],
        delimiter=",",
        encoding="utf-8",
    )
    events = Mapping.from_dict(
        "log",
        {
            "tables": {
                "stage_changes": {"deal_id": "Deal", "stage": "Moved to", "entered_at": "When", "changed_by": "By"}
            }
        },
    )
    import_paths(store, [log], mapping=events)
    assert store.sql("SELECT stage, entered_at::VARCHAR FROM stage_changes ORDER BY 2").fetchall() == [
        ("Angebot", "2024-02-03 09:00:00"),
        ("Gewonnen", "2024-02-17 14:30:00"),
    ]


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03PK\x03\x04 binary", "binary"),
        (";".join(HEADER).encode() + b"\r\n", "no data rows"),
        (";".join(HEADER).encode() + b"\r\nA-1;Ann;Nord;03-02-2024;Gew", "cannot be read as CSV"),
        (",".join(HEADER).replace(",", "|").encode() + b"\nA-1|Ann|Nord|03-02-2024|Gewonnen|1|17-02-2024\n", None),
    ],
    ids=["empty", "binary", "header-only", "truncated", "pipe-delimited"],
)
def test_garbage_is_a_clear_error_and_changes_nothing(store, tmp_path, mapping, content, words):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    if words is None:  # a different delimiter than usual is detected, not an error
        import_paths(store, [path], mapping=mapping)
        assert store.count("deals") == 1
        return
    with pytest.raises(ImportValidationError, match=words):
        import_paths(store, [path], mapping=mapping)
    assert store.count("deals") == 0


def test_wrong_delimiter_in_the_mapping_is_explained(store, tmp_path):
    path = write(tmp_path / "export.csv", ROWS)
    import tomllib

    forced = Mapping.from_dict("m", tomllib.loads('[options]\ndelimiter = ","\n' + MAPPING))
    with pytest.raises(ImportValidationError, match="the header also holds ';' — is that the separator"):
        import_paths(store, [path], mapping=forced)


def test_bad_mapping_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not a column of deals"):
        Mapping.from_dict("m", {"tables": {"deals": {"value": "Amount"}}})
    with pytest.raises(ConfigError, match="not a canonical table"):
        Mapping.from_dict("m", {"tables": {"opportunities": {"deal_id": "Id"}}})
    (tmp_path / "m.toml").write_text("[tables.deals\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Mapping.load(tmp_path / "m.toml")


def test_suggest_then_import_a_generic_crm_export(store, tmp_path):
    header = [
        "Deal Number",
        "Account Executive",
        "Sales Team",
        "Date Created",
        "Status",
        "Deal Size (EUR)",
        "Date Closed",
        "Industry",
    ]
    rows = [
        ["D-1", "Ann Lee", "West", "2024-03-01", "Closed Won", "10,000", "2024-03-20", "Retail"],
        ["D-2", "Ann Lee", "West", "2024-03-02", "Closed Lost", "5,000", "2024-03-10", "Retail"],
        ["D-3", "Bo Chan", "East", "2024-03-05", "Engaging", "", "", "Health"],
    ]
    path = write(tmp_path / "crm_export.csv", rows, header=header, delimiter=",", encoding="utf-8")
    mapping, notes = suggest(store, path)
    text = mapping.to_toml()
    assert 'deal_id = "Deal Number"' in text and 'owner_id = "Account Executive"' in text
    assert '"Closed Won" = "won"' in text and '"Engaging" = "open"' in text
    target = tmp_path / "crm_export.mapping.toml"
    target.write_text(text)
    import_paths(store, [path], mapping=Mapping.load(target))
    got = deals(store)
    assert got["D-1"][:2] == ("won", pytest.approx(10000.0)) and got["D-2"][0] == "lost" and got["D-3"][0] == "open"
    assert {r[0] for r in store.sql("SELECT team_id FROM people").fetchall()} == {"West", "East"}
    assert store.sql("SELECT segment FROM deals WHERE deal_id = 'D-1'").fetchone()[0] == "Retail"


def test_slack_kudos_export_through_a_mapping(store, small_files):
    import_paths(store, [small_files])  # people M1, A1, B1
    slack = Mapping.from_dict(
        "slack",
        {
            "tables": {
                "recognitions": {
                    "recognition_id": "client_msg_id",
                    "given_by": {"column": "user", "values": {"U01MONA": "M1", "U02ANNA": "A1", "U03BEN": "B1"}},
                    "given_to": {"column": "mentioned", "values": {"U01MONA": "M1", "U02ANNA": "A1", "U03BEN": "B1"}},
                    "given_at": "posted_at",
                    "message": "text",
                    "skip": {"column": "mentioned", "values": [""]},
                }
            }
        },
    )
    result = import_paths(store, [Path(__file__).parent / "fixtures" / "slack_kudos_2026-03-02.json"], mapping=slack)
    assert result.tables["recognitions"].new == 2  # the join notice and the lunch question are not kudos
    rows = store.sql("SELECT given_by, given_to, given_at::VARCHAR FROM recognitions ORDER BY given_at").fetchall()
    assert rows == [("M1", "A1", "2026-03-02 10:00:00"), ("A1", "B1", "2026-03-02 12:00:00")]


def test_people_from_an_owner_and_a_manager_column(store, tmp_path):
    rows = [
        ["A-1", "Ann", "Nord", "03-02-2024", "Angebot", "1", "", "Mia"],
        ["A-2", "Mia", "Nord", "13-02-2024", "Angebot", "1", "", "Max"],
    ]
    path = write(tmp_path / "m.csv", rows, header=HEADER + ["Manager"])
    import tomllib

    doc = tomllib.loads(MAPPING)
    owners = {**doc["tables"]["people"], "manager_id": "Manager"}
    managers = {"person_id": "Manager", "name": "Manager", "role": {"value": "manager"}, "team_id": "Team"}
    doc["tables"]["people"] = [owners, managers]
    import_paths(store, [path], mapping=Mapping.from_dict("m", doc))
    people = dict(store.sql("SELECT person_id, coalesce(manager_id, '-') || '/' || role FROM people").fetchall())
    # Mia owns a deal (first spec wins: a rep managed by Max) and manages Ann; Max only manages.
    assert people == {"Ann": "Mia/rep", "Mia": "Max/rep", "Max": "-/manager"}


def test_report_titles_above_the_header_are_skipped(store, tmp_path, mapping):
    from datetime import datetime

    text = (
        "Pipeline report\nFiltered by: all teams\n\n"
        + ";".join(HEADER)
        + "\n"
        + "\n".join(";".join(r) for r in ROWS)
        + "\n"
    )
    path = tmp_path / "titled.csv"
    path.write_text(text, encoding="utf-8")
    import_paths(store, [path], mapping=mapping)
    assert store.count("deals") == 3
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Opportunity Pipeline"])
    sheet.append(["As of 2024-03-01"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(["A-9", "Ann", "Nord", datetime(2024, 2, 3), "Angebot", "1", None])
    sheet.append(["A-10", "Ann", "Nord", "31-02-2024", "Angebot", "1", None])
    xlsx = tmp_path / "titled.xlsx"
    book.save(xlsx)
    with pytest.raises(ImportValidationError, match="titled.xlsx row 6 column `created_at`"):
        import_paths(store, [xlsx], mapping=mapping)  # row numbers still count the title rows


def test_people_derived_from_deals_take_a_team_move_but_keep_a_known_name(store, tmp_path, mapping):
    path = write(tmp_path / "export.csv", ROWS)
    import_paths(store, [path], mapping=mapping)
    store.sql("UPDATE people SET name = 'Jürgen Groß (Nord-Ost)' WHERE person_id = 'Jürgen Groß'")
    moved = [[*r[:2], "Süd", *r[3:]] if r[1] == "Jürgen Groß" else r for r in ROWS]
    import_paths(store, [write(tmp_path / "export.csv", moved)], mapping=mapping)
    row = store.sql("SELECT name, team_id FROM people WHERE person_id = 'Jürgen Groß'").fetchone()
    assert row == ("Jürgen Groß (Nord-Ost)", "Süd")


def test_a_mapping_with_merge_closes_deals_from_a_partial_file(store, tmp_path, mapping):
    import tomllib

    import_paths(store, [write(tmp_path / "export.csv", ROWS)], mapping=mapping)
    closing = Mapping.from_dict(
        "closing",
        tomllib.loads(
            """
            [options]
            merge = true
            date_order = "dmy"
            [tables.deals]
            deal_id = "Deal"
            status = { column = "Result", values = { "Gewonnen" = "won", "Verloren" = "lost" } }
            closed_at = "Closed on"
            """
        ),
    )
    path = write(tmp_path / "closed.csv", [["A-2", "Gewonnen", "01-03-2024"]], header=["Deal", "Result", "Closed on"])
    result = import_paths(store, [path], mapping=closing)
    assert result.tables["deals"].updated == 1
    got = deals(store)
    assert got["A-2"] == ("won", pytest.approx(500.0), "2024-02-13 00:00:00", "2024-03-01 00:00:00")
    assert got["A-1"][0] == "won" and got["A-3"][0] == "lost"


def _suggested(store, tmp_path, name, header, rows):
    path = write(tmp_path / name, rows, header=header, delimiter=",", encoding="utf-8")
    mapping, notes = suggest(store, path)
    return path, mapping, notes


def test_suggest_understands_dutch_headers(store, tmp_path):
    header = [
        "Kans ID",
        "Eigenaar",
        "Aangemaakt op",
        "Fase",
        "Waarde",
        "Gesloten op",
        "Verwachte sluitingsdatum",
        "Klant",
    ]
    rows = [
        ["K-1", "Ans", "03-02-2024", "Gewonnen", "1.234,50", "17-02-2024", "15-02-2024", "Bakkerij de Vries"],
        ["K-2", "Ans", "13-02-2024", "Offerte", "500,00", "", "01-04-2024", "Garage Jansen"],
        ["K-3", "Bram", "14-02-2024", "Verloren", "2.000,00", "20-02-2024", "25-02-2024", "Café Centraal"],
    ]
    path, mapping, _notes = _suggested(store, tmp_path, "kansen.csv", header, rows)
    text = mapping.to_toml()
    for line in (
        'deal_id = "Kans ID"',
        'owner_id = "Eigenaar"',
        'created_at = "Aangemaakt op"',
        'amount = "Waarde"',
        'closed_at = "Gesloten op"',
        'expected_close_on = "Verwachte sluitingsdatum"',
        'account = "Klant"',
        '"Gewonnen" = "won"',
        '"Verloren" = "lost"',
    ):
        assert line in text, (line, text)
    import_paths(store, [path], mapping=mapping)
    assert deals(store)["K-1"][:2] == ("won", pytest.approx(1234.5))


def test_suggest_looks_at_the_values_not_only_the_names(store, tmp_path):
    """An opportunity number is no owner, a yes/no flag no account, a catalogue size no product."""
    header = ["Opportunity", "Owner", "Account", "Account Name", "Product", "Product Name", "Created", "Amount"]
    rows = [
        [f"OPP-{i}", f"OPP-{i}", "yes" if i % 2 else "no", f"Shop {i % 4}", str(100 + i), "Pro", "2024-01-02", "10"]
        for i in range(40)
    ]
    rows = [[r[0], ["Ann", "Bo", "Cy"][i % 3], *r[2:]] if i % 2 else r for i, r in enumerate(rows)]
    _path, mapping, _notes = _suggested(store, tmp_path, "opps.csv", header, rows)
    deal = next(s for s in mapping.tables if s.table == "deals").columns
    assert deal["account"].column == "Account Name"
    assert deal["product"].column == "Product Name"
    assert "owner_id" not in deal or deal["owner_id"].column != "Owner"  # half the owners are deal numbers


def test_suggest_proposes_leads_for_a_leads_file(store, tmp_path):
    header = ["Lead ID", "Lead Owner", "Created Date", "First Contacted", "Lead Source", "Converted Opportunity ID"]
    rows = [
        ["L-1", "Ann", "2024-01-02 09:00", "2024-01-02 09:30", "Web", "D-1"],
        ["L-2", "Ann", "2024-01-03 10:00", "", "Event", ""],
        ["L-3", "Bo", "2024-01-04 11:00", "2024-01-05 08:00", "Web", ""],
    ]
    _path, mapping, notes = _suggested(store, tmp_path, "leads_export.csv", header, rows)
    (leads,) = [s for s in mapping.tables if s.table == "leads"]
    assert {c: s.column for c, s in leads.columns.items()} == {
        "lead_id": "Lead ID",
        "created_at": "Created Date",
        "owner_id": "Lead Owner",
        "first_touch_at": "First Contacted",
        "source": "Lead Source",
        "converted_deal_id": "Converted Opportunity ID",
    }
    assert not any(s.table == "deals" for s in mapping.tables)


def test_suggest_detects_an_event_log_and_names_its_outcomes(store, tmp_path):
    header = ["Case ID", "Activity", "Complete Timestamp", "Resource"]
    rows = []
    for case in range(12):
        rows += [[str(case), "A_SUBMITTED", f"2011-10-{case + 1:02d} 10:00:00", "112"]]
        rows += [[str(case), "O_SENT", f"2011-10-{case + 1:02d} 12:00:00", "10862"]]
        end = "A_APPROVED" if case % 3 == 0 else "A_DECLINED" if case % 3 == 1 else "O_SENT_BACK"
        rows += [[str(case), end, f"2011-10-{case + 2:02d} 09:00:00", "10629"]]
    path, mapping, notes = _suggested(store, tmp_path, "loanlog.csv", header, rows)
    assert mapping.events is not None and not mapping.tables
    events = mapping.events
    assert (events.deal_id, events.activity, events.timestamp, events.resource) == (
        "Case ID",
        "Activity",
        "Complete Timestamp",
        "Resource",
    )
    assert events.won == ["A_APPROVED"] and events.lost == ["A_DECLINED"]
    target = tmp_path / "loanlog.mapping.toml"
    target.write_text(mapping.to_toml())
    import_paths(store, [path], mapping=Mapping.load(target))
    assert dict(store.sql("SELECT status, count(*) FROM deals GROUP BY 1").fetchall()) == {
        "won": 4,
        "lost": 4,
        "open": 4,
    }


def test_a_mapping_applied_to_the_wrong_file_says_so_once(store, tmp_path, mapping):
    path = write(tmp_path / "other.csv", [["1", "2"]], header=["Foo", "Bar"], delimiter=",", encoding="utf-8")
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [path], mapping=mapping)
    message = str(caught.value)
    assert "7 of the mapping's columns are not in the file: `Opportunity`, `Sales Rep`" in message
    assert message.count("Columns found: Foo, Bar") == 1


def test_unpivot_reads_each_stage_column_once_with_the_rows_other_columns(store, tmp_path):
    """Stage columns become one change each, with the row's own deal and the stage from the header; empty
    cells make no change; an identical copy of a row counts once; day-first dates read in every column."""
    import tomllib

    mapping = Mapping.from_dict(
        "stages",
        tomllib.loads(
            """
[options]
delimiter = ";"
[tables.deals]
deal_id = "Deal"
owner_id = "Rep"
created_at = "Created"
status = { value = "open" }
[tables.stage_changes]
deal_id = "Deal"
changed_by = "rep"
unpivot = { headers = 'Entered (?P<stage>.+)', into = "entered_at" }
[tables.people]
person_id = "Rep"
name = "Rep"
"""
        ),
    )
    header = ["Deal", "Notes", "Rep", "Created", "Entered Qualify", "Entered Proposal", "Entered Won"]
    rows = [
        ["D1", "x", "Ann", "01-02-2024", "02-02-2024 10:00", "13-02-2024", ""],
        ["D2", "y", "Bob", "03-02-2024", " ", "", "20-02-2024 09:30"],
        ["D1", "x", "Ann", "01-02-2024", "02-02-2024 10:00", "13-02-2024", ""],
    ]
    result = import_paths(store, [write(tmp_path / "export.csv", rows, header)], mapping=mapping)
    changes = store.sql(
        "SELECT deal_id, stage, strftime(entered_at, '%Y-%m-%d %H:%M'), changed_by FROM stage_changes ORDER BY 1, 3"
    ).fetchall()
    assert changes == [
        ("D1", "Qualify", "2024-02-02 10:00", "Ann"),
        ("D1", "Proposal", "2024-02-13 00:00", "Ann"),
        ("D2", "Won", "2024-02-20 09:30", "Bob"),
    ]
    assert store.sql("SELECT person_id, name FROM people ORDER BY 1").fetchall() == [("Ann", "Ann"), ("Bob", "Bob")]
    assert any("identical" in n for n in result.notes)
