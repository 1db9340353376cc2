"""Pulse anonymity: try to break it. k = 5 throughout.

March 2026, question "appreciation": team T1 has 4 respondents, T2 has 5, T3 has 7. Shown naively, the
company mean minus T2 and T3 would reveal T1's four people. February: every team has 6.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime

import pytest

from salesvelocity.empowerment.pulse import HIDDEN, pulse_results, record_response
from salesvelocity.empowerment.pulse_key import load_key, make_token
from salesvelocity.errors import SalesVelocityError

K = 5


def seed(store, march=(("T1", 4), ("T2", 5), ("T3", 7))) -> None:
    store.sql("INSERT INTO teams VALUES ('T1', 'One', NULL), ('T2', 'Two', NULL), ('T3', 'Three', NULL)")
    key = load_key(store, create=True)
    rows = []
    for team, n in march:
        for i in range(n):
            tok = make_token(key, f"{team}-{i}", date(2026, 3, 1))
            rows.append((f"{team}-m{i}", team, datetime(2026, 3, 10), "appreciation", 1 + (i % 5), tok))
            rows.append((f"{team}-n{i}", team, datetime(2026, 3, 10), "enps", 10 - i, tok))
    for team in ("T1", "T2", "T3"):
        for i in range(6):
            tok = make_token(key, f"{team}-{i}", date(2026, 2, 1))
            rows.append((f"{team}-f{i}", team, datetime(2026, 2, 10), "appreciation", 3, tok))
    store.raw.executemany("INSERT INTO pulse_responses VALUES (?, ?, ?, ?, ?, ?)", rows)


def cell(result, scope, team, question="appreciation", month=3):
    found = [
        g
        for g in result.groups
        if g.scope == scope and g.team_id == team and g.question == question and g.period_start.month == month
    ]
    assert len(found) == 1, (scope, team, found)
    return found[0]


def test_four_hidden_five_shown(store):
    seed(store, march=(("T1", 4), ("T3", 5)))
    result = pulse_results(store, K)
    assert cell(result, "team", "T1").status == HIDDEN and cell(result, "team", "T1").mean is None
    assert cell(result, "team", "T1").respondents is None  # not even the count of a small group
    # T3 alone would be shown, but company − T3 would reveal T1: so T3 is hidden too, and the two are merged.
    assert cell(result, "team", "T3").status == HIDDEN
    merged = cell(result, "other teams", None)
    assert merged.status == "shown" and merged.respondents == 9


def test_company_total_beside_all_but_one_team_reveals_nothing(store):
    seed(store)
    result = pulse_results(store, K)
    shown = [
        g for g in result.groups if g.period_start.month == 3 and g.question == "appreciation" and g.status == "shown"
    ]
    teams = {g.team_id: g for g in shown if g.scope == "team"}
    assert set(teams) == {"T3"}  # T2 (5) was hidden with T1 (4): together 9 ≥ k
    company = cell(result, "company", None)
    merged = cell(result, "other teams", None)
    # What an attacker can subtract: company − shown teams = the merged group, which has ≥ k people.
    revealed_people = company.respondents - sum(g.respondents for g in teams.values())
    assert revealed_people == merged.respondents >= K
    revealed_sum = company.mean * company.respondents - sum(g.mean * g.respondents for g in teams.values())
    assert revealed_sum == pytest.approx(merged.mean * merged.respondents)


def test_every_hidden_pool_is_zero_or_at_least_k(store):
    seed(store, march=(("T1", 3), ("T2", 3), ("T3", 3)))
    result = pulse_results(store, K)
    for g in result.groups:
        if g.status == "shown":
            assert g.respondents >= K
    merged = cell(result, "other teams", None)
    assert merged.respondents == 9 and cell(result, "company", None).status == "shown"
    seed_small = [g for g in pulse_results(store, 10).groups if g.period_start.month == 3]
    assert all(g.status == HIDDEN for g in seed_small if g.question == "appreciation")


def test_narrowing_by_period_or_question_adds_no_overlapping_figure(store):
    seed(store)
    whole = pulse_results(store, K, start=date(2026, 2, 1), end=date(2026, 4, 1))
    february = pulse_results(store, K, start=date(2026, 2, 1), end=date(2026, 3, 1))
    march = pulse_results(store, K, start=date(2026, 3, 1), end=date(2026, 4, 1))
    key = lambda g: (g.scope, g.team_id, g.question, g.period_start, g.status, g.respondents, g.mean)  # noqa: E731
    assert sorted(map(key, whole.groups)) == sorted(map(key, february.groups + march.groups))
    # a window ending inside a month cuts it: a cut month shows nothing, so no partial figure to subtract
    mid = pulse_results(store, K, start=date(2026, 3, 5), end=date(2026, 3, 20))
    assert mid.groups == []
    # per question: enps in March is suppressed on its own counts, the same way
    assert cell(whole, "team", "T1", "enps").status == HIDDEN and cell(whole, "team", "T3", "enps").status == "shown"


def test_team_filter_returns_the_same_suppressed_cells(store):
    seed(store)
    only = pulse_results(store, K, team="T2")
    assert {g.team_id for g in only.groups} == {"T2"}
    assert cell(only, "team", "T2").status == HIDDEN  # hidden in the company view, hidden here


def test_k_below_three_is_refused(store):
    with pytest.raises(SalesVelocityError, match="below the minimum of 3"):
        pulse_results(store, 2)


def test_tokens_are_opaque_per_period_and_answers_kept_to_the_day(store, small_files):
    from salesvelocity.ingest import import_paths

    import_paths(store, [small_files])
    record_response(store, "A1", "appreciation", 4, at=datetime(2026, 3, 1, 14, 37, 12))
    record_response(store, "A1", "appreciation", 3, at=datetime(2026, 4, 2, 9, 5))
    stored = store.sql("SELECT team_id, answered_at, respondent_token FROM pulse_responses ORDER BY 2").fetchall()
    assert [(t, a) for t, a, _ in stored] == [("T1", datetime(2026, 3, 1)), ("T1", datetime(2026, 4, 2))]
    march, april = stored[0][2], stored[1][2]
    assert march != april and "A1" not in march  # answers of two months cannot be linked by their token
    with pytest.raises(SalesVelocityError, match="1–5 scale"):
        record_response(store, "A1", "appreciation", 7)


def test_cli_outputs_in_every_format_keep_small_groups_hidden(tmp_path):
    import salesvelocity as sv

    db = tmp_path / "pulse.duckdb"
    with sv.connect(db) as store:
        seed(store)
        store_tokens = store.sql("SELECT DISTINCT respondent_token FROM pulse_responses").fetchall()
    for fmt in ("table", "json", "csv"):
        done = subprocess.run(
            [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), "pulse", "results", "--format", fmt],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        out = done.stdout
        tokens = [t for (t,) in store_tokens]
        assert tokens and not any(t in out for t in tokens)  # tokens never leave the store
        if fmt == "json":
            groups = json.loads(out)["groups"]
            t1 = [
                g
                for g in groups
                if g["team_id"] == "T1" and g["period_start"].startswith("2026-03") and g["question"] == "appreciation"
            ]
            assert t1 == [
                {
                    "scope": "team",
                    "team_id": "T1",
                    "question": "appreciation",
                    "period_start": "2026-03-01",
                    "status": HIDDEN,
                    "respondents": None,
                    "mean": None,
                    "enps": None,
                }
            ]
        if fmt == "csv":
            line = next(x for x in out.splitlines() if x.startswith("team,T1,appreciation,2026-03-01"))
            assert line == f"team,T1,appreciation,2026-03-01,{HIDDEN},,,"
