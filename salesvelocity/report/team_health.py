"""The report's team-health part: per team, recognition, help and pulse beside velocity, plus the
where-can-I-help lists (unrecognised wins, open obstacles). Team figures only; no one is ranked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import Field

from salesvelocity.empowerment.health import TeamBalance, balance
from salesvelocity.empowerment.obstacles import open_obstacles, time_to_help
from salesvelocity.empowerment.recognition import recognition_coverage, unrecognised_wins
from salesvelocity.metrics import Window
from salesvelocity.results import Result
from salesvelocity.store import Store

WINDOW_DAYS = 90
LIST_LIMIT = 15


class TeamHealth(Result):
    """Team figures beside velocity, and the lists where a manager can help."""

    as_of: date
    rows: list[dict] = Field(default_factory=list, serialization_alias="teams")  # one per team
    balance: list[TeamBalance] = []
    unrecognised: list[dict] = Field(default_factory=list, serialization_alias="unrecognised_wins")
    obstacles: list[dict] = Field(default_factory=list, serialization_alias="open_obstacles")
    notes: list[str] = Field(default_factory=list, exclude=True)


def build_team_health(store: Store, as_of: date, team: str | None = None, k: int = 5) -> TeamHealth:
    moment = datetime.combine(as_of, time.min)
    window = Window(moment - timedelta(days=WINDOW_DAYS), moment)
    result = TeamHealth(as_of=as_of)
    coverage = {r["team_id"]: r for r in store.execute(recognition_coverage(store, moment)).to_pylist()}
    help_ = {r["team_id"]: r for r in store.execute(time_to_help(store, window)).to_pylist()}
    wins = store.execute(unrecognised_wins(store, window, moment)).to_pylist()
    still = store.execute(open_obstacles(store, moment, team)).to_pylist()
    result.balance = [b for b in balance(store, as_of, k, result.notes) if team is None or b.team_id == team]
    recognised_any = store.uses("recognitions")
    if not recognised_any:
        coverage, wins = {}, []
    detail = store.detail()  # the lists name people and deals: only those one may see one by one
    listed_wins = store.execute(unrecognised_wins(detail, window, moment)).to_pylist() if recognised_any else []
    listed_obstacles = store.execute(open_obstacles(detail, moment, team)).to_pylist()
    for b in result.balance:
        c, h = coverage.get(b.team_id, {}), help_.get(b.team_id, {})
        result.rows.append(
            {
                "team_id": b.team_id,
                "team": b.name,
                "members": c.get("members"),
                "recognition_coverage": c.get("coverage"),
                "spread_top_fifth": c.get("spread_top_fifth"),
                "unrecognised_wins": sum(1 for w in wins if w["team_id"] == b.team_id) if recognised_any else None,
                "first_response_p50_h": h.get("first_response_p50_h"),
                "open_obstacles": sum(1 for o in still if o["team_id"] == b.team_id),
                "velocity_index": b.velocity_index,
                "empowerment_index": b.empowerment_index,
                "reading": b.reading,
            }
        )
    result.unrecognised = [w for w in listed_wins if team is None or w["team_id"] == team][:LIST_LIMIT]
    result.obstacles = listed_obstacles[:LIST_LIMIT]
    return result
