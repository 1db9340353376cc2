"""The patience guard: judgment dates by hand, "too early to tell", and the demo's real change found."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.demo.generator import COACHING_DAYS_BEFORE
from salesvelocity.errors import SalesVelocityError
from salesvelocity.ingest import import_paths
from salesvelocity.patience import add_annotation, judge, judge_all

AS_OF = date(2026, 12, 1)


def test_judgment_date_by_hand(store, small_files):
    import_paths(store, [small_files])
    at = datetime(2026, 2, 2)
    # P85 cycle of deals won in the 180 days before: d1 10 d, d5 35.5 d → 10 + 0.85 × 25.5 = 31.675 → 32 days
    # (2026-03-06); six full weeks after Monday 2026-02-02 end on 2026-03-16 → the later of the two.
    early = judge(store, "a", at, "new routine", "company", None, as_of=date(2026, 3, 10))
    assert early.judgment_date == date(2026, 3, 16)
    assert early.status == "too early to tell" and "judge on or after 2026-03-16" in early.summary
    later = judge(store, "a", at, "new routine", "company", None, as_of=date(2026, 4, 1))
    # 9 weeks before (from the first deal's week, 2025-12-01) and 8 full weeks after: enough for
    # throughput, whose one win after the change is noise; the ratios have too few weeks with a value.
    assert later.status == "judged"
    assert [v.metric for v in later.verdicts] == ["won"]
    assert later.summary.startswith("no signal")


@pytest.fixture(scope="module")
def demo():
    con = sv.connect(":memory:")
    load_demo(con, generate(6000, 7, AS_OF))
    yield con
    con.close()


def test_the_demo_coaching_change_is_found_as_a_signal(demo):
    judgments = {j.label: j for j in judge_all(demo, AS_OF)}
    coaching = next(j for label, j in judgments.items() if "coaching" in label)
    assert coaching.status == "judged"
    assert coaching.judgment_date < AS_OF
    cycle = next(v for v in coaching.verdicts if v.metric == "cycle_days")
    assert cycle.signal and cycle.improved and cycle.after_mean < 0.85 * cycle.before_mean
    assert "cycle time" in coaching.summary


def test_a_fresh_change_is_too_early_to_tell(demo):
    annotation_id = add_annotation(
        demo, "new pricing page", datetime.combine(AS_OF - timedelta(days=10), datetime.min.time())
    )
    fresh = next(j for j in judge_all(demo, AS_OF) if j.annotation_id == annotation_id)
    assert fresh.status == "too early to tell" and fresh.verdicts == []
    assert fresh.judgment_date >= AS_OF - timedelta(days=10) + timedelta(weeks=6)
    assert COACHING_DAYS_BEFORE > 60


def test_annotation_needs_a_label_and_a_known_team(demo):
    with pytest.raises(SalesVelocityError, match="needs a label"):
        add_annotation(demo, "  ", datetime(2026, 1, 1))
    with pytest.raises(SalesVelocityError, match="unknown team"):
        add_annotation(demo, "x", datetime(2026, 1, 1), team="nope")
