"""Event logs: deals and stage changes from one row per event, in one pass; XES read directly."""

from __future__ import annotations

import gzip
import tomllib
from pathlib import Path

import pytest

from salesvelocity.errors import ConfigError, ImportValidationError
from salesvelocity.ingest import Mapping, import_paths
from salesvelocity.metrics import stage_catalog

FIXTURES = Path(__file__).parent / "fixtures"
LOG = FIXTURES / "loan_applications.xes.gz"  # written by fixtures/make_loan_log.py

CSV_LOG = """Case ID,Activity,Complete Timestamp,Resource,lifecycle:transition,Amount
1,A_SUBMITTED,2011-10-01 10:00:00,112,complete,5000
1,A_PREACCEPTED,2011-10-01 10:05:00,10862,complete,
1,W_Afhandelen leads,2011-10-01 10:06:00,10862,start,
1,A_ACCEPTED,2011-10-02 09:00:00,10862,complete,
1,O_SENT,2011-10-02 09:30:00,10862,complete,
1,O_ACCEPTED,2011-10-10 12:00:00,10629,complete,
2,A_SUBMITTED,2011-10-01 11:00:00,112,complete,20000
2,A_DECLINED,2011-10-01 11:30:00,10862,complete,
3,A_SUBMITTED,2011-10-03 08:00:00,112,complete,
3,A_PREACCEPTED,2011-10-03 08:10:00,,complete,
"""
MAPPING = """
[events]
deal_id = "Case ID"
activity = "Activity"
timestamp = "Complete Timestamp"
resource = "Resource"
stages = ["A_*", "O_*"]
won = ["O_ACCEPTED"]
lost = ["A_DECLINED", "A_CANCELLED", "O_REFUSED"]
owner_activity = "A_PREACCEPTED"
skip = { column = "lifecycle:transition", values = ["start", "schedule"] }

[events.deal]
amount = "Amount"
pipeline = { value = "loans" }
"""


def statuses(store) -> dict[str, int]:
    return dict(store.sql("SELECT status, count(*) FROM deals GROUP BY 1").fetchall())


def test_an_xes_log_imports_in_one_pass_without_a_mapping(store):
    result = import_paths(store, [LOG])
    assert result.files[str(LOG)] == "event log (XES keys)"
    assert statuses(store) == {"won": 16, "lost": 17, "open": 7}
    assert any("16 won by A_APPROVED (16)" in n and "A_CANCELLED (4)" in n for n in result.notes), result.notes
    # Every case starts with the system user's submission: the note says how to pick a real owner.
    assert any("40 of 40 cases are owned by `112`" in n and "owner_activity" in n for n in result.notes)
    # Work items are SCHEDULE / START / COMPLETE: only the completion is a stage change.
    assert store.sql(
        "SELECT count(*), count(DISTINCT deal_id) FROM stage_changes WHERE stage = 'W_Completeren aanvraag'"
    ).fetchone() == (32, 32)
    # A deal is created at its first event; +02:00 and +01:00 offsets are honoured (stored in UTC).
    assert store.sql("SELECT created_at::VARCHAR FROM deals WHERE deal_id = '173691'").fetchone() == (
        "2011-10-01 13:00:00",
    )
    # A won deal closes at its winning event.
    won = store.sql(
        """SELECT count(*) FROM deals d JOIN stage_changes s USING (deal_id)
           WHERE d.status = 'won' AND s.stage = 'A_APPROVED' AND s.entered_at = d.closed_at"""
    ).fetchone()
    assert won == (16,)


def test_reimporting_a_log_reopens_nothing_and_changes_nothing(store):
    import_paths(store, [LOG])
    before = statuses(store)
    again = import_paths(store, [LOG])
    assert statuses(store) == before
    assert all(c.new == 0 and c.updated == 0 for c in again.tables.values())


def test_plain_xes_reads_like_gzipped(store, tmp_path):
    plain = tmp_path / "loans.xes"
    plain.write_bytes(gzip.decompress(LOG.read_bytes()))
    import_paths(store, [plain])
    assert statuses(store) == {"won": 16, "lost": 17, "open": 7}


def test_stage_order_of_a_log_follows_its_cases(store):
    import_paths(store, [LOG])
    order = store.execute(stage_catalog(store).order_by("position"))["stage"].to_pylist()
    pairs = [("A_SUBMITTED", "A_PARTLYSUBMITTED"), ("A_PREACCEPTED", "A_ACCEPTED"), ("O_SENT", "O_SENT_BACK")]
    for before, after in pairs:
        assert order.index(before) < order.index(after), order


