"""Roles and scope (design.md §5): each role sees exactly what it may, in every table and every service.

The company, by hand:

    Vera (V1, VP)            ─ manages Mona and Max (people.manager_id)
    ├─ Mona (M1) manages team Alpha (T1): Ann (A1), Abe (A2 — moved here from Beta)
    └─ Max  (M2) manages team Beta  (T2): Bea (B1), Ben (B2)
    Eve (E1): an executive, in no team

Deals: Ann d1 d2, Abe d3 (opened while he was in Beta: deals follow their owner), Bea d4, Ben d5.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

import salesvelocity as sv
from salesvelocity.empowerment.coaching import coaching_prompts
from salesvelocity.empowerment.health import early_warnings
from salesvelocity.empowerment.obstacles import open_obstacles
from salesvelocity.empowerment.pulse import pulse_results
from salesvelocity.ingest import import_paths
from salesvelocity.report.build import build_report
from salesvelocity.report.trend import build_trend
from salesvelocity.schema import TABLES
from salesvelocity.scope import ADMIN, ScopedStore, ScopeError, actor_for
from tests.conftest import write_csv

AS_OF = date(2026, 4, 1)


def write_company(folder):
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder, "teams", ["team_id", "name", "manager_id"], [["T1", "Alpha", "M1"], ["T2", "Beta", "M2"]])
    write_csv(
        folder,
        "people",
        ["person_id", "name", "team_id", "role", "manager_id"],
        [
            ["V1", "Vera", "", "manager", ""],
            ["M1", "Mona", "T1", "manager", "V1"],
            ["M2", "Max", "T2", "manager", "V1"],
            ["A1", "Ann", "T1", "rep", "M1"],
            ["A2", "Abe", "T1", "rep", "M1"],
            ["B1", "Bea", "T2", "rep", "M2"],
            ["B2", "Ben", "T2", "rep", "M2"],
            ["E1", "Eve", "", "rep", ""],
        ],
    )
    write_csv(
        folder,
        "deals",
        ["deal_id", "owner_id", "created_at", "status", "stage", "amount", "closed_at", "account"],
        [
            ["d1", "A1", "2026-01-05", "won", "Won", "100", "2026-02-01", "Acme"],
            ["d2", "A1", "2026-01-10", "open", "Proposal", "200", "", "Bolt"],
            ["d3", "A2", "2026-01-12", "won", "Won", "300", "2026-03-01", "Crane"],
            ["d4", "B1", "2026-01-15", "lost", "Lost", "400", "2026-02-20", "Delta"],
            ["d5", "B2", "2026-01-20", "open", "Proposal", "500", "", "Echo"],
        ],
    )
    write_csv(
        folder,
        "stage_changes",
        ["deal_id", "stage", "entered_at"],
        [[d, "Proposal", f"2026-01-{20 + i:02d}"] for i, d in enumerate(["d1", "d2", "d3", "d4", "d5"])],
    )
    write_csv(
        folder,
        "leads",
        ["lead_id", "created_at", "owner_id", "first_touch_at"],
        [["l1", "2026-01-02", "A1", "2026-01-02T01:00:00"], ["l2", "2026-01-03", "B1", ""]],
    )
    write_csv(
        folder,
        "targets",
        ["scope", "scope_id", "period_start", "period_end", "metric", "value"],
        [
            ["company", "", "2026-01-01", "2026-03-31", "won_amount", "1000"],
            ["team", "T1", "2026-01-01", "2026-03-31", "won_amount", "400"],
            ["team", "T2", "2026-01-01", "2026-03-31", "won_amount", "600"],
            ["person", "A1", "2026-01-01", "2026-03-31", "won_amount", "150"],
        ],
    )
    write_csv(
        folder,
        "recognitions",
        ["recognition_id", "given_by", "given_to", "given_at", "message"],
        [
            ["r1", "M1", "A1", "2026-02-02", "great close"],
            ["r2", "B1", "B2", "2026-02-03", "thanks"],
            ["r3", "A1", "B1", "2026-02-04", "across teams"],
        ],
    )
    write_csv(
        folder,
        "pulse_responses",
        ["response_id", "team_id", "answered_at", "question_id", "score"],
        [[f"q{i}", team, "2026-02-10", "support", 4] for i, team in enumerate(["T1"] * 3 + ["T2"] * 3)],
    )
    write_csv(
        folder,
        "obstacles",
        ["obstacle_id", "raised_by", "raised_at", "title"],
        [["o1", "A1", "2026-03-01", "legal review"], ["o2", "B1", "2026-03-02", "pricing approval"]],
    )
    write_csv(
        folder,
        "one_on_ones",
        ["person_id", "manager_id", "held_on"],
        [["A1", "M1", "2026-03-10"], ["B1", "M2", "2026-03-11"], ["M1", "V1", "2026-03-12"]],
    )
    write_csv(
        folder,
        "annotations",
        ["annotation_id", "at", "label", "scope", "scope_id"],
        [
            ["n0", "2026-01-01", "new CRM", "company", ""],
            ["n1", "2026-02-01", "Alpha playbook", "team", "T1"],
            ["n2", "2026-02-01", "Beta playbook", "team", "T2"],
        ],
    )
    return folder


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    db = tmp_path_factory.mktemp("scope") / "company.duckdb"
    with sv.connect(db) as store:
        import_paths(store, [write_company(db.parent / "files")])
    store = sv.connect(db, read_only=True)
    yield store
    store.close()


KEYS = {
    "teams": "team_id",
    "people": "person_id",
    "deals": "deal_id",
    "stage_changes": "deal_id",
    "leads": "lead_id",
    "targets": "scope_id",
    "recognitions": "recognition_id",
    "obstacles": "obstacle_id",
    "pulse_responses": "team_id",
    "one_on_ones": "person_id",
    "annotations": "annotation_id",
}
ALPHA = {
    "teams": {"T1"},
    "people": {"M1", "A1", "A2"},
    "deals": {"d1", "d2", "d3"},
    "stage_changes": {"d1", "d2", "d3"},
    "leads": {"l1"},
    "targets": {"T1", "A1"},
    "recognitions": {"r1", "r3"},
    "pulse_responses": {"T1"},
    "obstacles": {"o1"},
    "one_on_ones": {"A1", "M1"},
    "annotations": {"n0", "n1"},
}
BETA = {
    "teams": {"T2"},
    "people": {"M2", "B1", "B2"},
    "deals": {"d4", "d5"},
    "stage_changes": {"d4", "d5"},
    "leads": {"l2"},
    "targets": {"T2"},
    "recognitions": {"r2", "r3"},
    "pulse_responses": {"T2"},
    "obstacles": {"o2"},
    "one_on_ones": {"B1"},
    "annotations": {"n0", "n2"},
}
ANN_ALONE = {
    "teams": {"T1"},
    "people": {"A1"},
    "deals": {"d1", "d2"},
    "stage_changes": {"d1", "d2"},
    "leads": {"l1"},
    "targets": {"T1", "A1"},
    "recognitions": {"r1", "r3"},
    "pulse_responses": {"T1"},
    "obstacles": {"o1"},
    "one_on_ones": {"A1"},
    "annotations": {"n0", "n1"},
}


def _visible(view) -> dict[str, set]:
    seen = {}
    for name, key in KEYS.items():
        table = view.table(name)
        seen[name] = {v for v in view.execute(table.select(key)).column(0).to_pylist() if v is not None}
    return seen


def test_every_table_has_a_scope_rule(company):
    view = ScopedStore.of(company, actor_for(company, "Ann"))
    for name in TABLES:
        view.execute(view.table(name).count())  # a table without a rule raises


@pytest.mark.parametrize(
    ("who", "role", "aggregate", "detail"),
    [
        ("Mona", None, ALPHA, ALPHA),
        ("Max", None, BETA, BETA),
        ("Ann", None, ALPHA, ANN_ALONE),
    ],
)
def test_each_role_sees_its_rows_in_every_table(company, who, role, aggregate, detail):
    view = ScopedStore.of(company, actor_for(company, who, role))
    assert _visible(view) == aggregate
    assert _visible(view.detail()) == detail


def test_a_manager_of_managers_sees_both_teams_and_their_1on1s(company):
    view = ScopedStore.of(company, actor_for(company, "Vera"))
    seen = _visible(view)
    assert seen["teams"] == {"T1", "T2"}
    assert seen["deals"] == {"d1", "d2", "d3", "d4", "d5"}
    assert seen["people"] == {"V1", "M1", "M2", "A1", "A2", "B1", "B2"}  # not Eve, who reports to no one here
    assert seen["one_on_ones"] == {"A1", "B1", "M1"}
    assert seen["targets"] == {"T1", "T2", "A1"}  # company targets belong to the whole company


def test_roles_are_the_persons_own_or_inferred(company):
    assert actor_for(company, "A1").role == "rep"
    assert actor_for(company, "mona").role == "manager"  # names in any case
    assert actor_for(company, "Eve", role="exec").role == "exec"
    with pytest.raises(ScopeError, match="no person 'Zed'"):
        actor_for(company, "Zed")


def test_an_exec_sees_all_teams_in_aggregate_and_nobody_in_detail(company):
    view = ScopedStore.of(company, actor_for(company, "Eve", role="exec"))
    assert _visible(view)["deals"] == {"d1", "d2", "d3", "d4", "d5"}
    detail = _visible(view.detail())
    assert detail.pop("annotations") == {"n0"}  # company-wide changes are everyone's
    assert not any(detail.values()), detail
    with pytest.raises(ScopeError, match="sees teams, not people"):
        build_report(view, date(2026, 1, 1), AS_OF, by="person", over_time=False)
    assert early_warnings(view, AS_OF) == []


def test_a_rep_report_shows_the_team_in_aggregate_and_only_their_own_deals(company):
    ann = ScopedStore.of(company, actor_for(company, "A1"))
    report = build_report(ann, date(2026, 1, 1), AS_OF, by="team", over_time=False)
    assert [r["label"] for r in report.sections["velocity"].to_pylist()] == ["Alpha"]
    assert {r["owner"] for r in report.sections["stuck_deals"].to_pylist()} == {"Ann"}
    everyone = build_report(ScopedStore.of(company, ADMIN), date(2026, 1, 1), AS_OF, over_time=False)
    assert {r["owner"] for r in everyone.sections["stuck_deals"].to_pylist()} == {"Ann", "Ben"}
    by_person = build_report(ann, date(2026, 1, 1), AS_OF, by="person", over_time=False)
    assert [r["label"] for r in by_person.sections["velocity"].to_pylist()] == ["Ann"]


def test_a_rep_asking_for_another_team_is_told_it_is_outside_their_scope(company):
    ann = ScopedStore.of(company, actor_for(company, "A1"))
    with pytest.raises(ScopeError, match="team 'Beta' is outside what Ann may see"):
        build_report(ann, date(2026, 1, 1), AS_OF, team="Beta", over_time=False)
    with pytest.raises(ScopeError, match="outside"):
        build_trend(ann, "throughput", "month", date(2026, 1, 1), AS_OF, None, "T2")


def test_a_person_who_moved_team_takes_their_deals_along(company):
    mona = ScopedStore.of(company, actor_for(company, "Mona"))
    max_ = ScopedStore.of(company, actor_for(company, "Max"))
    trend = build_trend(mona, "throughput", "month", date(2026, 1, 1), AS_OF, "person")
    assert {g.label for g in trend.groups} == {"Ann", "Abe"}  # Abe's Beta-era win counts with Alpha now
    assert "d3" not in _visible(max_)["deals"]


def test_coaching_only_for_people_one_may_see_one_by_one(company):
    for who, person in (("Mona", "A1"), ("Vera", "B1"), ("Ann", "A1")):
        coaching_prompts(ScopedStore.of(company, actor_for(company, who)), person, AS_OF)
    for who, person in (("Ann", "A2"), ("Mona", "B1"), ("Ann", "B1")):
        with pytest.raises(sv.SalesVelocityError, match="unknown person"):
            coaching_prompts(ScopedStore.of(company, actor_for(company, who)), person, AS_OF)


def test_empowerment_lists_stay_in_scope(company):
    ann = ScopedStore.of(company, actor_for(company, "A1"))
    assert [p.person_id for p in early_warnings(ann, AS_OF)] == ["A1"]
    assert {o["raised_by"] for o in ann.execute(open_obstacles(ann.detail(), AS_OF)).to_pylist()} == {"A1"}
    everyone = ScopedStore.of(company, ADMIN)
    assert {o["raised_by"] for o in everyone.execute(open_obstacles(everyone, AS_OF)).to_pylist()} == {"A1", "B1"}
    results = pulse_results(ann, k=3, start=date(2026, 1, 1), end=AS_OF, today=AS_OF)
    assert {g.team_id for g in results.groups} <= {"T1"}
    assert [r["raised_by_name"] for r in ann.execute(open_obstacles(ann.detail(), AS_OF)).to_pylist()] == ["Ann"]


def test_the_cli_as_option_shows_what_that_person_sees(company, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", company.location, "report", "--as", "Ann"]
        + ["--from", "2026-01-01", "--to", "2026-04-01", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [r["label"] for r in report["sections"]["velocity"]] == ["Alpha"]
    assert report["viewer"] == "as Ann sees it: their own deals, and their team's figures"
    refused = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", company.location, "--as", "Ann", "trend", "--team", "Beta"],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "outside what Ann may see" in refused.stderr


def test_with_as_a_person_records_only_as_themself(company, tmp_path):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(company.location, db)

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "salesvelocity.cli", "--db", str(db), *args], capture_output=True, text=True
        )

    refused = cli("--as", "Ann", "pulse", "answer", "--person", "B1", "--question", "support", "--score", "2")
    assert refused.returncode == 1 and "Ann records only as themself" in refused.stderr
    assert cli("--as", "Ann", "obstacle", "raise", "--by", "A1", "no demo licence").returncode == 0
    assert cli("--as", "Ann", "recognise", "--from", "B1", "--to", "A1", "thanks").returncode == 1
    not_hers = cli("--as", "Ann", "obstacle", "respond", "o2")
    assert not_hers.returncode == 1 and "unknown obstacle 'o2'" in not_hers.stderr
    assert cli("--as", "Mona", "obstacle", "respond", "o1").returncode == 0
    assert cli("--as", "Max", "obstacle", "respond", "o1").returncode == 1
