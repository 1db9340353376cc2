"""Attacks on pulse anonymity from issue 13, each of which worked before the key left the database.

Team T1 has seven members (P1..P7), team T2 three (Q1..Q3); k = 5.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from datetime import date, datetime

import pytest

import salesvelocity as sv
from salesvelocity.empowerment.pulse import HIDDEN, pulse_results, record_response
from salesvelocity.empowerment.pulse_key import KEY_ENV, load_key
from salesvelocity.errors import SalesVelocityError, StoreError
from salesvelocity.migrations import v1_ddl
from salesvelocity.schema import SCHEMA_VERSION
from salesvelocity.store import META_TABLE

K = 5
MARCH = datetime(2026, 3, 10)
AFTER = date(2026, 6, 1)


def team(store) -> None:
    store.sql("INSERT INTO teams VALUES ('T1', 'One', NULL), ('T2', 'Two', NULL)")
    for i in range(1, 8):
        store.sql("INSERT INTO people (person_id, name, team_id) VALUES (?, ?, 'T1')", [f"P{i}", f"Person {i}"])
    for i in range(1, 4):
        store.sql("INSERT INTO people (person_id, name, team_id) VALUES (?, ?, 'T2')", [f"Q{i}", f"Other {i}"])


def t1(result, month: int = 3):
    [group] = [g for g in result.groups if g.scope == "team" and g.team_id == "T1" and g.period_start.month == month]
    return group


def test_the_database_file_holds_no_key_and_tokens_cannot_be_rebuilt_from_it(tmp_path):
    db = tmp_path / "pulse.duckdb"
    with sv.connect(db) as store:
        team(store)
        for i in range(1, 6):
            record_response(store, f"P{i}", "appreciation", 3, at=MARCH)
    meta = dict(sv.connect(db).sql(f"SELECT key, value FROM {META_TABLE}").fetchall())
    assert "pulse_secret" not in meta and set(meta) == {"schema_version", "pulse_key_id"}
    # The file owner tries what worked on schema 2: every value in the file as an HMAC key.
    with sv.connect(db) as store:
        tokens = {t for (t,) in store.sql("SELECT respondent_token FROM pulse_responses").fetchall()}
        values = [v for (v,) in store.sql(f"SELECT value FROM {META_TABLE}").fetchall()]
    for value in values:
        for secret in (value.encode(), bytes.fromhex(value) if len(value) % 2 == 0 else b""):
            guesses = {hmac.new(secret, f"P{i}".encode(), hashlib.sha256).hexdigest()[:24] for i in range(1, 8)}
            assert not guesses & tokens
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600


def test_the_key_file_is_created_0600_outside_the_database_and_its_loss_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.chdir(tmp_path)
    with sv.connect(tmp_path / "a.duckdb") as store:
        team(store)
        record_response(store, "P1", "appreciation", 4, at=MARCH)
    key_file = tmp_path / "salesvelocity-pulse.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key_file.chmod(0o644)
    with sv.connect(tmp_path / "a.duckdb") as store, pytest.raises(StoreError, match="can be read by other users"):
        pulse_results(store, K, today=AFTER)
    key_file.unlink()
    with sv.connect(tmp_path / "a.duckdb") as store:
        with pytest.raises(StoreError, match="the pulse key is missing"):
            pulse_results(store, K, today=AFTER)
        with pytest.raises(StoreError, match="the pulse key is missing"):
            record_response(store, "P2", "appreciation", 4, at=MARCH)
    monkeypatch.setenv(KEY_ENV, "another key")
    with sv.connect(tmp_path / "a.duckdb") as store, pytest.raises(StoreError, match="not the one"):
        pulse_results(store, K, today=AFTER)


def test_to_differencing_shows_no_cut_month(store):
    team(store)
    for i in range(1, 6):
        record_response(store, f"P{i}", "appreciation", 4, at=datetime(2026, 3, 2))
    record_response(store, "P6", "appreciation", 1, at=datetime(2026, 3, 20))
    before, after = pulse_results(store, K, end=date(2026, 3, 20)), pulse_results(store, K, end=date(2026, 3, 21))
    assert before.groups == [] and after.groups == []  # March is cut by --to: nothing to subtract
    # The running month shows nothing either, even without --to.
    assert pulse_results(store, K, today=date(2026, 3, 31)).groups == []
    whole = pulse_results(store, K, today=date(2026, 4, 1))
    assert t1(whole).respondents == 6


def test_one_person_answering_twenty_times_counts_once_with_the_last_answer(store):
    team(store)
    for i in range(1, 5):
        record_response(store, f"P{i}", "appreciation", 4, at=MARCH)
    for score in [1] * 19 + [5]:
        record_response(store, "P5", "appreciation", score, at=MARCH)
    assert store.sql("SELECT count(*) FROM pulse_responses").fetchone()[0] == 5
    group = t1(pulse_results(store, K, today=AFTER))
    assert group.respondents == 5 and group.mean == pytest.approx((4 * 4 + 5) / 5)


def test_fake_imported_tokens_count_as_one_respondent(store):
    team(store)
    for i in range(1, 5):
        record_response(store, f"P{i}", "appreciation", 4, at=MARCH)
    fakes = [(f"F{i}", "T1", MARCH, "appreciation", 1, f"{i:032x}") for i in range(10)]
    fakes += [("F-none", "T1", MARCH, "appreciation", 1, None)]
    store.raw.executemany("INSERT INTO pulse_responses VALUES (?, ?, ?, ?, ?, ?)", fakes)
    group = t1(pulse_results(store, K, today=AFTER))
    assert group.status == "shown" and group.respondents == 5  # four people and "the unverified one"
    # Without the four real people the fakes alone never lift a group over k.
    store.sql("DELETE FROM pulse_responses WHERE response_id NOT LIKE 'F%'")
    assert t1(pulse_results(store, K, today=AFTER)).status == HIDDEN


def test_a_person_who_moved_team_counts_in_one_team_and_merged_groups_count_people(store):
    team(store)
    for i in range(1, 5):
        record_response(store, f"P{i}", "appreciation", 4, at=MARCH)
    for i in range(1, 4):
        record_response(store, f"Q{i}", "appreciation", 2, at=MARCH)
    record_response(store, "P4", "support", 3, at=MARCH)
    store.sql("UPDATE people SET team_id = 'T2' WHERE person_id = 'P4'")
    record_response(store, "P4", "happiness", 3, at=datetime(2026, 3, 12))
    rows = store.sql(
        "SELECT DISTINCT team_id FROM pulse_responses WHERE response_id IN "
        "(SELECT response_id FROM pulse_responses WHERE question_id = 'support')"
    ).fetchall()
    assert rows == [("T2",)]  # all of P4's March answers moved with P4
    result = pulse_results(store, K, today=AFTER)
    merged = [g for g in result.groups if g.scope == "other teams" and g.question == "appreciation"]
    company = [g for g in result.groups if g.scope == "company" and g.question == "appreciation"]
    assert merged == [] or merged[0].respondents == 7
    assert company[0].respondents == 7


def test_k_below_three_is_refused_everywhere(store):
    from salesvelocity.empowerment.health import balance

    with pytest.raises(SalesVelocityError, match="below the minimum"):
        pulse_results(store, 2)
    with pytest.raises(SalesVelocityError, match="below the minimum"):
        balance(store, date(2026, 3, 1), 2)


def test_a_schema_2_database_is_rekeyed_and_loses_its_key(tmp_path):
    db = tmp_path / "old.duckdb"
    import duckdb

    old_secret = bytes(range(32))
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for statement in v1_ddl():
        con.execute(statement)
    from salesvelocity.schema import TABLES

    con.execute(TABLES["annotations"].ddl())
    con.execute('ALTER TABLE deals ADD COLUMN IF NOT EXISTS "lost_reason" VARCHAR')
    con.execute(f"INSERT INTO {META_TABLE} VALUES ('schema_version', '2'), ('pulse_secret', ?)", [old_secret.hex()])
    con.execute("INSERT INTO teams VALUES ('T1', 'One', NULL)")
    for i in range(1, 6):
        con.execute("INSERT INTO people (person_id, team_id) VALUES (?, 'T1')", [f"P{i}"])
        old = hmac.new(old_secret, f"P{i}".encode(), hashlib.sha256).hexdigest()[:24]
        for month, at in ((3, datetime(2026, 3, 10, 9, 41, 7)), (4, datetime(2026, 4, 10, 16, 2))):
            con.execute(
                "INSERT INTO pulse_responses VALUES (?, 'T1', ?, 'appreciation', 4, ?)", [f"R{i}-{month}", at, old]
            )
    con.execute("INSERT INTO pulse_responses VALUES ('X', 'T1', '2026-03-11 10:00', 'appreciation', 1, 'foreign')")
    con.close()
    with sv.connect(db) as store:
        meta = dict(store.sql(f"SELECT key, value FROM {META_TABLE}").fetchall())
        assert "pulse_secret" not in meta and meta["schema_version"] == str(SCHEMA_VERSION)
        rows = store.sql(
            "SELECT answered_at, respondent_token FROM pulse_responses WHERE response_id LIKE 'R%'"
        ).fetchall()
        assert all(at.hour == 0 and at.minute == 0 for at, _ in rows)
        assert len({tok for _, tok in rows}) == 10  # one token per person and month
        key = load_key(store)
        result = pulse_results(store, K, today=AFTER, key=key)
        assert t1(result, 3).respondents == 6 and t1(result, 4).respondents == 5  # 5 people + the foreign one
    # Deleted rows linger in a database file's free blocks: the migrated file is rewritten without them.
    data = db.read_bytes()
    assert old_secret.hex().encode() not in data
    assert hmac.new(old_secret, b"P1", hashlib.sha256).hexdigest()[:24].encode() not in data
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
