"""The service layer: each use case through one Context, typed results whose dump is the JSON output, the
registries of renderers and report sections, and — for every role — only what design.md §5 allows."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date

import pyarrow as pa
import pytest

import salesvelocity as sv
from salesvelocity.config import Settings
from salesvelocity.context import Context
from salesvelocity.i18n import _, language, speaking
from salesvelocity.renderers import RENDERERS, formats
from salesvelocity.report.sections import SECTIONS
from salesvelocity.results import Result
from salesvelocity.scope import ScopeError
from salesvelocity.services import changes, coaching, forecast, funnel, health, obstacles, pulse, recognition, trend
from tests.test_scope import AS_OF, company  # noqa: F401  (the hand-made company and its fixture)

START = date(2026, 1, 1)
SETTINGS = Settings(db=":memory:", pulse_min_respondents=3)


def ctx_of(store, who: str | None, role: str | None = None) -> Context:
    return Context.of(store, SETTINGS, who, role, start=START, end=AS_OF, as_of=AS_OF, today=AS_OF)


def every_result(ctx: Context) -> dict[str, Result]:
    """Every read use case, as ``ctx``'s actor asks it."""
    return {
        "report": funnel.report(ctx, by="team"),
        "trend": trend.trend(ctx, "throughput", "month", by="team"),
        "forecast": forecast.forecast(ctx, history_days=28, trials=200),
        "changes": changes.changes(ctx, "month"),
        "health": health.health(ctx),
        "pulse": pulse.results(ctx),
        "obstacles": obstacles.overview(ctx),
        "kudos": recognition.kudos(ctx),
    }


def test_every_service_returns_a_typed_result_whose_dump_is_the_json(company):  # noqa: F811
    ctx = ctx_of(company, None)
    for name, result in every_result(ctx).items():
        assert isinstance(result, Result), name
        assert json.loads(_json(result)), name
        type(result).model_json_schema(mode="serialization")  # the shape the web API will publish
    report = funnel.report(ctx, by="team")
    doc = json.loads(_json(report))
    assert doc["window"] == {"from": "2026-01-01", "to": "2026-04-01"}
    assert doc["sections"]["velocity"] == report.sections["velocity"].to_pylist() | _iso
    assert "sql" not in doc and "start" not in doc  # internal fields stay out of the dump


def _json(result: Result) -> str:
    from salesvelocity.renderers import to_json

    return to_json(result)


class _Iso:
    """``rows | _iso``: rows as JSON writes them (dates and times ISO)."""

    def __ror__(self, rows: list[dict]) -> list[dict]:
        return json.loads(json.dumps(rows, default=lambda v: v.isoformat()))


_iso = _Iso()


@pytest.mark.parametrize(
    ("who", "role", "teams", "people", "kudos"),
    [
        ("Ann", None, {"Alpha"}, {"A1"}, {"r1", "r3"}),  # a rep: the team in aggregate, themself in detail
        ("Mona", None, {"Alpha"}, {"A1", "A2"}, {"r1", "r3"}),  # a manager: their team
        ("Vera", None, {"Alpha", "Beta"}, {"A1", "A2", "B1", "B2"}, {"r1", "r2", "r3"}),  # manager of managers
        ("Eve", "exec", {"Alpha", "Beta"}, set(), set()),  # an exec: every team, nobody one by one
        (None, None, {"Alpha", "Beta"}, {"A1", "A2", "B1", "B2", "E1"}, {"r1", "r2", "r3"}),  # the admin: all
    ],
)
def test_each_service_shows_each_role_only_what_it_may(company, who, role, teams, people, kudos):  # noqa: F811
    ctx = ctx_of(company, who, role)
    got = every_result(ctx)
    assert {r["label"] for r in got["report"].sections["velocity"].to_pylist()} == teams
    assert {g.label for g in got["trend"].groups} == teams
    assert {b.name for b in got["health"].teams} == teams
    assert {p.person_id for p in got["health"].people} == people
    owners = {"A1": "Ann", "A2": "Abe", "B1": "Bea", "B2": "Ben", "E1": "Eve"}
    assert {r["owner"] for r in got["report"].sections["stuck_deals"].to_pylist()} <= {owners[p] for p in people}
    assert {r["raised_by"] for r in got["obstacles"].open.to_pylist()} == people & {"A1", "B1"}
    assert {r["recognition_id"] for r in got["kudos"].rows.to_pylist()} == kudos
    seen_teams = {"T1": "Alpha", "T2": "Beta"}
    assert {seen_teams[g.team_id] for g in got["pulse"].groups if g.team_id} <= teams
    assert {c.scope_name for c in got["changes"].changes if c.scope == "team"} <= teams


