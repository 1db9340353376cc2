"""Recognition, obstacles, 1:1 prompts and early warnings on a hand-made team; as of 2026-04-01.

Recognition: A1 by M1 on 03-20 and by A2 on 03-25 (gap 7 d, 2 in 30 d); A2 on 02-01 (gap 59 d); A3 never;
B1 on 03-31. Coverage Alpha = 1 of 3 reps; spread: of 3 recognitions in 90 days, the top fifth (1 person,
A1) got 2 → 2/3. Unrecognised wins in [2026-01-01, 2026-04-01): w2 (A3, 03-01) and w5 (B1, 02-10); w1 and
w3 were thanked within 7 days; w4 closed 4 days ago and still has time.
Obstacles in Alpha: first responses after 6 h and 24 h (o3 none) → P50 15 h, P85 6 + .85 × 18 = 21.3 h;
resolved: o1 after 48 h. Open on 04-01: o2 (22 days, answered) and o3 (12 days, not answered).
Impeded days on d_open: internal 2 (o1), external 22 (o2 still open).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from salesvelocity.empowerment.coaching import coaching_prompts
from salesvelocity.empowerment.health import early_warnings
from salesvelocity.empowerment.obstacles import impeded_days, open_obstacles, raise_obstacle, respond, time_to_help
from salesvelocity.empowerment.recognition import recognise, recognition_coverage, recognition_gap, unrecognised_wins
from salesvelocity.errors import SalesVelocityError
from salesvelocity.ingest import import_paths
from salesvelocity.metrics import Window
from tests.empowerment.fixtures import write_team

AS_OF = datetime(2026, 4, 1)


@pytest.fixture
def team(store, tmp_path):
    import_paths(store, [write_team(tmp_path / "team")])
    return store


def test_recognition_gap(team):
    rows = {r["person_id"]: r for r in team.execute(recognition_gap(team, AS_OF)).to_pylist()}
    assert set(rows) == {"A1", "A2", "A3", "B1"}  # reps only, not the manager
    assert rows["A1"]["gap_days"] == pytest.approx(7.0) and rows["A1"]["recognitions_30d"] == 2
    assert rows["A2"]["gap_days"] == pytest.approx(59.0) and rows["A2"]["recognitions_30d"] == 0
    assert rows["A3"]["gap_days"] is None and rows["A3"]["last_recognised_at"] is None
    assert rows["B1"]["gap_days"] == pytest.approx(1.0)


def test_coverage_and_spread(team):
    rows = {r["team_id"]: r for r in team.execute(recognition_coverage(team, AS_OF)).to_pylist()}
    alpha = rows["T1"]
    assert (alpha["members"], alpha["recognised_30d"], alpha["recognitions_90d"]) == (3, 1, 3)
    assert alpha["coverage"] == pytest.approx(1 / 3) and alpha["spread_top_fifth"] == pytest.approx(2 / 3)
    assert rows["T2"]["coverage"] == 1.0


def test_coverage_counts_the_last_30_days_only(team):
    """The window is (as of − 30 days, as of]: thanks given exactly 30 days before do not count, a minute
    later they do; the 90-day count keeps both."""
    recognise(team, "M1", "A2", "Thanks for the Lisbon visit", at=AS_OF - timedelta(days=30))
    before = {r["team_id"]: r for r in team.execute(recognition_coverage(team, AS_OF)).to_pylist()}["T1"]
    assert (before["recognised_30d"], before["recognitions_90d"]) == (1, 4)  # A1 only, as in the fixture
    recognise(team, "M1", "A3", "Thanks for the Porto demo", at=AS_OF - timedelta(days=30) + timedelta(minutes=1))
    after = {r["team_id"]: r for r in team.execute(recognition_coverage(team, AS_OF)).to_pylist()}["T1"]
    assert (after["recognised_30d"], after["recognitions_90d"]) == (2, 5)
    assert after["coverage"] == pytest.approx(2 / 3)


def test_unrecognised_wins(team):
    rows = team.execute(unrecognised_wins(team, Window(datetime(2026, 1, 1), AS_OF), AS_OF)).to_pylist()
    assert [(r["deal_id"], r["owner"]) for r in rows] == [("w2", "Cy Young"), ("w5", "Di Prince")]
    assert rows[0]["days_since_won"] == pytest.approx(31.0)


def test_time_to_help_open_obstacles_and_impeded_days(team):
    help_ = {r["team_id"]: r for r in team.execute(time_to_help(team, Window(datetime(2026, 1, 1), AS_OF))).to_pylist()}
    alpha = help_["T1"]
    assert (alpha["raised"], alpha["responded"], alpha["resolved"]) == (3, 2, 1)
    assert alpha["first_response_p50_h"] == pytest.approx(15.0) and alpha["first_response_p85_h"] == pytest.approx(21.3)
    assert alpha["resolve_p50_h"] == pytest.approx(48.0)
    assert (help_["T2"]["first_response_p50_h"], help_["T2"]["resolve_p50_h"]) == (
        pytest.approx(12.0),
        pytest.approx(96.0),
    )
    still = team.execute(open_obstacles(team, AS_OF)).to_pylist()
    assert [(o["obstacle_id"], round(o["age_days"]), o["responded"]) for o in still] == [
        ("o2", 22, True),
        ("o3", 12, False),
    ]
    impeded = {
        (r["deal_id"], r["category"]): r["impeded_days"] for r in team.execute(impeded_days(team, AS_OF)).to_pylist()
    }
    assert impeded == {("d_open", "internal"): pytest.approx(2.0), ("d_open", "external"): pytest.approx(22.0)}


def test_early_warnings_explain_and_ask(team):
    people = {p.person_id: p for p in early_warnings(team, date(2026, 4, 1), "T1")}
    assert [p.name for p in early_warnings(team, date(2026, 4, 1), "T1")] == ["Ada Lovelace", "Bo Chen", "Cy Young"]
    assert people["A1"].warnings == []
    assert [w.signal for w in people["A2"].warnings] == ["recognition gap", "obstacle open", "no recent 1:1"]
    assert "last recognised 59 days ago" in people["A2"].warnings[0].explanation
    assert "“Legal review” has been open for 22 days" in people["A2"].warnings[1].explanation
    assert [w.signal for w in people["A3"].warnings] == ["recognition gap", "no recent 1:1"]
    assert "no recognition recorded yet" in people["A3"].warnings[0].explanation
    assert "last 1:1 was 31 days ago" in people["A3"].warnings[1].explanation
    assert all(w.question.endswith("?") for p in people.values() for w in p.warnings)


def test_coaching_prompts_are_questions_with_reasons(team):
    prompts = coaching_prompts(team, "A2", date(2026, 4, 1))
    assert [p.source for p in prompts] == ["open obstacle", "support"]
    assert prompts[0].question == "What is still in the way on “Legal review”, and what can I do about it this week?"
    assert prompts[0].reason == "raised 22 days ago (you responded)"
    assert all(p.question.endswith("?") for p in prompts)
    cy = coaching_prompts(team, "A3", date(2026, 4, 1))
    assert [p.source for p in cy] == ["unrecognised win", "open obstacle", "support"]  # w4 still has time
    assert cy[0].question == "Which part of winning w2 are you proudest of?"
    assert cy[1].reason == "raised 12 days ago (no response yet)"


def test_recording_recognition_and_obstacles(team):
    recognition_id = recognise(team, "M1", "A3", "Thanks for rescuing the Acme demo", "w2", at=datetime(2026, 3, 2))
    kind = team.sql("SELECT kind FROM recognitions WHERE recognition_id = ?", [recognition_id]).fetchone()[0]
    assert kind == "manager"
    wins = team.execute(unrecognised_wins(team, Window(datetime(2026, 1, 1), AS_OF), AS_OF)).to_pylist()
    assert [w["deal_id"] for w in wins] == ["w5"]
    with pytest.raises(SalesVelocityError, match="unknown person"):
        recognise(team, "M1", "nobody", "x")
    with pytest.raises(SalesVelocityError, match="someone else"):
        recognise(team, "A1", "A1", "me")
    obstacle_id = raise_obstacle(
        team, "A1", "Need a reference customer", "external", "d_open", at=datetime(2026, 3, 30)
    )
    respond(team, obstacle_id, at=datetime(2026, 3, 30, 6))
    respond(team, obstacle_id, at=datetime(2026, 3, 31), resolve=True, resolution="Intro to Globex")
    row = team.sql(
        "SELECT first_response_at::VARCHAR, resolved_at::VARCHAR FROM obstacles WHERE obstacle_id = ?", [obstacle_id]
    ).fetchone()
    assert row == ("2026-03-30 06:00:00", "2026-03-31 00:00:00")
    with pytest.raises(SalesVelocityError, match="already resolved"):
        respond(team, obstacle_id)


def test_coach_and_health_outputs_hold_no_rank_or_pulse_figure(team, tmp_path):
    from salesvelocity.empowerment.pulse import DEFAULT_QUESTIONS, record_response

    for person, score in (("A1", 1), ("A2", 5), ("A3", 2)):
        record_response(team, person, "appreciation", score, at=datetime(2026, 3, 15))
    from salesvelocity.empowerment.health import balance
    from salesvelocity.output import to_json

    personal = to_json(
        {
            "coach": [
                p.__dict__ for p in coaching_prompts(team, person, date(2026, 4, 1)) for person in ("A1", "A2", "A3")
            ],
            "health": early_warnings(team, date(2026, 4, 1)),
        }
    ).lower()
    assert "rank" not in personal and "score" not in personal
    assert not any(q in personal for q in DEFAULT_QUESTIONS if q != "support")  # no pulse figure per person
    teams = json.loads(to_json(balance(team, date(2026, 4, 1), k=5)))
    assert "rank" not in json.dumps(teams).lower()
    assert teams[0]["parts"]["pulse: appreciation and support"] is None  # 3 people answered < k: not used