def test_a_csv_log_with_an_events_mapping(store, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV_LOG, encoding="utf-8")
    mapping = Mapping.from_dict("log.toml", tomllib.loads(MAPPING))
    import_paths(store, [path], mapping=mapping)
    rows = store.sql(
        "SELECT deal_id, owner_id, status, stage, amount, closed_at::VARCHAR, pipeline FROM deals ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("1", "10862", "won", "O_ACCEPTED", 5000, "2011-10-10 12:00:00", "loans"),
        ("2", "112", "lost", "A_DECLINED", 20000, "2011-10-01 11:30:00", "loans"),  # no pre-acceptance: first
        ("3", "112", "open", "A_PREACCEPTED", None, None, "loans"),
    ]
    assert store.sql("SELECT count(*) FROM stage_changes WHERE stage LIKE 'W_%'").fetchone() == (0,)
    # The owners became people, named by their id until a people file names them.
    assert store.sql("SELECT name FROM people WHERE person_id = '10862'").fetchone() == ("10862",)


def test_a_log_with_a_missing_column_or_key_says_which(store, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV_LOG.replace("Complete Timestamp", "Time"), encoding="utf-8")
    mapping = Mapping.from_dict("log.toml", tomllib.loads(MAPPING))
    with pytest.raises(
        ImportValidationError, match=r"`Complete Timestamp` \(for events.timestamp\) is not in the file"
    ):
        import_paths(store, [path], mapping=mapping)
    with pytest.raises(ConfigError, match="unknown key"):
        Mapping.from_dict("bad", {"events": {"deal_id": "a", "activity": "b", "timestamp": "c", "owner": "d"}})
    with pytest.raises(ConfigError, match="deal_id, activity must name a column"):
        Mapping.from_dict("bad", {"events": {"timestamp": "c"}})
    assert store.count("deals") == 0


def test_bad_timestamps_in_a_log_are_named_by_row(store, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(CSV_LOG.replace("2011-10-02 09:30:00", "next tuesday"), encoding="utf-8")
    with pytest.raises(ImportValidationError) as caught:
        import_paths(store, [path], mapping=Mapping.from_dict("log.toml", tomllib.loads(MAPPING)))
    assert "row 6 column `entered_at` (from `Complete Timestamp`): 'next tuesday'" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"<log><trace><event><string key='concept:name' value='A'/>", "not a readable XES file"),
        (b"\x1f\x8b\x08\x00garbage", "damaged"),
        (b"<log xes.version='1.0'></log>", "holds no events"),
    ],
)
def test_a_broken_xes_file_is_a_clear_error(store, tmp_path, content, words):
    path = tmp_path / "broken.xes"
    path.write_bytes(content)
    with pytest.raises(ImportValidationError, match=words) as caught:
        import_paths(store, [path])
    assert "broken.xes" in str(caught.value)
    assert store.count("deals") == 0


def test_events_repeated_within_and_across_logs_count_once(store, tmp_path):
    """One log groups its events by case and change (no duplicate check needed); two logs in one import
    are checked: a case written identically in both collapses to one deal and one set of changes."""
    header, *rows = CSV_LOG.strip().splitlines()
    first = tmp_path / "log-1.csv"
    first.write_text("\n".join([header, *rows, rows[0]]) + "\n", encoding="utf-8")  # case 1's first event twice
    second = tmp_path / "log-2.csv"
    second.write_text("\n".join([header, *[r for r in rows if r.startswith("2,")]]) + "\n", encoding="utf-8")
    mapping = Mapping.from_dict("log.toml", tomllib.loads(MAPPING))
    result = import_paths(store, [first, second], mapping=mapping)
    assert statuses(store) == {"won": 1, "lost": 1, "open": 1}
    assert store.sql("SELECT count(*) FROM stage_changes WHERE deal_id = '1' AND stage = 'A_SUBMITTED'").fetchone() == (
        1,
    )
    assert store.sql("SELECT count(*) FROM stage_changes WHERE deal_id = '2'").fetchone() == (2,)
    assert any("identical to an earlier row" in note for note in result.notes)


def test_case_attributes_are_the_first_filled_in_time_whatever_their_columns_are_called(store, tmp_path):
    path = tmp_path / "log.csv"
    # Rows out of time order; the attribute columns are called like deal columns ("amount", "status").
    path.write_text(
        "case,activity,time,amount,status\n"
        "A,Start,2024-01-02 10:00,,gold\n"
        "A,Offer,2024-01-01 09:00,1.5E+03,silver\n"
        "A,Won,2024-01-03 10:00,2000,\n"
        "B,Start,2024-01-01 10:00,,\n"
        "B,Offer,2024-01-04 10:00,250,bronze\n"
    )
    mapping = """
[events]
deal_id = "case"
activity = "activity"
timestamp = "time"
stages = ["Start", "Offer"]
won = ["Won"]

[events.deal]
amount = "amount"
segment = "status"
"""
    import_paths(store, [path], mapping=Mapping.from_dict("log", tomllib.loads(mapping)))
    got = store.sql("SELECT deal_id, status, amount, segment, stage FROM deals ORDER BY 1").fetchall()
    assert [(d, s, float(a), g, st) for d, s, a, g, st in got] == [
        ("A", "won", 1500.0, "silver", "Won"),
        ("B", "open", 250.0, "bronze", "Offer"),
    ]