def test_kudos_name_both_people_never_their_ids(company):  # noqa: F811
    rows = recognition.kudos(ctx_of(company, "Ann"), person="Ann").rows.to_pylist()
    assert {(r["from_name"], r["to_name"]) for r in rows} == {("Mona", "Ann"), ("Ann", "Bea")}


def test_coaching_is_only_for_people_one_may_see_one_by_one(company):  # noqa: F811
    agenda = coaching.agenda(ctx_of(company, "Mona"), "Abe")
    assert agenda.name == "Abe" and agenda.prompts and all(p.question.endswith("?") for p in agenda.prompts)
    with pytest.raises(ScopeError, match="no person 'Abe'"):
        coaching.agenda(ctx_of(company, "Ann"), "Abe")


def test_a_person_records_only_as_themself(company, tmp_path):  # noqa: F811
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(company.location, db)
    with sv.connect(db) as store:
        ann = ctx_of(store, "Ann")
        with pytest.raises(ScopeError, match="Ann records only as themself"):
            recognition.give(ann, "Bea", "thanks", given_by="Ben")
        given = recognition.give(ann, "Bea", "thanks for the intro")  # from Ann, as herself
        recs = store.table("recognitions")
        assert store.value(recs.filter(recs.recognition_id == given).given_by.max()) == "A1"
        with pytest.raises(ScopeError, match="--from is needed"):
            recognition.give(ctx_of(store, None), "Bea", "thanks")  # the admin says whose kudos they are


def test_every_renderer_exists_and_every_result_has_json(company):  # noqa: F811
    for (kind, fmt), found in RENDERERS.items():
        assert callable(found.function()), (kind, fmt)
        if found.files:
            assert callable(found.function(found.files))
        assert "json" in formats(kind)
    assert formats("Agenda") == ["table", "json"]


def test_a_format_a_command_cannot_write_is_refused_before_any_work(company):  # noqa: F811
    done = subprocess.run(
        [sys.executable, "-m", "salesvelocity.cli", "--db", company.location, "coach", "A1", "--format", "csv"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "this command has no csv output" in done.stderr and "--format table or json" in done.stderr


def test_every_report_section_is_built_and_its_columns_exist(company):  # noqa: F811
    report = funnel.report(ctx_of(company, None), over_time=False)
    assert list(report.sections) == [s.name for s in SECTIONS]
    for section in SECTIONS:
        names = report.sections[section.name].column_names
        missing = [c.key for c in section.columns if c.key not in names]
        assert missing == [], section.name
        assert isinstance(report.sections[section.name], pa.Table)


def test_each_thread_speaks_its_own_language():
    heard = {}

    def dutch():
        with speaking("nl"):
            heard["nl"] = _("won")

    thread = threading.Thread(target=dutch)
    thread.start()
    thread.join()
    assert heard["nl"] != "won" and _("won") == "won" and language() == "en"


def test_context_open_reads_settings_and_never_writes(company, tmp_path):  # noqa: F811
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(company.location, db)
    before = db.read_bytes()
    with Context.open(Settings(db=str(db)), person="Ann") as ctx:
        assert ctx.actor.name == "Ann" and ctx.actor.role == "rep"
        assert [r["label"] for r in funnel.report(ctx, over_time=False).sections["velocity"].to_pylist()]
    assert db.read_bytes() == before
