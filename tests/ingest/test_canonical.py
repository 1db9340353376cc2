"""Canonical import: every validation rule, all-or-nothing, idempotence and upsert."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from salesvelocity.errors import ImportValidationError
from salesvelocity.ingest import import_paths
from tests.conftest import DEAL_HEADER, DEALS, write_csv


def snapshot(store) -> dict[str, list]:
    return {
        t: sorted(map(str, store.sql(f'SELECT * FROM "{t}"').fetchall()))
        for t in ("teams", "people", "deals", "stage_changes")
    }


def test_import_then_reimport_changes_nothing(store, small_files):
    first = import_paths(store, [small_files])
    assert first.tables["deals"].new == 8
    before = snapshot(store)
    again = import_paths(store, [small_files])
    assert (again.tables["deals"].new, again.tables["deals"].updated, again.tables["deals"].unchanged) == (0, 0, 8)
    assert snapshot(store) == before


def test_newer_export_updates_changed_rows(store, small_files):
    import_paths(store, [small_files])
    rows = [list(r) for r in DEALS]
    rows[3] = ["d4", "A1", "2026-03-01", "won", "Won", "800", "2026-03-30", "", "Enterprise"]
    write_csv(small_files, "deals", DEAL_HEADER, rows)
    result = import_paths(store, [small_files / "deals.csv"])
    assert (result.tables["deals"].new, result.tables["deals"].updated, result.tables["deals"].unchanged) == (0, 1, 7)
    status, closed = store.sql("SELECT status, closed_at::VARCHAR FROM deals WHERE deal_id = 'd4'").fetchone()
    assert (status, closed) == ("won", "2026-03-30 00:00:00")
    assert store.count("deals") == 8


def test_dry_run_writes_nothing(store, small_files):
    result = import_paths(store, [small_files], dry_run=True)
    assert result.tables["deals"].new == 8
    assert store.count("deals") == 0


def test_values_are_typed_and_timestamps_converted_to_utc(store, small_files):
    write_csv(
        small_files,
        "deals",
        DEAL_HEADER,
        [["x", "A1", "2026-01-10T10:00:00+02:00", "Won", "", "12.5", "2026-01-11", "", ""]],
    )
    import_paths(store, [small_files])
    created, status, amount, pipeline = store.sql(
        "SELECT created_at::VARCHAR, status, amount, pipeline FROM deals"
    ).fetchone()
    assert created == "2026-01-10 08:00:00"  # the +02:00 offset honoured, stored as UTC
    assert status == "won"  # allowed values are case-insensitive
    assert float(amount) == 12.5
    assert pipeline == "default"  # the documented default


def test_parquet_and_utf8_bom(store, small_files):
    (small_files / "teams.csv").write_bytes(b"\xef\xbb\xbfteam_id,name\nT1,Alpha\nT2,Beta\n")
    table = pa.table({"person_id": ["M1", "A1", "B1"], "team_id": ["T1", "T1", "T2"]})
    (small_files / "people.csv").unlink()
    pq.write_table(table, small_files / "people.parquet")
    import_paths(store, [small_files])
    assert store.count("people") == 3 and store.count("teams") == 2


BAD_CASES = [
    # (table, header, rows, file row, column, words in the message)
    (
        "deals",
        [c for c in DEAL_HEADER if c != "owner_id"],
        [["d1", "2026-01-10", "open", "", "", "", "", ""]],
        1,
        "owner_id",
        "required column",
    ),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "yesterday", "open", "", "", "", "", ""]],
        2,
        "created_at",
        "not a valid timestamp",
    ),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "2026-01-10", "closed", "", "", "", "", ""]],
        2,
        "status",
        "use one of: open, won, lost",
    ),
    ("deals", DEAL_HEADER, [["d1", "A1", "2026-01-10", "", "", "", "", "", ""]], 2, "status", "a value is required"),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "2026-01-10", "won", "", "5", "2026-01-01", "", ""]],
        2,
        "closed_at",
        "precedes created_at",
    ),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "2026-01-10", "won", "", "5", "", "", ""]],
        2,
        "closed_at",
        "needs a closed_at",
    ),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "2026-01-10", "open", "", "-5", "", "", ""]],
        2,
        "amount",
        "below the minimum",
    ),
    (
        "deals",
        DEAL_HEADER,
        [["d1", "A1", "2026-01-10", "open", "", "1.234,50", "", "", ""]],
        2,
        "amount",
        "not a valid decimal",
    ),
    (
        "deals",
        DEAL_HEADER,
        [
            ["d1", "A1", "2026-01-10", "open", "", "", "", "", ""],
            ["d1", "A1", "2026-01-11", "open", "", "", "", "", ""],
        ],
        3,
        "deal_id",
        "same key appears",
    ),
    ("deals", DEAL_HEADER, [["d1", "ZZ", "2026-01-10", "open", "", "", "", "", ""]], 2, "owner_id", "unknown person"),
    (
        "deals",
        DEAL_HEADER + ["amout"],
        [["d1", "A1", "2026-01-10", "open", "", "", "", "", "", "3"]],
        1,
        "amout",
        "rename it to `amount`",
    ),
    (
        "stage_changes",
        ["deal_id", "stage", "entered_at"],
        [["nope", "Proposal", "2026-01-02"]],
        2,
        "deal_id",
        "unknown deal",
    ),
    ("people", ["person_id", "team_id", "role"], [["Q1", "T1", "boss"]], 2, "role", "use one of: rep, manager, admin"),
    ("people", ["person_id", "team_id", "started_on"], [["Q1", "T1", "31-02-2024"]], 2, "started_on", "YYYY-MM-DD"),
    (
        "stages",
        ["pipeline", "stage", "position", "kind"],
        [["p", "s", "first", "open"]],
        2,
        "position",
        "not a valid int",
    ),
    (
        "stages",
        ["pipeline", "stage", "position", "kind", "probability"],
        [["p", "s", "1", "open", "1.5"]],
        2,
        "probability",
        "above the maximum",
    ),
]


@pytest.mark.parametrize(
    "table, header, rows, row, column, words", BAD_CASES, ids=[f"{c[0]}-{c[4]}-{c[5][:18]}" for c in BAD_CASES]
)
def test_each_rule_names_file_row_column_and_leaves_database_unchanged(
    store, small_files, tmp_path, table, header, rows, row, column, words
):
    import_paths(store, [small_files])
    before = snapshot(store)
    bad = tmp_path / "bad"
    shutil.copytree(small_files, bad)
    path = write_csv(bad, table, header, rows)
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [bad])
    message = str(caught.value)
    assert str(path) in message
    assert f"row {row}" in message
    assert f"column `{column}`" in message
    assert words in message
    assert "nothing was written" in message
    assert snapshot(store) == before


def test_one_bad_file_rejects_the_good_ones_too(store, small_files):
    write_csv(small_files, "stage_changes", ["deal_id", "stage", "entered_at"], [["d1", "Won", "not a time"]])
    with pytest.raises(ImportValidationError):
        import_paths(store, [small_files])
    assert store.count("teams") == store.count("deals") == 0


def test_many_problems_are_grouped_by_file_column_and_rule_with_counts(store, small_files):
    rows = [[f"d{i}", "A1", "bad", "open", "", "", "", "", ""] for i in range(100)]
    rows += [[f"e{i}", "A1", "2026-01-01", "maybe", "", "", "", "", ""] for i in range(30)]
    write_csv(small_files, "deals", DEAL_HEADER, rows)
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [small_files])
    assert caught.value.total == 130
    lines = [line for line in str(caught.value).splitlines() if line.startswith("  - ")]
    assert len(lines) == 2  # one line per rule, not one per row
    assert "column `created_at`: 100 rows (rows 2, 3, 4, 5, 6, …) e.g. 'bad': is not a valid timestamp" in lines[0]
    assert "column `status`: 30 rows (rows 102, 103, 104, 105, 106, …) e.g. 'maybe'" in lines[1]
    assert "more not listed" not in str(caught.value)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("deals.csv", b"", "empty"),
        ("deals.csv", b"\x00\x01\x02PK\x03\x04binary", "binary"),
        ("deals.csv", ",".join(DEAL_HEADER).encode() + b"\n", "no data rows"),
        (
            "deals.csv",
            b"deal_id,owner_id,created_at,status\nd1,A1,2026-01-01\nd2,A1,2026-01-01,open,extra\n",
            "cannot be read as CSV",
        ),
        ("deal.csv", b"deal_id\n1\n", "did you mean deals.csv"),
        ("deals.parquet", b"PAR1 truncated", "cannot be read as Parquet"),
        ("deals.xls", b"whatever", "unsupported file type"),
    ],
)
def test_garbage_files_are_clear_errors(store, small_files, name, content, words):
    (small_files / "deals.csv").unlink()
    (small_files / name).write_bytes(content)
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [small_files])
    assert words in str(caught.value) and name in str(caught.value)
    assert store.count("teams") == 0


def test_semicolon_separated_file_is_read(store, small_files):
    (small_files / "teams.csv").write_text("team_id;name\nT1;Alpha\nT2;Beta\n", encoding="utf-8")
    import_paths(store, [small_files])
    assert store.count("teams") == 2


def test_missing_path_is_named(store, tmp_path):
    with pytest.raises(ImportValidationError, match="no such file"):
        import_paths(store, [tmp_path / "missing"])


def test_references_may_point_at_rows_already_in_the_store(store, small_files, tmp_path: Path):
    import_paths(store, [small_files])
    folder = tmp_path / "later"
    folder.mkdir()
    write_csv(folder, "stage_changes", ["deal_id", "stage", "entered_at"], [["d1", "Proposal", "2026-01-12"]])
    import_paths(store, [folder])
    assert store.count("stage_changes") == 1


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2026-01-10T10:00:00+02:00", "2026-01-10 08:00:00"),
        ("2026-01-10T10:00+02:00", "2026-01-10 08:00:00"),
        ("2026-01-10 10:00:00.250-05:00", "2026-01-10 15:00:00.25"),
        ("2026-01-10T10:00:00Z", "2026-01-10 10:00:00"),
        ("2026-01-10 10:00:00", "2026-01-10 10:00:00"),
        ("2026-01-10", "2026-01-10 00:00:00"),
    ],
)
def test_timestamp_offsets(store, small_files, text, utc):
    write_csv(small_files, "deals", DEAL_HEADER, [["x", "A1", text, "open", "", "", "", "", ""]])
    import_paths(store, [small_files])
    assert store.sql("SELECT created_at::VARCHAR FROM deals").fetchone()[0] == utc


def test_identical_rows_count_once_with_a_note(store, small_files):
    write_csv(small_files, "deals", DEAL_HEADER, [*DEALS, DEALS[0], DEALS[2], DEALS[0]])
    result = import_paths(store, [small_files])
    assert store.count("deals") == len(DEALS)
    assert any("3 row(s) identical to an earlier row" in n for n in result.notes), result.notes


def test_identical_rows_survive_quarantine(store, small_files, tmp_path):
    """--quarantine used to drop every copy of a repeated id, even copies with the same values."""
    write_csv(small_files, "deals", DEAL_HEADER, [*DEALS, DEALS[1]])
    result = import_paths(store, [small_files], quarantine=tmp_path / "bad.csv")
    assert store.count("deals") == len(DEALS) and not result.rejected


def _conflicting(small_files):
    changed = list(DEALS[0])
    changed[5] = "1111"  # the same deal_id with another amount
    write_csv(small_files, "deals", DEAL_HEADER, [*DEALS, changed])


def test_conflicting_rows_are_rejected_by_default_and_listed(store, small_files):
    _conflicting(small_files)
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [small_files])
    message = str(caught.value)
    assert "deals.csv row 2 column `deal_id`: 'd1': the same key appears on more than one row" in message
    assert "deals.csv row 10 column `deal_id`: 'd1'" in message
    assert "--on-duplicate first" in message
    assert store.count("deals") == 0


@pytest.mark.parametrize(("keep", "amount"), [("first", 1000.0), ("last", 1111.0)])
def test_conflicting_rows_keep_the_first_or_the_last(store, small_files, keep, amount):
    _conflicting(small_files)
    result = import_paths(store, [small_files], on_duplicate=keep)
    assert store.sql("SELECT amount FROM deals WHERE deal_id = 'd1'").fetchone() == (amount,)
    assert store.count("deals") == len(DEALS)
    assert any(f"the {keep} of each kept" in n for n in result.notes), result.notes


def test_merge_closes_known_deals_from_a_file_with_three_columns(store, small_files, tmp_path):
    import_paths(store, [small_files])
    before = store.sql("SELECT * FROM deals WHERE deal_id = 'd4'").fetchone()
    closing = tmp_path / "closing" / "deals.csv"
    closing.parent.mkdir()
    closing.write_text("deal_id,status,closed_at\nd4,won,2026-03-31\nd6,,\n", encoding="utf-8")
    result = import_paths(store, [closing], merge=True)
    assert (result.tables["deals"].updated, result.tables["deals"].unchanged) == (1, 1)
    after = store.sql("SELECT * FROM deals WHERE deal_id = 'd4'").fetchone()
    columns = [c[0] for c in store.sql("SELECT * FROM deals LIMIT 0").description]
    changed = {c for c, a, b in zip(columns, before, after, strict=True) if a != b}
    assert changed == {"status", "closed_at"}, (before, after)
    # Re-importing the same partial file changes nothing.
    again = import_paths(store, [closing], merge=True)
    assert again.tables["deals"].updated == 0


def test_merge_within_one_import_and_new_ids_need_their_required_columns(store, small_files, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "deals.csv").write_text("deal_id,status,closed_at\nd4,won,2026-03-31\nd99,won,2026-03-31\n")
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [small_files, extra], merge=True)
    message = str(caught.value)
    assert "extra/deals.csv row 3 column `owner_id`: a value is required" in message
    assert "row 2" not in message  # d4 is known: its owner comes from the whole row
    (extra / "deals.csv").write_text("deal_id,status,closed_at\nd4,won,2026-03-31\n")
    # Stage changes are keyed by their time: under --merge they are whole rows, not an error.
    (extra / "stage_changes.csv").write_text("deal_id,stage,entered_at\nd4,Won,2026-03-31\n")
    import_paths(store, [small_files, extra], merge=True)
    assert store.sql("SELECT stage FROM stage_changes WHERE deal_id = 'd4'").fetchall() == [("Won",)]
    assert store.sql("SELECT status, owner_id, amount FROM deals WHERE deal_id = 'd4'").fetchone() == ("won", "A1", 800)
    assert store.count("deals") == len(DEALS)
